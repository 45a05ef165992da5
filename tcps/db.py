"""Where the database is, how to connect to it, and how to bring its schema to head.

The URL comes from ``tcps.config.database_url``: ``--db`` or ``TCPS_DATABASE_URL`` (the CLI reads
both), else a SQLite file ``tcps.db`` in the working directory; a bare path is a SQLite file.

SQLite connections are set up for a loader that commits once per summary: WAL journal and
``synchronous=NORMAL`` (durable at each checkpoint, and commits far cheaper than with the
default journal), foreign keys enforced, and SQLAlchemy's documented hooks that make pysqlite emit
BEGIN itself, without which SAVEPOINT (``begin_nested``) does not work on SQLite. The commands
that only read open the file read-only instead, without the WAL switch (which writes the file).
"""
from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from tcps.config import database_url
from tcps.errors import ConfigError, one_line

# The project is installed editable: the migrations live beside the package, not inside it.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration's revision (tests/test_migrations.py holds it to alembic's head).
SCHEMA_HEAD = "0008"


def make_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine for ``database_url(url)``, with the SQLite settings described above.

    ``read_only`` (SQLite): the file is opened read-only (``mode=ro``), so it must exist and
    nothing, not even the switch to WAL, is written to it; for commands that only look."""
    url = database_url(url)
    if not url.startswith("sqlite"):
        return sa.create_engine(url)
    # Named parameters: the loader's hot path hands its row dicts to sqlite3 as they are.
    options: dict = {"paramstyle": "named"}
    if read_only:
        uri = sqlite_read_only_uri(sa.make_url(url).database or "")
        options["creator"] = lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    engine = sa.create_engine(url, **options)
    _configure_sqlite(engine, read_only)
    return engine


def sqlite_read_only_uri(path: str) -> str:
    """The SQLite URI that opens the file ``path`` read-only (``?``, ``#`` and ``%`` escaped)."""
    return "file:" + path.replace("%", "%25").replace("?", "%3f").replace("#", "%23") + "?mode=ro"


def _configure_sqlite(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Stop pysqlite from opening transactions behind our back; "begin" below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not read_only:  # WAL is a setting of the file: switching to it writes the file
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
    """Apply every migration the database lacks. A database already at head is told by one
    query, without importing alembic and loading every migration script, which would be most
    of a no-op `tcps refresh`'s start-up."""
    if current_revision(engine) != SCHEMA_HEAD:
        run_alembic(engine, "upgrade", "head")


def analyze(engine: Engine) -> None:
    """Gather the query planner's statistics (ANALYZE, both databases), after a load changed
    many rows. Without them SQLite reads each project's row where an index holds what a query
    needs (ix_projects_id_start_date) and joins in a guessed order: several analyst queries
    took two to ten times longer at N = 1,000."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def run_alembic(engine: Engine | None, name: str, *args: str) -> None:
    """Run alembic's command ``name`` on ``engine`` (None: no database needed); its failures
    (an unknown revision, a schema our migrations do not know ...) are ConfigErrors."""
    from alembic import command
    from alembic.util import CommandError

    try:
        getattr(command, name)(alembic_config(engine), *args)
    except CommandError as e:
        raise ConfigError(one_line(e)) from e


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not has_table(conn, "alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def has_table(conn: Connection, name: str) -> bool:
    return sa.inspect(conn).has_table(name)


def require_table(conn: Connection, name: str) -> None:
    """ConfigError when the database lacks table ``name``: its schema is not at head."""
    if not has_table(conn, name):
        raise ConfigError(f"the database has no {name} table yet: run `tcps db upgrade` or `tcps load`")


@contextmanager
def open_database(url: str | None, *, create: bool = False, read_only: bool = False) -> Iterator[Engine]:
    """An engine for ``database_url(url)`` that is known to connect, disposed of after the
    ``with`` body; ConfigError where it does not connect.

    A SQLite file that does not exist is created only with ``create`` (for the commands that
    write: load, refresh, db upgrade): for any other it is a mistake in --db, not a database to
    make. ``read_only`` opens a SQLite file read-only, for the commands that only look."""
    url = database_url(url)
    if not create:
        _require_sqlite_file(url)
    try:
        engine = make_engine(url, read_only=read_only)
        with engine.connect():
            pass
    except (sa.exc.SQLAlchemyError, ImportError) as e:
        raise ConfigError(f"database {_shown(url)}: {one_line(e)}") from None
    try:
        yield engine
    finally:
        engine.dispose()


def _shown(url: str) -> str:
    """The URL as an error line may show it: without its password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _require_sqlite_file(url: str) -> None:
    """ConfigError when ``url`` names a SQLite file that does not exist."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:  # not a URL at all: make_engine reports it
        return
    path = parsed.database
    if parsed.get_backend_name() == "sqlite" and path and path != ":memory:" \
            and not Path(path).exists():
        raise ConfigError(f"database {url}: no such SQLite file {path} "
                          "(`tcps load` or `tcps db upgrade` creates it)")
