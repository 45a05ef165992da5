"""What an analyst meets (issue 18): right answers by default, one behaviour for every command,
readable output. Each test runs on a real SQLite file and a real PostgreSQL database holding the
corpus, through the real CLI; on PostgreSQL `tcps sql` runs as the read-only role."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner, Result

from databases import empty_database
from golds import DATA, gold_records, load_golds
from tcps import db
from tcps.cli import cli
from tcps.db import make_engine, upgrade_to_head
from tcps.load import Loader
from tcps.regions import ILAB_REGIONS, ilab_region, printed_region


@dataclasses.dataclass
class Loaded:
    url: str     # the owner's
    reader: str  # what tcps sql gets


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """The corpus, two of its projects given one grantee spelled with ’ and with ', a third
    without its printed region."""
    with empty_database(request, request.param, tmp_path_factory.mktemp("analysts")) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        load_golds(engine)
        with Loader(engine) as loader:
            for (record, source), mark in zip(gold_records()[:2], "’'", strict=True):
                loader.load(dataclasses.replace(record, grantee=f"Children{mark}s Rights Fund"), source)
            record, source = gold_records()[2]
            loader.load(dataclasses.replace(record, region=None), source)
        engine.dispose()
        reader = url
        if request.param == "postgresql":
            assert invoke("db", "grant-readonly", "tcps_reader", "--db", url).exit_code == 0
            reader = sa.make_url(url).set(username="tcps_reader").render_as_string(hide_password=False)
        yield Loaded(url, reader)


def invoke(*args: str, **kwargs) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


def sql(db: Loaded, query: str, *args: str) -> list[dict]:
    result = invoke("sql", "--db", db.reader, "--format", "json", query, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def scalar(db: Loaded, query: str):
    engine = make_engine(db.url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(query)).scalar_one()
    engine.dispose()
    return value


# --- right answers by default ----------------------------------------------------------------

def test_a_number_parameter_compares_as_a_number(loaded: Loaded) -> None:
    expected = scalar(loaded, "SELECT count(*) FROM project_funding_by_year WHERE fiscal_year >= 2005")
    assert expected > 0
    query = "SELECT count(*) AS n FROM project_funding_by_year WHERE fiscal_year >= :y"
    assert sql(loaded, query, "-p", "y", "2005") == [{"n": expected}]
    assert sql(loaded, "SELECT :x * 2 AS x", "-p", "x", "1.25") == [{"x": 2.5}]


def test_text_parameters_stay_text(loaded: Loaded) -> None:
    assert sql(loaded, "SELECT :code AS code", "-p", "code:text", "2005") == [{"code": "2005"}]
    assert sql(loaded, "SELECT :a AS a, :b AS b", "--text-params", "-p", "a", "7", "-p", "b", "1.5") == [
        {"a": "7", "b": "1.5"}]
    assert sql(loaded, "SELECT :code AS code", "-p", "code", "007") == [{"code": "007"}]


def test_results_by_country_counts_each_result_once(loaded: Loaded) -> None:
    total = scalar(loaded, "SELECT sum(value) FROM results")
    by_country = sql(loaded, "SELECT country, sum(value) AS people FROM results_by_country "
                             "GROUP BY country ORDER BY country")
    assert sum(row["people"] for row in by_country) == total
    joined = scalar(loaded, "SELECT sum(r.value) FROM results r "
                            "JOIN project_countries pc ON pc.project_id = r.project_id")
    assert joined > total  # what the view saves an analyst from
    placed = sql(loaded, "SELECT DISTINCT v.country, "
                         "(SELECT count(*) FROM project_countries pc "
                         "WHERE pc.project_id = v.project_id) AS n, "
                         "(SELECT min(country_alpha3) FROM project_countries pc "
                         "WHERE pc.project_id = v.project_id) AS alpha3 FROM results_by_country v")
    assert placed and all(row["country"] == ("multi-country" if row["n"] > 1 else row["alpha3"])
                          for row in placed)
    assert any(row["country"] == "multi-country" for row in placed)
    schema = invoke("schema", "results", "project_countries", "--db", loaded.url).output
    assert schema.count("results_by_country") == 2 and "never sum them" in schema


def test_one_grantee_spelled_two_ways_is_one_grantee_id(loaded: Loaded) -> None:
    rows = sql(loaded, "SELECT grantee, grantee_id, grantee_name FROM project_overview "
                       "WHERE grantee LIKE 'Children%Rights Fund' ORDER BY grantee")
    assert {row["grantee"] for row in rows} == {"Children’s Rights Fund", "Children's Rights Fund"}
    assert len({(row["grantee_id"], row["grantee_name"]) for row in rows}) == 1
    grouped = sql(loaded, "SELECT grantee_id, count(*) AS projects FROM project_overview "
                          "WHERE grantee LIKE 'Children%Rights Fund' GROUP BY grantee_id")
    assert [row["projects"] for row in grouped] == [2]


def test_ilab_region_is_one_of_six_from_the_printed_region_or_the_countries(loaded: Loaded) -> None:
    rows = sql(loaded, "SELECT o.project_id, o.region, o.ilab_region, p.ilab_region AS stored "
                       "FROM project_overview o JOIN projects p ON p.id = o.project_id")
    assert rows and all(row["ilab_region"] == row["stored"] for row in rows)
    assert {row["ilab_region"] for row in rows} <= set(ILAB_REGIONS)
    printed = {row["region"]: row["ilab_region"] for row in rows if row["region"]}
    assert all(printed_region(text) == region for text, region in printed.items())
    unprinted = [row for row in rows if row["region"] is None]
    countries = sql(loaded, "SELECT country_alpha3 AS c FROM project_countries WHERE project_id = :id",
                    "-p", "id", str(unprinted[0]["project_id"]))
    assert len(unprinted) == 1
    assert unprinted[0]["ilab_region"] == ilab_region(None, [r["c"] for r in countries])
    assert unprinted[0]["ilab_region"] is not None


def test_printed_regions_and_countries_map_to_ilab_regions() -> None:
    assert {printed_region(t) for t in ("LATIN AMERICA", "LATIN AMERICA AND THE CARIBBEAN",
                                        "THE AMERICAS", "Latin America")} == {ILAB_REGIONS[3]}
    assert printed_region("WEST AFRICA") == "Africa" and printed_region("MIDDLE EAST") == ILAB_REGIONS[4]
    assert printed_region("Africa and Asia") == "Global" and printed_region("Capacity building") is None
    assert ilab_region(None, ["GHA", "CIV"]) == "Africa"
    assert ilab_region(None, ["KAZ", "KGZ"]) == "Europe and Eurasia"
    assert ilab_region(None, ["PER", "PHL"]) == "Global"
    assert ilab_region("EUROPE", ["MAR"]) == "Europe and Eurasia"  # the printed region first


def test_the_migration_fills_ilab_region_of_projects_loaded_before_it(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    load_golds(engine)
    with engine.connect() as conn:
        before = dict(conn.execute(sa.text("SELECT id, ilab_region FROM projects")).all())
    command.downgrade(db.alembic_config(engine), "0008")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert dict(conn.execute(sa.text("SELECT id, ilab_region FROM projects")).all()) == before
    engine.dispose()
    assert any(before.values())


# --- one behaviour for every command ---------------------------------------------------------

READERS = [["schema"], ["search", "cocoa"], ["runs"], ["export", "out"], ["db", "current"],
           ["refresh", "--dry-run", "{data}"], ["sql", "SELECT 1"]]
WRITERS = [["load", "{data}"], ["refresh", "{data}"], ["db", "upgrade"]]


@pytest.mark.parametrize("args", READERS + WRITERS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("bad", ["not a database", "a folder", "no server"])
def test_a_bad_db_is_one_line_and_exit_2_for_every_command(args: list[str], bad: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = {"not a database": tmp_path / "notes.db", "a folder": tmp_path / "folder",
              "no server": "postgresql+psycopg://nobody@127.0.0.1:1/tcps"}[bad]
    if bad == "not a database":
        target.write_text("these are my notes, not a database\n" * 100)
    elif bad == "a folder":
        target.mkdir()
    result = invoke(*(a.format(data=DATA) for a in args), "--db", str(target))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_sql_before_any_load_says_which_command_creates_the_database(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TCPS_DATABASE_URL", raising=False)
    for args in (["sql", "SELECT 1"], ["schema"], ["search", "cocoa"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "`tcps load`" in result.stderr, args


def test_loading_a_folder_without_summaries_fails(db_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "readme.md").write_text("not a summary\n")
    result = invoke("load", "--db", db_url, str(empty))
    assert result.exit_code == 1
    assert result.stderr == f"error: {empty}: no summary here (*.htm, *.html, *.pdf, *.txt)\n"


@pytest.mark.parametrize("args", [["sql", "SELECT 1 AS n"], ["search", "cocoa"], ["runs"]],
                         ids=lambda a: a[0])
def test_an_output_extension_naming_no_format_is_refused(loaded: Loaded, args: list[str],
                                                          tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    result = invoke(*args, "--db", loaded.reader if args[0] == "sql" else loaded.url, "--output", str(target))
    assert result.exit_code == 2 and "out.xlsx" in result.stderr and ".jsonl" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("query", ["", "  \n"])
def test_an_empty_query_is_an_error(loaded: Loaded, query: str) -> None:
    result = invoke("sql", "--db", loaded.reader, query)
    assert result.exit_code == 2 and result.stderr == "error: the query is empty\n"


@pytest.mark.parametrize("args", [["sql", "SELECT id FROM projects ORDER BY id"], ["search", "child"]],
                         ids=lambda a: a[0])
def test_limit_means_at_most_n_rows_in_every_format(loaded: Loaded, args: list[str]) -> None:
    url = loaded.reader if args[0] == "sql" else loaded.url
    for fmt in ("csv", "json", "table"):
        result = invoke(*args, "--db", url, "--format", fmt, "--limit", "2")
        assert result.exit_code == 0, result.output
        if fmt == "csv":
            assert len(list(csv.reader(io.StringIO(result.output)))) == 3
        elif fmt == "json":
            assert len(json.loads(result.output)) == 2
    every = invoke(*args, "--db", url, "--format", "json", "--limit", "0")
    assert len(json.loads(every.output)) > 2


def test_runs_takes_the_options_of_sql(db_url: str, tmp_path: Path) -> None:
    for _ in range(3):
        assert invoke("refresh", str(DATA), "--db", db_url).exit_code == 0
    result = invoke("runs", "--db", db_url, "--limit", "2", "--format", "json")
    assert [run["id"] for run in json.loads(result.output)] == [3, 2]
    result = invoke("runs", "--db", db_url, "--format", "table", env={"COLUMNS": "80"})
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80, result.output
    body = [line for line in lines if line.startswith("│")]
    assert len(body) == 3 and all(re.match(r"│\s+\d+ │ 20\d\d-\d\d-\d\d \d\d:\d\d │", line)
                                  and "seen" in line for line in body), result.output  # one line a run


def test_export_json_is_objects_as_sql_writes_them(loaded: Loaded, tmp_path: Path) -> None:
    assert invoke("export", str(tmp_path), "--db", loaded.url, "--format", "json").exit_code == 0
    exported = json.loads((tmp_path / "countries.json").read_text())
    assert exported == sql(loaded, "SELECT * FROM countries ORDER BY alpha3")


# --- search grammar ------------------------------------------------------------------------

def titles(db: Loaded, *words: str) -> set[str]:
    result = invoke("search", "--db", db.url, "--format", "json", "--limit", "0", *words)
    assert result.exit_code == 0, result.output
    return {hit["title"] for hit in json.loads(result.output)}


def test_search_or_phrases_and_exclusion(loaded: Loaded) -> None:
    cocoa, mining = titles(loaded, "cocoa"), titles(loaded, "mining")
    assert cocoa and mining and cocoa != mining
    assert titles(loaded, "cocoa", "OR", "mining") == cocoa | mining
    assert titles(loaded, "cocoa mining") == cocoa & mining
    assert titles(loaded, "cocoa", "-mining") == cocoa - mining
    child_labor, labor_child = titles(loaded, '"child labor"'), titles(loaded, '"labor child"')
    assert child_labor and child_labor != labor_child
    assert titles(loaded, "child", "labor") >= child_labor


def test_a_search_that_only_excludes_is_refused(loaded: Loaded) -> None:
    result = invoke("search", "--db", loaded.url, "-cocoa")
    assert result.exit_code == 2 and "-word" in result.stderr


# --- readable output -----------------------------------------------------------------------

def test_a_table_right_aligns_numbers_with_thousands_separators(loaded: Loaded) -> None:
    result = invoke("sql", "--db", loaded.reader, "--format", "table",
                    "SELECT 'a' AS name, 1234567 AS people, 2019 AS fiscal_year UNION ALL "
                    "SELECT 'b', 5, 2020 ORDER BY 1")
    assert result.exit_code == 0, result.output
    assert re.search(r"│ a\s+│ 1,234,567 │\s+2019 │", result.output), result.output
    assert re.search(r"│ b\s+│\s+5 │\s+2020 │", result.output), result.output


def test_search_marks_are_emphasis_in_a_table(loaded: Loaded) -> None:
    result = invoke("search", "--db", loaded.url, "--format", "table", "cocoa", env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0 and "**" not in result.output
    assert re.search(r"\x1b\[1m[Cc]ocoa\x1b\[0m", result.output)
    assert "**cocoa**" in invoke("search", "--db", loaded.url, "--format", "csv", "cocoa").output.lower()


def test_schema_gives_view_types_the_search_view_and_one_table(loaded: Loaded) -> None:
    result = invoke("schema", "project_overview", "project_search_documents", "--db", loaded.url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("project_overview (view)")
    assert "project_search_documents (view)" in result.output
    columns = [line.split() for line in result.output.splitlines() if line.startswith("  ")][1:]
    assert all(len(c) > 1 and c[1] != "-" for c in columns if c[0] != "What"), result.output
    assert re.search(r"funding_usd\s+(BIGINT|NUMERIC)", result.output)
    assert "projects (table)" not in result.output
    missing = invoke("schema", "no_such_table", "--db", loaded.url)
    assert missing.exit_code == 2 and "no_such_table" in missing.stderr


def test_project_id_on_projects_gets_a_hint(loaded: Loaded) -> None:
    result = invoke("sql", "--db", loaded.reader, "SELECT project_id FROM projects")
    assert result.exit_code == 1 and "projects.id" in result.stderr


@pytest.mark.parametrize("name", [*cli.commands, *(f"db {c}" for c in cli.commands["db"].commands)])
def test_every_command_help_ends_with_examples(name: str) -> None:
    result = invoke(*name.split(), "--help")
    assert "Examples:" in result.output and "tcps " in result.output.split("Examples:")[1]
