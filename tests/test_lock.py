"""The writer lock: one holder per database, a killed holder frees it, a reader cannot hold it.

(Waiting for the lock with --wait is tested through the CLI in test_refresh.)
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import psycopg
import pytest
import sqlalchemy as sa

from tcps.errors import LockHeld
from tcps.lock import ADVISORY_KEY, writer_lock
from tcps.readers import grant_readonly_role
from tcps.testing.pg import create_database, drop_database


def libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def engine(db_url: str):
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


def test_a_second_holder_is_refused_at_once(engine) -> None:
    with writer_lock(engine):
        started = time.monotonic()
        with pytest.raises(LockHeld), writer_lock(engine):
            pass
        assert time.monotonic() - started < 1
    with writer_lock(engine):  # released on exit: free again
        pass


def test_a_holder_killed_with_sigkill_leaves_the_lock_free(db_url: str, engine) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, sqlalchemy as sa\n"
         "from tcps.lock import writer_lock\n"
         "with writer_lock(sa.create_engine(sys.argv[1])):\n"
         "    print('held', flush=True)\n"
         "    time.sleep(60)\n",
         db_url],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld), writer_lock(engine):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # PostgreSQL notices the closed connection a moment later: allow it a second.
    with writer_lock(engine, wait=2):
        pass


def test_a_lost_postgresql_connection_does_not_hide_the_bodys_error(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with pytest.raises(RuntimeError, match="the body's own"), writer_lock(engine):
            with engine.connect() as other:  # the server ends the lock's session, as in a restart
                other.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"))
            raise RuntimeError("the body's own error")
        with writer_lock(engine):  # and the lock is free again
            pass
    finally:
        engine.dispose()


def test_a_reader_can_neither_take_nor_hold_off_the_postgresql_lock(postgres_url: str) -> None:
    """A reader may take advisory locks (any role may: tcps used one until migration 0012) and
    lock writer_lock by reading it; neither keeps a writer out, and it cannot lock the row."""
    url = create_database(postgres_url)
    engine = sa.create_engine(url)
    try:
        with writer_lock(engine):  # brings the schema to head: the row exists
            pass
        reader_url, _ = grant_readonly_role(url, "lock_reader")
        reader = psycopg.connect(libpq(reader_url))
        reader.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
        reader.execute("LOCK TABLE writer_lock IN ACCESS SHARE MODE")  # held: the transaction stays open
        with psycopg.connect(libpq(reader_url), autocommit=True) as other:
            other.execute("SET default_transaction_read_only = off")  # as the reader may
            other.autocommit = False
            for statement in ("SELECT id FROM writer_lock FOR UPDATE",
                              "SELECT id FROM writer_lock FOR KEY SHARE",
                              "LOCK TABLE writer_lock IN ROW SHARE MODE"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    other.execute(statement)
                other.rollback()
        with writer_lock(engine):
            pass
        reader.close()
    finally:
        engine.dispose()
        drop_database(url)


def test_the_sqlite_lock_file_is_its_owners_alone(tmp_path) -> None:
    """Whoever may open the lock file may flock it, read-only or not: readers may not open it."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tcps.db'}")
    with writer_lock(engine):
        pass
    engine.dispose()
    assert (tmp_path / "tcps.db.lock").stat().st_mode & 0o777 == 0o600


def test_the_postgresql_lock_outlasts_an_idle_transaction_timeout(postgres_url: str) -> None:
    """The lock's transaction idles for the whole run: a server setting that ends idle
    transactions must not end it (and free the lock) under a refresh still running."""
    url = create_database(postgres_url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{engine.url.database}" '
                                 "SET idle_in_transaction_session_timeout = '200ms'"))
            conn.commit()
        engine.dispose()  # new sessions take the setting
        with writer_lock(engine):
            time.sleep(1)
            with pytest.raises(LockHeld), writer_lock(engine):
                pass
    finally:
        engine.dispose()
        drop_database(url)
