"""Summaries into rows, a batch at a time: one statement call per table for the whole batch.

``write`` takes summaries of distinct projects and writes them within the caller's savepoint
(``tcps.load.Loader`` decides what goes in a batch, and what happens when one fails). A project
is found by its ``title_key``; an equal record (same fingerprint) writes nothing; a different
one updates the project row in place (same id) and replaces all its child rows, whatever the
format of either summary (a PDF summary and the project's web page are one project). The
project keeps a link to every source it was loaded from (project_sources).

Set-based because the writer is the one process that cannot run in parallel with the others:
per summary, a dozen statement calls of one row each cost several times the rows' own
insertion, and SQLite's FTS5 index flushes its pending terms at every savepoint. Rows name
their project, source and organisation by key (title key, sha256, match key) and the
statements look the ids up, so no write waits for an id: on PostgreSQL a batch goes in one
pipeline. A large batch's new rows are the exception there (new sources, projects, links, and
every child row): COPY, with the ids looked up first. Rows go in the order the summaries were
queued, so ids are those a load one summary at a time gives.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tcps.dbapi import can_copy, copy_rows, execute_many, fetch_all, json_values, pipeline
from tcps.errors import FileError
from tcps.keys import name_key, title_key
from tcps.models import CHILD_TABLES, countries, organizations, partners, project_sources, projects, sources
from tcps.parse.countries import by_iso3
from tcps.record import Record
from tcps.rows import child_rows, project_values, source_values
from tcps.search import reindex_by_keys
from tcps.sources import SourceFile

Outcome = Literal["added", "updated", "unchanged"]
# The fewest summaries in a batch whose new rows go to PostgreSQL by COPY (see _copy_new_rows).
COPY_FROM = 20


@dataclass
class Summary:
    """A record ready to write: checked, with its project's key and its fingerprint; ``then``
    runs in the batch's savepoint after the rows (refresh writes the file's watched row)."""
    record: Record
    source: SourceFile
    key: str
    digest: str
    then: Callable[[Connection], None] | None = None


def prepare(record: Record, source: SourceFile, digest: str,
            then: Callable[[Connection], None] | None = None) -> Summary:
    """The summary to queue; FileError now for what no database would take, so that it fails
    alone and at once: no title, a country code ISO 3166-1 does not know."""
    if not record.title:
        raise FileError(source.path, "no title: cannot tell which project it is")
    unknown = [code for code in dict.fromkeys(_country_codes(record)) if _country_row(code) is None]
    if unknown:
        raise FileError(source.path, f"unknown ISO 3166-1 alpha-3 code(s): {', '.join(unknown)}")
    return Summary(record, source, title_key(record.title), digest, then)


def tune_session(conn: Connection) -> None:
    """On PostgreSQL 14+, compress the large values this session writes (source texts, search
    documents) with lz4: pglz was the server's second largest cost per summary, after the
    search rows, and the values read back the same. A server without lz4 keeps pglz."""
    if conn.dialect.name != "postgresql":
        return
    with suppress(sa.exc.DBAPIError), conn.begin():
        conn.exec_driver_sql("SET default_toast_compression = lz4")


@dataclass
class Keys:
    """Country codes and organisation keys written: their rows are never changed or deleted,
    so a Loader writes each once (it forgets what a rollback took out again)."""
    countries: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)

    def __ior__(self, other: Keys) -> Keys:
        self.countries |= other.countries
        self.organizations |= other.organizations
        return self

    def __isub__(self, other: Keys) -> Keys:
        self.countries -= other.countries
        self.organizations -= other.organizations
        return self


def write(conn: Connection, batch: list[Summary], parser_version: str,
          known: Keys) -> tuple[list[Outcome], Keys]:
    """Write ``batch`` (no title key twice) within the caller's transaction: each summary's
    outcome in order, and the keys written that ``known`` did not hold."""
    found = _existing(conn, [s.key for s in batch])
    outcomes: list[Outcome] = []
    changed: list[Summary] = []
    reread: list[dict] = []  # unchanged records whose bytes a newer parser read
    for s in batch:
        existing = found.get(s.key)
        if existing and existing.record_sha256 == s.digest:
            outcomes.append("unchanged")
            if existing.parser_version != parser_version:
                reread.append({"source_id": existing.source_id, "parser_version": parser_version})
            continue
        outcomes.append("updated" if existing else "added")
        changed.append(s)
    if reread:
        execute_many(conn, _SET_PARSER_VERSION, reread)
    new = _write_changed(conn, changed, found, parser_version, known) if changed else Keys()
    for s in batch:
        if s.then is not None:
            s.then(conn)
    return outcomes, new


def _write_changed(conn: Connection, batch: list[Summary], found: dict[str, _Stored],
                   parser_version: str, known: Keys) -> Keys:
    """Write the summaries whose records differ from what is stored, each table in one call:
    sources, countries and organisations, projects (the updated projects' child rows deleted),
    their child rows, the source links, and their search rows once their texts are written.
    On PostgreSQL in one pipeline; but a batch of many summaries has its new rows COPYed
    (``_copy_new_sources``, ``_copy_new_rows``)."""
    rows_by_table: dict[sa.Table, list[dict]] = {table: [] for table in CHILD_TABLES}
    for s in batch:
        for table, rows in child_rows(s.record, s.key).items():
            rows_by_table[table] += rows
    updated = [s for s in batch if s.key in found]
    added = [s for s in batch if s.key not in found]
    source_rows = [source_values(s.record, s.source, parser_version) for s in batch]
    new = Keys()
    if can_copy(conn) and len(batch) >= COPY_FROM:
        source_rows = _copy_new_sources(conn, source_rows)
        with pipeline(conn):
            _write_shared(conn, batch, source_rows, rows_by_table[partners], updated, known, new)
        _copy_new_rows(conn, batch, added, rows_by_table)
        with pipeline(conn):
            _link_and_index(conn, updated, batch)
    else:
        with pipeline(conn):
            _write_shared(conn, batch, source_rows, rows_by_table[partners], updated, known, new)
            if added:
                execute_many(conn, _INSERT_PROJECT,
                             [project_values(s.record, s.key, s.digest) for s in added])
            for table, rows in rows_by_table.items():
                if rows:
                    execute_many(conn, _INSERT[table], rows)
            _link_and_index(conn, batch, batch)
    return new


def _write_shared(conn: Connection, batch: list[Summary], source_rows: list[dict], partner_rows: list[dict],
                  updated: list[Summary], known: Keys, new: Keys) -> None:
    """What is written by statements either way: the sources (upserted), the countries and
    organisations not ``known`` (added to ``new``), the updated projects (their child rows
    deleted)."""
    dialect = conn.dialect.name
    if source_rows:
        execute_many(conn, _upsert_source(dialect), source_rows)
    if rows := _new_countries(batch, known, new):
        execute_many(conn, _insert_ignoring(dialect, countries, "alpha3"), rows)
    if rows := _new_organizations(partner_rows, known, new):
        execute_many(conn, _insert_ignoring(dialect, organizations, "match_key"), rows)
    if updated:
        execute_many(conn, _UPDATE_PROJECT, [project_values(s.record, s.key, s.digest) for s in updated])
        for table in reversed(CHILD_TABLES):
            execute_many(conn, _DELETE[table], [{"project_key": s.key} for s in updated])


def _link_and_index(conn: Connection, linked: list[Summary], batch: list[Summary]) -> None:
    """Link the ``linked`` projects to their sources, and rebuild the batch's search rows
    (their texts are all written): one statement pair for the batch."""
    if linked:
        execute_many(conn, _link_source(conn.dialect.name),
                     [{"project_key": s.key, "source_sha256": s.record.source.sha256} for s in linked])
    for statement in reindex_by_keys(conn.dialect.name):
        execute_many(conn, statement, [{"keys": json.dumps([s.key for s in batch])}])


# COPY, for a large batch: less work for both the writer and the server than INSERTs that look
# the ids up, the ids looked up first by a query per table named; for a few summaries, COPY's
# round trips cost more than they save. COPY has no ON CONFLICT: it takes only rows that are
# new for certain (sources whose bytes are not stored, new projects and their links).

def _copy_new_sources(conn: Connection, rows: list[dict]) -> list[dict]:
    """COPY the sources whose bytes are not stored yet; the rows of the others are returned,
    for the upsert."""
    stored = _ids(conn, sources.c.sha256, [row["sha256"] for row in rows])
    if fresh := [row for row in rows if row["sha256"] not in stored]:
        copy_rows(conn, sources, fresh)
    return [row for row in rows if row["sha256"] in stored]


def _copy_new_rows(conn: Connection, batch: list[Summary], added: list[Summary],
                   rows_by_table: dict[sa.Table, list[dict]]) -> None:
    """COPY the ``added`` projects, the child rows of the whole batch, and the added
    projects' source links (their sources written)."""
    source_ids: dict[str, int] = {}
    if added:
        source_ids = _ids(conn, sources.c.sha256, [s.record.source.sha256 for s in added])
        copy_rows(conn, projects, [_new_project_row(s, source_ids) for s in added])
    project_ids = _ids(conn, projects.c.title_key, [s.key for s in batch])
    organization_ids = _ids(conn, organizations.c.match_key,
                            list({row["organization_key"] for row in rows_by_table[partners]}))
    for table, rows in rows_by_table.items():
        for row in rows:
            row["project_id"] = project_ids[row.pop("project_key")]
            if "organization_key" in row:
                row["organization_id"] = organization_ids[row.pop("organization_key")]
        if rows:
            copy_rows(conn, table, rows)
    if added:
        copy_rows(conn, project_sources, [{"project_id": project_ids[s.key],
                                           "source_document_id": source_ids[s.record.source.sha256]}
                                          for s in added])


def _new_project_row(s: Summary, source_ids: dict[str, int]) -> dict:
    """A new project's row, its source named by id."""
    row = project_values(s.record, s.key, s.digest)
    del row["project_key"]
    row["source_document_id"] = source_ids[row.pop("source_sha256")]
    return row


class _Stored(NamedTuple):
    title_key: str
    record_sha256: str
    source_id: int
    parser_version: str


def _existing(conn: Connection, keys: list[str]) -> dict[str, _Stored]:
    """The stored projects of these title keys: their fingerprint, source and its parser."""
    rows = fetch_all(conn, _find_projects(conn.dialect.name), {"keys": json.dumps(keys)})
    return {row[0]: _Stored(*row) for row in rows}


def _ids(conn: Connection, key: sa.Column, values: list[str]) -> dict[str, int]:
    """The ids of the rows whose ``key`` column holds these values, by value."""
    return dict(fetch_all(conn, _ids_by(conn.dialect.name, key), {"keys": json.dumps(values)}))


# --- the statements (run through tcps.dbapi, which caches them by identity) ---------------

def _among_keys(dialect_name: str, column: sa.Column) -> sa.ColumnElement[bool]:
    """``column`` is one of the JSON array ``:keys``."""
    return column.in_(sa.text(json_values(dialect_name)).columns(sa.column("value")))


@lru_cache(maxsize=4)
def _find_projects(dialect_name: str) -> sa.Select:
    return (sa.select(projects.c.title_key, projects.c.record_sha256, sources.c.id, sources.c.parser_version)
            .join(sources, sources.c.id == projects.c.source_document_id)
            .where(_among_keys(dialect_name, projects.c.title_key)))


@lru_cache(maxsize=8)
def _ids_by(dialect_name: str, key: sa.Column) -> sa.Select:
    return sa.select(key, key.table.c.id).where(_among_keys(dialect_name, key))


_SET_PARSER_VERSION = (sources.update().where(sources.c.id == sa.bindparam("source_id"))
                       .values(parser_version=sa.bindparam("parser_version")))
# The id of the project whose title key is ``:project_key`` (NULL where none is), in a statement.
PROJECT_BY_KEY = (sa.select(projects.c.id)
                   .where(projects.c.title_key == sa.bindparam("project_key")).scalar_subquery())
_SOURCE_BY_SHA = (sa.select(sources.c.id)
                  .where(sources.c.sha256 == sa.bindparam("source_sha256")).scalar_subquery())
_ORGANIZATION_BY_KEY = (sa.select(organizations.c.id)
                        .where(organizations.c.match_key == sa.bindparam("organization_key"))
                        .scalar_subquery())
# inline(): no RETURNING of the looked-up primary key values.
_INSERT_PROJECT = projects.insert().inline().values(source_document_id=_SOURCE_BY_SHA)
_UPDATE_PROJECT = (projects.update().where(projects.c.title_key == sa.bindparam("project_key"))
                   .values(source_document_id=_SOURCE_BY_SHA))
_INSERT = {table: table.insert().inline().values(project_id=PROJECT_BY_KEY)
           for table in CHILD_TABLES}
_INSERT[partners] = _INSERT[partners].values(organization_id=_ORGANIZATION_BY_KEY)
_DELETE = {table: table.delete().where(table.c.project_id == PROJECT_BY_KEY)
           for table in CHILD_TABLES}


# The ON CONFLICT statements differ by dialect; each is built once per dialect, since the
# compiled-statement cache knows statements by identity.

@lru_cache(maxsize=16)
def _insert_ignoring(dialect_name: str, table: sa.Table, key: str) -> sa.Insert:
    """INSERT ... ON CONFLICT (key) DO NOTHING."""
    return _dialect_insert(dialect_name)(table).on_conflict_do_nothing(index_elements=[key])


@lru_cache(maxsize=4)
def _upsert_source(dialect_name: str) -> sa.Insert:
    """Insert a source document; where its bytes are there already, keep its path and load
    time but take what this parse says (a newer parser may read the same bytes differently)."""
    insert = _dialect_insert(dialect_name)(sources)
    return insert.on_conflict_do_update(
        index_elements=[sources.c.sha256],
        set_={c: insert.excluded[c] for c in ("url", "pages", "raw_text", "parser_version", "warnings")})


@lru_cache(maxsize=4)
def _link_source(dialect_name: str) -> sa.Insert:
    """Record that the project was loaded from the source (once: a project keeps every
    summary it was loaded from, its fields from the last)."""
    return (_dialect_insert(dialect_name)(project_sources)
            .values(project_id=PROJECT_BY_KEY, source_document_id=_SOURCE_BY_SHA)
            .on_conflict_do_nothing(index_elements=[project_sources.c.project_id,
                                                    project_sources.c.source_document_id]))


def _dialect_insert(dialect_name: str):
    """The INSERT construct with ON CONFLICT for the dialect (SQLite and PostgreSQL)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert
    from sqlalchemy.dialects import sqlite
    return sqlite.insert


def _country_codes(record: Record) -> list[str]:
    """The codes of the countries a record names (a partner or activity need not name one)."""
    return [code for code in (*record.countries, *(p.country for p in record.partners),
                              *(a.country for a in record.activities)) if code]


@lru_cache(maxsize=512)
def _country_row(code: str) -> dict | None:
    """The countries row of an ISO 3166-1 alpha-3 code; None for a code it does not know."""
    country = by_iso3(code)
    return {"alpha3": country.iso3, "alpha2": country.iso2, "name": country.name} if country else None


def _new_countries(batch: list[Summary], known: Keys, new: Keys) -> list[dict]:
    """Rows for the countries the batch names that are neither ``known`` nor in ``new`` (which
    they join), in the order named."""
    rows = []
    for s in batch:
        for code in _country_codes(s.record):
            if code not in known.countries and code not in new.countries and (row := _country_row(code)):
                new.countries.add(code)
                rows.append(row)
    return rows


def _new_organizations(partner_rows: list[dict], known: Keys, new: Keys) -> list[dict]:
    """Rows for the organisations the partner rows name that are not written yet, one per key:
    the first spelling met becomes the organisation's ``name``."""
    rows = []
    for partner in partner_rows:
        key = partner["organization_key"]
        if key not in known.organizations and key not in new.organizations:
            new.organizations.add(key)
            rows.append({"name": partner["name"], "country_alpha3": partner["country_alpha3"],
                         "name_key": name_key(partner["name"]), "match_key": key})
    return rows
