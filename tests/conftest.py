"""Shared fixtures: real databases for the tests, never mocks.

``postgres_url`` starts one real PostgreSQL server per test session on loopback and yields the
SQLAlchemy URL of a database on it. ``db_url`` runs a test once on SQLite (a fresh file) and once
on PostgreSQL (a fresh database on that server), so loader and migration tests cover both.

CI and these machines run as root, and ``initdb`` refuses root: the server runs as the
``postgres`` user (``runuser``) in a temporary directory that user owns. A non-root developer
runs it as themselves. The PostgreSQL tests are skipped only when the server binaries are
missing (``.ci/run`` installs them).
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa


def _postgres_bindir() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _PostgresServer:
    """A throwaway server in its own directory, run as a user initdb accepts."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="tcps-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd: the server user may not be allowed to read the caller's working directory.
        result = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> str:
        """Create the cluster, start it, return the URL of its maintenance database."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        options = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
                  "-o", options, "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


_database_numbers = itertools.count(1)


def create_postgres_database(server_url: str) -> str:
    """Create a fresh, empty database on the server of ``server_url``; return its URL."""
    name = f"tcps_test_{os.getpid()}_{next(_database_numbers)}"
    admin = sa.create_engine(sa.make_url(server_url).set(database="postgres"),
                             isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a test database even if a forgotten connection still holds it (PostgreSQL 13+)."""
    name = sa.make_url(url).database
    admin = sa.create_engine(sa.make_url(url).set(database="postgres"),
                             isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL (driver psycopg 3) of a database on a real PostgreSQL server started for this session."""
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                    ".ci/run installs the Debian 'postgresql' package")
    server = _PostgresServer(bindir)
    try:
        server_url = server.start()
        url = create_postgres_database(server_url)
        yield url
    finally:
        server.stop()


@contextmanager
def empty_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """URL of a fresh database on ``backend``: a file in ``folder``, or one on the session's
    PostgreSQL server, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tcps.db'}"
        return
    url = create_postgres_database(request.getfixturevalue("postgres_url"))
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh database on the session's server."""
    with empty_database(request, request.param, tmp_path) as url:
        yield url
