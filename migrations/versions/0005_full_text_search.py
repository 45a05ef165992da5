"""Full-text search index over project texts, kept in step by triggers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:30:00

``project_search`` holds one row per project: its title, problem, results text, objectives and
activities. SQLite: an FTS5 table whose rowid is the project id. PostgreSQL: a weighted
``tsvector`` (title A; problem and results B; objectives and activities C) with a GIN index,
plus the plain text the snippets are cut from. Triggers on ``projects``, ``objectives`` and
``activities`` rewrite a project's row whenever any of its texts change, so the loader (and
anything else that writes) keeps the index right without knowing it exists. The table is not
in the models: it is derived data, and migrations/env.py leaves it out of autogenerate.
It is described in the data dictionary all the same: analysts may query it directly.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import describe_table, forget

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_joined(table: str, project_id: str) -> str:
    """The texts of ``table`` for one project, in printed order, as one value."""
    return (f"(SELECT group_concat(text, ' ') FROM (SELECT text FROM {table} "
            f"WHERE project_id = {project_id} ORDER BY position))")


def _sqlite_row(project: str) -> str:
    """VALUES-free SELECT of one project's index row; ``project`` is NEW, OLD or projects."""
    return (f"SELECT {project}.id, {project}.title, {project}.problem, {project}.results_text, "
            f"{_sqlite_joined('objectives', f'{project}.id')}, "
            f"{_sqlite_joined('activities', f'{project}.id')}")


def _sqlite_upgrade() -> None:
    op.execute("""
        CREATE VIRTUAL TABLE project_search USING fts5(
            title, problem, results, objectives, activities,
            tokenize = 'porter unicode61 remove_diacritics 2')""")
    columns = "project_search (rowid, title, problem, results, objectives, activities)"
    op.execute(f"INSERT INTO {columns} {_sqlite_row('projects')} FROM projects")
    op.execute(f"""
        CREATE TRIGGER project_search_projects_insert AFTER INSERT ON projects BEGIN
            INSERT INTO {columns} {_sqlite_row('NEW')};
        END""")
    op.execute("""
        CREATE TRIGGER project_search_projects_update
        AFTER UPDATE OF id, title, problem, results_text ON projects BEGIN
            UPDATE project_search SET rowid = NEW.id, title = NEW.title, problem = NEW.problem,
                                      results = NEW.results_text
            WHERE rowid = OLD.id;
        END""")
    op.execute("""
        CREATE TRIGGER project_search_projects_delete AFTER DELETE ON projects BEGIN
            DELETE FROM project_search WHERE rowid = OLD.id;
        END""")
    for table in ("objectives", "activities"):
        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
            refresh = (f"UPDATE project_search SET {table} = "
                       f"{_sqlite_joined(table, f'{{row}}.project_id')} "
                       f"WHERE rowid = {{row}}.project_id;")
            # An item moved to another project leaves the old one as well.
            body = refresh.format(row=row) + (refresh.format(row="OLD") if event == "UPDATE" else "")
            op.execute(f"CREATE TRIGGER project_search_{table}_{event.lower()} "
                       f"AFTER {event} ON {table} BEGIN {body} END")


# --- PostgreSQL -----------------------------------------------------------------------------

_PG_REFRESH = """
CREATE FUNCTION project_search_refresh(pid integer) RETURNS void LANGUAGE sql AS $$
    DELETE FROM project_search WHERE project_id = pid;
    INSERT INTO project_search (project_id, document, body)
    SELECT p.id,
           setweight(to_tsvector('english', p.title), 'A')
           || setweight(to_tsvector('english', concat_ws(' ', p.problem, p.results_text)), 'B')
           || setweight(to_tsvector('english', concat_ws(' ', o.text, a.text)), 'C'),
           concat_ws(' ', p.problem, p.results_text, o.text, a.text)
    FROM projects p,
         LATERAL (SELECT string_agg(text, ' ' ORDER BY position) AS text
                  FROM objectives WHERE project_id = p.id) o,
         LATERAL (SELECT string_agg(text, ' ' ORDER BY position) AS text
                  FROM activities WHERE project_id = p.id) a
    WHERE p.id = pid;
$$
"""

# Rebuilding a project's row costs about a millisecond, and the loader inserts a project's
# children one statement per row: rebuilding on each would cost a dozen per summary. So a change
# only notes the project in project_search_pending (once per transaction: the row stays until
# commit), and a deferred trigger on that note rebuilds the row once, when the transaction commits.
_PG_TRIGGERS = """
CREATE FUNCTION project_search_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        EXECUTE format('INSERT INTO project_search_pending SELECT DISTINCT %I FROM new_rows '
                       'ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format('INSERT INTO project_search_pending SELECT DISTINCT %I FROM old_rows '
                       'ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION project_search_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM project_search_pending WHERE project_id = NEW.project_id;
    PERFORM project_search_refresh(NEW.project_id);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER project_search_flush AFTER INSERT ON project_search_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION project_search_flush();
"""

_PG_TRANSITIONS = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                   "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
_PG_WATCHED = {"projects": "id", "objectives": "project_id", "activities": "project_id"}


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
    op.execute("CREATE TABLE project_search_pending (project_id integer NOT NULL "
               "CONSTRAINT pk_project_search_pending PRIMARY KEY)")
    op.execute(_PG_REFRESH)
    op.execute(_PG_TRIGGERS)
    op.execute("SELECT project_search_refresh(id) FROM projects")
    for table, key in _PG_WATCHED.items():
        for event, transition in _PG_TRANSITIONS.items():
            op.execute(f"""
                CREATE TRIGGER project_search_{table}_{event.lower()} AFTER {event} ON {table}
                REFERENCING {transition}
                FOR EACH STATEMENT EXECUTE FUNCTION project_search_note('{key}')""")


_COMMENT = ("Full-text index of each project's title, problem, results, objectives and "
            "activities, kept in step by triggers; tcps search queries it. {how}")
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
    table = sa.Table("project_search", sa.MetaData(), comment=_COMMENT.format(how=how),
                     *(sa.Column(name, sa.Text, comment=text) for name, text in columns.items()))
    describe_table(op, table)
    if dialect == "postgresql":
        quoted = lambda text: "'" + text.replace("'", "''") + "'"  # noqa: E731
        op.execute(f"COMMENT ON TABLE project_search IS {quoted(table.comment)}")
        for column in table.columns:
            op.execute(f"COMMENT ON COLUMN project_search.{column.name} IS {quoted(column.comment)}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()
    _describe(dialect)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _PG_WATCHED:
            for event in _PG_TRANSITIONS:
                op.execute(f"DROP TRIGGER project_search_{table}_{event.lower()} ON {table}")
        op.execute("DROP TABLE project_search_pending")  # with its trigger
        for function in ("project_search_note()", "project_search_flush()",
                         "project_search_refresh(integer)"):
            op.execute(f"DROP FUNCTION {function}")
    else:
        triggers = op.get_bind().exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'project_search_%'")
        for (name,) in triggers.fetchall():
            op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE project_search")
    forget(op, "project_search")
