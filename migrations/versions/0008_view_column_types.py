"""The types of the views' columns, and the search index's view, in the data dictionary.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:00:00

SQLite reports no type for a view column it computes (a sum, a joined list), so ``tcps schema``
showed '-' for most of project_overview. ``data_dictionary`` gains ``type``: the type a view's
column has, as the migration that makes the view declares it (PostgreSQL reports the same types
itself). The views so far get theirs here, and ``project_search_documents``, the view that says
what the search index holds, is described like every other view.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import describe_columns, describe_view, forget, forget_columns, set_types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _type_column() -> sa.Column:
    return sa.Column("type", sa.Text(), nullable=True,
                     comment="A view column's type, which SQLite cannot report for a computed "
                             "column; NULL for tables, whose types the database reports.")


_OVERVIEW_TYPES = {
    "project_id": "INTEGER", "title": "TEXT", "status": "VARCHAR(9)", "region": "TEXT",
    "countries": "TEXT", "country_names": "TEXT", "start_date": "VARCHAR(10)",
    "end_date": "VARCHAR(10)", "funding_usd": "BIGINT", "matching_usd": "BIGINT",
    "withdrawn": "BIGINT", "prevented": "BIGINT", "withdrawn_or_prevented": "BIGINT",
    "grantee": "TEXT", "source_path": "TEXT",
}
_FUNDING_BY_YEAR_TYPES = {
    "project_id": "INTEGER", "title": "TEXT", "fiscal_year": "INTEGER", "fiscal_years": "TEXT",
    "award_usd": "BIGINT", "matching_usd": "BIGINT",
}


def _describe_search_view() -> None:
    """What each row of the index holds, as the index's columns (0007) say it."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        columns = {"project_id": ("INTEGER", "The project (projects.id)."),
                   "document": ("TSVECTOR", "Its words, English-stemmed and weighted: title A; "
                                            "summary, problem and results B; strategy, objectives "
                                            "and activities C."),
                   "body": ("TEXT", "Summary, problem, strategy, results, objectives and "
                                    "activities as one text, for snippets.")}
    else:
        columns = {"project_id": ("INTEGER", "The project (projects.id); the index's rowid."),
                   "title": ("TEXT", "The project title (projects.title)."),
                   "summary": ("TEXT", "Its web page's overview (projects.summary)."),
                   "problem": ("TEXT", "Its problem text (projects.problem)."),
                   "strategy": ("TEXT", "Its web page's strategy prose (projects.strategy)."),
                   "results": ("TEXT", "Its results or targets text (projects.results_text)."),
                   "objectives": ("TEXT", "Its objectives' texts, in printed order."),
                   "activities": ("TEXT", "Its activities' texts, in printed order.")}
    describe_view(op, "project_search_documents",
                  "What the search index (project_search) holds for each project, one row per "
                  "project: the index is rebuilt from this view whenever tcps writes a project.",
                  {name: text for name, (_, text) in columns.items()},
                  {name: type_name for name, (type_name, _) in columns.items()})


def upgrade() -> None:
    with op.batch_alter_table("data_dictionary") as batch:
        batch.add_column(_type_column())
    describe_columns(op, "data_dictionary", [_type_column()])
    set_types(op, "project_overview", _OVERVIEW_TYPES)
    set_types(op, "project_funding_by_year", _FUNDING_BY_YEAR_TYPES)
    _describe_search_view()


def downgrade() -> None:
    forget(op, "project_search_documents")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("COMMENT ON VIEW project_search_documents IS NULL")
    forget_columns(op, "data_dictionary", ["type"])
    with op.batch_alter_table("data_dictionary") as batch:
        batch.drop_column("type")
