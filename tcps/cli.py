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
from tcps.config import DEFAULT_URL, ENV_VAR, database_url
from tcps.errors import TcpsError, failure_reason
from tcps.output import EXPORT_FORMATS, FORMATS


class _Commands(click.Group):
    """The one place where an error a command meets becomes a message and an exit status (as
    alembic's CommandLine.run_cmd does): the commands themselves only print what they got."""
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TcpsError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(e.exit_status)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tcps")
def cli() -> None:
    """Turn ILAB Technical Cooperation Project Summaries into a database you query with SQL."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json",
              show_default=True,
              help="json: one object (an array for several files); jsonl: one per line; text: for people.")
def parse(files: tuple[Path, ...], fmt: str) -> None:
    """Parse summaries (text, PDF or saved project web pages) and print their records (no
    database involved).

    Exit status: 0 when every file parsed, 1 when any file could not be read as a summary.
    """
    from tcps.parse import parse_file
    from tcps.render import record_as_text

    records, failed = [], 0
    for path in files:
        try:
            records.append(parse_file(path))
        except Exception as e:  # a parser bug on one file must not stop the others
            click.echo(f"error: {path}: {failure_reason(e)}", err=True)
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


@cli.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("-v", "--verbose", is_flag=True, help="Also print one line per file loaded.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Parse in this many processes (default: one per CPU; 1 for none).")
def load(paths: tuple[Path, ...], db: str | None, verbose: bool, jobs: int | None) -> None:
    """Parse summaries and load them into the database, bringing its schema to head first.

    PATHS are files, or folders searched recursively for *.txt, *.pdf, *.html and *.htm. Each
    summary is loaded in its own transaction: a project is matched by its title (case,
    punctuation and status markers ignored), so loading the same file again changes nothing and
    a revised summary updates its project. A file that fails leaves nothing behind; its reason goes to
    stderr and the others still load. The last line counts summaries: added (a new project),
    updated, unchanged and failed.

    Exit status: 0 all loaded, 1 some files failed, 2 usage or configuration error
    (bad --db, database unreachable).
    """
    from tcps.db import open_database
    from tcps.load import load_paths

    with open_database(db, create=True) as engine:
        report = load_paths(engine, paths, jobs)
    if verbose:
        for outcome in ("added", "updated", "unchanged"):
            for path in getattr(report, outcome):
                click.echo(f"{outcome}: {path}")
    for error in report.failed:
        click.echo(f"error: {error}", err=True)
    click.echo(report.summary())
    sys.exit(1 if report.failed else 0)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="text for a terminal, markdown for documentation.")
def schema(db: str | None, fmt: str) -> None:
    """Print the data dictionary: every table, view and column with its meaning.

    Exit status: 0, or 2 when the database cannot be opened or has no schema yet.
    """
    from tcps.db import open_database
    from tcps.dictionary import as_markdown, as_text, data_dictionary

    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        entries = data_dictionary(conn)
    click.echo(as_markdown(entries) if fmt == "markdown" else as_text(entries))


# --- queries: tcps sql, search, export ------------------------------------------------------

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
        timeout: float, limit: int, db: str | None) -> None:
    """Run one read-only SQL statement (QUERY, or - to read it from standard input).

    Nothing a statement does can change the database: writes are refused. On PostgreSQL, connect
    as a role that can only read (see `tcps db grant-readonly`).

    Exit status: 0 the query ran; 1 it failed (SQL error, missing parameter); 2 usage or
    configuration error (bad --db, no such SQLite file, database unreachable); 3 it was refused
    because it would write; 4 it ran past --timeout and was stopped.
    """
    from tcps.query import run_query

    if query == "-":
        query = sys.stdin.read()
    fmt = _resolve_format(fmt, output)
    result = run_query(database_url(db), query, dict(params), timeout=timeout,
                       max_rows=limit or None if fmt == "table" else None)
    _print_rows(result, fmt, output)


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many projects to list, best match first.")
@format_option
@output_option
@db_option
def search(words: tuple[str, ...], limit: int, fmt: str | None, output: Path | None,
           db: str | None) -> None:
    """Find the projects whose title, problem, results, objectives or activities hold every one
    of WORDS (English stems: "child" finds "children"), best match first, each with a snippet
    where the words are marked **like this**.

    Exit status: 0 (also when nothing matches), 2 when the database cannot be opened.
    """
    from tcps.db import open_database
    from tcps.search import search_projects

    with open_database(db, read_only=True) as engine, engine.connect() as conn:
        result = search_projects(conn, " ".join(words), limit)
    _print_rows(result, _resolve_format(fmt, output), output)


@cli.command()
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


@cli.group("db")
def db_group() -> None:
    """Manage the database schema (wraps alembic; `alembic upgrade head` works too).

    Exit status: 0, or 2 when the database or the revision is wrong.
    """


@db_group.command()
@click.argument("revision", default="head")
@db_option
def upgrade(revision: str, db: str | None) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from tcps.db import open_database, run_alembic

    with open_database(db, create=True) as engine:
        run_alembic(engine, "upgrade", revision)


@db_group.command(context_settings={"ignore_unknown_options": True})  # so -1 is a revision
@click.argument("revision")
@db_option
def downgrade(revision: str, db: str | None) -> None:
    """Revert migrations down to REVISION (-1 for one step, base for an empty database)."""
    from tcps.db import open_database, run_alembic

    with open_database(db) as engine:
        run_alembic(engine, "downgrade", revision)


@db_group.command()
@db_option
def current(db: str | None) -> None:
    """Print the database's current revision."""
    from tcps.db import open_database, run_alembic

    with open_database(db, read_only=True) as engine:
        run_alembic(engine, "current")


@db_group.command()
def history() -> None:
    """List the migrations, newest first."""
    from tcps.db import run_alembic

    run_alembic(None, "history")


@db_group.command("grant-readonly")
@click.argument("role", default="tcps_reader")
@click.option("--password", envvar="TCPS_READER_PASSWORD", metavar="TEXT",
              help="Password for ROLE (also TCPS_READER_PASSWORD); none: for peer or trust logins.")
@db_option
def grant_readonly(role: str, password: str | None, db: str | None) -> None:
    """Create or reset ROLE, a PostgreSQL login that can only read (default tcps_reader).

    Run it with --db pointing at the database as its owner. ROLE gets only pg_read_all_data
    (PostgreSQL 14+). Analysts then use tcps sql, psql or any other tool with ROLE's URL.
    SQLite needs no such role: tcps sql opens the file read-only.
    """
    from tcps.query import grant_readonly_role

    reader_url = grant_readonly_role(database_url(db), role, password)
    click.echo(f"role {role} reads everything and writes nothing; connect with:")
    click.echo(reader_url)


# --- scheduled refresh ------------------------------------------------------------------

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
@click.option("--dry-run", is_flag=True,
              help="List what would change and write nothing (exit 1 if some files would fail).")
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
                             progress=progress)
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
  75  another fetch holds the lock on the --into folder (try again later)""")
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
          retries: int, backoff: float, contact: str | None, prune: bool, as_json: bool, verbose: bool) -> None:
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


@cli.command()
@db_option
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many runs to list.")
@format_option
@output_option
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def runs(db: str | None, limit: int, fmt: str | None, output: Path | None, as_json: bool) -> None:
    """List the latest refresh runs, newest first (times in UTC), in the formats of tcps sql.

    A run with status 'running' and no finished time is still running, or was killed; the next
    refresh marks it 'interrupted'. The files a run could not load are in load_errors.

    Exit status: 0, or 2 when the database cannot be opened.
    """
    from tcps.db import open_database
    from tcps.runs import recent_runs

    if as_json and fmt not in (None, "json"):
        raise click.UsageError("--json means --format json: give one or the other")
    with open_database(db, read_only=True) as engine:
        result = recent_runs(engine, limit)
    _print_rows(result, "json" if as_json else _resolve_format(fmt, output), output)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
