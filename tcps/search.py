"""Full-text search over the projects: titles, summaries, problems, strategies, results,
objectives and activities.

The index is the table ``project_search``, one row per project, made by migration 0005: an FTS5
table on SQLite, a ``tsvector`` column with a GIN index on PostgreSQL (summary and strategy added
by 0007). Both stem English words ("children" finds "child") and read one query grammar,
PostgreSQL's websearch syntax (OR, "phrases", -exclusion), which `parse_query` translates for
FTS5. A title match ranks highest, then the summary, problem and results, then the strategy,
objectives and activities.

Whatever writes a project rebuilds its row with ``reindex`` once it has written the child rows
(the loader runs ``reindex_by_keys``'s statements in each batch's transaction), and calls
``reindex`` for the projects it deletes: the view ``project_search_documents`` says what a row
holds, so rebuilding is a delete and an insert from it. No triggers: on the child tables they
would rebuild the row once per objective and activity.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tcps.db import require_table
from tcps.dbapi import json_values
from tcps.errors import UsageError
from tcps.output import QueryResult

# Behind the index: FTS5's "shadow" tables on SQLite, and the view of what each row holds.
_HELPER_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config", "_documents")


def is_search_index(table_name: str) -> bool:
    """Whether a table or view is the search index or one of those behind it."""
    return table_name == "project_search" or any(
        table_name == "project_search" + suffix for suffix in _HELPER_SUFFIXES)


# The index's columns, the project's id first; the view has the same columns in the same order.
_COLUMNS = {"sqlite": ("rowid", "title, summary, problem, strategy, results, objectives, activities"),
            "postgresql": ("project_id", "document, body")}


def _rebuild(dialect_name: str, ids_sql: str | None = None) -> tuple[sa.TextClause, sa.TextClause]:
    """Delete the index rows of the projects whose ids ``ids_sql`` gives (an SQL list or
    subquery; every row when None), then insert their rows from the view, which has none for
    a project deleted meanwhile."""
    key, others = _COLUMNS[dialect_name]
    delete = "DELETE FROM project_search"
    insert = f"INSERT INTO project_search ({key}, {others}) SELECT * FROM project_search_documents"
    if ids_sql:
        delete += f" WHERE {key} IN {ids_sql}"
        insert += f" WHERE project_id IN {ids_sql}"
    return sa.text(delete), sa.text(insert)


@lru_cache(maxsize=4)
def reindex_by_keys(dialect_name: str) -> tuple[sa.TextClause, sa.TextClause]:
    """The statements that rebuild the rows of the projects whose title keys are the JSON array
    ``:keys``: the loader's, one pair for a whole batch (FTS5 costs far more with a statement
    per project); built once per dialect, for its compiled-statement cache."""
    keys = json_values(dialect_name)
    return _rebuild(dialect_name, f"(SELECT id FROM projects WHERE title_key IN ({keys}))")


def reindex(conn: Connection, project_ids: Collection[int] | None = None) -> None:
    """Bring the index rows of these projects (of all, when None) in step with the tables:
    for rows written, or projects deleted, other than by the loader."""
    statements: tuple[sa.TextClause, ...]
    if project_ids is None:
        statements = _rebuild(conn.dialect.name)
    elif project_ids:
        ids: sa.BindParameter[list[int]] = sa.bindparam("ids", list(project_ids), expanding=True)
        statements = tuple(s.bindparams(ids) for s in _rebuild(conn.dialect.name, ":ids"))
    else:
        return
    for statement in statements:
        conn.execute(statement)


# Marks around the matched words in a snippet: the same on both databases, plain text.
MARK = "**"

_SQLITE_SEARCH = sa.text(f"""
SELECT p.id AS project_id, p.title,
       snippet(project_search, -1, '{MARK}', '{MARK}', '…', 24) AS snippet
FROM project_search JOIN projects p ON p.id = project_search.rowid
WHERE project_search MATCH :match
ORDER BY bm25(project_search, 10.0, 4.0, 4.0, 2.0, 4.0, 2.0, 1.0), p.id
LIMIT coalesce(:limit, -1)
""")

_POSTGRESQL_SEARCH = sa.text(f"""
SELECT p.id AS project_id, p.title,
       ts_headline('english', s.body, q, 'StartSel={MARK}, StopSel={MARK}, MaxWords=24, MinWords=10,
                   MaxFragments=1, FragmentDelimiter=…') AS snippet
FROM project_search s
JOIN projects p ON p.id = s.project_id,
     websearch_to_tsquery('english', :words) q
WHERE s.document @@ q
ORDER BY ts_rank_cd(s.document, q) DESC, p.id
LIMIT :limit
""")


# --- the query grammar: PostgreSQL's websearch_to_tsquery, also for FTS5 ----------------------

# A quoted phrase (its closing quote may be missing), else a run of anything but space or quote;
# either may be excluded by a leading '-'.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')


@dataclass
class _Group:
    """Phrases that must all be there and phrases that must not; a query is groups joined by OR."""

    wanted: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def parse_query(words: str) -> list[_Group]:
    """``words`` read as websearch_to_tsquery reads them: words and "quoted phrases" must all be
    there, -word or -"phrase" must not, OR between two of them gives either (OR binds loosest:
    ``cocoa mining OR fishing`` is (cocoa and mining) or fishing). Terms without a letter or digit
    are left out, as PostgreSQL leaves them out. UsageError for a group that only excludes, which
    FTS5 cannot express."""
    groups = [_Group()]
    for minus, phrase, word in _TOKEN.findall(words):
        text = phrase if phrase or word == "" else word
        if not minus and not phrase and text.lower() == "or":
            if groups[-1].wanted or groups[-1].excluded:
                groups.append(_Group())
            continue
        if re.search(r"\w", text):
            (groups[-1].excluded if minus else groups[-1].wanted).append(" ".join(text.split()))
    groups = [g for g in groups if g.wanted or g.excluded]
    if any(not g.wanted for g in groups):
        raise UsageError(f"{words!r}: a -word leaves out what the words beside it find; "
                         "give a word to look for with it")
    return groups


def _fts5(groups: list[_Group]) -> str:
    """The groups as an FTS5 query, each phrase quoted so that nothing in it is FTS5 syntax."""
    def quoted(phrase: str) -> str:
        return '"' + phrase.replace('"', '""') + '"'

    return " OR ".join(
        "(" + " AND ".join(map(quoted, g.wanted)) + ")" + "".join(f" NOT {quoted(x)}" for x in g.excluded)
        for g in groups)


def _websearch(groups: list[_Group]) -> str:
    """The groups as websearch_to_tsquery text: the same query PostgreSQL parses for itself."""
    return " or ".join(" ".join([*(f'"{w}"' for w in g.wanted), *(f'-"{x}"' for x in g.excluded)])
                       for g in groups)


def search_projects(conn: Connection, words: str, limit: int | None = 20) -> QueryResult:
    """The projects whose text matches ``words`` (see `parse_query`), best match first, at most
    ``limit`` (None: all); ConfigError when the database has no index yet."""
    require_table(conn, "project_search")
    groups = parse_query(words)
    if not groups:
        return QueryResult(["project_id", "title", "snippet"], [], MARK)
    if conn.dialect.name == "postgresql":
        result = conn.execute(_POSTGRESQL_SEARCH, {"words": _websearch(groups), "limit": limit})
    else:
        result = conn.execute(_SQLITE_SEARCH, {"match": _fts5(groups), "limit": limit})
    rows = [tuple(row) for row in result]
    return QueryResult(list(result.keys()), rows, MARK)
