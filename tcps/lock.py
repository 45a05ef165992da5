"""One writer at a time per database, with a lock a crashed process cannot leave held and a
reader cannot take.

Cron and systemd may start a refresh while the last one still runs, or an operator may start
one (or a ``tcps load``) by hand. Two writers loading the same files would do every file twice
and race on the same projects (SQLite: "database is locked"; PostgreSQL: duplicate keys), so
``tcps load`` and ``tcps refresh`` both take this lock, and the second one steps aside (exit 75),
or waits.

`writer_lock` holds the lock for its body, with the schema at head (the lock lives in it):

- PostgreSQL: the one row of the table ``writer_lock`` (migration 0012), locked with
  ``SELECT ... FOR UPDATE`` in a transaction of a connection of its own. Locking a row needs
  UPDATE privilege on its table, which a reader (``tcps db grant-readonly``) does not have; the
  one lock a reader may take on it (ACCESS SHARE, by reading it) does not conflict. The server
  drops the lock when that connection closes. That transaction stays open, idle, for the whole
  run: it is exempt from ``idle_in_transaction_session_timeout`` (which would end it, and the
  lock with it), and holds back VACUUM's horizon while it lasts, as any long transaction does.
  A database older than 0012 has no such row yet: it is migrated under the session advisory
  lock tcps used before (which any role can take, so a reader can delay that one migration,
  never a later write).
- SQLite: ``filelock.FileLock`` on ``<database file>.lock``, made readable and writable by its
  owner alone (mode 0600), so that a reader cannot open it to lock it. On Linux it is
  ``flock(2)``, which belongs to the open file: the kernel releases it when the process ends.

Both live in a file descriptor (the lock file, the server connection's socket), and a child
forked while the lock is held inherits it: such a child outliving a killed writer would keep
the lock. So the parse workers of ``tcps load`` and ``tcps refresh`` die with it
(``tcps.workers``).
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tcps.db import has_table, upgrade_to_head
from tcps.errors import LockHeld
from tcps.mutex import LOCK_TABLE, database_file_lock, lock_row

# The advisory lock key of tcps before migration 0012: a fixed 64-bit number derived from a name.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"tcps refresh").digest()[:8], "big", signed=True)

# How often a waiting writer asks again for the advisory lock (it has no "try for N seconds").
_POLL_SECONDS = 0.1


@contextmanager
def writer_lock(engine: Engine, wait: float = 0) -> Iterator[None]:
    """Hold the database's writer lock for the body, the schema brought to head first; raise
    LockHeld when another writer keeps it longer than ``wait`` seconds (0: give up at once)."""
    if engine.dialect.name == "postgresql":
        with _row_lock(engine, wait):
            yield
    elif engine.dialect.name == "sqlite":
        with _file_lock(engine, wait):
            upgrade_to_head(engine)
            yield
    else:
        raise ValueError(f"no writer lock for {engine.dialect.name} databases")


@contextmanager
def _row_lock(engine: Engine, wait: float) -> Iterator[None]:
    deadline = time.monotonic() + wait
    with engine.connect() as conn:
        if not has_table(conn, LOCK_TABLE):
            conn.rollback()
            with _advisory_lock(engine, deadline):
                upgrade_to_head(engine)
        lock_row(conn.exec_driver_sql, max(0.0, deadline - time.monotonic()))
        try:
            upgrade_to_head(engine)
            yield
        finally:
            try:
                conn.rollback()
            except DBAPIError:
                # The connection died, and the server dropped the lock with it. Raising here
                # would hide the body's own error (the same dead server, most likely).
                conn.invalidate()


@contextmanager
def _advisory_lock(engine: Engine, deadline: float) -> Iterator[None]:
    # AUTOCOMMIT: the lock connection must not sit "idle in transaction" for the migration.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
            if time.monotonic() >= deadline:
                raise LockHeld("skipped: another load or refresh holds the lock on this database while "
                               f"it migrates it to the writer_lock table (advisory lock {ADVISORY_KEY})")
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})


@contextmanager
def _file_lock(engine: Engine, wait: float) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        # A private in-memory database cannot be shared with another process: nothing to lock.
        yield
        return
    with database_file_lock(database, wait):
        yield
