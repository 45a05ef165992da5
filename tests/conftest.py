"""Shared fixtures: real databases for the tests, never mocks.

``postgres_url`` starts one real PostgreSQL server per test session on loopback and yields the
SQLAlchemy URL of a database on it (the server code is ``tcps.testing.pg``, which the benchmark
shares). ``db_url`` runs a test once on SQLite (a fresh file) and once on PostgreSQL (a fresh
database on that server), so loader and migration tests cover both.

CI and these machines run as root, and ``initdb`` refuses root: the server runs as the
``postgres`` user (``runuser``) in a temporary directory that user owns. A non-root developer
runs it as themselves. The PostgreSQL tests are skipped only when the server binaries are
missing (``.ci/run`` installs them).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import empty_database

from tcps.db import make_engine, upgrade_to_head
from tcps.testing.pg import PostgresServer, create_database, postgres_bindir

# Tests run the `tcps` command as a user does: the one installed beside this Python, also when
# the venv is not activated (the README's test line calls .venv/bin/python directly).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL (driver psycopg 3) of a database on a real PostgreSQL server started for this session."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                    ".ci/run installs the Debian 'postgresql' package")
    server = PostgresServer(bindir)
    try:
        server_url = server.start()
        url = create_database(server_url)
        yield url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh database on the session's server."""
    with empty_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str):
    """An engine on ``db_url``'s database, migrated to head."""
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
