"""Readers: what a PostgreSQL reader role can change when it talks to the server directly, what it
takes to create one, and a SQLite reader who may read the database's folder but not write it.

The PostgreSQL tests connect as the reader with psycopg, not through tcps sql, with the session
defaults it may switch off switched off: what stops each change is a privilege it lacks.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from golds import DATA, ROOT
from tcps.cli import cli
from tcps.readers import READERS_GROUP
from tcps.testing.pg import create_database, drop_database


def libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def tcps(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def owner_url(postgres_url: str) -> Iterator[str]:
    """A loaded database with dblink and a postgres_fdw server, and two readers in it."""
    url = create_database(postgres_url)
    try:
        assert tcps("load", "--db", url, str(DATA)).exit_code == 0
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION dblink")
            conn.execute("CREATE EXTENSION postgres_fdw")
            conn.execute("CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw")
            conn.execute("GRANT USAGE ON FOREIGN SERVER elsewhere TO PUBLIC")
        for analyst in ("alice", "bob"):
            result = tcps("db", "grant-readonly", analyst, "--password", "secret", "--db", url)
            assert result.exit_code == 0 and result.stderr == "", result.output
        yield url
    finally:
        drop_database(url)


def as_role(owner_url: str, role: str) -> str:
    return libpq(sa.make_url(owner_url).set(username=role, password="secret").render_as_string(False))


def everything_a_reader_could_change(conn: psycopg.Connection) -> tuple:
    """Every row of tcps's tables, the large objects, every role's settings, memberships and
    password hashes but alice's own (which she may change, see the README)."""
    tables = [t for (t,) in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "ORDER BY relname")]
    rows = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    return (rows,
            conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone(),
            conn.execute("SELECT setrole::regrole::text, setdatabase, setconfig FROM pg_db_role_setting "
                         "WHERE setrole <> 'alice'::regrole ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members "
                         "ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT rolname, rolpassword FROM pg_authid WHERE rolname <> 'alice' "
                         "ORDER BY 1").fetchall(),
            conn.execute("SELECT umuser, umserver FROM pg_user_mapping ORDER BY 1, 2").fetchall())


CHANGES = [
    "INSERT INTO projects (title, title_key) VALUES ('x', 'x')",
    "UPDATE projects SET title = 'x'",
    "DELETE FROM partners",
    "TRUNCATE projects CASCADE",
    "DROP TABLE results",
    "ALTER TABLE projects ADD COLUMN extra int",
    "CREATE TABLE public.other (id int)",
    "CREATE SCHEMA mine",
    "SELECT nextval(pg_get_serial_sequence('projects', 'id'))",
    "SELECT id FROM writer_lock FOR UPDATE",
    "SELECT lo_from_bytea(0, 'ten megabytes')",
    "SELECT lo_create(0)",
    "SELECT lo_creat(-1)",
    "SELECT lo_import('/etc/hostname')",
    "SELECT dblink_exec('host=127.0.0.1 dbname=postgres user=alice password=secret', 'SELECT 1')",
    "CREATE USER MAPPING FOR CURRENT_USER SERVER elsewhere",
    "COPY projects TO '/tmp/tcps-reader-copy.csv'",
    f"ALTER ROLE {READERS_GROUP} SET default_transaction_read_only = off",
    "ALTER ROLE bob SET default_transaction_read_only = off",
    "ALTER ROLE bob PASSWORD 'mine now'",
    f"GRANT {READERS_GROUP} TO alice WITH ADMIN OPTION",
    f"REVOKE {READERS_GROUP} FROM bob",
    "ALTER ROLE alice CREATEROLE",
    "SET ROLE postgres",
]


def test_a_reader_changes_no_table_role_or_large_object(owner_url: str) -> None:
    with psycopg.connect(libpq(owner_url), autocommit=True) as owner:
        before = everything_a_reader_could_change(owner)
        with psycopg.connect(as_role(owner_url, "alice"), autocommit=True) as alice:
            alice.execute("SET default_transaction_read_only = off")  # a setting, not a privilege
            for statement in CHANGES:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    alice.execute(statement)
            # What PostgreSQL lets every role do to itself: it changes alice's own login only.
            alice.execute("ALTER ROLE alice RESET default_transaction_read_only")
            alice.execute("ALTER ROLE alice PASSWORD 'secret'")
        assert everything_a_reader_could_change(owner) == before


def test_the_readme_says_what_a_reader_can_change() -> None:
    section = (ROOT / "README.md").read_text().split("### What a reader can and cannot do", 1)[1]
    for what in ("its own password", "its own session defaults", "large objects", "dblink",
                 "temporary tables", "CREATEROLE", "superuser"):
        assert what in section.split("\n## ", 1)[0], what


def test_tcps_sql_refuses_a_reader_that_may_run_dblink(owner_url: str) -> None:
    with psycopg.connect(libpq(owner_url), autocommit=True) as owner:
        owner.execute("CREATE ROLE carol LOGIN PASSWORD 'secret' IN ROLE pg_read_all_data")
        owner.execute("GRANT EXECUTE ON FUNCTION dblink_exec(text, text) TO carol")
    try:
        carol = sa.make_url(owner_url).set(username="carol", password="secret").render_as_string(False)
        result = tcps("sql", "--db", carol, "SELECT 1")
        assert result.exit_code == 3 and "dblink" in result.stderr, result.stderr
    finally:
        with psycopg.connect(libpq(owner_url), autocommit=True) as owner:
            owner.execute("DROP OWNED BY carol")
            owner.execute("DROP ROLE carol")


def test_grant_readonly_says_which_privilege_it_needs(owner_url: str) -> None:
    """The database's owner alone cannot create roles; with CREATEROLE it can, and it says what
    only a superuser could have closed."""
    with psycopg.connect(libpq(owner_url), autocommit=True) as conn:
        conn.execute("CREATE ROLE dave LOGIN PASSWORD 'secret'")
        conn.execute("CREATE ROLE erin LOGIN PASSWORD 'secret' CREATEROLE")
        database = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f'ALTER DATABASE "{database}" OWNER TO dave')
    try:
        dave = sa.make_url(owner_url).set(username="dave", password="secret").render_as_string(False)
        result = tcps("db", "grant-readonly", "frank", "--db", dave)
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
        assert "CREATEROLE" in result.stderr and "superuser" in result.stderr

        with psycopg.connect(libpq(owner_url), autocommit=True) as conn:  # as before grant-readonly
            conn.execute("GRANT EXECUTE ON FUNCTION lo_create(oid) TO PUBLIC")
        erin = sa.make_url(owner_url).set(username="erin", password="secret").render_as_string(False)
        result = tcps("db", "grant-readonly", "frank", "--db", erin)
        assert result.exit_code == 0, result.output
        assert "warning: frank can still change something: it may create large objects" in result.stderr
    finally:
        with psycopg.connect(libpq(owner_url), autocommit=True) as conn:
            conn.execute("REVOKE EXECUTE ON FUNCTION lo_create(oid) FROM PUBLIC")
            conn.execute(f'ALTER DATABASE "{database}" OWNER TO postgres')
            for role in ("frank", "dave", "erin"):
                conn.execute(f"DROP ROLE IF EXISTS {role}")


# --- SQLite --------------------------------------------------------------------------------

def python_for(user: str, env: dict[str, str]) -> str | None:
    """A Python of this version that ``user`` may run and import tcps with (the suite's Python
    may sit in root's home, and so may the clone)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, shutil.which(version, path="/usr/local/bin:/usr/bin")):
        if python and subprocess.run(["runuser", "-u", user, "--", python, "-c", "import tcps.cli"],
                                     env=env, capture_output=True).returncode == 0:
            return python
    return None


@pytest.fixture
def unprivileged(tmp_path: Path):
    """Runs a tcps command as ``nobody`` (as the suite's own user when that is not root), in a
    folder it may read but not write, holding a copy of a loaded database in WAL mode without
    its -wal and -shm files: as one is handed out, or as a writer leaves it."""
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    assert tcps("load", "--db", url, str(DATA)).exit_code == 0
    shared = Path(tempfile.mkdtemp(prefix="tcps-reader-"))
    outside = Path(tempfile.mkdtemp(prefix="tcps-export-"))  # where the reader may write its export
    outside.chmod(0o777)
    try:
        shutil.copy(tmp_path / "tcps.db", shared / "tcps.db")
        shutil.copytree(DATA, shared / "data")
        for path in [shared, shared / "data", *shared.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        assert (shared / "tcps.db").read_bytes()[18:20] == b"\x02\x02"  # WAL mode
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        if os.geteuid() == 0:
            python = python_for("nobody", env)
            if python is None:
                pytest.skip("no Python with which user nobody may import tcps from this checkout")
            prefix = ["runuser", "-u", "nobody", "--", python]
        else:
            shared.chmod(0o555)
            prefix = [sys.executable]

        def run(*args: str) -> subprocess.CompletedProcess:
            command = [*prefix, "-c", "from tcps.cli import main; main()", *args]
            return subprocess.run(command, cwd=shared, env=env, capture_output=True, text=True)

        yield run, shared, outside
    finally:
        shared.chmod(0o755)
        shutil.rmtree(shared)
        shutil.rmtree(outside, ignore_errors=True)


def test_a_reader_who_cannot_write_the_folder_runs_every_read_command(unprivileged) -> None:
    run, shared, outside = unprivileged
    before = {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()}
    for args in (["sql", "SELECT count(*) AS n FROM projects"],
                 ["sql", "SELECT rowid FROM project_search WHERE project_search MATCH 'trafficking'"],
                 ["search", "trafficking"], ["runs"], ["schema"], ["db", "current"],
                 ["export", str(outside / "export")], ["refresh", "--dry-run", "data"]):
        result = run(*args, "--db", "tcps.db")
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    counted = run("sql", "--db", "tcps.db", "--format", "csv", "SELECT count(*) AS n FROM projects")
    assert counted.stdout == "n\n2\n"
    assert {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()} == before
