"""Run one analyst's SQL statement read-only, within a time limit, its rows streamed, on SQLite
or PostgreSQL.

"Read-only" here is a guarantee, not a convention: no statement handed to `run_query` can change
the database or create a file. A session setting the user's own SQL could switch off
(``PRAGMA query_only``, ``SET TRANSACTION READ WRITE``) is no such guarantee, so each database
gets a lock the SQL cannot reach:

* SQLite: the file is opened read-only (see `tcps.db.connect_sqlite_read_only`), no database may
  be attached (which shuts ``ATTACH`` and ``VACUUM INTO``, both of which write files a read-only
  connection would allow), and an authorizer lets through only the actions a query needs.
* PostgreSQL: the connection must log in as a role that can only read (see `tcps.readers`, behind
  ``tcps db grant-readonly``); `run_query` checks this before it runs anything and refuses a role
  that could write. On top of that the statement runs alone (one statement, extended protocol)
  in a ``READ ONLY`` transaction with a ``statement_timeout``, rolled back at the end.

Bounded: rows reach the caller one at a time as the database produces them, never a whole
result in memory. PostgreSQL sends them in libpq's chunked-rows mode (`_PG_CHUNK_ROWS` at a
time) rather than through a server-side cursor: a cursor takes only SELECT and VALUES (not
EXPLAIN or SHOW), and each FETCH would be a statement with a time limit of its own, where one
statement is limited as a whole. A row's text and bytes may not exceed `MAX_ROW_BYTES` in all,
since writing one takes several times its size (CSV, hex for bytes); on SQLite that is also the
largest value a query may make (``SQLITE_LIMIT_LENGTH``: ``randomblob(1e9)`` fails at once
instead of filling memory for minutes), and SQLite's own memory is capped at `SQLITE_HEAP_BYTES`.
PostgreSQL has no such limit to set: it sends each value whole (up to its own 1 GB).
The time limit is checked every few thousand steps of SQLite's engine.

Parameters use one syntax on both databases, ``:name``, bound by the driver, never pasted in.
A value that reads as a number is bound as one (`parameter_values`): SQLite compares a text
value with a view's untyped column as text, so ``fiscal_year >= '2019'`` would silently find
nothing there while PostgreSQL, inferring a number, finds the rows.
"""
from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL

from tcps.db import check_sqlite_path, connect_sqlite_read_only, parse_url
from tcps.errors import ConfigError, Refused, TcpsError, TimedOut, UsageError, one_line
from tcps.output import QueryResult
from tcps.readers import connect_postgresql, reader_problems

Value = str | int | float


# Numbers as an analyst types them; a leading zero (a code such as 007) stays text.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
TEXT_SUFFIX = ":text"


def parameter_values(pairs: Iterable[tuple[str, str]], all_text: bool = False) -> dict[str, Value]:
    """The values of ``-p NAME VALUE`` pairs: a VALUE that reads as an integer or a decimal is
    that number, anything else text. ``NAME:text`` (or ``all_text``) keeps VALUE as text."""
    values: dict[str, Value] = {}
    for name, value in pairs:
        if name.endswith(TEXT_SUFFIX):
            values[name[:-len(TEXT_SUFFIX)]] = value
        elif all_text:
            values[name] = value
        elif _INTEGER.fullmatch(value):
            values[name] = int(value)
        elif _DECIMAL.fullmatch(value):
            values[name] = float(value)
        else:
            values[name] = value
    return values


# The most text and bytes a row may hold (and a SQLite value), and SQLite's memory in all.
MAX_ROW_BYTES = 5_000_000
SQLITE_HEAP_BYTES = 32_000_000
# Rows PostgreSQL sends at a time.
_PG_CHUNK_ROWS = 100


@contextmanager
def run_query(url: str | URL, sql: str, params: Mapping[str, Value] | None = None,
              timeout: float = 30.0) -> Iterator[QueryResult]:
    """Run ``sql`` (one statement) read-only against the database at ``url``; the result's rows
    stream while the ``with`` body reads them, and raise TcpsError if the statement fails midway.

    ``params`` fill the statement's ``:name`` placeholders (see `parameter_values`). ``timeout``
    (seconds) stops a runaway query, however far its rows have been read.
    """
    if not sql.strip():
        raise UsageError("the query is empty")
    url = parse_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        check_sqlite_path(url.render_as_string(hide_password=False))
        run = _run_sqlite
    elif backend == "postgresql":
        run = _run_postgresql
    else:
        raise ConfigError(f"tcps sql works with SQLite and PostgreSQL, not {backend}")
    with run(url, sql, params or {}, timeout) as result:
        yield result


def _bind(sql: str, params: Mapping[str, Value], dialect: Any) -> tuple[str, Any]:
    """Turn ``:name`` placeholders into the driver's style (positional ones take a list); every
    name given, and used."""
    compiled = text(sql).compile(dialect=dialect)
    wanted = set(compiled.bind_names.values())
    if missing := sorted(wanted - params.keys()):
        raise TcpsError(f"no value for parameter :{missing[0]} (give it with -p {missing[0]} VALUE)")
    if unused := sorted(params.keys() - wanted):
        raise TcpsError(f"parameter {unused[0]!r} does not appear in the query as :{unused[0]}")
    if compiled.positional:
        return str(compiled), [params[name] for name in compiled.positiontup or ()]
    return str(compiled), {name: params[name] for name in wanted}


def _guarded(rows: Iterable[Any], errors: type[Exception] | tuple[type[Exception], ...],
            translate: Callable[[Any], TcpsError]) -> Generator[tuple[Any, ...], None, None]:
    """The rows, each no bigger than MAX_ROW_BYTES, a database error met while reading them
    turned into a TcpsError."""
    try:
        for row in rows:
            if sum(len(v) for v in row if isinstance(v, (str, bytes))) > MAX_ROW_BYTES:
                raise TcpsError(f"a row too big: {_TOO_BIG}")
            yield tuple(row)
    except errors as e:
        raise translate(e) from None


_TOO_BIG = f"tcps sql makes and returns values and rows of up to {MAX_ROW_BYTES // 1_000_000} MB"


# --- SQLite -------------------------------------------------------------------------------

# What a query needs.
_SQLITE_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                        sqlite3.SQLITE_RECURSIVE}
_SQLITE_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master"}

# PRAGMAs that only report something. A few take a table or index name; the rest are allowed only
# in their query form, without a value (``PRAGMA query_only`` yes, ``PRAGMA query_only = 0`` no).
_SQLITE_PRAGMAS_WITH_NAME = {"table_info", "table_xinfo", "index_list", "index_info",
                             "index_xinfo", "foreign_key_list"}
_SQLITE_PRAGMAS_QUERY_ONLY = {"table_list", "database_list", "collation_list", "function_list",
                              "module_list", "pragma_list", "compile_options", "encoding",
                              "foreign_keys", "journal_mode", "page_count", "page_size",
                              "query_only", "schema_version", "user_version", "application_id",
                              "data_version"}  # FTS5 asks for it to tell whether its index changed

# Names for the actions a refusal message may mention.
_SQLITE_ACTION_NAMES = {getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ") for name in (
    "INSERT", "UPDATE", "DELETE", "CREATE_TABLE", "CREATE_INDEX", "CREATE_VIEW", "CREATE_TRIGGER",
    "CREATE_TEMP_TABLE", "CREATE_TEMP_INDEX", "CREATE_TEMP_VIEW", "CREATE_TEMP_TRIGGER",
    "CREATE_VTABLE", "DROP_TABLE", "DROP_INDEX", "DROP_VIEW", "DROP_TRIGGER", "DROP_TEMP_TABLE",
    "DROP_TEMP_INDEX", "DROP_TEMP_VIEW", "DROP_TEMP_TRIGGER", "DROP_VTABLE", "ALTER_TABLE",
    "PRAGMA", "TRANSACTION", "SAVEPOINT", "ATTACH", "DETACH", "REINDEX", "ANALYZE")}


class _ReadOnlyAuthorizer:
    """SQLite authorizer callback that allows reads and remembers the first thing it refused."""

    def __init__(self) -> None:
        self.refusals: list[tuple[int, str | None, str | None]] = []

    def __call__(self, action: int, arg1: str | None, arg2: str | None,
                 _db: str | None, _source: str | None) -> int:
        if self._allowed(action, arg1, arg2):
            return sqlite3.SQLITE_OK
        self.refusals.append((action, arg1, arg2))
        return sqlite3.SQLITE_DENY

    @property
    def refused(self) -> str | None:
        """What the statement tried (SQLite stops asking at the first refusal)."""
        return self._describe(*self.refusals[0]) if self.refusals else None

    @staticmethod
    def _describe(action: int, arg1: str | None, arg2: str | None) -> str:
        """``DELETE from projects``, ``ALTER TABLE projects``, ``PRAGMA query_only = 0`` ..."""
        if action == sqlite3.SQLITE_PRAGMA:
            return f"PRAGMA {arg1}" + (f" = {arg2}" if arg2 is not None else "")
        if arg1 in _SQLITE_SCHEMA_TABLES:  # CREATE, DROP: SQLite first asks to write the schema
            return "changing the schema"
        what = _SQLITE_ACTION_NAMES.get(action, f"action {action}")
        what = {"INSERT": "INSERT into", "UPDATE": "UPDATE of", "DELETE": "DELETE from"}.get(what, what)
        target = arg2 if action == sqlite3.SQLITE_ALTER_TABLE else arg1  # ALTER: arg1 is "main"
        return f"{what} {target}" if target else what

    @staticmethod
    def _allowed(action: int, arg1: str | None, arg2: str | None) -> bool:
        if action in _SQLITE_READ_ACTIONS:
            return True
        if action == sqlite3.SQLITE_UPDATE:
            # SQLite asks for this while it declares the table-valued PRAGMA functions
            # (pragma_table_info(...)) and never runs it; a real UPDATE of the schema would still
            # fail: the file is read-only and PRAGMA writable_schema is refused.
            return arg1 in _SQLITE_SCHEMA_TABLES
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            return name in _SQLITE_PRAGMAS_WITH_NAME or (name in _SQLITE_PRAGMAS_QUERY_ONLY and arg2 is None)
        return False


@contextmanager
def _run_sqlite(url: URL, sql: str, params: Mapping[str, Value], timeout: float) -> Iterator[QueryResult]:
    driver_sql, driver_params = _bind(sql, params, sqlite.pysqlite.dialect(paramstyle="named"))
    path = url.database or ""
    if not path or path == ":memory:":
        raise ConfigError("tcps sql needs a SQLite database file, not an in-memory database")
    conn = connect_sqlite_read_only(path)
    heap_limit = conn.execute("PRAGMA hard_heap_limit").fetchone()[0]  # for the whole process
    conn.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_BYTES}")
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_ROW_BYTES)
    authorizer = _ReadOnlyAuthorizer()
    conn.set_authorizer(authorizer)
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)

    def failure(e: sqlite3.Error | MemoryError) -> TcpsError:
        return _sqlite_error(e, sql, authorizer, timeout, time.monotonic() > deadline)

    errors = (sqlite3.Error, MemoryError)  # MemoryError: SQLite's heap limit, reached
    try:
        try:
            cursor = conn.execute(driver_sql, driver_params)
        except errors as e:
            raise failure(e) from None
        columns = [d[0] for d in cursor.description or ()]
        yield QueryResult(columns, _guarded(cursor, errors, failure))
    finally:
        conn.set_authorizer(None)
        conn.execute(f"PRAGMA hard_heap_limit = {heap_limit}")
        conn.close()


def _sqlite_error(e: sqlite3.Error | MemoryError, sql: str, authorizer: _ReadOnlyAuthorizer,
                  timeout: float, late: bool) -> TcpsError:
    if isinstance(e, MemoryError):
        return TcpsError(f"out of memory: a query may use up to {SQLITE_HEAP_BYTES // 1_000_000} MB "
                         "in SQLite")
    message = str(e)
    if late and message == "interrupted":
        return TimedOut(f"stopped: the query ran longer than the time limit of {timeout:g} s (--timeout)")
    if "one statement at a time" in message:
        return Refused("refused: tcps sql runs one statement at a time")
    if authorizer.refused:
        return Refused(f"refused: tcps sql only reads; {authorizer.refused} is not allowed")
    if "too many attached databases" in message:
        return Refused("refused: tcps sql only reads; "
                       "ATTACH and VACUUM would open or write another file")
    if "readonly database" in message:
        return Refused(f"refused: tcps sql only reads ({message})")
    if "too big" in message:
        return TcpsError(f"{message}: {_TOO_BIG}")
    return TcpsError(_with_hint(message, sql))


# --- PostgreSQL ---------------------------------------------------------------------------

@contextmanager
def _run_postgresql(url: URL, sql: str, params: Mapping[str, Value],
                    timeout: float) -> Iterator[QueryResult]:
    import psycopg

    # $1 placeholders, as the server takes them: `_column_names` prepares the statement itself.
    driver_sql, driver_params = _bind(sql, params, postgresql.psycopg.dialect(paramstyle="numeric_dollar"))
    with connect_postgresql(url) as conn:
        if problems := reader_problems(conn, past_rollback=True):
            raise Refused(
                f"refused: PostgreSQL role {url.username or conn.info.user!r} can write "
                f"({problems[0]}); run tcps sql as a read-only role: see `tcps db grant-readonly`")
        conn.rollback()
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SELECT set_config('statement_timeout', %s, true)", (f"{int(timeout * 1000)}ms",))

        def failure(e: psycopg.Error) -> TcpsError:
            return _pg_error(e, sql, timeout)

        cur = psycopg.RawCursor(conn)
        # stream() sends the statement alone on the extended protocol, where "COMMIT; INSERT ..."
        # is rejected instead of leaving the read-only transaction.
        rows = _guarded(cur.stream(driver_sql, driver_params, size=_PG_CHUNK_ROWS), psycopg.Error, failure)
        try:
            first = next(rows, None)  # runs the statement: a refusal comes before any output
            if first is None:
                columns = _column_names(conn, driver_sql)
            else:
                columns = [d.name for d in cur.description or ()]
            yield QueryResult(columns, _chain(first, rows))
        finally:
            rows.close()  # a stream the caller left unread is cancelled while the connection lives
            _close_quietly(conn)


def _column_names(conn: Any, sql: str) -> list[str]:
    """The columns of a statement that gave no rows: stream() keeps them only with a row."""
    conn.pgconn.prepare(b"", sql.encode())  # the unnamed statement
    described = conn.pgconn.describe_prepared(b"")
    return [described.fname(i).decode() for i in range(described.nfields)]


def _chain(first: tuple[Any, ...] | None, rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    if first is not None:
        yield first
        yield from rest


def _close_quietly(conn: Any) -> None:
    """Roll back and close; a connection the server already ended (pg_terminate_backend) or
    left streaming cannot roll back, and closing it is all that is left to do."""
    import psycopg

    try:
        conn.rollback()
    except psycopg.Error:
        pass
    conn.close()


def _pg_error(e: Exception, sql: str, timeout: float) -> TcpsError:
    from psycopg import errors

    message = getattr(getattr(e, "diag", None), "message_primary", None) or one_line(e)
    if isinstance(e, errors.QueryCanceled):
        return TimedOut(f"stopped: the query ran longer than the time limit of {timeout:g} s (--timeout)")
    if isinstance(e, errors.SyntaxError) and "multiple commands" in message:
        return Refused("refused: tcps sql runs one statement at a time")
    if isinstance(e, (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
        return Refused(f"refused: tcps sql only reads ({message})")
    return TcpsError(_with_hint(message, sql))


# Mistakes an analyst makes often: the database's message (SQLite's or PostgreSQL's), a word the
# statement holds, and what to do.
_HINTS = [
    (re.compile(r'no such column: (\w+\.)?project_id|column (\w+\.)?"?project_id"? does not exist'),
     re.compile(r"\bprojects\b", re.I),
     "projects has id, not project_id: project_id is the other tables' and views' link to projects.id"),
    (re.compile(r"operator does not exist: (text|character varying) \S+ (smallint|integer|bigint|"
                r"numeric|double precision)"), re.compile(""),
     "a -p value that reads as a number is bound as a number: -p NAME:text VALUE (or --text-params) "
     "binds it as text"),
]


def _with_hint(message: str, sql: str) -> str:
    """The database's message, and what to do about it where the mistake is a common one."""
    for pattern, word, hint in _HINTS:
        if pattern.search(message) and word.search(sql):
            return f"{message} (hint: {hint})"
    return message
