"""Records into rows: each summary whole or not at all, upserted by the spec's "same project" rule.

``Loader.load`` writes one record in its own savepoint and says whether it ``added``,
``updated`` or left ``unchanged`` a project: a project is found by its ``title_key``; an equal
record (same fingerprint) writes nothing; a different one updates the project row in place
(same id) and replaces all its child rows, whatever the format of either summary (a PDF summary
and the project's web page are one project). The project keeps a link to every source it was
loaded from (project_sources). A failure rolls the whole summary back.

Hot path: one lookup, then a handful of writes per summary (one ``executemany`` per child
table), compiled by SQLAlchemy once and run on the DBAPI cursor (``tcps.dbapi``).
Rows name their project, source and organisation by key and the statements look the ids up,
so no write waits for an id: PostgreSQL gets all of a summary's writes in one round trip.
Countries and organisations written once are remembered by the Loader and not written again
(their rows are never changed or deleted); what a savepoint wrote is forgotten when it, or its
batch, is rolled back.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tcps import PARSER_VERSION
from tcps.db import analyze
from tcps.dbapi import execute_many, fetch_one, pipeline, savepoint
from tcps.errors import DatabaseFailed, FileError, failure_reason, one_line, stops_the_run
from tcps.keys import name_key, organization_key, title_key
from tcps.lock import writer_lock
from tcps.models import (CHILD_TABLES, countries, organizations, partners, project_sources, projects, sources)
from tcps.parse.countries import by_iso3
from tcps.record import Record
from tcps.rows import child_rows, project_values, source_values
from tcps.search import reindex_by_key
from tcps.sources import DEFAULT_MAX_SIZE, SUMMARY_SUFFIXES, SourceFile, summary_files
from tcps.workers import parse_in_order

Outcome = Literal["added", "updated", "unchanged"]
# Summaries `tcps load` commits together (see Loader).
BATCH = 200


@dataclass
class _Keys:
    """Country codes and organisation keys written."""
    countries: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)

    def __ior__(self, other: _Keys) -> _Keys:
        self.countries |= other.countries
        self.organizations |= other.organizations
        return self


@dataclass
class _Known:
    """The countries and organisations known to be in the database (``committed``), written by
    the open batch (``batch``) and by the summary being written (``pending``): what a rollback
    takes out again is forgotten with it."""
    committed: _Keys = field(default_factory=_Keys)
    batch: _Keys = field(default_factory=_Keys)
    pending: _Keys = field(default_factory=_Keys)

    def has_country(self, code: str) -> bool:
        return any(code in keys.countries for keys in (self.committed, self.batch, self.pending))

    def has_organization(self, key: str) -> bool:
        return any(key in keys.organizations for keys in (self.committed, self.batch, self.pending))

    def release(self) -> None:
        """The summary's savepoint was released: its keys stand or fall with the batch."""
        self.batch |= self.pending
        self.pending = _Keys()

    def rollback(self) -> None:
        """The summary was rolled back."""
        self.pending = _Keys()

    def commit(self) -> None:
        self.committed |= self.batch
        self.batch = _Keys()

    def rollback_batch(self) -> None:
        self.batch = _Keys()
        self.pending = _Keys()


class Loader:
    """Loads records into a database whose schema is at head, each in its own savepoint.

    Holds one connection for its lifetime (a pool checkout per summary costs about as much as
    the summary's own inserts). Summaries are committed ``batch`` at a time, each inside a
    SAVEPOINT of the batch's transaction: a summary that fails is rolled back alone and the
    others load, and a commit is paid once per batch (per summary it was a quarter of the
    writer's time). Use it as a context manager, or call ``close``: what is loaded is committed
    when the batch is full, on ``commit`` and on ``close``."""

    def __init__(self, engine: Engine, parser_version: str = PARSER_VERSION, batch: int = 1):
        self.parser_version = parser_version
        self._conn = engine.connect()
        self._known = _Known()
        self._batch = batch
        self._in_batch = 0

    def load(self, record: Record, source: SourceFile,
             then: Callable[[Connection], None] | None = None) -> Outcome:
        """Write one record in its own savepoint; ``then(conn)`` runs in it after the record,
        so what it writes (refresh: the file's watched row) commits with the record."""
        if not self._conn.in_transaction():
            self._conn.begin()
        try:
            with savepoint(self._conn):
                outcome = load_record(self._conn, record, source, self.parser_version, self._known)
                if then is not None:
                    then(self._conn)
        except BaseException:
            self._known.rollback()
            self._end_batch()
            raise
        self._known.release()
        self._in_batch += 1
        if self._in_batch >= self._batch:
            self.commit()
        return outcome

    def commit(self) -> None:
        """Commit the summaries loaded since the last commit."""
        transaction = self._conn.get_transaction()
        self._in_batch = 0
        if transaction is None:
            return
        try:
            transaction.commit()
        except BaseException:
            self._known.rollback_batch()
            raise
        self._known.commit()

    def _end_batch(self) -> None:
        """After a failed summary: commit what loaded before it, so that the caller may record
        the failure on another connection. Where the database ended the transaction itself
        (SQLite does on a full disk), that batch is gone: roll back, the summary's error stands."""
        try:
            self.commit()
        except Exception:
            with suppress(Exception):
                self._conn.rollback()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._conn.close()

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fingerprint(record: Record) -> str:
    """SHA-256 of the record's canonical JSON: equal records, equal fingerprints.

    Serialised through each dataclass's ``__dict__``: ``to_dict`` would deep-copy every list."""
    canonical = json.dumps(record, default=vars, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_record(conn: Connection, record: Record, source: SourceFile,
                parser_version: str = PARSER_VERSION, known: _Known | None = None) -> Outcome:
    """Write ``record`` within the caller's transaction; see the module docstring.

    Rows name their project, source and organisation by key (title key, sha256, name key)
    and the statements look the ids up, so no write waits for an id to come back: on
    PostgreSQL all of a summary's writes go in one round trip."""
    known = _Known() if known is None else known
    if not record.title:
        raise FileError(source.path, "no title: cannot tell which project it is")
    key = title_key(record.title)
    digest = fingerprint(record)
    existing = fetch_one(conn, _FIND_PROJECT, {"title_key": key})
    if existing and existing[1] == digest:
        if existing[3] != parser_version:  # re-read by a newer parser, same result
            conn.execute(sources.update().where(sources.c.id == existing[2])
                         .values(parser_version=parser_version))
        return "unchanged"

    new_countries = _new_countries(record, known, source.path)
    new_organizations = _new_organizations(record, known)
    with pipeline(conn):
        execute_many(conn, _upsert_source(conn.dialect.name),
                      [source_values(record, source, parser_version)])
        if new_countries:
            execute_many(conn, _insert_ignoring(conn.dialect.name, countries, "alpha3"),
                          new_countries)
        if new_organizations:
            execute_many(conn, _insert_ignoring(conn.dialect.name, organizations, "match_key"),
                          new_organizations)
        values = project_values(record, key, digest)
        if existing:
            execute_many(conn, _UPDATE_PROJECT, [values])
            for table in reversed(CHILD_TABLES):
                execute_many(conn, _DELETE[table], [{"project_key": key}])
        else:
            execute_many(conn, _INSERT_PROJECT, [values])
        for table, rows in child_rows(record, key).items():
            if rows:
                execute_many(conn, _INSERT[table], rows)
        execute_many(conn, _link_source(conn.dialect.name),
                     [{"project_key": key, "source_sha256": record.source.sha256}])
        for statement in reindex_by_key(conn.dialect.name):  # once its texts are all written
            execute_many(conn, statement, [{"project_key": key}])
    return "updated" if existing else "added"


# --- the statements (run through tcps.dbapi, which caches them by identity) ---------------

_FIND_PROJECT = (
    sa.select(projects.c.id, projects.c.record_sha256, sources.c.id, sources.c.parser_version)
    .join(sources, sources.c.id == projects.c.source_document_id)
    .where(projects.c.title_key == sa.bindparam("title_key")))
_PROJECT_BY_KEY = (sa.select(projects.c.id)
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
_INSERT = {table: table.insert().inline().values(project_id=_PROJECT_BY_KEY)
           for table in CHILD_TABLES}
_INSERT[partners] = _INSERT[partners].values(organization_id=_ORGANIZATION_BY_KEY)
_DELETE = {table: table.delete().where(table.c.project_id == _PROJECT_BY_KEY)
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
            .values(project_id=_PROJECT_BY_KEY, source_document_id=_SOURCE_BY_SHA)
            .on_conflict_do_nothing(index_elements=[project_sources.c.project_id,
                                                    project_sources.c.source_document_id]))


def _dialect_insert(dialect_name: str):
    """The INSERT construct with ON CONFLICT for the dialect (SQLite and PostgreSQL)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert
    from sqlalchemy.dialects import sqlite
    return sqlite.insert


def _new_countries(record: Record, known: _Known, path: str) -> list[dict]:
    """Rows for the countries the record names that this loader has not written yet."""
    codes = [*record.countries, *(p.country for p in record.partners),
             *(a.country for a in record.activities)]
    new = [c for c in dict.fromkeys(codes)
           if c and not known.has_country(c)]
    found = {code: by_iso3(code) for code in new}
    unknown = [code for code, country in found.items() if country is None]
    if unknown:
        raise FileError(path, f"unknown ISO 3166-1 alpha-3 code(s): {', '.join(unknown)}")
    known.pending.countries.update(new)
    return [{"alpha3": c.iso3, "alpha2": c.iso2, "name": c.name} for c in found.values() if c]


def _new_organizations(record: Record, known: _Known) -> list[dict]:
    """Rows for the organisations not written yet, one per key: the first spelling met
    becomes the organisation's ``name`` (and PostgreSQL refuses one statement touching the
    same key twice)."""
    listings = ([(record.grantee, None)] if record.grantee else []) + \
        [(p.name, p.country) for p in record.partners]
    new: dict[str, dict] = {}
    for name, country in listings:
        key = organization_key(name, country)
        if key not in new and not known.has_organization(key):
            new[key] = {"name": name, "country_alpha3": country, "name_key": name_key(name),
                        "match_key": key}
    known.pending.organizations.update(new)
    return list(new.values())


def find_project_id(conn: Connection, title: str) -> int | None:
    """The id of the project a summary titled ``title`` belongs to, if loaded."""
    return conn.execute(sa.select(project_id_of(title))).scalar()


def project_id_of(title: str) -> sa.ScalarSelect:
    """SQL for the id of the project titled ``title`` (NULL when none is), to use in a statement."""
    return sa.select(projects.c.id).where(projects.c.title_key == title_key(title)).scalar_subquery()


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[FileError] = field(default_factory=list)

    def summary(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"unchanged {len(self.unchanged)}, failed {len(self.failed)}")


_NONE_FOUND = "no summary here (" + ", ".join(f"*{s}" for s in sorted(SUMMARY_SUFFIXES)) + ")"


def load_paths(engine: Engine, paths: Iterable[str | Path], jobs: int | None = None, *,
               max_size: int = DEFAULT_MAX_SIZE, wait: float = 0) -> LoadReport:
    """Bring the schema to head, then parse and load every summary under ``paths``; a bad one
    (or a folder that cannot be read) is reported, not fatal.

    Holds the writer lock of ``tcps.lock`` throughout, as a refresh does: LockHeld when another
    writer keeps it longer than ``wait`` seconds. ConfigError when the schema is not one our
    migrations know; DatabaseFailed when the database stops working (no one file's fault).
    Parsing runs in ``jobs`` worker processes (default: one per CPU) while this process
    writes, in file order, committing ``BATCH`` summaries at a time; then the database's
    statistics are brought up to date for the analysts' queries."""
    with writer_lock(engine, wait):  # which brings the schema to head
        files, failed = _summaries(paths)
        report = LoadReport(failed=failed)
        with Loader(engine, batch=BATCH) as loader:
            for path, parsed in parse_in_order(files, jobs or os.cpu_count() or 1, max_size):
                if isinstance(parsed, str):
                    report.failed.append(FileError(path, parsed))
                    continue
                try:
                    outcome = loader.load(*parsed)
                except Exception as e:  # refused by the database, or a bug: the others still load
                    if stops_the_run(e):
                        raise DatabaseFailed(f"load stopped, the database failed: {one_line(e)}") from e
                    report.failed.append(FileError(path, failure_reason(e)))
                    continue
                getattr(report, outcome).append(parsed[1].path)
        if report.added or report.updated:
            analyze(engine)
    return report


def _summaries(paths: Iterable[str | Path]) -> tuple[list[str], list[FileError]]:
    """The summaries under ``paths``, and what fails before any is read: a folder that cannot
    be read, and a path with no summary under it (a mistake in the command, not a success)."""
    files: list[str] = []
    failed: list[FileError] = []
    for path in paths:
        listing = summary_files([path])
        failed += listing.unreadable
        if not listing.files and not listing.unreadable:
            failed.append(FileError(path, _NONE_FOUND))
        files += listing.files
    return files, failed
