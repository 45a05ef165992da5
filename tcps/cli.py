"""The command line: a thin layer over tcps.parse, tcps.load and friends.

Every command that reports on several files keeps going after a bad one, prints one line per
problem on stderr (``<file>: <reason>``) and says in its exit code whether anything failed.
"""
from __future__ import annotations

import json
import re
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from tcps import __version__
from tcps.config import DEFAULT_URL, ENV_VAR, database_url
from tcps.errors import FileError, TcpsError, UsageError, failure_reason
from tcps.output import EXPORT_FORMATS, FORMATS


class _Commands(click.Group):
    """The one place where an error a command meets becomes a message and an exit status (as
    alembic's CommandLine.run_cmd does): the commands themselves only print what they got."""
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TcpsError as e:
            click.echo(f"{e.label}: {e}", err=True)
            ctx.exit(e.exit_status)


class _Size(click.ParamType):
    """A size in bytes: 5000000, or with a binary unit: 512K, 5M, 1G (KiB, MiB, GiB)."""
    name = "SIZE"
    _UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"(\d+)\s*([kmg]?)(?:i?b)?", str(value).strip(), re.IGNORECASE)
        if not match or int(match[1]) == 0:
            self.fail(f"{value!r} is not a size in bytes such as 5000000, 512K, 5M or 1G", param, ctx)
        return int(match[1]) * self._UNITS[match[2].lower()]


def max_size_option(command):
    """--max-size, shared by the commands that read summary files."""
    from tcps.sources import DEFAULT_MAX_SIZE

    return click.option(
        "--max-size", type=_Size(), default=DEFAULT_MAX_SIZE, show_default="5M",
        help="Refuse a file larger than SIZE bytes (or a PDF whose decoded content or text is), "
             "with one error line: 512K, 5M, 1G.")(command)


def wait_option(command):
    """--wait, shared by the commands that write (one writer at a time per database)."""
    return click.option(
        "--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
        help="When another load or refresh holds the database's writer lock, wait up to SECONDS "
             "for it [default: exit 75 at once].")(command)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tcps")
def cli() -> None:
    """Turn ILAB Technical Cooperation Project Summaries into a database you query with SQL."""


@cli.command(epilog="""\b
Examples:
  tcps parse data/summary.pdf
  tcps parse --format text data/*.txt""")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json",
              show_default=True,
              help="json: one object (an array for several files); jsonl: one per line; text: for people.")
@max_size_option
def parse(files: tuple[Path, ...], fmt: str, max_size: int) -> None:
    """Parse summaries (text, PDF or saved project web pages) and print their records (no
    database involved).

    Exit status: 0 when every file parsed, 1 when any file could not be read as a summary.
    """
    from tcps.parse import parse_file
    from tcps.render import record_as_text

    records, failed = [], 0
    for path in files:
        try:
            records.append(parse_file(path, max_size))
        except Exception as e:  # a parser bug on one file must not stop the others
            click.echo(f"error: {FileError(path, failure_reason(e))}", err=True)
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


# --- the database ----------------------------------------------------------------------

def db_option(command):
    """--db URL, shared by every command that opens the database."""
    return click.option(
        "--db", "db", metavar="URL", envvar=ENV_VAR, show_envvar=True,
        help=f"Database URL (sqlite:///file.db, postgresql+psycopg://user@host/name) or a SQLite "
             f"file path. Default: {DEFAULT_URL} (tcps.db in the working directory).")(command)


@cli.command(epilog="""\b
Examples:
  tcps load data/
  tcps load --db postgresql+psycopg://tcps@dbhost/tcps data/ new.pdf""")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("-v", "--verbose", is_flag=True, help="Also print one line per file loaded.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Parse in this many processes (default: one per CPU; 1 for none).")
@max_size_option
@wait_option
def load(paths: tuple[Path, ...], db: str | None, verbose: bool, jobs: int | None, max_size: int,
         wait: float) -> None:
    """Parse summaries and load them into the database, bringing its schema to head first.

    PATHS are files, or folders searched recursively for *.txt, *.pdf, *.html and *.htm. Each
    summary is loaded in its own transaction: a project is matched by its title (case,
    punctuation and status markers ignored), so loading the same file again changes nothing and
    a revised summary updates its project. A file that fails leaves nothing behind; its reason goes to
    stderr and the others still load. The last line counts summaries: added (a new project),
    updated, unchanged and failed. Only regular files are read (a FIFO, device, dangling link
    or link loop fails); a folder that cannot be read fails too.

    One writer at a time: a load takes the database's writer lock, as `tcps refresh` does.

    Exit status: 0 all loaded, 1 some files failed, 2 usage or configuration error
    (bad --db, database unreachable) or the database failed mid-load, 75 another load or
    refresh holds the lock (try again later, or --wait).
    """
    from tcps.db import open_database
    from tcps.load import load_paths

    with open_database(db, create=True) as engine:
        report = load_paths(engine, paths, jobs, max_size=max_size, wait=wait)
    if verbose:
        for outcome in ("added", "updated", "unchanged"):
            for path in getattr(report, outcome):
                click.echo(f"{outcome}: {path}")
    for error in report.failed:
        click.echo(f"error: {error}", err=True)
    click.echo(report.summary())
    sys.exit(1 if report.failed else 0)


@cli.command(epilog="""\b
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


# --- queries: tcps sql, search, export ------------------------------------------------------

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Default: a table on a terminal, else from --output's extension, else csv.")


def output_option(*names: str):
    """--output FILE (and ``names``, such as -o)."""
    return click.option(*names, "--output", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write the rows to this file instead of standard output.")


def _resolve_format(fmt: str | None, output: Path | None) -> str:
    from tcps.output import choose_format

    return choose_format(fmt, output, terminal=output is None and sys.stdout.isatty())


def _print_rows(result, fmt: str, output: Path | None, limit: int | None = None) -> None:
    """Write a QueryResult in format ``fmt`` to --output, or to standard output."""
    from tcps.output import write_file, write_result

    if output is None:
        write_result(result, fmt, sys.stdout, limit)
        return
    try:
        write_file(result, fmt, output, limit)
    except OSError as e:
        raise UsageError(f"{output}: cannot write it ({e.strerror})") from None


def limit_option(default: int | None, default_help: str, *names: str):
    """--limit N (and ``names``, such as -n): at most N rows in every format (0: all), for sql,
    search and runs alike."""
    return click.option(*names, "--limit", type=click.IntRange(min=0), default=default,
                        help=f"At most this many rows, in every format (0: all). Default: {default_help}.")


def _limit(limit: int | None, fmt: str, table_default: int | None = None) -> int | None:
    """The rows to keep (None: all): --limit as given, else ``table_default`` on a table."""
    if limit is None:
        return table_default if fmt == "table" else None
    return limit or None


@cli.command(epilog="""\b
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
    fmt = _resolve_format(fmt, output)
    with run_query(database_url(db), query, parameter_values(params, text_params),
                   timeout=timeout) as result:
        _print_rows(result, fmt, output, _limit(limit, fmt, 100))


# Its options are long ones only, and an unknown one is a word: `tcps search cocoa -mining`
# leaves out mining (as -h or -o would not: they would be help and an output file).
@cli.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]},
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

    fmt = _resolve_format(fmt, output)
    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        result = search_projects(conn, " ".join(words), limit or None)
    _print_rows(result, fmt, output)


@cli.command(epilog="""\b
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


@cli.command(epilog="""\b
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


@cli.group("db", epilog="""\b
Examples:
  tcps db upgrade
  tcps db current --db postgresql+psycopg://tcps@dbhost/tcps""")
def db_group() -> None:
    """Manage the database schema (wraps alembic; `alembic upgrade head` works too).

    Exit status: 0, or 2 when the database or the revision is wrong.
    """


@db_group.command(epilog="""\b
Examples:
  tcps db upgrade
  tcps db upgrade 0007""")
@click.argument("revision", default="head")
@db_option
def upgrade(revision: str, db: str | None) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from tcps.db import open_database, run_alembic

    with open_database(db, create=True) as engine:
        run_alembic(engine, "upgrade", revision)


@db_group.command(context_settings={"ignore_unknown_options": True}, epilog="""\b
Examples:
  tcps db downgrade -1
  tcps db downgrade base""")  # so -1 is a revision
@click.argument("revision")
@db_option
def downgrade(revision: str, db: str | None) -> None:
    """Revert migrations down to REVISION (-1 for one step, base for an empty database)."""
    from tcps.db import open_database, run_alembic

    with open_database(db) as engine:
        run_alembic(engine, "downgrade", revision)


@db_group.command(epilog="""\b
Examples:
  tcps db current
  tcps db current --db postgresql+psycopg://tcps@dbhost/tcps""")
@db_option
def current(db: str | None) -> None:
    """Print the database's current revision."""
    from tcps.db import open_database, run_alembic

    with open_database(db, read_only=True) as engine:
        run_alembic(engine, "current")


@db_group.command(epilog="""\b
Examples:
  tcps db history""")
def history() -> None:
    """List the migrations, newest first."""
    from tcps.db import run_alembic

    run_alembic(None, "history")


@db_group.command("grant-readonly", epilog="""\b
Examples:
  tcps db grant-readonly --db postgresql+psycopg://postgres@dbhost/tcps
  tcps db grant-readonly alice --password secret --db postgresql+psycopg://postgres@dbhost/tcps""")
@click.argument("role", default="tcps_reader")
@click.option("--password", envvar="TCPS_READER_PASSWORD", metavar="TEXT",
              help="Password for ROLE (also TCPS_READER_PASSWORD); none: for peer or trust logins.")
@db_option
def grant_readonly(role: str, password: str | None, db: str | None) -> None:
    """Create or reset ROLE, a PostgreSQL login that can only read (default tcps_reader);
    give each analyst one of their own.

    ROLE joins the group tcps_readers, which holds only pg_read_all_data (PostgreSQL 14+).
    Run it with --db pointing at the database as a role with CREATEROLE, best a superuser: only
    a superuser can also revoke large objects and dblink from PUBLIC; whatever ROLE could still
    change is printed as a warning. SQLite needs no such role: tcps sql opens the file read-only.
    """
    from tcps.readers import grant_readonly_role

    reader_url, problems = grant_readonly_role(database_url(db), role, password)
    for problem in problems:
        click.echo(f"warning: {role} can still change something: {problem}", err=True)
    click.echo(f"role {role} reads everything{'' if problems else ' and changes nothing'}; connect with:")
    click.echo(reader_url)


# --- scheduled refresh ------------------------------------------------------------------

@cli.command(epilog="""\b
Exit status:
   0  every file loaded, or was unchanged
   1  some files failed (listed on stderr and in load_errors); the others loaded
   2  usage or configuration error (bad option, missing folder, unusable database),
      or the database failed mid-run (server gone, disk full): the run is marked failed
  75  skipped: another load or refresh holds the lock on this database (a warning
      line on stderr; try again later)

\b
Examples:
  tcps refresh data/
  tcps refresh --dry-run -v data/""")
@click.argument("folder", default="data",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
@click.option("--prune", is_flag=True,
              help="Delete the projects whose every source file has gone from FOLDER, with their child rows.")
@wait_option
@max_size_option
@click.option("--dry-run", is_flag=True,
              help="List what would change and write nothing (exit 1 if some files would fail).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as one JSON object.")
@click.option("-v", "--verbose", is_flag=True,
              help="List every new, changed, removed, pruned and failed file.")
def refresh(folder: Path, db: str | None, prune: bool, wait: float, max_size: int, dry_run: bool,
            as_json: bool, verbose: bool) -> None:
    """Bring the database up to date with the summaries in FOLDER (default: data/).

    Made for cron and systemd timers: migrates the schema to head, loads new and changed files
    (each in its own transaction), skips unchanged ones without reading them, re-parses files
    read by an older parser, reports files that have gone, and logs the run in load_runs
    (see `tcps runs`). Only one refresh runs at a time per database.

    On a terminal it shows a progress bar; otherwise it prints one summary line, which counts
    files: seen, new (a path not loaded before), changed, unchanged, removed, failed, pruned.
    """
    from tcps.db import open_database
    from tcps.refresh import refresh as run_refresh

    def progress(files):
        # click's bar: no new dependency (click draws the CLI already), redraws in place on
        # stderr with a count and an ETA; shown only on a terminal, so logs stay one line.
        if sys.stderr.isatty() and not as_json:
            return click.progressbar(files, label="refreshing", file=sys.stderr)
        return nullcontext(files)

    with open_database(db, create=not dry_run, read_only=dry_run) as engine:
        report = run_refresh(engine, folder, prune=prune, dry_run=dry_run, wait=wait,
                             max_size=max_size, progress=progress)
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


@cli.command(epilog="""\b
Exit status:
   0  every listed page fetched, or was unchanged
   1  some pages failed (each on stderr, its last good copy kept), the listing could not be
      read, holds no project link (the site's layout may have changed), or --prune refused
   2  usage or configuration error (bad START_URL, unusable --into folder or index)
  75  another fetch holds the lock on the --into folder (try again later)

\b
Examples:
  tcps fetch && tcps refresh data/
  tcps fetch --max-pages 5 --into /tmp/pages""")
@click.argument("start_url", required=False)
@click.option("--into", "folder", type=click.Path(file_okay=False, path_type=Path),
              default="data/pages", show_default=True, help="Folder of the pages (tcps refresh reads it).")
@click.option("--rate", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Requests per second at most (0: no limit; a robots.txt Crawl-delay still holds).")
@click.option("--max-pages", type=click.IntRange(min=1),
              help="Fetch only the first N project pages (trials).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Seconds to wait for a connection or for data before a request fails.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Further tries of a request that timed out, lost its connection, or got 429 or 5xx.")
@click.option("--backoff", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds before the first retry, doubled for each next one (with jitter).")
@click.option("--contact", envvar="TCPS_FETCH_CONTACT", metavar="URL_OR_EMAIL",
              help="How the site's operators can reach you, sent in the User-Agent "
                   "[env TCPS_FETCH_CONTACT].")
@click.option("--prune", is_flag=True,
              help="Delete the pages that left the listing (never more than half of them).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as one JSON object.")
@click.option("-v", "--verbose", is_flag=True, help="List every new, changed, left and pruned page.")
def fetch(start_url: str | None, folder: Path, rate: float, max_pages: int | None, timeout: float,
          retries: int, backoff: float, contact: str | None, prune: bool, as_json: bool,
          verbose: bool) -> None:
    """Fetch the project pages of the ILAB listing at START_URL (default: the ILAB projects
    listing on www.dol.gov) into --into (default data/pages), for `tcps fetch && tcps refresh data/`.

    Polite (robots.txt, --rate, a User-Agent naming tcps) and incremental (conditional requests:
    an unchanged page is not written; a changed one is replaced atomically). A page is saved only
    when it reads as a project summary. Pages that left the listing are reported, and deleted
    only with --prune. What the next run needs is in <--into>/fetch-index.json.
    """
    from tcps.fetch import fetch as run_fetch
    from tcps.web import Manners

    def progress(urls):
        if sys.stderr.isatty() and not as_json:
            return click.progressbar(urls, label="fetching", file=sys.stderr)
        return nullcontext(urls)

    report = run_fetch(start_url, folder, Manners(rate, timeout, retries, backoff, contact=contact),
                       max_pages=max_pages, prune=prune, progress=progress)
    for url, message in report.failed.items():
        click.echo(f"error: {url}: {message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.details() if verbose else []:
            click.echo(line)
        click.echo(report.summary_line())
    sys.exit(report.exit_code)


@cli.command(epilog="""\b
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
    fmt = "json" if as_json else _resolve_format(fmt, output)
    with open_database(db, read_only=True) as engine:
        result = recent_runs(engine, limit or None)
    _print_rows(as_table(result) if fmt == "table" else result, fmt, output)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
