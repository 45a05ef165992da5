"""tcps db: the schema (alembic) and the PostgreSQL reader role."""
from __future__ import annotations

import click

from tcps.cli_options import db_option
from tcps.config import database_url


@click.group("db", epilog="""\b
Examples:
  tcps db upgrade
  tcps db current --db postgresql+psycopg://tcps@dbhost/tcps""")
def db_group() -> None:
    """Manage the database schema (wraps alembic; `alembic upgrade head` works too).

    Exit status: 0, or 2 when the database or the revision is wrong.
    """


@db_group.command(epilog="""\b
Examples:
  tcps db upgrade
  tcps db upgrade 0007""")
@click.argument("revision", default="head")
@db_option
def upgrade(revision: str, db: str | None) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from tcps.db import open_database, run_alembic

    with open_database(db, create=True) as engine:
        run_alembic(engine, "upgrade", revision)


@db_group.command(context_settings={"ignore_unknown_options": True}, epilog="""\b
Examples:
  tcps db downgrade -1
  tcps db downgrade base""")  # so -1 is a revision
@click.argument("revision")
@db_option
def downgrade(revision: str, db: str | None) -> None:
    """Revert migrations down to REVISION (-1 for one step, base for an empty database)."""
    from tcps.db import open_database, run_alembic

    with open_database(db) as engine:
        run_alembic(engine, "downgrade", revision)


@db_group.command(epilog="""\b
Examples:
  tcps db current
  tcps db current --db postgresql+psycopg://tcps@dbhost/tcps""")
@db_option
def current(db: str | None) -> None:
    """Print the database's current revision."""
    from tcps.db import open_database, run_alembic

    with open_database(db, read_only=True) as engine:
        run_alembic(engine, "current")


@db_group.command(epilog="""\b
Examples:
  tcps db history""")
def history() -> None:
    """List the migrations, newest first."""
    from tcps.db import run_alembic

    run_alembic(None, "history")


@db_group.command("grant-readonly", epilog="""\b
Examples:
  tcps db grant-readonly --db postgresql+psycopg://postgres@dbhost/tcps
  tcps db grant-readonly alice --password secret --db postgresql+psycopg://postgres@dbhost/tcps""")
@click.argument("role", default="tcps_reader")
@click.option("--password", envvar="TCPS_READER_PASSWORD", metavar="TEXT",
              help="Password for ROLE (also TCPS_READER_PASSWORD); none: for peer or trust logins.")
@db_option
def grant_readonly(role: str, password: str | None, db: str | None) -> None:
    """Create or reset ROLE, a PostgreSQL login that can only read (default tcps_reader);
    give each analyst one of their own.

    ROLE joins the group tcps_readers, which holds only pg_read_all_data (PostgreSQL 14+).
    Run it with --db pointing at the database as a role with CREATEROLE, best a superuser: only
    a superuser can also revoke large objects and dblink from PUBLIC; whatever ROLE could still
    change is printed as a warning. SQLite needs no such role: tcps sql opens the file read-only.
    """
    from tcps.readers import grant_readonly_role

    reader_url, problems = grant_readonly_role(database_url(db), role, password)
    for problem in problems:
        click.echo(f"warning: {role} can still change something: {problem}", err=True)
    click.echo(f"role {role} reads everything{'' if problems else ' and changes nothing'}; connect with:")
    click.echo(reader_url)
