"""`tcps sql`: read-only on both databases, stopped by its time limit, formats that parse back.

Every test runs on a real SQLite file and on a real PostgreSQL database (the session's server,
see conftest). On PostgreSQL `tcps sql` logs in as the role `tcps db grant-readonly` creates.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from tcps.cli import cli
from tcps.output import jsonable
from tcps.query import run_query
from tcps.testing.pg import create_database, drop_database

# Text that trips up naive writers: separators, quotes, newlines, non-ASCII, markup brackets.
AWKWARD = 'Cocoa, "child" labour\n\tin Côte d\'Ivoire [bold]'


@dataclass
class Database:
    backend: str
    owner_url: str   # may write: sets the database up
    reader_url: str  # what tcps sql gets
    folder: Path     # where a SQLite file lives; files appearing here were created by a query


def libpq(url: str) -> str:
    """psycopg's connection string for a SQLAlchemy URL."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A small database of two related tables, the same on both backends."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("sql")
        url = f"sqlite:///{folder / 'tcps.db'}"
        _fill(url)
        yield Database("sqlite", url, url, folder)
        return
    # A folder the server (running as postgres) could write to, were COPY ... TO let through.
    folder = Path(tempfile.mkdtemp(prefix="tcps-sql-"))
    folder.chmod(0o777)
    url = create_database(request.getfixturevalue("postgres_url"))
    try:
        _fill(url)
        result = CliRunner().invoke(cli, ["db", "grant-readonly", "tcps_reader", "--db", url])
        assert result.exit_code == 0, result.output
        reader = sa.make_url(url).set(username="tcps_reader").render_as_string(hide_password=False)
        yield Database("postgresql", url, reader, folder)
    finally:
        drop_database(url)
        shutil.rmtree(folder)


def _fill(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # as tcps load leaves it
        conn.execute(sa.text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, "
                             "amount NUMERIC, started DATE)"))
        conn.execute(sa.text("INSERT INTO items VALUES (:id, :name, :amount, :started)"), [
            {"id": 1, "name": "Palma Futuro", "amount": 2500000, "started": "2016-12-01"},
            {"id": 2, "name": AWKWARD, "amount": 1.5, "started": None},
            {"id": 3, "name": None, "amount": None, "started": "2020-01-31"},
        ])
    engine.dispose()


def tcps_sql(db: Database, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["sql", "--db", db.reader_url, *args], input=input)


# SQLite's own companions of a WAL database: any reader creates them (the -wal empty) when they
# are missing, and any client that writes deletes them when it closes the database.
WAL_FILES = {"tcps.db-wal", "tcps.db-shm"}


def snapshot(db: Database) -> Any:
    """Everything a write could change. SQLite: the database file's bytes, the other files in
    its folder, and the size of its write-ahead log (a write would land there first). PostgreSQL:
    every row of every table, the list of relations, the large objects, and the files in the
    folder that COPY ... TO would write to."""
    if db.backend == "sqlite":
        wal = db.folder / "tcps.db-wal"
        return (sorted(p.name for p in db.folder.iterdir() if p.name not in WAL_FILES),
                (db.folder / "tcps.db").read_bytes(), wal.stat().st_size if wal.exists() else 0)
    with psycopg.connect(libpq(db.owner_url)) as conn:
        relations = conn.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "ORDER BY relname").fetchall()
        rows = {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name, kind in relations if kind == "r"}
        blobs = conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()
    return relations, rows, blobs, sorted(p.name for p in db.folder.iterdir())


# --- read-only -----------------------------------------------------------------------------

WRITES_ON_BOTH = [
    "INSERT INTO items (id, name) VALUES (9, 'x')",
    "UPDATE items SET name = 'x'",
    "DELETE FROM items",
    "DROP TABLE items",
    "CREATE TABLE other (id INTEGER)",
    "ALTER TABLE items ADD COLUMN extra TEXT",
    "CREATE INDEX items_name ON items (name)",
    "SELECT 1; DELETE FROM items",
]
WRITES_ON = {
    "sqlite": [
        "ATTACH DATABASE '{folder}/new.db' AS new",
        "VACUUM INTO '{folder}/copy.db'",
        "VACUUM",
        "PRAGMA query_only = 0",
        "PRAGMA query_only = OFF",
        "PRAGMA user_version = 7",
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = WAL",
        "CREATE TEMP TABLE scratch (id INTEGER)",
        "BEGIN IMMEDIATE",
    ],
    "postgresql": [
        "SET TRANSACTION READ WRITE; INSERT INTO items (id) VALUES (9)",
        "COMMIT; INSERT INTO items (id) VALUES (9)",
        "WITH gone AS (DELETE FROM items RETURNING *) SELECT count(*) FROM gone",
        "SELECT * INTO copied FROM items",
        "COPY items TO PROGRAM 'touch {folder}/program-ran'",
        "COPY items TO '{folder}/copied.csv'",
        "TRUNCATE items",
        "CREATE TEMP TABLE scratch (id INTEGER)",
        "SELECT nextval('no_such_sequence')",
    ],
}


def test_every_write_attempt_is_refused_and_changes_nothing(database: Database) -> None:
    before = snapshot(database)
    attempts = WRITES_ON_BOTH + WRITES_ON[database.backend]
    for statement in attempts:
        result = tcps_sql(database, statement.format(folder=database.folder))
        assert result.exit_code != 0, f"{statement!r} ran: {result.output}"
        assert result.stderr.startswith("error: "), statement
        assert result.stderr.count("\n") == 1, f"not one line: {result.stderr!r}"
        if "no_such" not in statement:
            assert result.exit_code == 3 and "refused" in result.stderr, (statement, result.stderr)
    assert snapshot(database) == before


POSTGRESQL_ONLY = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@POSTGRESQL_ONLY
def test_large_objects_cannot_be_created(database: Database) -> None:
    """lo_create() would run even in a READ ONLY transaction (rolled back after); grant-readonly
    took it from PUBLIC."""
    before = snapshot(database)
    result = tcps_sql(database, "SELECT lo_from_bytea(0, 'x') > 0 AS created")
    assert result.exit_code == 3 and "permission denied for function lo_from_bytea" in result.stderr
    assert snapshot(database) == before


@POSTGRESQL_ONLY
def test_the_postgresql_role_itself_cannot_write(database: Database) -> None:
    """The guarantee is the role, not the session: with every session setting switched back to
    read-write, as the user's own SQL could do, each write still fails for lack of privilege."""
    before = snapshot(database)
    with psycopg.connect(libpq(database.reader_url), autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")
        for statement in ("SET TRANSACTION READ WRITE; INSERT INTO items (id) VALUES (9)",
                          "UPDATE items SET name = 'x'", "DELETE FROM items",
                          "CREATE TABLE other (id int)", "DROP TABLE items",
                          "COPY items TO PROGRAM 'true'", "SET ROLE postgres"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert snapshot(database) == before


@POSTGRESQL_ONLY
def test_a_role_that_could_write_is_refused(database: Database) -> None:
    result = CliRunner().invoke(cli, ["sql", "--db", database.owner_url, "SELECT 1"])
    assert result.exit_code == 3
    assert "superuser" in result.stderr and "grant-readonly" in result.stderr


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sql", "--db", f"sqlite:///{tmp_path / 'none.db'}", "SELECT 1"])
    assert result.exit_code == 2 and "no such SQLite file" in result.stderr and "`tcps load`" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["postgresql+psycopg://nobody@127.0.0.1:1/x", "mysql://h/x", "::bad::/x://"])
def test_no_database_to_query_is_a_configuration_error(url: str) -> None:
    result = CliRunner().invoke(cli, ["sql", "--db", url, "SELECT 1"])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1


# --- time limit ----------------------------------------------------------------------------

COUNT_TO_A_BILLION = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                      "WHERE n < 1000000000) SELECT count(*) FROM r")


def test_timeout_stops_a_runaway_query(database: Database) -> None:
    started = time.monotonic()
    result = tcps_sql(database, "--timeout", "1", COUNT_TO_A_BILLION)
    elapsed = time.monotonic() - started
    assert result.exit_code == 4, result.output
    assert "time limit of 1 s" in result.stderr
    assert elapsed < 5


# --- parameters and input ------------------------------------------------------------------

def test_named_parameters_are_bound_not_pasted(database: Database) -> None:
    result = tcps_sql(database, "--format", "json", "-p", "name", "x' OR '1'='1",
                      "SELECT id FROM items WHERE name = :name")
    assert result.exit_code == 0 and json.loads(result.output) == []
    result = tcps_sql(database, "--format", "json", "-p", "name", "Palma Futuro",
                      "-p", "since", "2016-01-01",
                      "SELECT id FROM items WHERE name = :name AND started >= :since")
    assert json.loads(result.output) == [{"id": 1}]


@pytest.mark.parametrize("args, message", [
    (["SELECT :missing"], "no value for parameter :missing"),
    (["-p", "extra", "1", "SELECT 1"], "'extra' does not appear"),
])
def test_parameter_mistakes_are_named(database: Database, args: list[str], message: str) -> None:
    result = tcps_sql(database, *args)
    assert result.exit_code == 1 and message in result.stderr


def test_query_from_standard_input(database: Database) -> None:
    result = tcps_sql(database, "--format", "csv", "-", input="SELECT count(*) AS n FROM items\n")
    assert result.exit_code == 0 and result.output == "n\n3\n"


# --- formats -------------------------------------------------------------------------------

ALL_ITEMS = "SELECT id, name, amount, started FROM items ORDER BY id"


def expected_rows(database: Database) -> list[tuple[Any, ...]]:
    with run_query(database.reader_url, ALL_ITEMS) as result:
        rows = list(result.rows)
    assert len(rows) == 3
    return rows


def test_csv_and_tsv_parse_back_to_the_same_rows(database: Database) -> None:
    rows = expected_rows(database)
    as_text = [["" if v is None else str(jsonable(v)) for v in row] for row in rows]
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        result = tcps_sql(database, "--format", fmt, ALL_ITEMS)
        assert result.exit_code == 0
        parsed = list(csv.reader(io.StringIO(result.output), delimiter=delimiter))
        assert parsed == [["id", "name", "amount", "started"], *as_text]


def test_json_and_jsonl_parse_back_to_the_same_rows(database: Database) -> None:
    rows = expected_rows(database)
    objects = [dict(zip(["id", "name", "amount", "started"], map(jsonable, row), strict=True))
               for row in rows]
    assert objects[1]["name"] == AWKWARD and objects[2]["name"] is None
    result = tcps_sql(database, "--format", "json", ALL_ITEMS)
    assert json.loads(result.output) == objects
    result = tcps_sql(database, "--format", "jsonl", ALL_ITEMS)
    assert [json.loads(line) for line in result.output.splitlines()] == objects


def test_table_shows_rows_and_says_when_it_cut_them(database: Database) -> None:
    result = tcps_sql(database, "--format", "table", ALL_ITEMS)
    assert "Palma Futuro" in result.output and "[bold]" in result.output
    assert result.output.rstrip().endswith("3 rows")
    result = tcps_sql(database, "--format", "table", "--limit", "2", ALL_ITEMS)
    assert "2 of 3 rows shown" in result.output
    assert "2020-01-31" not in result.output


def test_output_file_takes_its_format_from_the_extension(database: Database, tmp_path: Path) -> None:
    target = tmp_path / "items.jsonl"
    result = tcps_sql(database, "--output", str(target), ALL_ITEMS)
    assert result.exit_code == 0 and result.output == ""
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == [1, 2, 3]


def test_a_refused_query_writes_no_output_file(database: Database, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert tcps_sql(database, "--output", str(target), "DELETE FROM items").exit_code == 3
    assert not target.exists()


def test_json_keeps_repeated_column_names_apart(database: Database) -> None:
    result = tcps_sql(database, "--format", "jsonl", "SELECT a.id, b.id FROM items a JOIN items b "
                      "ON b.id = a.id + 1 ORDER BY a.id")
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"id": 1, "id_2": 2}, {"id": 2, "id_2": 3}]


def test_no_rows_still_name_their_columns(database: Database) -> None:
    result = tcps_sql(database, "--format", "csv", "SELECT id, name FROM items WHERE id > 99")
    assert result.exit_code == 0 and result.output == "id,name\n"


# --- bounded: memory, value sizes, time ---------------------------------------------------------

# 30,000 rows of 4 kB: 120 MB held as Python rows, a few MB streamed.
WIDE_ROWS = {
    "sqlite": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 30000) "
              "SELECT n, hex(zeroblob(2000)) AS filler FROM r",
    "postgresql": "SELECT n, repeat('0', 4000) AS filler FROM generate_series(1, 30000) AS n",
}

# Runs a command and prints its peak resident memory in kB (Linux's ru_maxrss).
PEAK_MEMORY = ("import resource, subprocess, sys\n"
               "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def test_rows_stream_in_bounded_memory(database: Database) -> None:
    tcps = str(Path(sys.executable).with_name("tcps"))
    command = [sys.executable, "-c", PEAK_MEMORY, tcps, "sql", "--db", database.reader_url,
               "--format", "jsonl", WIDE_ROWS[database.backend]]
    peak_mb = int(subprocess.run(command, capture_output=True, text=True, check=True).stdout) / 1024
    assert peak_mb < 90  # some 45 MB of it is Python and tcps's modules


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("query", ["SELECT randomblob(1000000000)", "SELECT length(randomblob(1e9))",
                                   "SELECT length(group_concat(hex(zeroblob(100000)))) FROM "
                                   "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                                   "WHERE n < 1000) SELECT n FROM r)"])
def test_a_value_past_the_sqlite_size_cap_fails_at_once(database: Database, query: str) -> None:
    started = time.monotonic()
    result = tcps_sql(database, "--timeout", "1", query)
    assert time.monotonic() - started < 1  # it does not run into the time limit
    assert result.exit_code == 1 and "values and rows of up to 5 MB" in result.stderr


COUNT_ROWS_TO_A_BILLION = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                           "WHERE n < 1000000000) SELECT n FROM r")


def test_a_query_stopped_midway_leaves_no_output_file(database: Database, tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    started = time.monotonic()
    result = tcps_sql(database, "--timeout", "1", "--output", str(target), COUNT_ROWS_TO_A_BILLION)
    assert result.exit_code == 4 and time.monotonic() - started < 5  # as test_timeout_stops_a_runaway_query
    assert list(tmp_path.iterdir()) == []


@POSTGRESQL_ONLY
@pytest.mark.parametrize("query", ["SELECT pg_terminate_backend(pg_backend_pid())", "COPY items TO STDOUT"])
def test_what_the_driver_cannot_run_is_one_line(database: Database, query: str) -> None:
    result = tcps_sql(database, query)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1, result.stderr
