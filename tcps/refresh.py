"""``tcps refresh``: bring a database up to date with a folder of summaries, safely and cheaply.

Made for cron and systemd timers. One refresh:

1. takes the database's writer lock (``tcps.lock``), so only one writer runs at a time, and
2. with it brings the schema to head;
3. opens a run in ``load_runs`` (marking runs that a crash left open as ``interrupted``);
4. looks at every summary in the folder. A file whose size and modification time are what the
   database recorded, and that was parsed by the current parser, is unchanged without being
   read. Any other file is read and hashed (in worker processes, ``tcps.workers``, when there
   are many): same sha256 and parser, still unchanged; else it is parsed and loaded, ``BATCH``
   summaries to a transaction, each in a savepoint of its own (one the database refuses fails
   alone), so a kill at any moment loses at most the batch in flight and the next refresh picks
   it up again;
5. reports recorded files that disappeared from the folder (``--prune`` deletes the projects
   whose every source has gone, so that the database converges to a clean load). A file or
   folder that cannot be read has not disappeared: it fails, and what it holds is kept;
6. closes the run with its counts; files that failed are in ``load_errors``. An error that is
   no one file's (the database went away, the disk is full) stops the run and closes it as
   ``failed`` where the database still lets us: DatabaseFailed.

What a refresh knows about the folder is in ``watched_files`` (one row per absolute path):
``source_documents`` is keyed by content, so it cannot say which paths were seen. A file's row
is written in its summary's savepoint, so the two commit together or not at all.

``--dry-run`` takes no lock, migrates nothing and writes nothing: it examines the folder the
same way (parsing what it would load) and reports what a refresh would do.

`tcps refresh` tries ``tcps.quick`` first: a run that finds nothing to do (the one cron starts
most) is done there on the database's own driver, without SQLAlchemy; any other is done here,
with the reading of the files the check found to read, begun there.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tcps import PARSER_VERSION
from tcps.db import has_table
from tcps.dbapi import execute_many, fetch_all
from tcps.errors import DatabaseFailed, FileError, failure_reason, one_line, shown_path, stops_the_run
from tcps.keys import title_key
from tcps.lock import writer_lock
from tcps.models import (CHILD_TABLES, countries, load_errors, load_runs, metadata, organizations,
                         project_sources, projects, sources, watched_files)
from tcps.record import Record
from tcps.report import RunReport, now
from tcps.search import reindex
from tcps.sources import DEFAULT_MAX_SIZE
from tcps.watch import (KNOWN_COLUMNS, Examined, FileStat, KnownSource, Reading, ToRead, examining,
                        files_to_read, removed_files, scan_folder)


if TYPE_CHECKING:
    from tcps.load import Loader, Queued

# Summaries a refresh writes to one transaction (tcps.load's batches): a kill loses at most the
# batch in flight, which the next refresh reads again.
BATCH = 20


class _Loading(NamedTuple):
    """A file read and queued to be loaded (``queued`` None in a dry run), until it is counted."""

    stat: FileStat
    known: KnownSource | None
    sha256: str
    queued: Queued | None

    @property
    def written(self) -> bool:
        return self.queued is None or self.queued.written


# --- the run ----------------------------------------------------------------------------------

# Wraps the files to read, e.g. in a progress bar: called with them, used as a context manager.
Progress = Callable[[Sequence[FileStat]], AbstractContextManager[Iterable[FileStat]]]


def refresh(engine: Engine, folder: Path, *, prune: bool = False, dry_run: bool = False,
            wait: float = 0, max_size: int = DEFAULT_MAX_SIZE, progress: Progress = nullcontext,
            reading: Reading | None = None) -> RunReport:
    """Bring the database up to date with ``folder``; see the module docstring. No file of
    more than ``max_size`` bytes is read (it fails).

    ``reading`` is the reading of the files the no-op check (tcps.quick) found to read, begun
    before this run (``examining``). The run walks the folder and reads the watched rows again
    under its lock, and takes that reading only for the very files it would read, with the same
    sizes and times, judged by the same rows: another writer may have run in between, and files
    may have changed.

    Raises LockHeld when another writer keeps the lock longer than ``wait`` seconds,
    ConfigError when the schema cannot be brought to head, and DatabaseFailed when the
    database stops working during the run.
    """
    run = _Run(engine, folder.resolve(), prune, dry_run, max_size, reading)
    if dry_run:
        return run.execute(progress)
    with writer_lock(engine, wait):  # which brings the schema to head
        return run.execute(progress)


class _Run:
    """One refresh (or dry run) of one folder, filling in its RunReport as it goes."""

    def __init__(self, engine: Engine, root: Path, prune: bool, dry_run: bool, max_size: int,
                 reading: Reading | None):
        self.engine = engine
        self.root = root
        self.folder = shown_path(root)  # as load_runs and watched_files hold it
        self.prune = prune
        self.dry_run = dry_run
        self.max_size = max_size
        self.reading = reading
        self.report = RunReport(folder=self.folder, parser_version=PARSER_VERSION,
                                started=now(), dry_run=dry_run)

    def execute(self, progress: Progress) -> RunReport:
        if self.dry_run:
            self._refresh_folder(progress)
            return self.report
        try:
            self._open_run()
            self._refresh_folder(progress)
            self._close_run()
        except Exception as e:  # not one file's fault: the run stops, and its row says so
            self._abandon_run(e)
            if isinstance(e, sa.exc.SQLAlchemyError):
                raise DatabaseFailed(f"refresh stopped, the database failed: {one_line(e)}") from e
            raise
        return self.report

    def _refresh_folder(self, progress: Progress) -> None:
        found, problems = scan_folder(self.root)
        # Only a dry run can meet a database no refresh has touched yet (a refresh migrates
        # first): then every file is new and there is nothing to prune.
        has_schema = self._has_schema()
        known = self._known() if has_schema else {}
        self.report.seen = len(found) + len(problems)
        for problem in problems:
            self._fail(problem.path, problem.reason)
        to_read = files_to_read(found, known)
        self.report.unchanged = len(found) - len(to_read)
        loading: deque[_Loading] = deque()  # files read, counted in order once their batch is written
        with (nullcontext() if self.dry_run or not to_read else _loader(self.engine)) as loader, \
                self._reading(to_read) as reading, progress([stat for stat, _ in to_read]) as files:
            for _, ((stat, known_row), outcome) in zip(files, reading, strict=True):  # the bar moves
                self._refresh_file(loader, stat, known_row, outcome, loading)
                while loading and loading[0].written:
                    self._count(loading.popleft())
        for read in loading:  # written when the loader closed
            self._count(read)
        self.report.removed = removed_files(self.folder, known, found, problems)
        if self.prune and has_schema:
            self._prune(known)
        self.report.finished = now()

    def _reading(self, to_read: list[ToRead]) -> Reading:
        """The reading begun ahead, if it reads these files, as they are now, judged by these rows;
        else a new one (the one begun ahead is stopped: the caller's ``with`` closes it again)."""
        if self.reading is not None:
            if self.reading.items == to_read:
                return self.reading
            self.reading.close()
        return examining(to_read, self.max_size)

    def _has_schema(self) -> bool:
        with self.engine.connect() as conn:
            return has_table(conn, watched_files.name)

    def _known(self) -> dict[str, KnownSource]:
        with self.engine.connect() as conn:
            rows = fetch_all(conn, _KNOWN)
        return {row[0]: KnownSource._make(row) for row in rows}

    def _refresh_file(self, loader: Loader | None, stat: FileStat, known: KnownSource | None,
                      examined: Examined, loading: deque[_Loading]) -> None:
        """Queue what a file read holds to be loaded (its watched row with it), or fail it."""
        if isinstance(examined, str):
            self._fail(stat.path, examined)
            return
        if examined is None:
            self._touched(stat)
            return
        record, source = examined
        try:
            # The file's watched row commits with its summary, or neither does.
            queued = loader.queue(record, source, then=self._watcher(stat, record)) if loader else None
        except Exception as e:  # a record the database refuses must not stop the others
            if stops_the_run(e):
                raise
            self._fail(stat.path, failure_reason(e))
            return
        loading.append(_Loading(stat, known, record.source.sha256, queued))

    def _count(self, read: _Loading) -> None:
        """Count a file read as new, changed or unchanged, once its summary is written; or fail it."""
        try:
            outcome = read.queued.result() if read.queued else None
        except Exception as e:
            self._fail(read.stat.path, failure_reason(e))
            return
        if read.known is None:
            self.report.new.append(read.stat.path)
        elif read.known.sha256 == read.sha256 and outcome == "unchanged":
            self.report.unchanged += 1  # re-parsed by a newer parser, same record
        else:
            self.report.changed.append(read.stat.path)

    def _touched(self, stat: FileStat) -> None:
        """Same bytes under a new size or mtime (touched, copied back): remember the new stat."""
        self.report.unchanged += 1
        if not self.dry_run:
            with self.engine.begin() as conn:
                conn.execute(watched_files.update().where(watched_files.c.path == stat.path)
                             .values(size_bytes=stat.size, mtime_ns=stat.mtime_ns))

    @staticmethod
    def _watcher(stat: FileStat, record: Record) -> Callable[[Connection], None]:
        """What to run in the summary's transaction: write the file's watched_files row."""
        title = record.title
        if not title:   # no project to point the row at (the loader refuses such a record too)
            raise FileError(stat.path, "no title: cannot tell which project it is")

        row = {"path": stat.path, "size_bytes": stat.size, "mtime_ns": stat.mtime_ns,
               "sha256": record.source.sha256, "parser_version": PARSER_VERSION,
               "project_key": title_key(title)}
        unwatch, watch_again = _watch_statements()

        def watch(conn: Connection) -> None:
            execute_many(conn, unwatch, [{"path": stat.path}])
            execute_many(conn, watch_again, [row])
        return watch

    def _fail(self, path: str, message: str) -> None:
        self.report.failed[path] = message
        if not self.dry_run:
            with self.engine.begin() as conn:
                conn.execute(load_errors.insert(), {"run_id": self.report.run_id, "path": path,
                                                    "message": message})

    def _prune(self, known: dict[str, KnownSource]) -> None:
        """Forget the removed files; delete the projects of this folder no file now gives.

        A project is this folder's when a removed file was loaded into it, or its source
        document was first loaded from the folder (a summary whose title changed leaves its
        old project behind that way). It stays while any watched file still refers to it.
        """
        removed = self.report.removed
        with (self.engine.connect() if self.dry_run else self.engine.begin()) as conn:
            from_folder = conn.execute(
                sa.select(projects.c.id).join(sources, sources.c.id == projects.c.source_document_id)
                .where(sources.c.path.startswith(f"{self.folder}{os.sep}", autoescape=True))).scalars()
            candidates = {known[p].project_id for p in removed} - {None} | set(from_folder)
            kept = set(conn.execute(sa.select(watched_files.c.project_id).where(
                watched_files.c.project_id.in_(candidates), watched_files.c.path.not_in(removed))).scalars())
            doomed = conn.execute(sa.select(projects.c.id, projects.c.title)
                                  .where(projects.c.id.in_(candidates - kept))).all()
            self.report.pruned = sorted(title for _, title in doomed)
            if not self.dry_run:
                conn.execute(watched_files.delete().where(watched_files.c.path.in_(removed)))
                _delete_projects(conn, [pid for pid, _ in doomed])

    def _open_run(self) -> None:
        """Start the run's row; runs still 'running' were killed (we hold the lock)."""
        with self.engine.begin() as conn:
            conn.execute(load_runs.update().where(load_runs.c.status == "running")
                         .values(status="interrupted"))
            self.report.run_id = conn.execute(load_runs.insert().returning(load_runs.c.id), {
                "started": self.report.started, "status": "running", "folder": self.report.folder,
                "parser_version": PARSER_VERSION, **self.report.counts()}).scalar_one()

    def _close_run(self, status: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(load_runs.update().where(load_runs.c.id == self.report.run_id).values(
                finished=self.report.finished, status=status or self.report.status,
                **self.report.counts()))

    def _abandon_run(self, error: Exception) -> None:
        """Close the run as failed, its error logged against the folder, as far as the database
        still lets us (when it does not, the next refresh marks the run interrupted)."""
        self.report.finished = now()
        with suppress(sa.exc.SQLAlchemyError):
            self._fail(self.folder, f"refresh stopped: {failure_reason(error)}")
        with suppress(sa.exc.SQLAlchemyError):
            self._close_run(status="failed")


@cache
def _watch_statements() -> tuple[sa.Delete, sa.Insert]:
    """The statements that write a file's watched row again with each summary loaded from it:
    built once (tcps.dbapi compiles each once), when the first file is loaded, since they name
    the project as the writer does and a no-op refresh imports no writer."""
    from tcps.writer import PROJECT_BY_KEY

    return (watched_files.delete().where(watched_files.c.path == sa.bindparam("path")),
            watched_files.insert().values(project_id=PROJECT_BY_KEY))


_KNOWN = sa.select(*(watched_files.c[name] for name in KNOWN_COLUMNS))


def _delete_projects(conn: Connection, project_ids: list[int]) -> None:
    """Delete projects with their child rows, the source documents they were loaded from that
    no other project was, and the organisations and countries nothing refers to any more: what
    a clean load would not hold."""
    source_ids = set(conn.execute(sa.select(project_sources.c.source_document_id)
                                  .where(project_sources.c.project_id.in_(project_ids))).scalars())
    for table in (*reversed(CHILD_TABLES), project_sources):
        conn.execute(table.delete().where(table.c.project_id.in_(project_ids)))
    conn.execute(projects.delete().where(projects.c.id.in_(project_ids)))
    reindex(conn, project_ids)  # their search index rows go too
    _delete_unreferenced(conn, sources, source_ids)
    for lookup in (organizations, countries):
        _delete_unreferenced(conn, lookup)


def _delete_unreferenced(conn: Connection, table: sa.Table, ids: set[int] | None = None) -> None:
    """Delete the rows of ``table`` (those of these ids, else all) that no foreign key anywhere
    in the schema points at."""
    references = [fk for other in metadata.tables.values() for fk in other.foreign_keys
                  if fk.column.table is table]
    among = [] if ids is None else [table.c.id.in_(ids)]
    conn.execute(table.delete().where(
        *among, *(~sa.select(fk.parent).where(fk.parent == fk.column).exists() for fk in references)))


def _loader(engine: Engine) -> Loader:
    """The loader, imported only when a file is to be loaded: the loader and the parser are
    most of what tcps imports, and a no-op refresh (the one cron runs most) uses neither."""
    from tcps.load import Loader

    return Loader(engine, batch=BATCH)
