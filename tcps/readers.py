"""PostgreSQL readers: login roles that can read every table and change nothing.

``tcps db grant-readonly ROLE`` (`grant_readonly_role`) makes ROLE a login in the NOLOGIN group
``tcps_readers``, which holds ``pg_read_all_data`` (PostgreSQL 14+) and nothing else. One login
per analyst, not one shared: PostgreSQL lets every role change its own password and its own
session defaults (``ALTER ROLE ... SET``), and no setting can stop it, so a shared login is one
analyst's password change away from locking out the others. Nothing a role can change about
itself gives it a privilege, and privileges, not settings, are what stop a write: the group's
members cannot change the group. (``default_transaction_read_only`` is set on each login all
the same, so that a slip in psql is refused early; its owner can switch it off.)

Two things any role may do unless the database is told otherwise are revoked from PUBLIC in the
database: creating large objects (``lo_create`` and its kin, data stored outside any table) and
running dblink's functions (a connection of its own, committing whatever it sends). Both
revocations need the functions' owner, a superuser; run by a role without it, grant-readonly
says what is left open. Foreign servers lose PUBLIC's USAGE, which creating user mappings needs.

`reader_problems` lists what a role could still change; ``tcps sql`` refuses to run as a role
that could change anything its read-only, rolled-back transaction would not undo.
"""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from sqlalchemy.engine import URL

from tcps.db import parse_url
from tcps.errors import ConfigError, one_line

READERS_GROUP = "tcps_readers"

# Functions that create a large object; any role may run them until they are revoked.
LARGE_OBJECT_CREATORS = ("lo_creat(integer)", "lo_create(oid)", "lo_from_bytea(oid, bytea)",
                         "lo_import(text)", "lo_import(text, oid)")

_DBLINK_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid WHERE e.extname = 'dblink'
"""

# What role %(role)s could change, one row per power: (a one-line reason, whether it reaches
# past a read-only transaction that is rolled back, as tcps sql's is). A reader has none.
# Temporary tables are not on the list: they vanish with the session.
_POWERS = f"""
SELECT 'it is a superuser', true FROM pg_roles WHERE rolname = %(role)s AND rolsuper
UNION ALL
SELECT 'it may create roles', true FROM pg_roles WHERE rolname = %(role)s AND rolcreaterole
UNION ALL
SELECT 'it is a member of ' || r, true FROM unnest(ARRAY['pg_write_all_data', 'pg_write_server_files',
    'pg_execute_server_program']) AS r WHERE pg_has_role(%(role)s, r, 'MEMBER')
UNION ALL
SELECT 'it may create schemas in ' || current_database(), true
    WHERE has_database_privilege(%(role)s, current_database(), 'CREATE')
UNION ALL
SELECT 'it may create objects in schema ' || nspname, true FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'
    AND has_schema_privilege(%(role)s, oid, 'CREATE')
UNION ALL
SELECT 'it may change ' || c.oid::regclass::text, true FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
    AND ((c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND has_table_privilege(%(role)s, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
         OR (c.relkind = 'S' AND has_sequence_privilege(%(role)s, c.oid, 'USAGE, UPDATE')))
UNION ALL
SELECT 'it may run ' || f || ' (dblink: a connection of its own, which commits)', true
    FROM ({_DBLINK_FUNCTIONS}) AS dblink(f) WHERE has_function_privilege(%(role)s, f, 'EXECUTE')
UNION ALL
SELECT 'it may create large objects (' || f || ')', false
    FROM unnest(%(creators)s::text[]) AS f WHERE has_function_privilege(%(role)s, f, 'EXECUTE')
UNION ALL
SELECT 'it may use foreign server ' || srvname, false FROM pg_foreign_server
    WHERE has_server_privilege(%(role)s, oid, 'USAGE')
"""


def connect_postgresql(url: URL) -> Any:
    """A psycopg connection for a SQLAlchemy URL (``postgresql+psycopg://...``)."""
    import psycopg

    try:
        return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                               autocommit=False)
    except psycopg.Error as e:
        raise ConfigError(f"cannot connect to PostgreSQL: {one_line(e)}") from None


def reader_problems(conn: Any, role: str | None = None, *, past_rollback: bool = False) -> list[str]:
    """Why ``role`` (default: the logged-in one) could change something, on psycopg connection
    ``conn``; ``past_rollback``: only what a rolled-back read-only transaction does not undo."""
    rows = conn.execute(_POWERS, {"role": role or conn.info.user,
                                  "creators": list(LARGE_OBJECT_CREATORS)}).fetchall()
    return [reason for reason, lasting in rows if lasting or not past_rollback]


def grant_readonly_role(url: str | URL, role: str, password: str | None = None) -> tuple[str, list[str]]:
    """Create (or reset) ``role``, a login in the readers group; close what the database lets
    any role change. Return the URL to connect as ``role`` (its password hidden) and what it
    could still change (see the module docstring), each a line for the person running it.

    Needs CREATEROLE (or a superuser): the database owner alone may not create roles.
    """
    import psycopg

    url = parse_url(url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("grant-readonly is for PostgreSQL; on SQLite tcps sql is read-only as it is")
    with connect_postgresql(url) as conn:
        conn.autocommit = True
        if conn.info.server_version < 140000:
            raise ConfigError("tcps db grant-readonly needs PostgreSQL 14 or later (pg_read_all_data)")
        if not conn.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
                            ).fetchone()[0]:
            raise ConfigError(f"tcps db grant-readonly creates roles: connect as a role with CREATEROLE "
                              f"or as a superuser, not as {conn.info.user} (owning the database is not "
                              "enough)")
        try:
            for statement in _role_statements(conn, role, password):
                conn.execute(statement)
        except psycopg.Error as e:
            raise ConfigError(f"cannot set up role {role}: {one_line(e)}") from None
        for statement in _revoke_statements(conn):
            # Only the owner of what is revoked can (a superuser, mostly); reader_problems
            # below says what stays open.
            with suppress(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        problems = reader_problems(conn, role)
    return url.set(username=role, password=password).render_as_string(hide_password=True), problems


def _role_statements(conn: Any, role: str, password: str | None) -> list[Any]:
    from psycopg import sql

    name, group = sql.Identifier(role), sql.Identifier(READERS_GROUP)
    # name: whether it is a superuser, may replicate or bypass row security (which only a
    # superuser may take away, or even mention in ALTER ROLE)
    existing = dict(conn.execute("SELECT rolname, rolsuper OR rolreplication OR rolbypassrls FROM pg_roles "
                                 "WHERE rolname IN (%s, %s)", (role, READERS_GROUP)).fetchall())
    statements = [sql.SQL("CREATE ROLE {} NOLOGIN").format(group)] if READERS_GROUP not in existing else []
    if role not in existing:
        statements.append(sql.SQL("CREATE ROLE {}").format(name))
    elif existing[role]:
        statements.append(sql.SQL("ALTER ROLE {} NOSUPERUSER NOREPLICATION NOBYPASSRLS").format(name))
    statements += [
        sql.SQL("GRANT pg_read_all_data TO {}").format(group),
        sql.SQL("ALTER ROLE {} LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD {}").format(
            name, sql.Literal(password)),
        sql.SQL("GRANT {} TO {}").format(group, name),
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(name),
    ]
    return statements


def _revoke_statements(conn: Any) -> list[Any]:
    from psycopg import sql

    functions = [*LARGE_OBJECT_CREATORS, *(f for (f,) in conn.execute(_DBLINK_FUNCTIONS))]
    servers = [s for (s,) in conn.execute("SELECT srvname FROM pg_foreign_server")]
    return ([sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC").format(sql.SQL(f)) for f in functions]
            + [sql.SQL("REVOKE USAGE ON FOREIGN SERVER {} FROM PUBLIC").format(sql.Identifier(s))
               for s in servers])
