"""Run one analyst's SQL statement read-only and within a time limit, on SQLite or PostgreSQL.

"Read-only" here is a guarantee, not a convention: no statement handed to `run_query` can change
the database or create a file. A session setting the user's own SQL could switch off
(``PRAGMA query_only``, ``SET TRANSACTION READ WRITE``) is no such guarantee, so each database
gets a lock the SQL cannot reach:

* SQLite: the file is opened read-only (``mode=ro``), no database may be attached (which shuts
  ``ATTACH`` and ``VACUUM INTO``, both of which write files a read-only connection would allow),
  and an authorizer lets through only the actions a query needs. (A database in WAL mode, as
  tcps load leaves it, gets SQLite's own ``-wal`` and ``-shm`` companion files when they are
  missing, as with any reader; the log stays empty.)
* PostgreSQL: the connection must log in as a role that can only read (see
  `grant_readonly_role`, behind ``tcps db grant-readonly``); `run_query` checks this before it
  runs anything and refuses a role that could write. On top of that the statement runs alone
  (one statement, extended protocol) in a ``READ ONLY`` transaction with a ``statement_timeout``.

Parameters use one syntax on both databases, ``:name``, bound by the driver, never pasted in.
A value that reads as a number is bound as one (`parameter_values`): SQLite compares a text
value with a view's untyped column as text, so ``fiscal_year >= '2019'`` would silently find
nothing there while PostgreSQL, inferring a number, finds the rows.
"""
from __future__ import annotations

import re
import sqlite3
import time
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL

from tcps.db import check_sqlite_path, parse_url, sqlite_read_only_uri
from tcps.errors import ConfigError, Refused, TcpsError, TimedOut, UsageError, one_line
from tcps.output import QueryResult

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


def run_query(url: str | URL, sql: str, params: Mapping[str, Value] | None = None,
              timeout: float = 30.0, max_rows: int | None = None) -> QueryResult:
    """Run ``sql`` (one statement) read-only against the database at ``url``.

    ``params`` fill the statement's ``:name`` placeholders (see `parameter_values`).
    ``timeout`` (seconds) stops a runaway query; ``max_rows`` keeps only the first rows (the
    total is still counted).
    """
    if not sql.strip():
        raise UsageError("the query is empty")
    url = parse_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        check_sqlite_path(url.render_as_string(hide_password=False))
        return _run_sqlite(url, sql, params or {}, timeout, max_rows)
    if backend == "postgresql":
        return _run_postgresql(url, sql, params or {}, timeout, max_rows)
    raise ConfigError(f"tcps sql works with SQLite and PostgreSQL, not {backend}")


def _bind(sql: str, params: Mapping[str, Value], dialect: Any) -> tuple[str, dict[str, Value]]:
    """Turn ``:name`` placeholders into the driver's style; every name given and used once."""
    compiled = text(sql).compile(dialect=dialect)
    wanted = set(compiled.bind_names.values())
    if missing := sorted(wanted - params.keys()):
        raise TcpsError(f"no value for parameter :{missing[0]} (give it with -p {missing[0]} VALUE)")
    if unused := sorted(params.keys() - wanted):
        raise TcpsError(f"parameter {unused[0]!r} does not appear in the query as :{unused[0]}")
    return str(compiled), {name: params[name] for name in wanted}


def _collect(columns: list[str], rows: Iterable[tuple[Any, ...]], max_rows: int | None) -> QueryResult:
    kept, total = [], 0
    for row in rows:
        if max_rows is None or total < max_rows:
            kept.append(tuple(row))
        total += 1
    return QueryResult(columns, kept, total)


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
                              "query_only", "schema_version", "user_version", "application_id"}

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


def _open_sqlite_read_only(path: str) -> sqlite3.Connection:
    """Open an existing SQLite file so that nothing can be written through the connection."""
    if not path or path == ":memory:":
        raise ConfigError("tcps sql needs a SQLite database file, not an in-memory database")
    try:
        conn = sqlite3.connect(sqlite_read_only_uri(path), uri=True, isolation_level=None)
        conn.execute("SELECT 1 FROM sqlite_schema LIMIT 1")  # fails here, not later, when absent
    except sqlite3.Error as e:
        raise ConfigError(f"cannot open {path}: {e}") from None
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return conn


def _run_sqlite(url: URL, sql: str, params: Mapping[str, Value], timeout: float,
                max_rows: int | None) -> QueryResult:
    driver_sql, driver_params = _bind(sql, params, sqlite.pysqlite.dialect(paramstyle="named"))
    conn = _open_sqlite_read_only(url.database or "")
    authorizer = _ReadOnlyAuthorizer()
    conn.set_authorizer(authorizer)
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        cursor = conn.execute(driver_sql, driver_params)
        columns = [d[0] for d in cursor.description or ()]
        return _collect(columns, cursor, max_rows)
    except sqlite3.Error as e:
        raise _sqlite_error(e, sql, authorizer, timeout, time.monotonic() > deadline) from None
    finally:
        conn.close()


def _sqlite_error(e: sqlite3.Error, sql: str, authorizer: _ReadOnlyAuthorizer, timeout: float,
                  late: bool) -> TcpsError:
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
    return TcpsError(_with_hint(message, sql))


# --- PostgreSQL ---------------------------------------------------------------------------

# Every way the logged-in role could change the database, as rows of one-line reasons. A role made
# by `grant_readonly_role` has none of them. Temporary tables are not on the list: they vanish
# with the session and change nothing anyone else sees.
_PG_WRITE_POWERS = """
SELECT 'it is a superuser' FROM pg_roles WHERE rolname = current_user AND rolsuper
UNION ALL
SELECT 'it may create roles' FROM pg_roles WHERE rolname = current_user AND rolcreaterole
UNION ALL
SELECT 'it is a member of ' || r FROM unnest(ARRAY['pg_write_all_data', 'pg_write_server_files',
    'pg_execute_server_program']) AS r WHERE pg_has_role(current_user, r, 'MEMBER')
UNION ALL
SELECT 'it may create schemas in ' || current_database()
    WHERE has_database_privilege(current_database(), 'CREATE')
UNION ALL
SELECT 'it may create objects in schema ' || nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
    AND has_schema_privilege(oid, 'CREATE')
UNION ALL
SELECT 'it may change ' || c.oid::regclass::text FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    AND ((c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
         OR (c.relkind = 'S' AND has_sequence_privilege(c.oid, 'USAGE, UPDATE')))
"""


def _pg_conninfo(url: URL) -> str:
    """The libpq connection string for a SQLAlchemy URL (``postgresql+psycopg://...``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _connect_postgresql(url: URL) -> Any:
    import psycopg

    try:
        return psycopg.connect(_pg_conninfo(url), autocommit=False)
    except psycopg.Error as e:
        raise ConfigError(f"cannot connect to PostgreSQL: {one_line(e)}") from None


def read_only_problems(conn: Any) -> list[str]:
    """Why the role logged in on psycopg connection ``conn`` could write (empty: it cannot)."""
    with conn.cursor() as cur:
        cur.execute(_PG_WRITE_POWERS)
        return [row[0] for row in cur.fetchall()]


def _run_postgresql(url: URL, sql: str, params: Mapping[str, Value], timeout: float,
                    max_rows: int | None) -> QueryResult:
    import psycopg

    driver_sql, driver_params = _bind(sql, params, postgresql.psycopg.dialect())
    with _connect_postgresql(url) as conn:
        if problems := read_only_problems(conn):
            raise Refused(
                f"refused: PostgreSQL role {url.username or conn.info.user!r} can write "
                f"({problems[0]}); run tcps sql as a read-only role: see `tcps db grant-readonly`")
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute("SELECT set_config('statement_timeout', %s, true)", (f"{int(timeout * 1000)}ms",))
            try:
                # prepare=True sends the statement alone on the extended protocol, where
                # "COMMIT; INSERT ..." is rejected instead of leaving the read-only transaction.
                cur.execute(driver_sql, driver_params, prepare=True)
                columns = [d.name for d in cur.description or ()]
                return _collect(columns, _iter_cursor(cur), max_rows)
            except psycopg.Error as e:
                raise _pg_error(e, sql, timeout) from None
            finally:
                conn.rollback()


def _iter_cursor(cur: Any) -> Iterator[tuple[Any, ...]]:
    while batch := cur.fetchmany(1000):
        yield from batch


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


def grant_readonly_role(url: str | URL, role: str, password: str | None = None) -> str:
    """Create (or reset) a PostgreSQL login role that can read every table and change nothing;
    return the URL to connect as that role (its password hidden).

    Run it as the database owner. The role gets only ``pg_read_all_data`` (PostgreSQL 14+):
    SELECT on every table, view and sequence, USAGE on every schema, nothing else.
    ``default_transaction_read_only`` is set as well, for the role's sessions in other tools.
    """
    import psycopg
    from psycopg import sql as pgsql

    url = parse_url(url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("grant-readonly is for PostgreSQL; on SQLite tcps sql is read-only as it is")
    name = pgsql.Identifier(role)
    with _connect_postgresql(url) as conn:
        conn.autocommit = True
        if conn.info.server_version < 140000:
            raise ConfigError("tcps db grant-readonly needs PostgreSQL 14 or later (pg_read_all_data)")
        statements = [
            pgsql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                      "NOBYPASSRLS PASSWORD {}").format(name, pgsql.Literal(password)),
            pgsql.SQL("GRANT pg_read_all_data TO {}").format(name),
            pgsql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(name),
        ]
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            statements.insert(0, pgsql.SQL("CREATE ROLE {}").format(name))
        try:
            for statement in statements:
                conn.execute(statement)
        except psycopg.Error as e:
            raise ConfigError(f"cannot set up role {role}: {one_line(e)}") from None
    return url.set(username=role, password=password).render_as_string(hide_password=True)
