"""Where the database is, how to connect to it, and how to bring its schema to head.

The URL comes from ``tcps.config.database_url``: ``--db`` or ``TCPS_DATABASE_URL`` (the CLI reads
both), else a SQLite file ``tcps.db`` in the working directory; a bare path is a SQLite file.

SQLite connections are set up for a loader that commits once per summary: WAL journal and
``synchronous=NORMAL`` (durable at each checkpoint, and commits far cheaper than with the
default journal), foreign keys enforced, and SQLAlchemy's documented hooks that make pysqlite emit
BEGIN itself, without which SAVEPOINT (``begin_nested``) does not work on SQLite. The commands
that only read open the file read-only instead, without the WAL switch (which writes the file):
see `connect_sqlite_read_only`.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from tcps import SCHEMA_HEAD
from tcps.config import database_url
from tcps.errors import ConfigError, one_line

# The project is installed editable: the migrations live beside the package, not inside it.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine for ``database_url(url)``, with the SQLite settings described above.

    ``read_only`` (SQLite): the file is opened read-only (``mode=ro``), so it must exist and
    nothing, not even the switch to WAL, is written to it; for commands that only look."""
    url = database_url(url)
    if not url.startswith("sqlite"):
        return sa.create_engine(parse_url(url))
    # Named parameters: the loader's hot path hands its row dicts to sqlite3 as they are.
    options: dict = {"paramstyle": "named"}
    if read_only:
        path = sa.make_url(url).database or ""
        options["creator"] = lambda: connect_sqlite_read_only(path, check_same_thread=False)
    engine = sa.create_engine(url, **options)
    _configure_sqlite(engine, read_only)
    return engine


def parse_url(url: str | sa.URL) -> sa.URL:
    """The URL parsed; ConfigError where it is not one (a port that is not a number ...).
    The error does not repeat the URL: it may hold a password."""
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as e:
        raise ConfigError(f"bad database URL: {one_line(e)}") from None


def sqlite_read_only_uri(path: str) -> str:
    """The SQLite URI that opens the file ``path`` read-only (``?``, ``#`` and ``%`` escaped)."""
    return "file:" + path.replace("%", "%25").replace("?", "%3f").replace("#", "%23") + "?mode=ro"


def connect_sqlite_read_only(path: str, **options) -> sqlite3.Connection:
    """Open the existing SQLite file ``path`` so that nothing can be written through the
    connection, for a reader who may read the file and its folder but not write them.

    A database in WAL mode (tcps load leaves it so) is read through a shared-memory index, the
    ``-shm`` file beside it, which SQLite creates when it is missing: a reader who cannot write
    the folder gets "attempt to write a readonly database". When there is no write-ahead log
    either (every writer closed: all the data is in the file), the file is opened as immutable
    instead, which needs neither. Such a reader does not see a writer that starts meanwhile:
    one that reads while a load runs may fail ("database disk image is malformed"); run it again.
    ConfigError when the file cannot be opened at all.
    """
    uri = sqlite_read_only_uri(path)
    try:
        try:
            return _opened(sqlite3.connect(uri, uri=True, isolation_level=None, **options))
        except sqlite3.OperationalError as e:
            wal = Path(f"{path}-wal")
            if e.sqlite_errorcode & 0xFF != sqlite3.SQLITE_READONLY or (wal.exists() and wal.stat().st_size):
                raise
        return _opened(sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, **options))
    except sqlite3.Error as e:
        raise ConfigError(f"cannot open {path}: {e}") from None


def _opened(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn``, once it has read the schema: a file that is not there or not a database, or a
    WAL index that cannot be made, fails here rather than at the first query."""
    try:
        conn.execute("SELECT 1 FROM sqlite_schema LIMIT 1")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _configure_sqlite(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Stop pysqlite from opening transactions behind our back; "begin" below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not read_only:  # WAL is a setting of the file: switching to it writes the file
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def _switch_to_wal(cursor: sqlite3.Cursor, patience: float = 5.0) -> None:
    """Put the file in WAL mode. Two writers opening a new file at once both ask for the
    switch, which needs the file to itself: SQLite refuses one of them at once, without
    waiting (each holds a lock the other needs), so it asks again until the other's switch is
    done (then there is nothing to switch), for up to ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if e.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def alembic_config(bind: Engine | Connection | None = None):
    """An alembic Config for our migrations; ``bind`` is handed to env.py to migrate."""
    from alembic.config import Config

    # stdout given at call time, so click's CliRunner captures what alembic prints.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if bind is not None:
        config.attributes["connection"] = bind
    return config


@contextmanager
def views_left_alone(op) -> Iterator[None]:
    """For a migration's batch operation on a table views read: SQLite's batch mode rebuilds the
    table under another name and renames it back, and the rename checks the views while the
    table is gone, and fails. The legacy rename leaves the views alone: they name the table,
    which is back after."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA legacy_alter_table=ON")
    yield
    if sqlite:
        op.execute("PRAGMA legacy_alter_table=OFF")


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
    check_sqlite_path(url, create=create)
    try:
        engine = make_engine(url, read_only=read_only)
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # reads the header: a file that is no database fails here
                conn.exec_driver_sql("SELECT 1 FROM sqlite_schema LIMIT 1")
    except (sa.exc.SQLAlchemyError, ImportError) as e:
        raise ConfigError(f"database {_shown(url)}: {one_line(e)}") from None
    try:
        yield engine
    finally:
        engine.dispose()


def _shown(url: str) -> str:
    """The URL as an error line may show it: without its password."""
    return parse_url(url).render_as_string(hide_password=True)


def check_sqlite_path(url: str, *, create: bool = False) -> None:
    """ConfigError when ``url`` names a SQLite file that is a folder, or (unless ``create``)
    does not exist: the same line for every command."""
    parsed = parse_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return
    if Path(path).is_dir():
        raise ConfigError(f"database {url}: {path} is a folder, not a SQLite file")
    if not create and not Path(path).exists():
        raise ConfigError(f"database {url}: no such SQLite file {path} "
                          "(`tcps load` or `tcps db upgrade` creates it)")
