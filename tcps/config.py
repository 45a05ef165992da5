"""Where the database is: the one setting every command shares, without importing SQLAlchemy.

The CLI builds its ``--db`` option from these at start-up, so this module must stay cheap to
import (``tcps parse`` never touches a database and should not pay for SQLAlchemy).
"""
from __future__ import annotations

import os

ENV_VAR = "TCPS_DATABASE_URL"
DEFAULT_URL = "sqlite:///tcps.db"


def database_url(value: str | None = None) -> str:
    """The URL to use: ``value`` (from --db), else $TCPS_DATABASE_URL, else tcps.db here.

    A value without ``://`` is a path to a SQLite file, so ``--db my.db`` works."""
    url = value or os.environ.get(ENV_VAR) or DEFAULT_URL
    return url if "://" in url else f"sqlite:///{url}"
