"""The refresh lock: one holder per database, and a killed holder frees it.

(Waiting for the lock with --wait is tested through the CLI in test_refresh.)
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tcps.errors import LockHeld
from tcps.lock import refresh_lock


@pytest.fixture
def engine(db_url: str):
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


def test_a_second_holder_is_refused_at_once(engine) -> None:
    with refresh_lock(engine):
        started = time.monotonic()
        with pytest.raises(LockHeld), refresh_lock(engine):
            pass
        assert time.monotonic() - started < 1
    with refresh_lock(engine):  # released on exit: free again
        pass


def test_a_holder_killed_with_sigkill_leaves_the_lock_free(db_url: str, engine) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, sqlalchemy as sa\n"
         "from tcps.lock import refresh_lock\n"
         "with refresh_lock(sa.create_engine(sys.argv[1])):\n"
         "    print('held', flush=True)\n"
         "    time.sleep(60)\n",
         db_url],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld), refresh_lock(engine):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # PostgreSQL notices the closed connection a moment later: allow it a second.
    with refresh_lock(engine, wait=2):
        pass


def test_a_lost_postgresql_connection_does_not_hide_the_bodys_error(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with pytest.raises(RuntimeError, match="the body's own"), refresh_lock(engine):
            with engine.connect() as other:  # the server ends the lock's session, as in a restart
                other.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"))
            raise RuntimeError("the body's own error")
        with refresh_lock(engine):  # and the lock is free again
            pass
    finally:
        engine.dispose()
