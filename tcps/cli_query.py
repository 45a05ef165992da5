"""The analysts' commands: schema, sql, search, export, serve and runs."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from tcps.cli_options import (db_option, format_option, limit_option, output_option, print_rows,
                              resolve_format, row_limit)
from tcps.config import database_url
from tcps.output import EXPORT_FORMATS


@click.command(epilog="""\b
Examples:
  tcps schema
  tcps schema project_overview results_by_country --format markdown""")
@click.argument("names", nargs=-1, metavar="[TABLE]...")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="text for a terminal, markdown for documentation.")
def schema(names: tuple[str, ...], db: str | None, fmt: str) -> None:
    """Print the data dictionary: every table and view (or those named) with its columns, their
    types and meanings.

    Exit status: 0; 2 when the database cannot be opened, has no schema yet, or has no table or
    view of a name given.
    """
    from tcps.db import open_database
    from tcps.dictionary import as_markdown, as_text, data_dictionary

    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        entries = data_dictionary(conn, list(names))
    click.echo(as_markdown(entries) if fmt == "markdown" else as_text(entries))


@click.command(epilog="""\b
Examples:
  tcps sql "SELECT title, funding_usd FROM project_overview ORDER BY funding_usd DESC" --limit 10
  tcps sql "SELECT * FROM project_funding_by_year WHERE fiscal_year >= :y" -p y 2019 -o f.json""")
@click.argument("query")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Value for the placeholder :NAME in the query (repeatable). A VALUE that reads as "
                   "a number is bound as a number; NAME:text binds it as text.")
@click.option("--text-params", is_flag=True, help="Bind every -p value as text.")
@format_option
@output_option("-o")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, help="Stop the query after this many seconds.")
@limit_option(None, "100 rows on a table, all in the other formats", "-n")
@db_option
def sql(query: str, params: tuple[tuple[str, str], ...], text_params: bool, fmt: str | None,
        output: Path | None, timeout: float, limit: int | None, db: str | None) -> None:
    """Run one read-only SQL statement (QUERY, or - to read it from standard input).

    Nothing a statement does can change the database: writes are refused. On PostgreSQL, connect
    as a role that can only read (see `tcps db grant-readonly`).

    Exit status: 0 the query ran; 1 it failed (SQL error, missing parameter); 2 usage or
    configuration error (empty query, unknown --output extension, bad --db, no such SQLite file,
    database unreachable); 3 it was refused because it would write; 4 it ran past --timeout and
    was stopped.
    """
    from tcps.query import parameter_values, run_query

    if query == "-":
        query = sys.stdin.read()
    fmt = resolve_format(fmt, output)
    with run_query(database_url(db), query, parameter_values(params, text_params),
                   timeout=timeout) as result:
        print_rows(result, fmt, output, row_limit(limit, fmt, 100))


# Its options are long ones only, and an unknown one is a word: `tcps search cocoa -mining`
# leaves out mining (as -h or -o would not: they would be help and an output file).
@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]},
             epilog="""\b
Examples:
  tcps search cocoa OR mining
  tcps search '"forced labor"' -fishing --format csv --output forced.csv""")
@click.argument("words", nargs=-1, required=True)
@limit_option(20, "20")
@format_option
@output_option()
@db_option
def search(words: tuple[str, ...], limit: int, fmt: str | None, output: Path | None,
           db: str | None) -> None:
    """Find the projects whose title, summary, problem, strategy, results, objectives or
    activities match WORDS (English stems: "child" finds "children"), best match first, each with
    a snippet of the matching text. Every word must be there; "a phrase" in quotes must be there
    as written; -word leaves out the projects that hold it; OR between words finds either.

    Exit status: 0 (also when nothing matches), 2 for a query that only excludes words or when
    the database cannot be opened.
    """
    from tcps.db import open_database
    from tcps.search import search_projects

    fmt = resolve_format(fmt, output)
    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        result = search_projects(conn, " ".join(words), limit or None)
    print_rows(result, fmt, output)


@click.command(epilog="""\b
Examples:
  tcps export export/
  tcps export --format json --db postgresql+psycopg://tcps_reader@dbhost/tcps export/""")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv",
              show_default=True, help="File format of the tables.")
@db_option
def export(folder: Path, fmt: str, db: str | None) -> None:
    """Write every table and view to FOLDER, one file each, with a datapackage.json
    (Frictionless Data Package) giving their columns, types, keys and meanings.

    Exit status: 0, or 2 when the database cannot be opened.
    """
    from tcps.db import open_database
    from tcps.export import export as export_database

    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        written = export_database(conn, folder, fmt)
    for item in written:
        click.echo(f"{item.path}  {item.rows} rows")
    click.echo(f"{folder / 'datapackage.json'}  describes them")


@click.command(epilog="""\b
Examples:
  tcps serve --open
  tcps serve --db postgresql+psycopg://tcps@dbhost/tcps --port 8080""")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets other machines read the database.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in a web browser.")
def serve(db: str | None, host: str, port: int, open_browser: bool) -> None:
    """Browse, search and chart the database in a web browser (Datasette, read-only).

    Needs the extra: pip install 'tcps[serve]'. A PostgreSQL database is served from a
    snapshot copied into a temporary SQLite file on start.

    Exit status: 0 when stopped, 2 when the extra is missing or the database cannot be served.
    """
    from tcps.serve import serve as serve_database

    serve_database(db, host, port, open_browser, lambda line: click.echo(line, err=True))


@click.command(epilog="""\b
Examples:
  tcps runs
  tcps runs --limit 1 --format json""")
@db_option
@limit_option(20, "20", "-n")
@format_option
@output_option("-o")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json (as refresh --json).")
def runs(db: str | None, limit: int, fmt: str | None, output: Path | None, as_json: bool) -> None:
    """List the latest refresh runs, newest first (times in UTC), in the formats of tcps sql.

    A run with status 'running' and no finished time is still running, or was killed; the next
    refresh marks it 'interrupted'. The files a run could not load are in load_errors. A table
    shows each run on one line (its time taken and the files it saw, changed and could not
    load); the other formats give every column of load_runs, the folder too.

    Exit status: 0, or 2 when the database cannot be opened.
    """
    from tcps.db import open_database
    from tcps.runs import as_table, recent_runs

    if as_json and fmt not in (None, "json"):
        raise click.UsageError("--json means --format json: give one or the other")
    fmt = "json" if as_json else resolve_format(fmt, output)
    with open_database(db, read_only=True) as engine:
        result = recent_runs(engine, limit or None)
    print_rows(as_table(result) if fmt == "table" else result, fmt, output)
