"""The commands of data stewards and operators: parse, load, refresh and fetch summaries."""
from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from tcps.cli_options import (db_option, max_size_option, wait_option)
from tcps.errors import FileError, failure_reason


@click.command(epilog="""\b
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


@click.command(epilog="""\b
Examples:
  tcps load data/
  tcps load --db postgresql+psycopg://tcps@dbhost/tcps data/ new.pdf""")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("-v", "--verbose", is_flag=True, help="Also print one line per file loaded.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Parse in up to this many processes, one per 64 files (default: one per CPU; 1 for none).")
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


def _progress(label: str, as_json: bool):
    """What refresh and fetch wrap their items in: click's bar (no new dependency; it redraws in
    place on stderr with a count and an ETA) on a terminal only, so that logs stay one line."""
    def wrap(items):
        if sys.stderr.isatty() and not as_json:
            return click.progressbar(items, label=label, file=sys.stderr)
        return nullcontext(items)
    return wrap


# --- scheduled refresh ------------------------------------------------------------------

@click.command(epilog="""\b
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
    (each whole or not at all), skips unchanged ones without reading them, re-parses files
    read by an older parser, reports files that have gone, and logs the run in load_runs
    (see `tcps runs`). Only one refresh runs at a time per database.

    On a terminal it shows a progress bar; otherwise it prints one summary line, which counts
    files: seen, new (a path no refresh has loaded before), changed, unchanged, removed, failed,
    pruned.
    """
    from tcps.quick import refresh_folder

    report = refresh_folder(db, folder, prune=prune, dry_run=dry_run, wait=wait, max_size=max_size,
                            progress=_progress("refreshing", as_json))
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


@click.command(epilog="""\b
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

    report = run_fetch(start_url, folder, Manners(rate, timeout, retries, backoff, contact=contact),
                       max_pages=max_pages, prune=prune, progress=_progress("fetching", as_json))
    for url, message in report.failed.items():
        click.echo(f"error: {url}: {message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.details() if verbose else []:
            click.echo(line)
        click.echo(report.summary_line())
    sys.exit(report.exit_code)
