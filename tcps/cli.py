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
from tcps.output import FORMATS

DEFAULT_DATABASE_URL = "sqlite:///tcps.db"

db_option = click.option(
    "--db", "db_url", envvar="TCPS_DATABASE_URL", default=DEFAULT_DATABASE_URL, show_default=True,
    metavar="URL", help="Database URL (also TCPS_DATABASE_URL), e.g. postgresql+psycopg://user@host/db.")


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


@cli.command()
@click.argument("query")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Value for the placeholder :NAME in the query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Default: a table on a terminal, else from --output's extension, else csv.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rows to this file instead of standard output.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Stop the query after this many seconds.")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="Rows a table shows (0: all). Machine formats always get every row.")
@db_option
def sql(query: str, params: tuple[tuple[str, str], ...], fmt: str | None, output: Path | None,
        timeout: float, limit: int, db_url: str) -> None:
    """Run one read-only SQL statement (QUERY, or - to read it from standard input).

    Nothing a statement does can change the database: writes are refused. On PostgreSQL, connect
    as a role that can only read (see `tcps db grant-readonly`).

    Exit status: 0 the query ran; 1 it failed (SQL error, no such database); 3 it was refused
    because it would write; 4 it ran past --timeout and was stopped.
    """
    from tcps.output import choose_format, write_result
    from tcps.query import QueryError, run_query

    if query == "-":
        query = sys.stdin.read()
    fmt = choose_format(fmt, output, terminal=output is None and sys.stdout.isatty())
    try:
        result = run_query(db_url, query, dict(params), timeout=timeout,
                           max_rows=limit or None if fmt == "table" else None)
    except QueryError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    if output is None:
        write_result(result, fmt, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as out:
            write_result(result, fmt, out)


@cli.group()
def db() -> None:
    """Manage the database."""


@db.command("grant-readonly")
@click.argument("role", default="tcps_reader")
@click.option("--password", envvar="TCPS_READER_PASSWORD", metavar="TEXT",
              help="Password for ROLE (also TCPS_READER_PASSWORD); none: for peer or trust logins.")
@db_option
def grant_readonly(role: str, password: str | None, db_url: str) -> None:
    """Create or reset ROLE, a PostgreSQL login that can only read (default tcps_reader).

    Run it with --db pointing at the database as its owner. ROLE gets only pg_read_all_data
    (PostgreSQL 14+). Analysts then use tcps sql, psql or any other tool with ROLE's URL.
    SQLite needs no such role: tcps sql opens the file read-only.
    """
    from sqlalchemy.engine import make_url

    from tcps.query import QueryError, grant_readonly_role

    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        raise click.UsageError("grant-readonly is for PostgreSQL; on SQLite tcps sql is read-only as it is")
    try:
        grant_readonly_role(url, role, password)
    except QueryError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    reader = url.set(username=role, password=password)
    click.echo(f"role {role} reads everything and writes nothing; connect with:")
    click.echo(reader.render_as_string(hide_password=True))


def main() -> None:
    cli()
