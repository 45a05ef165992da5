"""Web pages in the database (migration 0007), on SQLite and PostgreSQL: a page's summary,
strategy, address and format stored, searched and exported; a project known from a PDF summary
and from its page is one project that keeps both sources. Records are built here from the
corpus's gold records, as the HTML parser would give them."""
from __future__ import annotations

import copy
import csv
import hashlib
import json

import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

import tcps.db as db
from golds import gold_records, load_golds, record_from_db
from tcps.cli import cli
from tcps.db import upgrade_to_head
from tcps.load import Loader, find_project_id
from tcps.parse import document_format
from tcps.search import search_projects
from tcps.sources import SourceFile

# Words that stand in no gold record: found only where a page's record puts them.
SUMMARY_WORD, STRATEGY_WORD = "xylophonist", "quarterstaves"


def page_of(record, source):
    """The record and source of the project's web page: other bytes, an overview, a strategy
    and an address; the title as a page prints it (no status marker)."""
    page = copy.deepcopy(record)
    html = f"<!DOCTYPE html>\n<html><body><h1>{record.title}</h1></body></html>\n"
    page.title = record.title.replace("(CLOSED)", "").strip()
    page.summary = f"The project trains a {SUMMARY_WORD} in every district."
    page.strategy = f"It works with {STRATEGY_WORD} and local partners."
    page.source.sha256 = hashlib.sha256(html.encode()).hexdigest()
    page.source.url = "https://www.dol.gov/agencies/ilab/example-project"
    page.source.pages = None
    return page, SourceFile(source.path.replace(".txt", ".html"), len(html), html, "html")


def pdf_of(record, source):
    """The record and source of the project's PDF summary: no text kept, pages counted."""
    pdf = copy.deepcopy(record)
    pdf.source.sha256 = hashlib.sha256(source.path.encode() + b"%PDF-").hexdigest()
    pdf.source.pages = 2
    return pdf, SourceFile(source.path.replace(".txt", ".pdf"), 4096, None, "pdf")


def sources_of(conn, project_id: int) -> list[tuple[str, str | None]]:
    return conn.execute(sa.text(
        "SELECT s.format, s.url FROM project_sources l JOIN source_documents s "
        "ON s.id = l.source_document_id WHERE l.project_id = :p ORDER BY s.format"),
        {"p": project_id}).all()


def test_document_format_is_told_by_the_bytes() -> None:
    assert document_format(b"%PDF-1.7\n...") == "pdf"
    assert document_format(b"\xef\xbb\xbf \r\n\t<!DOCTYPE HTML PUBLIC \"-//W3C//DTD\">") == "html"
    assert document_format(b"<html lang='en'><body>") == "html"
    assert document_format(b"<!-- saved from url=(0019)https://www.dol.gov -->\n<html>") == "html"
    assert document_format(b"<htmlfoo>") == "text"
    assert document_format(b"PROJECT TITLE\tSee <html> tags\n") == "text"
    assert document_format(b"Notes on <!DOCTYPE html> pages") == "text"


def test_a_page_round_trips_and_is_searched_and_exported(engine, tmp_path) -> None:
    record, source = gold_records()[0]
    page, page_source = page_of(record, source)
    with Loader(engine) as loader:
        assert loader.load(page, page_source) == "added"
    with engine.connect() as conn:
        project_id = find_project_id(conn, page.title)
        assert record_from_db(conn, project_id).to_dict() == page.to_dict()
        assert sources_of(conn, project_id) == [("html", page.source.url)]
        for word in (SUMMARY_WORD, STRATEGY_WORD):
            assert [row[0] for row in search_projects(conn, word).rows] == [project_id], word

    result = CliRunner().invoke(cli, ["export", str(tmp_path), "--db", engine.url.render_as_string(False)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "projects.csv").open(encoding="utf-8") as f:
        (row,) = csv.DictReader(f)
    assert (row["summary"], row["strategy"]) == (page.summary, page.strategy)
    with (tmp_path / "source_documents.csv").open(encoding="utf-8") as f:
        (row,) = csv.DictReader(f)
    assert (row["format"], row["url"]) == ("html", page.source.url)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    described = {(r["name"], f["name"]) for r in package["resources"] for f in r["schema"]["fields"]
                 if f.get("description")}
    assert {("projects", "summary"), ("projects", "strategy"), ("source_documents", "url"),
            ("source_documents", "format"), ("project_sources", "source_document_id")} <= described


def test_a_pdf_summary_and_its_page_are_one_project_from_the_last_loaded(engine) -> None:
    record, source = next((r, s) for r, s in gold_records() if r.status == "closed")
    pdf, pdf_source = pdf_of(record, source)
    page, page_source = page_of(record, source)
    with Loader(engine) as loader:
        assert [loader.load(pdf, pdf_source), loader.load(page, page_source)] == ["added", "updated"]
        with engine.connect() as conn:
            project_id = find_project_id(conn, record.title)
            assert record_from_db(conn, project_id).to_dict() == page.to_dict()
            assert sources_of(conn, project_id) == [("html", page.source.url), ("pdf", None)]
            assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 1
        assert loader.load(pdf, pdf_source) == "updated"  # loaded again, it is the last again
    with engine.connect() as conn:
        assert find_project_id(conn, page.title) == project_id
        assert record_from_db(conn, project_id).to_dict() == pdf.to_dict()
        assert sources_of(conn, project_id) == [("html", page.source.url), ("pdf", None)]
        assert search_projects(conn, SUMMARY_WORD).rows == []  # the index follows the fields


def test_migration_0007_up_and_down_with_data(engine) -> None:
    """Down to 0006 and up again: the format of each document is told from what was stored,
    every project is linked to its source, and the search index is rebuilt both ways."""
    load_golds(engine)
    record, source = gold_records()[1]
    with Loader(engine) as loader:
        loader.load(*page_of(record, source))
    command.downgrade(db.alembic_config(engine), "0006")
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        assert {"summary", "strategy"}.isdisjoint(c["name"] for c in inspector.get_columns("projects"))
        assert not inspector.has_table("project_sources")
        projects = conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one()
        assert conn.execute(sa.text("SELECT count(*) FROM project_search")).scalar_one() == projects
        assert not conn.execute(sa.text(
            "SELECT count(*) FROM data_dictionary WHERE column_name IN ('summary', 'strategy', 'url', "
            "'format') OR object_name = 'project_sources'")).scalar_one()
        first = conn.execute(sa.text("SELECT min(id) FROM source_documents")).scalar_one()
        conn.execute(sa.text("UPDATE source_documents SET raw_text = NULL WHERE id = :i"), {"i": first})

    upgrade_to_head(engine)
    with engine.connect() as conn:
        formats = dict(conn.execute(sa.text("SELECT id, format FROM source_documents")).all())
        assert formats.pop(first) == "pdf"
        assert sorted(set(formats.values())) == ["html", "text"]  # the page's HTML was kept
        assert conn.execute(sa.text("SELECT count(*) FROM source_documents WHERE url IS NOT NULL")
                            ).scalar_one() == 0
        assert conn.execute(sa.text(
            "SELECT count(*) FROM projects p JOIN project_sources l ON l.project_id = p.id "
            "AND l.source_document_id = p.source_document_id")).scalar_one() == projects
        assert conn.execute(sa.text("SELECT count(*) FROM project_search")).scalar_one() == projects
        assert search_projects(conn, SUMMARY_WORD).rows == []  # the texts went with the columns
    with Loader(engine) as loader:
        assert loader.load(*page_of(record, source)) == "updated"
    with engine.connect() as conn:
        assert len(search_projects(conn, SUMMARY_WORD).rows) == 1
