"""The loader's hot path: statements compiled once by SQLAlchemy, run on the DBAPI cursor.

The statements run for every summary are compiled once per dialect (and per set of columns
written) and run on the DBAPI cursor of the same connection, so in the same transaction:
SQLAlchemy's per-execute and per-row work would outweigh the database's own work here.
Errors still come out as SQLAlchemy's, as from ``conn.execute``.
"""
from __future__ import annotations

from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler


def fetch_one(conn: Connection, statement: sa.ClauseElement, values: dict) -> tuple | None:
    """The first row ``statement`` returns for ``values``, or None."""
    compiled = _compiled_for(conn, statement, values)
    with _cursor(conn, compiled) as cursor:
        cursor.execute(compiled.sql, compiled.params(values))
        return cursor.fetchone()


def fetch_all(conn: Connection, statement: sa.ClauseElement, values: dict | None = None) -> list[tuple]:
    """Every row ``statement`` returns, as plain tuples (a refresh reads one row per file it
    knows: SQLAlchemy's row objects cost two to three times the database's work there)."""
    values = values or {}
    compiled = _compiled_for(conn, statement, values)
    with _cursor(conn, compiled) as cursor:
        cursor.execute(compiled.sql, compiled.params(values))
        return cursor.fetchall()


def execute_many(conn: Connection, statement: sa.ClauseElement, rows: list[dict]) -> None:
    """Run ``statement`` once per row (one ``executemany``); every row names the same columns."""
    compiled = _compiled_for(conn, statement, rows[0])
    with _cursor(conn, compiled) as cursor:
        cursor.executemany(compiled.sql, [compiled.params(row) for row in rows])


@contextmanager
def pipeline(conn: Connection):
    """On psycopg, send the statements inside in one round trip (pipeline mode; its errors
    surface when it ends); elsewhere just run them."""
    dbapi_connection: Any = conn.connection.dbapi_connection
    if not hasattr(dbapi_connection, "pipeline"):
        yield
        return
    with _dbapi_errors(conn, "(pipeline)"), dbapi_connection.pipeline():
        yield


@contextmanager
def savepoint(conn: Connection):
    """A SAVEPOINT around the block, in the caller's transaction: rolled back to when the
    block raises, released when it ends. Issued on the DBAPI cursor: SQLAlchemy's
    ``begin_nested`` cost the loader as much as the summary's own inserts."""
    dbapi_connection: Any = conn.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        with _dbapi_errors(conn, "SAVEPOINT summary"):
            cursor.execute("SAVEPOINT summary")
        try:
            yield
        except BaseException:
            # Where the database ended the whole transaction itself (SQLite does on a full
            # disk) there is no savepoint left to go back to: the block's error is the one.
            with suppress(conn.dialect.loaded_dbapi.Error):
                cursor.execute("ROLLBACK TO SAVEPOINT summary")
                cursor.execute("RELEASE SAVEPOINT summary")
            raise
        with _dbapi_errors(conn, "RELEASE SAVEPOINT summary"):
            cursor.execute("RELEASE SAVEPOINT summary")
    finally:
        cursor.close()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in order for a positional paramstyle
    processors: dict  # parameter name -> the type's conversion for this DBAPI (datetimes ...)

    def params(self, values: dict):
        if self.processors:
            values = {k: self.processors[k](v) if k in self.processors else v
                      for k, v in values.items()}
        return tuple(values[name] for name in self.order) if self.order else values


@lru_cache(maxsize=64)
def _compile(statement: sa.ClauseElement, dialect: sa.Dialect, keys: tuple[str, ...]) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(keys) or None))
    processors = {name: p for name, bind in compiled.binds.items()
                  if (p := bind.type.bind_processor(dialect)) is not None}
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Compiled(compiled.string, order, processors)


def _compiled_for(conn: Connection, statement: sa.ClauseElement, values: dict) -> _Compiled:
    """The compiled form of ``statement`` for these value names (INSERT and UPDATE set the
    columns named). Statements are cached by identity: build each one once."""
    keys = tuple(values) if isinstance(statement, (sa.Insert, sa.Update)) else ()
    return _compile(statement, conn.dialect, keys)


@contextmanager
def _cursor(conn: Connection, compiled: _Compiled):
    """A DBAPI cursor on ``conn`` whose errors are SQLAlchemy's, as from ``conn.execute``."""
    dbapi_connection: Any = conn.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        with _dbapi_errors(conn, compiled.sql):
            yield cursor
    finally:
        cursor.close()


@contextmanager
def _dbapi_errors(conn: Connection, sql: str):
    try:
        yield
    except conn.dialect.loaded_dbapi.Error as e:
        raise sa.exc.DBAPIError.instance(sql, None, e, conn.dialect.loaded_dbapi.Error) from e
