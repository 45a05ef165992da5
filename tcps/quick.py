"""`tcps refresh`, and its commonest run told without SQLAlchemy: the one that finds nothing to do.

Cron runs a refresh every few minutes, and most runs find every file as the database recorded
it. Such a run takes the writer lock, checks that the schema is at head, reads the watched rows,
stats every file and logs itself in ``load_runs``: about a tenth of a second for 10,000 files.
Importing SQLAlchemy and opening an engine takes longer than all of that (docs/performance.md),
so this check runs first, on the database's own driver (sqlite3, psycopg), with the same lock
(tcps.mutex), the same rules (tcps.watch) and the same report (tcps.report). It steps aside,
having written nothing, when the run is anything else: a file new, touched, gone or unreadable,
``--prune`` or ``--dry-run``, a schema not at head, a URL it does not open itself, any error of
the database. The full refresh (tcps.refresh) then runs and decides; but where files must be
read, their reading has begun already, in worker processes, while this one imports SQLAlchemy.
"""
from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tcps import PARSER_VERSION, SCHEMA_HEAD
from tcps.config import database_url
from tcps.errors import shown_path
from tcps.mutex import database_file_lock, lock_row
from tcps.report import RUN_COLUMNS, RunReport, now
from tcps.sources import DEFAULT_MAX_SIZE
from tcps.watch import (KNOWN_COLUMNS, KnownSource, ToRead, examining, files_to_read, removed_files,
                        scan_folder)

if TYPE_CHECKING:
    from tcps.refresh import Progress

_SQLITE = "sqlite:///"
_POSTGRESQL = "postgresql+psycopg://"
# The columns the run's row is written with (its id is the database's).
_WRITTEN = tuple(name for name in RUN_COLUMNS if name != "id")


def refresh_folder(db: str | None, folder: Path, *, prune: bool = False, dry_run: bool = False,
                   wait: float = 0, max_size: int = DEFAULT_MAX_SIZE,
                   progress: Progress = nullcontext) -> RunReport:
    """Refresh the database ``db`` (``--db``: tcps.config) from ``folder``: see tcps.refresh."""
    checked = None if prune or dry_run else unchanged_run(database_url(db), folder.resolve(), wait)
    if isinstance(checked, RunReport):
        return checked
    # The files to read are read from now on, in worker processes while this one imports
    # SQLAlchemy (docs/performance.md): the full refresh takes what they read if it would read
    # the same.
    with examining(checked or [], max_size) as reading:
        from tcps.db import open_database
        from tcps.refresh import refresh

        with open_database(db, create=not dry_run, read_only=dry_run) as engine:
            return refresh(engine, folder, prune=prune, dry_run=dry_run, wait=wait, max_size=max_size,
                           progress=progress, reading=reading)


def unchanged_run(url: str, root: Path, wait: float = 0) -> RunReport | list[ToRead] | None:
    """The report of a refresh of the absolute folder ``root`` that found every file as
    recorded, its run logged. Else, with nothing written: the files it found to read, each with
    its row (none where a file is only gone or unreadable), once it has looked at them all; or
    None when it stepped aside before (a schema not at head, a URL or database it cannot use).

    Raises LockHeld when another writer keeps the lock longer than ``wait`` seconds, as the
    full refresh would."""
    database = _Database.open(url)
    if database is None:
        return None
    try:
        with database.writer_lock(wait):
            return database.log_if_unchanged(root)
    except database.errors:  # the full refresh meets it again, and reports it in its words
        return None
    finally:
        database.close()


class _Database:
    """A connection of the database's own driver, and how SQL is written for it."""

    def __init__(self, connection: Any, errors: type[Exception], file: str | None = None):
        self.connection = connection
        self.errors = errors                # what the driver raises
        self.file = file                    # a SQLite file's path; None on PostgreSQL
        self.cursor = connection.cursor()

    @classmethod
    def open(cls, url: str) -> _Database | None:
        """The database of a URL tcps's engine would open the same way: a SQLite file that
        exists, named by a plain path; PostgreSQL through psycopg. Else None."""
        if url.startswith(_SQLITE):
            file = url[len(_SQLITE):]
            if file and not any(c in file for c in "?#%") and Path(file).is_file():
                with suppress(sqlite3.Error):
                    return cls(sqlite3.connect(file), sqlite3.Error, file)
        elif url.startswith(_POSTGRESQL):
            import psycopg

            # libpq reads the rest of the URL as SQLAlchemy does: user, host, database, options
            with suppress(psycopg.Error):
                return cls(psycopg.connect("postgresql://" + url[len(_POSTGRESQL):]), psycopg.Error)
        return None

    def writer_lock(self, wait: float) -> AbstractContextManager[None]:
        """tcps.lock's writer lock: the file's, held for the ``with`` body; or the row's, taken
        now and held until the transaction ends (commit or close)."""
        if self.file is not None:
            return database_file_lock(self.file, wait)
        lock_row(self.cursor.execute, wait)
        return nullcontext()

    def log_if_unchanged(self, root: Path) -> RunReport | list[ToRead] | None:
        if self._value("SELECT version_num FROM alembic_version") != SCHEMA_HEAD:
            return None
        report = RunReport(folder=shown_path(root), parser_version=PARSER_VERSION, started=now())
        self.cursor.execute(f"SELECT {', '.join(KNOWN_COLUMNS)} FROM watched_files")
        known = {row[0]: KnownSource._make(row) for row in self.cursor.fetchall()}
        found, problems = scan_folder(root)
        to_read = files_to_read(found, known)
        if problems or to_read or removed_files(report.folder, known, found, problems):
            return to_read
        report.seen = report.unchanged = len(found)
        report.finished = now()
        self._log(report)
        return report

    def _log(self, report: RunReport) -> None:
        """Write the run's row, finished (runs still 'running' were killed: we hold the lock)."""
        row = {"started": self._time(report.started), "finished": self._time(report.finished),
               "status": report.status, "folder": report.folder,
               "parser_version": report.parser_version, **report.counts()}
        marks = ", ".join(f":{c}" if self.file is not None else f"%({c})s" for c in _WRITTEN)
        self.cursor.execute("UPDATE load_runs SET status = 'interrupted' WHERE status = 'running'")
        self.cursor.execute(f"INSERT INTO load_runs ({', '.join(_WRITTEN)}) VALUES ({marks}) "
                            "RETURNING id", row)
        report.run_id = self.cursor.fetchone()[0]
        self.connection.commit()

    def _time(self, value: datetime | None) -> datetime | str | None:
        """A time as SQLAlchemy stores it: SQLite holds text, in its format, without the zone."""
        if value is None or self.file is None:
            return value
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def _value(self, sql: str) -> Any:
        self.cursor.execute(sql)
        row = self.cursor.fetchone()
        return row[0] if row else None

    def close(self) -> None:
        """Roll back what was not committed (the row's lock with it), then close. The rollback
        comes first because it is answered only once done: a PostgreSQL server ends a closed
        connection's transaction after ``close`` returns, when the full refresh starting next
        may already have found the lock held."""
        with suppress(self.errors):
            self.connection.rollback()
        self.connection.close()
