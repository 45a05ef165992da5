"""Empty databases for tests that need more than the one ``db_url`` gives them."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tcps.testing.pg import create_database, drop_database


@contextmanager
def empty_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """URL of a fresh database on ``backend``: a file in ``folder``, or one on the session's
    PostgreSQL server (fixture ``postgres_url``), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tcps.db'}"
        return
    url = create_database(request.getfixturevalue("postgres_url"))
    try:
        yield url
    finally:
        drop_database(url)
