"""A throwaway PostgreSQL server on loopback, for the test suite and the benchmark.

CI and these machines run as root, and ``initdb`` refuses root: the server runs as the
``postgres`` user (``runuser``) in a temporary directory that user owns. A non-root developer
runs it as themselves. ``durable=False`` (the tests) turns fsync off for speed; the benchmark
keeps PostgreSQL's defaults so that its figures mean what a real server would do.
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
from pathlib import Path

import sqlalchemy as sa


def postgres_bindir() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway server in its own directory, run as a user initdb accepts."""

    def __init__(self, bindir: Path, durable: bool = False):
        self.bindir = bindir
        self.durable = durable
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="tcps-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
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
        options = f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
                  "-o", options, "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


_database_numbers = itertools.count(1)


def create_database(server_url: str, prefix: str = "tcps_test") -> str:
    """Create a fresh, empty database on the server of ``server_url``; return its URL."""
    name = f"{prefix}_{os.getpid()}_{next(_database_numbers)}"
    admin = sa.create_engine(sa.make_url(server_url).set(database="postgres"),
                             isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database even if a forgotten connection still holds it (PostgreSQL 13+)."""
    name = sa.make_url(url).database
    admin = sa.create_engine(sa.make_url(url).set(database="postgres"),
                             isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
