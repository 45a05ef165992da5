"""`tcps search` and `tcps export` on the corpus, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path
from typing import Iterator

import frictionless
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from databases import empty_database
from golds import gold_records, load_golds, row_counts
from tcps.cli import cli
from tcps.db import make_engine, upgrade_to_head
from tcps.load import Loader
from tcps.sources import SourceFile
from tcps.models import metadata
from tcps.record import Activity
from tcps.search import MARK, reindex


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a database at head holding the whole corpus (not changed by the tests using it)."""
    with empty_database(request, request.param, tmp_path_factory.mktemp("loaded")) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        load_golds(engine)
        engine.dispose()
        yield url


def search(url: str, *words: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["search", "--db", url, "--format", "json", *words])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- search --------------------------------------------------------------------------------

def _words(text: str | None) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text or "")}


def activity_only_word() -> tuple[str, set[str]]:
    """A word that stands in some projects' activities and in no other field of any project,
    not even as another form of the word (no other field has a word sharing its first six
    letters, so stemming cannot find it elsewhere); with the titles of those projects."""
    records = [record for record, _ in gold_records()]
    elsewhere = set()
    for r in records:
        texts = [r.title, r.problem, r.results, *(o.text for o in r.objectives)]
        elsewhere |= {w[:6] for text in texts for w in _words(text)}
    candidates = sorted({w for r in records for a in r.activities for w in _words(a.text)
                         if len(w) >= 7 and w[:6] not in elsewhere})
    assert candidates, "the corpus has no word that stands only in activities"
    word = candidates[len(candidates) // 2]
    return word, {r.title for r in records
                  if any(word in _words(a.text) for a in r.activities)}


def test_search_finds_a_project_by_a_word_only_in_its_activities(loaded: str) -> None:
    word, titles = activity_only_word()
    found = search(loaded, word)
    assert {hit["title"] for hit in found} == titles
    for hit in found:
        assert f"{MARK}{word}{MARK}" in hit["snippet"].lower(), hit["snippet"]


def test_search_ranks_a_title_match_first_and_needs_every_word(loaded: str) -> None:
    record = next(r for r, _ in gold_records() if "Cocoa" in r.title)
    found = search(loaded, "cocoa")
    assert len(found) >= 2 and "cocoa" in found[0]["title"].lower()
    title_words = sorted(_words(record.title), key=len)[-2:]
    assert record.title in {hit["title"] for hit in search(loaded, *title_words)}
    assert search(loaded, "cocoa", "zzyzxqwv") == []


def test_search_finds_other_forms_of_a_word(loaded: str) -> None:
    """"trafficked" finds the projects that only ever say "trafficking" (the README's example)."""
    def text(r):
        return " ".join([r.title, r.problem or "", r.results or "",
                         *(o.text for o in r.objectives), *(a.text for a in r.activities)])
    titles = {r.title for r, _ in gold_records()
              if "trafficking" in _words(text(r)) and "trafficked" not in _words(text(r))}
    assert titles
    assert titles <= {hit["title"] for hit in search(loaded, "trafficked")}


def test_search_with_no_match_or_only_punctuation_finds_nothing(loaded: str) -> None:
    assert search(loaded, "zzyzxqwv") == []
    assert search(loaded, '"*:') == []


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_index_follows_a_revised_summary(db_url: str) -> None:
    """The loader keeps the index in step: a project whose activities change is found by the
    new words and no longer by the old ones."""
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    record, source = gold_records()[0]
    old_word = "quokkaesque"
    first = dataclasses.replace(record,
                                activities=[*record.activities, Activity(f"Train {old_word} mentors.")])
    revised = dataclasses.replace(record, activities=[Activity("Survey zebrafinch cooperatives.")])
    with Loader(engine) as loader:
        loader.load(first, source)
        assert [hit["title"] for hit in search(db_url, old_word)] == [record.title]
        data = source.text.encode() + b"\n"
        assert loader.load(revised, SourceFile(source.path, len(data), data.decode(), "text")) == "updated"
    engine.dispose()
    assert search(db_url, old_word) == []
    assert [hit["title"] for hit in search(db_url, "zebrafinch")] == [record.title]


# --- export --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_is_a_valid_data_package_of_every_table_and_view(loaded: str, tmp_path: Path,
                                                                  fmt: str) -> None:
    folder = tmp_path / "export"
    result = CliRunner().invoke(cli, ["export", str(folder), "--db", loaded, "--format", fmt])
    assert result.exit_code == 0, result.output

    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]

    package = json.loads((folder / "datapackage.json").read_text())
    names = {r["name"] for r in package["resources"]}
    assert names == set(metadata.tables) - {"data_dictionary"} | {
        "project_overview", "project_funding_by_year", "results_by_country"}
    assert {p.name for p in folder.iterdir()} == {f"{n}.{fmt}" for n in names} | {"datapackage.json"}
    projects = next(r for r in package["resources"] if r["name"] == "projects")
    assert projects["schema"]["primaryKey"] == ["id"]
    assert projects["description"] and all(f.get("description") for f in projects["schema"]["fields"])
    assert {"fields": ["source_document_id"], "reference": {
        "resource": "source_documents", "fields": ["id"]}} in projects["schema"]["foreignKeys"]


def test_exported_csvs_reload_into_an_empty_database(loaded: str, tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    folder = tmp_path / "export"
    assert CliRunner().invoke(cli, ["export", str(folder), "--db", loaded]).exit_code == 0
    package = frictionless.Package(str(folder / "datapackage.json"))

    source = make_engine(loaded)
    with source.connect() as conn:
        expected = row_counts(conn)
    source.dispose()

    backend = sa.make_url(loaded).get_backend_name()
    with empty_database(request, backend, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        with engine.begin() as conn:
            for table in metadata.sorted_tables:  # parents before children
                if table.name == "data_dictionary":
                    continue  # filled by the migrations; the package's descriptions carry it
                rows = [row.to_dict() for row in package.get_resource(table.name).read_rows()]
                if rows:
                    conn.execute(table.insert(), rows)
            # Rows written other than by the loader: the index is rebuilt from them.
            reindex(conn)
        with engine.connect() as conn:
            assert row_counts(conn) == expected
        engine.dispose()
        word = activity_only_word()[0]
        assert search(url, word) == search(loaded, word)


@pytest.mark.parametrize("command", [["search", "cocoa"], ["export", "out"], ["schema"]])
def test_a_database_without_the_schema_is_a_configuration_error(tmp_path: Path, command: list[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sqlite3.connect(tmp_path / "empty.db").close()  # an empty database file
    result = CliRunner().invoke(cli, [*command, "--db", url])
    assert result.exit_code == 2 and result.stderr.startswith("error: the database has no")
