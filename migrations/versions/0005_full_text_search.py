"""Full-text search index over project texts, rebuilt once per project write by its writer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:30:00

``project_search`` holds one row per project: its title, problem, results text, objectives and
activities. SQLite: an FTS5 table whose rowid is the project id. PostgreSQL: a weighted
``tsvector`` (title A; problem and results B; objectives and activities C) with a GIN index,
plus the plain text the snippets are cut from. The view ``project_search_documents`` says what
each project's row holds; ``tcps.search.reindex`` copies a project's row from it. The loader does
so once per summary, after writing its child rows: triggers on the child tables would rebuild
the row once per objective and activity (2.4x the load time on SQLite). A deleted project's row
goes with it: by foreign key on PostgreSQL, by ``reindex`` on SQLite (an FTS5 table has no
foreign keys). The table and view are not in the models: they are derived data, and
migrations/env.py leaves them out of autogenerate. The table is described in the data
dictionary all the same: analysts may query it directly.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import comment_natively, describe_table, forget

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _joined(dialect: str, table: str) -> str:
    """The texts of ``table`` for the project ``p``, in printed order, as one value."""
    if dialect == "postgresql":
        return (f"(SELECT string_agg(text, ' ' ORDER BY position) FROM {table} "
                f"WHERE project_id = p.id)")
    return (f"(SELECT group_concat(text, ' ') FROM (SELECT text FROM {table} "
            f"WHERE project_id = p.id ORDER BY position))")


def _sqlite_upgrade() -> None:
    op.execute("""
        CREATE VIRTUAL TABLE project_search USING fts5(
            title, problem, results, objectives, activities,
            tokenize = 'porter unicode61 remove_diacritics 2')""")
    op.execute(f"""
        CREATE VIEW project_search_documents AS
        SELECT p.id AS project_id, p.title, p.problem, p.results_text AS results,
               {_joined('sqlite', 'objectives')} AS objectives,
               {_joined('sqlite', 'activities')} AS activities
        FROM projects p""")
    op.execute("INSERT INTO project_search (rowid, title, problem, results, objectives, activities) "
               "SELECT * FROM project_search_documents")


def _postgresql_upgrade() -> None:
    op.execute("""
        CREATE TABLE project_search (
            project_id integer NOT NULL
                CONSTRAINT pk_project_search PRIMARY KEY
                CONSTRAINT fk_project_search_project_id_projects
                REFERENCES projects (id) ON DELETE CASCADE,
            document tsvector NOT NULL,
            body text NOT NULL
        )""")
    op.execute("CREATE INDEX ix_project_search_document ON project_search USING gin (document)")
    op.execute(f"""
        CREATE VIEW project_search_documents AS
        SELECT p.id AS project_id,
               setweight(to_tsvector('english', p.title), 'A')
               || setweight(to_tsvector('english', concat_ws(' ', p.problem, p.results_text)), 'B')
               || setweight(to_tsvector('english', concat_ws(' ', o.text, a.text)), 'C')
               AS document,
               concat_ws(' ', p.problem, p.results_text, o.text, a.text) AS body
        FROM projects p,
             LATERAL {_joined('postgresql', 'objectives')} o (text),
             LATERAL {_joined('postgresql', 'activities')} a (text)""")
    op.execute("INSERT INTO project_search SELECT * FROM project_search_documents")


_COMMENT = ("Full-text index of each project's title, problem, results, objectives and "
            "activities, rebuilt whenever tcps writes the project; tcps search queries it. {how}")
_SQLITE_COLUMNS = {
    "title": "The project title (projects.title).",
    "problem": "Its problem text (projects.problem).",
    "results": "Its results or targets text (projects.results_text).",
    "objectives": "Its objectives' texts (objectives.text), in printed order.",
    "activities": "Its activities' texts (activities.text), in printed order.",
}
_POSTGRESQL_COLUMNS = {
    "project_id": "The project (projects.id).",
    "document": "The project's words, English-stemmed and weighted: title A, problem and "
                "results B, objectives and activities C.",
    "body": "Problem, results, objectives and activities as one text, for snippets.",
}


def _describe(dialect: str) -> None:
    """The index's entry in the data dictionary (and native comments on PostgreSQL)."""
    if dialect == "postgresql":
        how = ("Query: WHERE document @@ websearch_to_tsquery('english', 'child labour'), "
               "ranked by ts_rank_cd(document, query).")
        columns = _POSTGRESQL_COLUMNS
    else:
        how = ("An FTS5 table whose rowid is the project id. Query: WHERE project_search MATCH "
               "'child labour' ORDER BY rank.")
        columns = _SQLITE_COLUMNS
    table = sa.Table("project_search", sa.MetaData(),
                     *(sa.Column(name, sa.Text, comment=text) for name, text in columns.items()),
                     comment=_COMMENT.format(how=how))
    describe_table(op, table)
    comment_natively(op, table)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()
    _describe(dialect)


def downgrade() -> None:
    op.execute("DROP VIEW project_search_documents")
    op.execute("DROP TABLE project_search")
    forget(op, "project_search")
