"""Records into the database: each summary whole or not at all, written a batch at a time.

``Loader`` queues summaries and writes them ``batch`` at a time (``tcps.writer`` says how a
batch becomes rows), committing each batch: all its summaries in one savepoint, and where the
database refuses that, again one summary per savepoint, so that a summary that fails leaves
nothing and the others load. ``load_paths`` is ``tcps load``: parse in worker processes, write
here, report every file's outcome in file order.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tcps import PARSER_VERSION
from tcps.db import analyze
from tcps.dbapi import savepoint
from tcps.errors import DatabaseFailed, FileError, failure_reason, one_line, stops_the_run
from tcps.keys import title_key
from tcps.lock import writer_lock
from tcps.record import Record
from tcps.sources import DEFAULT_MAX_SIZE, SUMMARY_SUFFIXES, SourceFile, summary_files
from tcps.workers import parse_in_order
from tcps.writer import PROJECT_BY_KEY, Keys, Outcome, Summary, prepare, tune_session, write

# Summaries `tcps load` writes and commits together (see Loader).
BATCH = 100


@dataclass(slots=True)
class Queued:
    """A summary handed to a Loader: once its batch is written, what came of it."""
    path: str
    outcome: Outcome | None = None
    error: Exception | None = None

    @property
    def written(self) -> bool:
        return self.outcome is not None or self.error is not None

    def result(self) -> Outcome:
        """What came of the summary; its error, if it failed."""
        if self.error is not None:
            raise self.error
        assert self.outcome is not None, "not written yet"
        return self.outcome


class Loader:
    """Loads records into a database whose schema is at head, ``batch`` at a time.

    Holds one connection for its lifetime (a pool checkout per summary costs about as much as
    the summary's own inserts). ``queue`` writes when ``batch`` summaries wait, ``load`` at
    once; each write commits. A summary of a project already queued first has the queue
    written, so the later summary is the one that stays, as when loaded one at a time. Use it
    as a context manager, or call ``close``: what is queued is written on ``flush`` and on a
    ``close`` that no error led to."""

    def __init__(self, engine: Engine, parser_version: str = PARSER_VERSION, batch: int = 1):
        self.parser_version = parser_version
        self._conn = engine.connect()
        tune_session(self._conn)
        self._known = Keys()  # the countries and organisations written (and not rolled back)
        self._batch = batch
        self._queue: list[tuple[Summary, Queued]] = []
        self._queued_keys: set[str] = set()

    def queue(self, record: Record, source: SourceFile,
              then: Callable[[Connection], None] | None = None) -> Queued:
        """Queue one record; ``then(conn)`` runs in its savepoint after its rows, so what it
        writes (refresh: the file's watched row) commits with the record. FileError at once
        for a record no database would take."""
        summary = prepare(record, source, fingerprint(record), then)
        if summary.key in self._queued_keys:
            self.flush()
        queued = Queued(source.path)
        self._queue.append((summary, queued))
        self._queued_keys.add(summary.key)
        if len(self._queue) >= self._batch:
            self.flush()
        return queued

    def load(self, record: Record, source: SourceFile,
             then: Callable[[Connection], None] | None = None) -> Outcome:
        """Write one record now (after those queued) and say what came of it; its error, if it
        failed."""
        queued = self.queue(record, source, then)
        self.flush()
        return queued.result()

    def flush(self) -> None:
        """Write the queued summaries in one transaction: together in one savepoint, and where
        that fails, again one per savepoint. An error that is the database's (stops_the_run)
        rolls the transaction back and is raised; one summary's is kept in its Queued."""
        batch = self._queue
        self._queue, self._queued_keys = [], set()
        if not batch:
            return
        written = Keys()
        transaction = self._conn.begin()
        try:
            if len(batch) == 1:
                self._write_alone(batch[0], written)
            else:
                try:
                    self._write(batch, written)
                except Exception as e:
                    if stops_the_run(e):
                        raise
                    for one in batch:  # the batch's savepoint rolled back: so that only the
                        self._write_alone(one, written)  # summary at fault fails
            transaction.commit()
        except BaseException:
            with suppress(Exception):
                transaction.rollback()
            self._known -= written
            raise

    def _write(self, batch: list[tuple[Summary, Queued]], written: Keys) -> None:
        """Write ``batch`` in a savepoint of the open transaction."""
        with savepoint(self._conn):
            outcomes, new = write(self._conn, [s for s, _ in batch], self.parser_version, self._known)
        self._known |= new
        written |= new
        for (_, queued), outcome in zip(batch, outcomes, strict=True):
            queued.outcome = outcome

    def _write_alone(self, one: tuple[Summary, Queued], written: Keys) -> None:
        """Write one summary in a savepoint of its own; its error, unless the database's, is its own."""
        try:
            self._write([one], written)
        except Exception as e:
            if stops_the_run(e):
                raise
            one[1].error = e

    def close(self, flush: bool = True) -> None:
        try:
            if flush:
                self.flush()
        finally:
            self._conn.close()

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(flush=exc_type is None)


def fingerprint(record: Record) -> str:
    """SHA-256 of the record's canonical JSON: equal records, equal fingerprints.

    Of the record, not of the file's bytes and the parser version: a library user may load an
    edited record under its file's sha256, and the edit must not pass for unchanged.
    Serialised through each dataclass's ``__dict__``: ``to_dict`` would deep-copy every list."""
    canonical = json.dumps(record, default=vars, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_project_id(conn: Connection, title: str) -> int | None:
    """The id of the project a summary titled ``title`` belongs to, if loaded."""
    return conn.execute(sa.select(PROJECT_BY_KEY), {"project_key": title_key(title)}).scalar()


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[FileError] = field(default_factory=list)

    def summary(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"unchanged {len(self.unchanged)}, failed {len(self.failed)}")

    def add(self, item: Queued | FileError) -> None:
        """Count one file: one that could not be read, or a summary once written."""
        if isinstance(item, FileError):
            self.failed.append(item)
        elif item.error is not None:
            self.failed.append(FileError(item.path, failure_reason(item.error)))
        else:
            getattr(self, item.result()).append(item.path)


_NONE_FOUND = "no summary here (" + ", ".join(f"*{s}" for s in sorted(SUMMARY_SUFFIXES)) + ")"


def load_paths(engine: Engine, paths: Iterable[str | Path], jobs: int | None = None, *,
               max_size: int = DEFAULT_MAX_SIZE, wait: float = 0) -> LoadReport:
    """Bring the schema to head, then parse and load every summary under ``paths``; a bad one
    (or a folder that cannot be read) is reported, not fatal.

    Holds the writer lock of ``tcps.lock`` throughout, as a refresh does: LockHeld when another
    writer keeps it longer than ``wait`` seconds. ConfigError when the schema is not one our
    migrations know; DatabaseFailed when the database stops working (no one file's fault).
    Parsing runs in ``jobs`` worker processes (default: one per CPU) while this process
    writes, in file order, ``BATCH`` summaries to a transaction; then the database's
    statistics are brought up to date for the analysts' queries."""
    with writer_lock(engine, wait):  # which brings the schema to head
        files, failed = _summaries(paths)
        report = LoadReport(failed=failed)
        waiting: deque[Queued | FileError] = deque()  # files in order, counted once written
        try:
            with Loader(engine, batch=BATCH) as loader, \
                    parse_in_order(files, jobs or os.cpu_count() or 1, max_size) as parsing:
                for path, parsed in parsing:
                    try:
                        if isinstance(parsed, str):
                            raise FileError(path, parsed)
                        waiting.append(loader.queue(*parsed))
                    except FileError as e:
                        waiting.append(e)
                    while waiting and (isinstance(waiting[0], FileError) or waiting[0].written):
                        report.add(waiting.popleft())
        except Exception as e:
            if stops_the_run(e):
                raise DatabaseFailed(f"load stopped, the database failed: {one_line(e)}") from e
            raise
        for item in waiting:  # written when the Loader closed
            report.add(item)
        if report.added or report.updated:
            analyze(engine)
    return report


def _summaries(paths: Iterable[str | Path]) -> tuple[list[str], list[FileError]]:
    """The summaries under ``paths``, and what fails before any is read: a folder that cannot
    be read, and a path with no summary under it (a mistake in the command, not a success)."""
    files: list[str] = []
    failed: list[FileError] = []
    for path in paths:
        listing = summary_files([path])
        failed += listing.unreadable
        if not listing.files and not listing.unreadable:
            failed.append(FileError(path, _NONE_FOUND))
        files += listing.files
    return files, failed
