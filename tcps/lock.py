"""One writer at a time per database, with a lock a crashed process cannot leave held.

Cron and systemd may start a refresh while the last one still runs, or an operator may start
one (or a ``tcps load``) by hand. Two writers loading the same files would do every file twice
and race on the same projects (SQLite: "database is locked"; PostgreSQL: duplicate keys), so
``tcps load`` and ``tcps refresh`` both take this lock, and the second one steps aside (exit 75),
or waits.

Both locks below are released by the operating system or the server when the holder dies, even
by ``kill -9``, so a crash can never leave the database locked:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) taken on a connection of
  its own, held for the whole refresh. The server drops it when that connection closes.
- SQLite: ``filelock.FileLock`` on ``<database file>.lock``. On Linux it is ``flock(2)``, which
  belongs to the open file: the kernel releases it when the process ends, however it ends.

Both live in a file descriptor (the lock file, the server connection's socket), and a child
forked while the lock is held inherits it: such a child outliving a killed writer would keep
the lock. So the parse workers of ``tcps load`` die with it (``tcps.workers``).
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

import filelock
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tcps.errors import LockHeld

# The advisory lock key: a fixed 64-bit number derived from a name, so that it is the same in
# every tcps process and unlikely to collide with another application's keys in the database.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"tcps refresh").digest()[:8], "big", signed=True)

# How often a waiting PostgreSQL refresh asks again for the lock (advisory locks have no
# "try for N seconds" form).
_POLL_SECONDS = 0.1


@contextmanager
def refresh_lock(engine: Engine, wait: float = 0) -> Iterator[None]:
    """Hold the database's refresh lock for the body; raise LockHeld when it cannot be had.

    ``wait`` is how many seconds to keep trying before giving up (0: give up at once).
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, wait):
            yield
    elif engine.dialect.name == "sqlite":
        with _file_lock(engine, wait):
            yield
    else:
        raise ValueError(f"no refresh lock for {engine.dialect.name} databases")


@contextmanager
def _advisory_lock(engine: Engine, wait: float) -> Iterator[None]:
    # AUTOCOMMIT: the lock connection must not sit "idle in transaction" for the whole run.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        deadline = time.monotonic() + wait
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
            if time.monotonic() >= deadline:
                raise LockHeld("another load or refresh holds the lock on this database "
                               f"(advisory lock {ADVISORY_KEY})")
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            except DBAPIError:
                # The connection died, and the server dropped the lock with it. Raising here
                # would hide the body's own error (the same dead server, most likely).
                conn.invalidate()


@contextmanager
def _file_lock(engine: Engine, wait: float) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        # A private in-memory database cannot be shared with another process: nothing to lock.
        yield
        return
    with file_lock(f"{database}.lock", wait, holder="load or refresh"):
        yield


@contextmanager
def file_lock(path: str, wait: float = 0, holder: str = "refresh") -> Iterator[None]:
    """Hold ``flock(2)`` on the file ``path`` for the body (``tcps fetch`` locks its folder this
    way); raise LockHeld, naming the ``holder`` command, when it cannot be had within ``wait``."""
    lock = filelock.FileLock(path)
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise LockHeld(f"another {holder} holds {path}") from None
    try:
        yield
    finally:
        lock.release()
