"""The two locks a writer can hold, on connections of any kind: a file's ``flock(2)`` (a SQLite
database's writer lock, a fetch folder's) and the row of ``writer_lock`` (a PostgreSQL
database's). ``tcps.lock`` says when each is taken and why; they live here, without SQLAlchemy,
because the no-op refresh (``tcps.quick``) takes them too and must not import it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from tcps.errors import ConfigError, LockHeld

# The table whose one row is the lock (migration 0012): bookkeeping, as alembic_version is.
LOCK_TABLE = "writer_lock"


@contextmanager
def file_lock(path: str, wait: float = 0, holder: str = "writer") -> Iterator[None]:
    """Hold ``flock(2)`` on the file ``path``, made readable and writable by its owner alone, for
    the body (``tcps fetch`` locks its folder this way); raise LockHeld, naming the ``holder``
    command, when it cannot be had within ``wait``, and ConfigError when the file cannot be
    opened at all (a folder not writable, a folder of that name)."""
    import filelock  # 27 ms to import: not for a refresh of a PostgreSQL database

    lock = filelock.FileLock(path, mode=0o600)
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise LockHeld(f"skipped: another {holder} holds {path}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot open the lock file: {e.strerror or e}") from None
    try:
        yield
    finally:
        lock.release()


def database_file_lock(database: str, wait: float) -> AbstractContextManager[None]:
    """The writer lock of the SQLite file ``database``: ``<database>.lock`` beside it."""
    return file_lock(f"{database}.lock", wait, holder="load or refresh")


def lock_row(execute: Callable[[str], object], wait: float) -> None:
    """Lock the row of ``writer_lock`` in the open transaction of the PostgreSQL connection that
    ``execute`` runs SQL on (SQLAlchemy's ``exec_driver_sql`` or a psycopg cursor's
    ``execute``), waiting up to ``wait`` seconds (lock_timeout); raise LockHeld after that."""
    execute("SELECT set_config('idle_in_transaction_session_timeout', '0', true)")
    if wait > 0:
        execute(f"SELECT set_config('lock_timeout', '{int(wait * 1000)}ms', true)")
    how = "FOR UPDATE" if wait > 0 else "FOR UPDATE NOWAIT"
    try:
        execute(f"SELECT id FROM {LOCK_TABLE} WHERE id = 1 {how}")
    except Exception as e:
        # psycopg's error, or SQLAlchemy's around it
        if getattr(getattr(e, "orig", e), "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise LockHeld("skipped: another load or refresh holds the lock on this database "
                       "(a row lock on writer_lock)") from None
