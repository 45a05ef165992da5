"""`tcps load`, `tcps schema` and `tcps db` through the real CLI, on SQLite and PostgreSQL.

The data is what the README's quick start loads (data/) plus the corpus; the known answers and
the README's analyst queries are checked against the gold records, not against the loader."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from golds import CORPUS, DATA, ROOT, gold_records, record_from_db, row_counts
from tcps.cli import cli
from tcps.db import alembic_config
from tcps.keys import name_key
from tcps.load import find_project_id
from tcps.models import metadata
from tcps.parse import parse_file
from tcps.parse.countries import by_iso3


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def counts_line(output: str) -> dict[str, int]:
    """The counts of the last line: ``added 2, updated 0, unchanged 0, failed 0``."""
    line = output.strip().splitlines()[-1]
    return {word: int(n) for word, n in re.findall(r"(added|updated|unchanged|failed) (\d+)", line)}


@pytest.fixture
def loaded_url(db_url: str) -> str:
    """The database after `tcps load data/ tests/corpus/`."""
    result = run("load", "--db", db_url, str(DATA), str(CORPUS))
    assert result.exit_code == 0, result.output
    files = len(list(DATA.glob("*.txt"))) + len(list(CORPUS.glob("*.txt")))
    counts = counts_line(result.output)
    assert counts["failed"] == 0 and sum(counts.values()) == files
    return db_url


def connect(url: str):
    return sa.create_engine(url, poolclass=sa.NullPool).connect()


def test_parser_records_round_trip_and_reloading_adds_no_row(loaded_url: str) -> None:
    with connect(loaded_url) as conn:
        before = row_counts(conn)
        for path in sorted(CORPUS.glob("*.txt")) + sorted(DATA.glob("*.txt")):
            record = parse_file(path)
            assert record_from_db(conn, find_project_id(conn, record.title)).to_dict() == record.to_dict()
    result = run("load", "--db", loaded_url, str(DATA), str(CORPUS))
    assert result.exit_code == 0
    assert counts_line(result.output) == {"added": 0, "updated": 0, "unchanged": 22, "failed": 0}
    with connect(loaded_url) as conn:
        assert row_counts(conn) == before


def test_known_answers(loaded_url: str) -> None:
    seeds = [r for r, s in gold_records() if "/seed_" in s.path]
    with connect(loaded_url) as conn:
        assert conn.execute(sa.text(
            "SELECT alpha3, alpha2, name FROM countries WHERE alpha3 = 'KGZ' OR name LIKE 'Kyrgyz%'")
        ).all() == [("KGZ", "KG", "Kyrgyzstan")]
        central_asia = find_project_id(conn, next(r for r in seeds if "CENTRAL ASIA" in r.title).title)
        assert conn.execute(sa.text(
            "SELECT count(*) FROM partners p JOIN organizations o ON o.id = p.organization_id "
            "WHERE p.project_id = :p AND o.name = 'Union of Crisis Centers'"), {"p": central_asia}
        ).scalar_one() == 1
        seed_ids = {find_project_id(conn, r.title) for r in seeds}
        per_project = conn.execute(sa.text(
            "SELECT project_id, funding_usd FROM project_overview")).all()
    assert sum(usd for pid, usd in per_project if pid in seed_ids) == 4_000_000
    assert sum(f.amount for r in seeds for f in r.funding) == 4_000_000


def test_a_bad_file_fails_alone_with_exit_1(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    (folder / "nested").mkdir(parents=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "nested" / "binary.txt").write_bytes(bytes(range(256)) * 4)
    good = sorted(CORPUS.glob("dev_0*.txt"))[:3]
    for path in good:
        (folder / "nested" / path.name).write_bytes(path.read_bytes())
    (folder / "notes.md").write_text("not a summary, not looked at")

    result = CliRunner().invoke(cli, ["load", "--db", db_url, str(folder)])
    assert result.exit_code == 1
    assert counts_line(result.stdout) == {"added": 3, "updated": 0, "unchanged": 0, "failed": 2}
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert any("empty.txt" in line for line in errors) and any("binary.txt" in line for line in errors)
    with connect(db_url) as conn:
        counts = row_counts(conn)
    assert counts["projects"] == counts["source_documents"] == 3


def test_parsing_in_worker_processes_loads_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for copy in range(4):  # enough files for the worker processes to start
        for path in CORPUS.glob("*.txt"):
            (folder / str(copy)).mkdir(parents=True, exist_ok=True)
            (folder / str(copy) / path.name).write_bytes(path.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    outputs, contents = [], []
    for jobs in ("1", "2"):
        url = f"sqlite:///{tmp_path / f'jobs{jobs}.db'}"
        result = CliRunner().invoke(cli, ["load", "-v", "--jobs", jobs, "--db", url, str(folder)])
        assert result.exit_code == 1
        outputs.append((result.stdout, result.stderr))
        with connect(url) as conn:
            contents.append([record_from_db(conn, pid).to_dict()
                             for (pid,) in conn.execute(sa.text("SELECT id FROM projects ORDER BY id"))])
    assert outputs[0] == outputs[1]
    assert contents[0] == contents[1] and len(contents[0]) == 20
    assert counts_line(outputs[0][0]) == {"added": 20, "updated": 0, "unchanged": 60, "failed": 1}


def test_usage_and_configuration_errors_exit_2(tmp_path: Path) -> None:
    assert run("load", "--db", f"sqlite:///{tmp_path}/x.db", str(tmp_path / "missing")).exit_code == 2
    result = CliRunner().invoke(cli, ["load", "--db", "nosuchdialect://x", str(DATA)])
    assert result.exit_code == 2 and result.stderr.startswith("error: database")
    result = CliRunner().invoke(cli, ["load", "--db", str(tmp_path / "no" / "such" / "dir.db"), str(DATA)])
    assert result.exit_code == 2
    assert "Exit status: 0 all loaded, 1 some files failed, 2 usage" in run("load", "--help").output


def test_quick_start_loads_data_into_tcps_db_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TCPS_DATABASE_URL"}
    result = subprocess.run(["tcps", "load", str(DATA)], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("added 2, updated 0, unchanged 0, failed 0")
    with connect(f"sqlite:///{tmp_path / 'tcps.db'}") as conn:
        assert row_counts(conn)["projects"] == 2


def test_the_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from_env.db'}"
    assert run("load", str(DATA), env={"TCPS_DATABASE_URL": url}).exit_code == 0
    with connect(url) as conn:
        assert row_counts(conn)["projects"] == 2


def test_db_commands_and_schema(db_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_revision(script.get_current_head())
    assert run("db", "upgrade", "--db", db_url).exit_code == 0
    assert f"{head.revision} (head)" in run("db", "current", "--db", db_url).output
    assert run("db", "downgrade", "-1", "--db", db_url).exit_code == 0
    assert run("db", "current", "--db", db_url).output.split()[0] == head.down_revision
    assert run("db", "downgrade", "nosuchrevision", "--db", db_url).exit_code == 2
    assert run("db", "upgrade", "--db", db_url).exit_code == 0
    history = run("db", "history").output
    assert f"{head.down_revision} -> {head.revision} (head)" in history and "<base> -> 0001" in history

    markdown = run("schema", "--format", "markdown", "--db", db_url).output
    text = run("schema", "--db", db_url).output
    for table in [*metadata.tables, "project_overview", "project_funding_by_year"]:
        assert f"### `{table}`" in markdown
        assert re.search(rf"^{table} \((table|view)\)$", text, re.M)
    assert "cannot be split by country" in markdown


# --- the README's analyst queries -----------------------------------------------------------

def readme_queries() -> list[str]:
    section = (ROOT / "README.md").read_text().split("### Example queries", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def _expected_projects_per_country(records) -> set:
    counts = Counter(by_iso3(c).name for r in records for c in r.countries)
    return set(counts.items())


def _expected_award_per_year(records) -> set:
    years: Counter = Counter()
    for r in records:
        for f in r.funding:
            if f.kind == "award" and f.currency == "USD":
                years[min(f.fiscal_years, default=None)] += f.amount
    return set(years.items())


def _expected_withdrawn_prevented(records) -> set:
    out = set()
    for r in records:
        sums = [sum(m.value for m in r.metrics if m.measure == measure) or None
                for measure in ("withdrawn", "prevented", "withdrawn_or_prevented")]
        if any(sums):
            out.add((r.title, *sums))
    return out


def _expected_organisations(records) -> set:
    projects: dict[tuple, set] = {}
    for r in records:
        listings = ([(r.grantee, None)] if r.grantee else []) + [(p.name, p.country) for p in r.partners]
        for name, country in listings:
            projects.setdefault((name_key(name), country), set()).add(r.title)
    return {(*key, len(titles)) for key, titles in projects.items()}


def _expected_running_in_2010(records) -> set:
    def month(date: str) -> tuple[int, int]:
        return int(date[:4]), int(date[5:7])
    return {(r.title, r.start_date, r.end_date) for r in records
            if r.start_date and r.end_date and month(r.start_date) <= (2010, 12)
            and month(r.end_date) >= (2010, 1)}


EXPECTED = [_expected_projects_per_country, _expected_award_per_year, _expected_withdrawn_prevented,
            _expected_organisations, _expected_running_in_2010]


def test_readme_analyst_queries(loaded_url: str) -> None:
    queries = readme_queries()
    assert len(queries) == len(EXPECTED) == 5
    records = [r for r, _ in gold_records()]
    with connect(loaded_url) as conn:
        for query, expected in zip(queries, EXPECTED, strict=True):
            rows = [tuple(row) for row in conn.execute(sa.text(query))]
            if expected is _expected_organisations:  # compare organisations by their key
                rows = [(name_key(name), country, n) for name, country, n in rows]
            assert rows, query
            assert len(rows) == len(set(rows)) and set(rows) == expected(records), query


# --- commands that only look leave a SQLite file as they found it ----------------------------

LOOKING_COMMANDS = [["search", "cocoa"], ["runs"], ["schema"], ["export", "out"], ["db", "current"],
                    ["refresh", "--dry-run", str(DATA)]]


@pytest.mark.parametrize("command", LOOKING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_missing_sqlite_file_is_a_configuration_error_not_a_new_database(
        tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(missing)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: database") and "no such SQLite file" in result.stderr
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_a_dry_run_does_not_change_an_existing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:  # a database in the default (rollback) journal mode
        conn.execute("CREATE TABLE notes (text TEXT)")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["refresh", "--dry-run", "--json", str(DATA), "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    result = CliRunner().invoke(cli, ["schema", "--db", "postgresql+psycopg://me:s3cret@127.0.0.1:1/x"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: database postgresql+psycopg://me:***@127.0.0.1:1/x: ")
    assert "s3cret" not in result.stderr and len(result.stderr.splitlines()) == 1
