"""Project web pages: their overview and strategy, their address and format, every source kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:50:00

``projects`` gains ``summary`` and ``strategy`` (the record's, format version 2: a web page's
overview and Our Strategy prose); ``source_documents`` gains ``url`` (the page's own address) and
``format`` (``text``, ``pdf`` or ``html``). Existing documents get their format from what was
stored: no text kept is a PDF (the loader keeps none for one), a text opening with
``<!DOCTYPE html`` or ``<html`` is a page, any other text is text; their url stays NULL (the
address was never stored; loading the page again fills it).

``project_sources`` links a project to every summary it was loaded from (a PDF summary and the
project's web page are one project by the title rule): ``projects.source_document_id`` names only
the last. Existing projects get their current source, and the documents refresh last loaded from
each watched file into them; which project older, superseded documents belonged to was never
stored.

The search index (0005) covers summary (weighted with problem and results) and strategy (with
objectives and activities): on SQLite the FTS5 table is made again with the two columns, on
PostgreSQL the view that fills the ``tsvector`` changes; both are rebuilt from the tables.
Downgrade restores 0005's index and drops what this added: the pages' texts are lost, and the
projects last loaded from a page are marked so that loading the page again restores them.
"""
from __future__ import annotations


import sqlalchemy as sa
from alembic import op

from tcps.db import views_left_alone
from tcps.dictionary import (comment_natively, describe_columns, describe_table, forget,
                             forget_columns)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

def _project_columns() -> list[sa.Column]:
    return [
        sa.Column("summary", sa.Text(), nullable=True,
                  comment="A project web page's overview paragraphs (before The Problem); NULL "
                          "for text and PDF summaries, which have none."),
        sa.Column("strategy", sa.Text(), nullable=True,
                  comment="A project web page's Our Strategy prose (its lists are in objectives "
                          "and activities); NULL where there is none."),
    ]


def _source_columns() -> list[sa.Column]:
    return [
        sa.Column("format", sa.String(length=4), nullable=True,
                  comment="What the file is, told by its bytes: 'text', 'pdf' or 'html' (a web page)."),
        sa.Column("url", sa.Text(), nullable=True,
                  comment="A web page's own address as it states it (canonical link, else og:url); "
                          "NULL for text and PDF summaries and pages that state none."),
    ]


def _raw_text(with_pages: bool) -> sa.Column:
    comment = ("The full text the parser read (a text file decoded, line ends normalised; a web "
               "page's HTML); NULL where no text form was kept (PDF)." if with_pages else
               "The full text the parser read (a text file decoded, line ends normalised); NULL "
               "where no text form was kept.")
    return sa.Column("raw_text", sa.Text(), comment=comment)


def _backfill_format() -> None:
    """The format of the documents loaded before this migration, from what was stored."""
    opening = "lower(substr(ltrim(raw_text, ' \t\r\n\f'), 1, 14))"
    op.execute(f"""
        UPDATE source_documents SET format = CASE
            WHEN raw_text IS NULL THEN 'pdf'
            WHEN {opening} = '<!doctype html' OR substr({opening}, 1, 5) = '<html' THEN 'html'
            ELSE 'text' END""")


def _create_project_sources() -> None:
    table = op.create_table(
        "project_sources",
        sa.Column("project_id", sa.Integer(), nullable=False, comment="The project (projects.id)."),
        sa.Column("source_document_id", sa.Integer(), nullable=False,
                  comment="A summary it was loaded from (source_documents.id)."),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_project_sources_project_id_projects"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_document_id"], ["source_documents.id"],
                                name=op.f("fk_project_sources_source_document_id_source_documents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "source_document_id", name=op.f("pk_project_sources")),
        comment="Every summary each project was loaded from (a PDF summary and the project's web "
                "page, a revised summary ...): the project's fields come from the one loaded last "
                "(projects.source_document_id).")
    op.create_index(op.f("ix_project_sources_source_document_id"), "project_sources",
                    ["source_document_id"], unique=False)
    op.execute("""
        INSERT INTO project_sources (project_id, source_document_id)
        SELECT id, source_document_id FROM projects
        UNION
        SELECT w.project_id, s.id FROM watched_files w JOIN source_documents s ON s.sha256 = w.sha256
        WHERE w.project_id IS NOT NULL""")
    describe_table(op, table)


# --- the search index ------------------------------------------------------------------------

def _joined(dialect: str, table: str) -> str:
    """The texts of ``table`` for the project ``p``, in printed order, as one value (as 0005)."""
    if dialect == "postgresql":
        return (f"(SELECT string_agg(text, ' ' ORDER BY position) FROM {table} "
                f"WHERE project_id = p.id)")
    return (f"(SELECT group_concat(text, ' ') FROM (SELECT text FROM {table} "
            f"WHERE project_id = p.id ORDER BY position))")


def _sqlite_index(with_pages: bool) -> None:
    """The FTS5 table and its view, filled: 0005's columns, with summary and strategy or not."""
    summary, strategy = ("summary, ", "strategy, ") if with_pages else ("", "")
    columns = f"title, {summary}problem, {strategy}results, objectives, activities"
    op.execute(f"CREATE VIRTUAL TABLE project_search USING fts5({columns}, "
               "tokenize = 'porter unicode61 remove_diacritics 2')")
    op.execute(f"""
        CREATE VIEW project_search_documents AS
        SELECT p.id AS project_id, p.title, {summary and 'p.summary, '}p.problem,
               {strategy and 'p.strategy, '}p.results_text AS results,
               {_joined('sqlite', 'objectives')} AS objectives,
               {_joined('sqlite', 'activities')} AS activities
        FROM projects p""")
    op.execute(f"INSERT INTO project_search (rowid, {columns}) SELECT * FROM project_search_documents")


def _postgresql_index(with_pages: bool) -> None:
    """The view that fills the tsvector table (which stays), and the table refilled from it."""
    summary, strategy = ("p.summary, ", "p.strategy, ") if with_pages else ("", "")
    op.execute(f"""
        CREATE VIEW project_search_documents AS
        SELECT p.id AS project_id,
               setweight(to_tsvector('english', p.title), 'A')
               || setweight(to_tsvector('english', concat_ws(' ', {summary}p.problem, p.results_text)), 'B')
               || setweight(to_tsvector('english', concat_ws(' ', {strategy}o.text, a.text)), 'C')
               AS document,
               concat_ws(' ', {summary}p.problem, {strategy}p.results_text, o.text, a.text) AS body
        FROM projects p,
             LATERAL {_joined('postgresql', 'objectives')} o (text),
             LATERAL {_joined('postgresql', 'activities')} a (text)""")
    op.execute("DELETE FROM project_search")
    op.execute("INSERT INTO project_search SELECT * FROM project_search_documents")


def _index_table(dialect: str, with_pages: bool) -> sa.Table:
    """The index's columns and comments, with the pages' texts or (0005) without."""
    if dialect == "postgresql":
        how = ("Query: WHERE document @@ websearch_to_tsquery('english', 'child labour'), "
               "ranked by ts_rank_cd(document, query).")
        columns = {
            "project_id": "The project (projects.id).",
            "document": ("The project's words, English-stemmed and weighted: title A, summary, "
                         "problem and results B, strategy, objectives and activities C."
                         if with_pages else
                         "The project's words, English-stemmed and weighted: title A, problem and "
                         "results B, objectives and activities C."),
            "body": ("Summary, problem, strategy, results, objectives and activities as one "
                     "text, for snippets." if with_pages else
                     "Problem, results, objectives and activities as one text, for snippets."),
        }
    else:
        how = ("An FTS5 table whose rowid is the project id. Query: WHERE project_search MATCH "
               "'child labour' ORDER BY rank.")
        columns = {"title": "The project title (projects.title).",
                   "summary": "Its web page's overview (projects.summary).",
                   "problem": "Its problem text (projects.problem).",
                   "strategy": "Its web page's strategy prose (projects.strategy).",
                   "results": "Its results or targets text (projects.results_text).",
                   "objectives": "Its objectives' texts (objectives.text), in printed order.",
                   "activities": "Its activities' texts (activities.text), in printed order."}
        if not with_pages:
            del columns["summary"], columns["strategy"]
    texts = ("title, summary, problem, strategy, results, objectives and activities" if with_pages
             else "title, problem, results, objectives and activities")
    comment = (f"Full-text index of each project's {texts}, rebuilt whenever tcps writes the "
               f"project; tcps search queries it. {how}")
    return sa.Table("project_search", sa.MetaData(),
                    *(sa.Column(name, sa.Text, comment=text) for name, text in columns.items()),
                    comment=comment)


def _rebuild_index(with_pages: bool) -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW project_search_documents")
    if dialect == "postgresql":
        _postgresql_index(with_pages)
    else:
        op.execute("DROP TABLE project_search")
        _sqlite_index(with_pages)
    forget(op, "project_search")
    table = _index_table(dialect, with_pages)
    describe_table(op, table)
    comment_natively(op, table)


# --- upgrade and downgrade -------------------------------------------------------------------

def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        for column in _project_columns():
            batch.add_column(column)
    with op.batch_alter_table("source_documents") as batch:
        for column in _source_columns():
            batch.add_column(column)
    _backfill_format()
    with views_left_alone(op), op.batch_alter_table("source_documents") as batch:
        batch.alter_column("format", existing_type=sa.String(length=4), nullable=False)
        batch.create_check_constraint(op.f("ck_source_documents_format"),
                                      "format IN ('text', 'pdf', 'html')")
    describe_columns(op, "projects", _project_columns())
    describe_columns(op, "source_documents", [*_source_columns(), _raw_text(with_pages=True)])
    _create_project_sources()
    _rebuild_index(with_pages=True)


def _forget_pages_were_loaded() -> None:
    """The projects last loaded from a page lose its texts with the columns: mark them and their
    files as not loaded yet (no record fingerprint, an older parser), so that the next tcps load
    or refresh of the page writes them whole again."""
    pages = "SELECT {} FROM source_documents WHERE format = 'html'"
    op.execute(f"UPDATE projects SET record_sha256 = '' WHERE source_document_id IN ({pages.format('id')})")
    op.execute(f"UPDATE watched_files SET parser_version = '0' WHERE sha256 IN ({pages.format('sha256')})")


def downgrade() -> None:
    _forget_pages_were_loaded()
    _rebuild_index(with_pages=False)
    forget(op, "project_sources")
    op.drop_index(op.f("ix_project_sources_source_document_id"), table_name="project_sources")
    op.drop_table("project_sources")
    with views_left_alone(op):
        with op.batch_alter_table("source_documents") as batch:
            batch.drop_constraint(op.f("ck_source_documents_format"), type_="check")
            batch.drop_column("url")
            batch.drop_column("format")
        with op.batch_alter_table("projects") as batch:
            batch.drop_column("strategy")
            batch.drop_column("summary")
    forget_columns(op, "projects", ["summary", "strategy"])
    forget_columns(op, "source_documents", ["format", "url"])
    describe_columns(op, "source_documents", [_raw_text(with_pages=False)])
