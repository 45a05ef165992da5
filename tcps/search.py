"""Full-text search over the projects: titles, problems, results, objectives and activities.

The index is the table ``project_search``, one row per project, made by migration 0005 and kept
in step by triggers on ``projects``, ``objectives`` and ``activities`` (so the loader needs to
know nothing about it): an FTS5 table on SQLite, a ``tsvector`` column with a GIN index on
PostgreSQL. Both stem English words ("children" finds "child") and ask for every word given.
A title match ranks highest, then the problem and results, then objectives and activities.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tcps.query import QueryResult

# Behind the index: FTS5's "shadow" tables on SQLite; on PostgreSQL the projects whose row is
# rebuilt when the transaction commits (see migration 0005).
_HELPER_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config", "_pending")


def is_search_index(table_name: str) -> bool:
    """Whether a table is the search index or one of the tables behind it."""
    return table_name == "project_search" or any(
        table_name == "project_search" + suffix for suffix in _HELPER_SUFFIXES)


# Marks around the matched words in a snippet: the same on both databases, plain text.
MARK = "**"

_SQLITE_SEARCH = sa.text(f"""
SELECT p.id AS project_id, p.title,
       snippet(project_search, -1, '{MARK}', '{MARK}', '…', 24) AS snippet
FROM project_search JOIN projects p ON p.id = project_search.rowid
WHERE project_search MATCH :match
ORDER BY bm25(project_search, 10.0, 4.0, 4.0, 2.0, 1.0), p.id
LIMIT :limit
""")

_POSTGRESQL_SEARCH = sa.text(f"""
SELECT p.id AS project_id, p.title,
       ts_headline('english', s.body, q, 'StartSel={MARK}, StopSel={MARK}, MaxWords=24, MinWords=10,
                   MaxFragments=1, FragmentDelimiter=…') AS snippet
FROM project_search s
JOIN projects p ON p.id = s.project_id,
     plainto_tsquery('english', :words) q
WHERE s.document @@ q
ORDER BY ts_rank_cd(s.document, q) DESC, p.id
LIMIT :limit
""")


def search_projects(conn: Connection, words: str, limit: int = 20) -> QueryResult:
    """The projects whose text holds every word of ``words``, best match first."""
    terms = re.findall(r"\w+", words)
    if not terms:
        return QueryResult(["project_id", "title", "snippet"], [], 0)
    if conn.dialect.name == "postgresql":
        result = conn.execute(_POSTGRESQL_SEARCH, {"words": " ".join(terms), "limit": limit})
    else:
        # Each word quoted: FTS5 would read AND, OR, NEAR, * or a colon as query syntax.
        match = " ".join(f'"{term}"' for term in terms)
        result = conn.execute(_SQLITE_SEARCH, {"match": match, "limit": limit})
    rows = [tuple(row) for row in result]
    return QueryResult(list(result.keys()), rows, len(rows))
