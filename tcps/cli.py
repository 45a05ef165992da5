"""The command line: a thin layer over tcps.parse, tcps.load and friends.

Every command that reports on several files keeps going after a bad one, prints one line per
problem on stderr (``<file>: <reason>``) and says in its exit code whether anything failed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tcps import __version__
from tcps.errors import TcpsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tcps")
def cli() -> None:
    """Turn ILAB Technical Cooperation Project Summaries into a database you query with SQL."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json",
              show_default=True,
              help="json: one object (an array for several files); jsonl: one per line; text: for people.")
def parse(files: tuple[Path, ...], fmt: str) -> None:
    """Parse summaries and print their records (no database involved).

    Exit status: 0 when every file parsed, 1 when any file could not be read as a summary.
    """
    from tcps.parse import parse_file
    from tcps.render import record_as_text

    records, failed = [], 0
    for path in files:
        try:
            records.append(parse_file(path))
        except TcpsError as e:
            click.echo(f"error: {e}", err=True)
            failed += 1
    if fmt == "json":
        data = [r.to_dict() for r in records]
        if records:
            out = data[0] if len(files) == 1 else data
            click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    elif fmt == "jsonl":
        for r in records:
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False))
    else:
        click.echo("\n\n".join(record_as_text(r) for r in records))
    sys.exit(1 if failed else 0)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
