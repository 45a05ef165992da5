"""alembic environment: migrates the database tcps uses, or the engine/connection handed in.

``config.attributes["connection"]`` may hold an Engine (``tcps.db.upgrade_to_head``, the CLI
and pytest-alembic pass one) or a Connection (migrated in the caller's transaction); otherwise
the URL comes from ``-x db=URL``, ``sqlalchemy.url`` in alembic.ini, or tcps's own rule
(TCPS_DATABASE_URL, else tcps.db).
"""
from __future__ import annotations

from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection, Engine

from tcps.config import database_url
from tcps.db import make_engine
from tcps.lock import LOCK_TABLE
from tcps.models import metadata
from tcps.search import is_search_index

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection):
    """Batch migrations rebuild SQLite tables (copy, drop, rename); with foreign keys enforced
    the drop would cascade into the child rows. The pragma only takes effect outside a
    transaction, so it is set on the DBAPI connection before alembic begins one."""
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Leave the full-text index (migration 0005; on SQLite also FTS5's shadow tables) and the
    writer lock's table (0012) out of autogenerate: derived data and bookkeeping, which the
    models do not describe."""
    return not (type_ == "table" and name is not None and (is_search_index(name) or name == LOCK_TABLE))


def _run(connection: Connection) -> None:
    with _sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=_include_name,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # A migration pauses between statements while Python computes (backfills, the
                # data dictionary): a server's idle-in-transaction timeout must not end it.
                connection.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 0")
            context.run_migrations()


def _url() -> str:
    return (context.get_x_argument(as_dictionary=True).get("db")
            or config.get_main_option("sqlalchemy.url")
            or database_url())


def run_migrations_online() -> None:
    bind = config.attributes.get("connection")
    if isinstance(bind, Connection):
        _run(bind)
        return
    engine = bind if isinstance(bind, Engine) else make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        if bind is None:
            engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
