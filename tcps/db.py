"""Where the database is, how to connect to it, and how to bring its schema to head.

The URL comes from ``--db`` or ``TCPS_DATABASE_URL`` (the CLI reads both), else a SQLite file
``tcps.db`` in the working directory. A bare path is taken as a SQLite file.

SQLite connections are set up for a loader that commits once per summary: WAL journal and
``synchronous=NORMAL`` (durable at each checkpoint, about 5x faster commits than the default
journal), foreign keys enforced, and SQLAlchemy's documented hooks that make pysqlite emit
BEGIN itself, without which SAVEPOINT (``begin_nested``) does not work on SQLite.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

ENV_VAR = "TCPS_DATABASE_URL"
DEFAULT_URL = "sqlite:///tcps.db"
# The project is installed editable: the migrations live beside the package, not inside it.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def database_url(value: str | None = None) -> str:
    """The URL to use: ``value`` (from --db), else $TCPS_DATABASE_URL, else tcps.db here.

    A value without ``://`` is a path to a SQLite file, so ``--db my.db`` works."""
    url = value or os.environ.get(ENV_VAR) or DEFAULT_URL
    return url if "://" in url else f"sqlite:///{url}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``database_url(url)``, with the SQLite settings described above."""
    url = database_url(url)
    if not url.startswith("sqlite"):
        return sa.create_engine(url)
    # Named parameters: the loader's hot path hands its row dicts to sqlite3 as they are.
    engine = sa.create_engine(url, paramstyle="named")
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Stop pysqlite from opening transactions behind our back; "begin" below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def alembic_config(bind: Engine | Connection | None = None):
    """An alembic Config for our migrations; ``bind`` is handed to env.py to migrate."""
    from alembic.config import Config

    # stdout given at call time, so click's CliRunner captures what alembic prints.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if bind is not None:
        config.attributes["connection"] = bind
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration the database lacks (nothing when it is at head)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
