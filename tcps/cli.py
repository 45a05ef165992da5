"""The command line: a thin layer over tcps.parse, tcps.load and friends.

Every command that reports on several files keeps going after a bad one, prints one line per
problem on stderr (``<file>: <reason>``) and says in its exit code whether anything failed.
"""
from __future__ import annotations

import json
import sys
from contextlib import nullcontext
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


def db_option(command):
    """--db URL, shared by every command that uses the database."""
    return click.option(
        "--db", metavar="URL",
        help="Database URL, or a path to a SQLite file "
             "[default: $TCPS_DATABASE_URL, else the SQLite file tcps.db here].")(command)


def _engine_or_exit(url: str | None):
    """An engine that has connected once: a database tcps cannot use is a configuration error."""
    import sqlalchemy as sa

    from tcps.db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect():
            pass
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, sa.exc.OperationalError) as e:
        click.echo(f"error: cannot use database {url or '(default)'}: {e}", err=True)
        sys.exit(2)
    return engine


@cli.command(epilog="""\b
Exit status:
   0  every file loaded, or was unchanged
   1  some files failed (listed on stderr and in load_errors); the others loaded
   2  usage or configuration error (bad option, missing folder, unusable database)
  75  another refresh holds the lock on this database (try again later)""")
@click.argument("folder", default="data",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
@click.option("--prune", is_flag=True,
              help="Delete the projects whose every source file has gone from FOLDER, with their child rows.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="When another refresh holds the lock, wait up to SECONDS for it [default: exit 75 at once].")
@click.option("--dry-run", is_flag=True, help="Say what would change, and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as one JSON object.")
@click.option("-v", "--verbose", is_flag=True,
              help="List every new, changed, removed, pruned and failed file.")
def refresh(folder: Path, db: str | None, prune: bool, wait: float, dry_run: bool,
            as_json: bool, verbose: bool) -> None:
    """Bring the database up to date with the summaries in FOLDER (default: data/).

    Made for cron and systemd timers: migrates the schema to head, loads new and changed files
    (each in its own transaction), skips unchanged ones without reading them, re-parses files
    read by an older parser, reports files that have gone, and logs the run in load_runs
    (see `tcps runs`). Only one refresh runs at a time per database.

    On a terminal it shows a progress bar; otherwise it prints one summary line.
    """
    from tcps.lock import LockHeld
    from tcps.refresh import EXIT_LOCKED, refresh as run_refresh

    engine = _engine_or_exit(db)
    stderr = click.get_text_stream("stderr")

    def progress(files):
        show = stderr.isatty() and not as_json
        return click.progressbar(files, label="refreshing", file=stderr) if show else nullcontext(files)

    try:
        report = run_refresh(engine, folder, prune=prune, dry_run=dry_run, wait=wait,
                             progress=progress)
    except LockHeld as e:
        click.echo(f"refresh skipped: {e}", err=True)
        sys.exit(EXIT_LOCKED)
    finally:
        engine.dispose()
    for path, message in report.failed.items():
        click.echo(f"error: {path}: {message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        if verbose or dry_run:
            for line in report.details():
                click.echo(line)
        click.echo(report.summary_line())
    sys.exit(report.exit_code)


RUN_COLUMNS = ("id", "started", "finished", "status", "parser_version", "seen", "new", "changed",
               "unchanged", "removed", "failed", "pruned", "folder")


@cli.command()
@db_option
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many runs to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON array.")
def runs(db: str | None, limit: int, as_json: bool) -> None:
    """List the latest refresh runs, newest first.

    A run with status 'running' and no finished time is still running, or was killed; the next
    refresh marks it 'interrupted'. The files a run could not load are in load_errors.
    """
    from tcps.refresh import recent_runs

    engine = _engine_or_exit(db)
    try:
        rows = recent_runs(engine, limit)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps([{c: _plain(r[c]) for c in RUN_COLUMNS} for r in rows], indent=2))
        return
    table = [RUN_COLUMNS] + [tuple(str(_plain(r[c]) if r[c] is not None else "-") for c in RUN_COLUMNS)
                             for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(RUN_COLUMNS))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _plain(value):
    """A run's value as JSON and the table show it: times as ISO text to the second."""
    return value.isoformat(sep=" ", timespec="seconds") if hasattr(value, "isoformat") else value


def main() -> None:
    cli()
