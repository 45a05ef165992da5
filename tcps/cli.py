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

db_option = click.option(
    "--db", "db_url", envvar="TCPS_DATABASE_URL", metavar="URL",
    help="Database URL or SQLite file (also TCPS_DATABASE_URL; default tcps.db here), "
         "e.g. postgresql+psycopg://user@host/db.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Default: a table on a terminal, else from --output's extension, else csv.")
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows to this file instead of standard output.")


def _resolve_format(fmt: str | None, output: Path | None) -> str:
    from tcps.output import choose_format

    return choose_format(fmt, output, terminal=output is None and sys.stdout.isatty())


def _print_rows(result, fmt: str, output: Path | None) -> None:
    """Write a QueryResult in format ``fmt`` to --output, or to standard output."""
    from tcps.output import write_result

    if output is None:
        write_result(result, fmt, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as out:
            write_result(result, fmt, out)


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
@format_option
@output_option
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Stop the query after this many seconds.")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="Rows a table shows (0: all). Machine formats always get every row.")
@db_option
def sql(query: str, params: tuple[tuple[str, str], ...], fmt: str | None, output: Path | None,
        timeout: float, limit: int, db_url: str | None) -> None:
    """Run one read-only SQL statement (QUERY, or - to read it from standard input).

    Nothing a statement does can change the database: writes are refused. On PostgreSQL, connect
    as a role that can only read (see `tcps db grant-readonly`).

    Exit status: 0 the query ran; 1 it failed (SQL error, no such database); 3 it was refused
    because it would write; 4 it ran past --timeout and was stopped.
    """
    from tcps.db import database_url
    from tcps.query import QueryError, run_query

    if query == "-":
        query = sys.stdin.read()
    fmt = _resolve_format(fmt, output)
    try:
        result = run_query(database_url(db_url), query, dict(params), timeout=timeout,
                           max_rows=limit or None if fmt == "table" else None)
    except QueryError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    _print_rows(result, fmt, output)


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many projects to list, best match first.")
@format_option
@output_option
@db_option
def search(words: tuple[str, ...], limit: int, fmt: str | None, output: Path | None,
           db_url: str | None) -> None:
    """Find the projects whose title, problem, results, objectives or activities hold every one
    of WORDS (English stems: "child" finds "children"), best match first, each with a snippet
    where the words are marked **like this**."""
    from tcps.db import make_engine
    from tcps.search import search_projects

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            result = search_projects(conn, " ".join(words), limit)
    finally:
        engine.dispose()
    _print_rows(result, _resolve_format(fmt, output), output)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="File format of the tables.")
@db_option
def export(folder: Path, fmt: str, db_url: str | None) -> None:
    """Write every table and view to FOLDER, one file each, with a datapackage.json
    (Frictionless Data Package) giving their columns, types, keys and meanings."""
    from tcps.db import make_engine
    from tcps.export import export as export_database

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            written = export_database(conn, folder, fmt)
    finally:
        engine.dispose()
    for item in written:
        click.echo(f"{item.path}  {item.rows} rows")
    click.echo(f"{folder / 'datapackage.json'}  describes them")


@cli.group()
def db() -> None:
    """Manage the database."""


@db.command("grant-readonly")
@click.argument("role", default="tcps_reader")
@click.option("--password", envvar="TCPS_READER_PASSWORD", metavar="TEXT",
              help="Password for ROLE (also TCPS_READER_PASSWORD); none: for peer or trust logins.")
@db_option
def grant_readonly(role: str, password: str | None, db_url: str | None) -> None:
    """Create or reset ROLE, a PostgreSQL login that can only read (default tcps_reader).

    Run it with --db pointing at the database as its owner. ROLE gets only pg_read_all_data
    (PostgreSQL 14+). Analysts then use tcps sql, psql or any other tool with ROLE's URL.
    SQLite needs no such role: tcps sql opens the file read-only.
    """
    from sqlalchemy.engine import make_url

    from tcps.db import database_url
    from tcps.query import QueryError, grant_readonly_role

    url = make_url(database_url(db_url))
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
