"""Records into rows: one transaction per summary, upserted by the spec's "same project" rule.

``Loader.load`` writes one record in its own transaction and says whether it ``added``,
``updated`` or left ``unchanged`` a project: a project is found by its ``title_key``; an equal
record (same fingerprint) writes nothing; a different one updates the project row in place
(same id) and replaces all its child rows. A failure rolls the whole summary back.

Hot path: SQLAlchemy Core only, one ``executemany`` per child table. Countries and
organisations are looked up once per Loader and cached (their rows are never changed or
deleted once committed); entries made inside a transaction reach the cache only after commit.

``record_from_db`` rebuilds the record of a project: the round-trip tests compare it with the
parser's record, which proves the tables hold everything the record says.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tcps import PARSER_VERSION
from tcps.errors import TcpsError
from tcps.keys import name_key, title_key
from tcps.parse.countries import by_iso3
from tcps.models import (PROJECT_CHILDREN, Activity, Country, Funding, FundingFiscalYear,
                         Objective, Organization, Partner, Project, ProjectCountry, Result,
                         SourceDocument)
from tcps.record import (Activity as RecActivity, Contact, Funding as RecFunding, Metric,
                         Objective as RecObjective, Partner as RecPartner, Record, Source)

Outcome = Literal["added", "updated", "unchanged"]

projects = Project.__table__
sources = SourceDocument.__table__
countries = Country.__table__
organizations = Organization.__table__
partners = Partner.__table__
funding = Funding.__table__
fiscal_years = FundingFiscalYear.__table__
CHILD_TABLES = [m.__table__ for m in PROJECT_CHILDREN]
SUMMARY_SUFFIXES = {".txt", ".pdf"}


@dataclass
class SourceFile:
    """The file a record was parsed from: stored in source_documents beside the rows."""
    path: str
    data: bytes
    text: str | None  # the text the parser read; None where no text form is kept (PDF)


@dataclass
class _Known:
    """Ids already in the database; ``pending`` holds this transaction's until it commits."""
    countries: set[str] = field(default_factory=set)
    organizations: dict[str, int] = field(default_factory=dict)
    pending_countries: set[str] = field(default_factory=set)
    pending_organizations: dict[str, int] = field(default_factory=dict)

    def commit(self) -> None:
        self.countries |= self.pending_countries
        self.organizations |= self.pending_organizations
        self.rollback()

    def rollback(self) -> None:
        self.pending_countries = set()
        self.pending_organizations = {}


class Loader:
    """Loads records into a database whose schema is at head, one transaction each.

    Holds one connection for its lifetime (a pool checkout per summary costs about as much as
    the summary's own inserts): use it as a context manager, or call ``close``."""

    def __init__(self, engine: Engine, parser_version: str = PARSER_VERSION):
        self.parser_version = parser_version
        self._conn = engine.connect()
        self._known = _Known()

    def load(self, record: Record, source: SourceFile) -> Outcome:
        try:
            with self._conn.begin():
                outcome = load_record(self._conn, record, source, self.parser_version, self._known)
        except BaseException:
            self._known.rollback()
            raise
        self._known.commit()
        return outcome

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fingerprint(record: Record) -> str:
    """SHA-256 of the record's canonical JSON: equal records, equal fingerprints.

    Serialised through each dataclass's ``__dict__`` (``to_dict`` deep-copies: 20x slower)."""
    canonical = json.dumps(record, default=vars, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_record(conn: Connection, record: Record, source: SourceFile,
                parser_version: str = PARSER_VERSION, known: _Known | None = None) -> Outcome:
    """Write ``record`` within the caller's transaction; see the module docstring."""
    known = _Known() if known is None else known
    if not record.title:
        raise TcpsError(source.path, "no title: cannot tell which project it is")
    key = title_key(record.title)
    digest = fingerprint(record)
    existing = conn.execute(
        sa.select(projects.c.id, projects.c.record_sha256, sources.c.id, sources.c.parser_version)
        .join(sources, sources.c.id == projects.c.source_document_id)
        .where(projects.c.title_key == key)).first()
    if existing and existing[1] == digest:
        if existing[3] != parser_version:  # re-read by a newer parser, same result
            conn.execute(sources.update().where(sources.c.id == existing[2])
                         .values(parser_version=parser_version))
        return "unchanged"

    source_id = _source_document_id(conn, record, source, parser_version)
    _ensure_countries(conn, _country_codes(record), known, source.path)
    org_ids = _organization_ids(conn, _organization_names(record), known)
    values = _project_values(record, key, digest, source_id)
    if existing:
        project_id = existing[0]
        conn.execute(projects.update().where(projects.c.id == project_id).values(values))
        for table in reversed(CHILD_TABLES):
            conn.execute(table.delete().where(table.c.project_id == project_id))
    else:
        project_id = conn.execute(projects.insert().returning(projects.c.id), values).scalar_one()
    for table, rows in _child_rows(record, project_id, org_ids).items():
        if rows:
            conn.execute(table.insert(), rows)
    return "updated" if existing else "added"


def _insert_ignoring_duplicates(conn: Connection, table: sa.Table, key: str):
    """INSERT ... ON CONFLICT (key) DO NOTHING, in the dialect at hand."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=[key])


def _source_document_id(conn: Connection, record: Record, source: SourceFile,
                        parser_version: str) -> int:
    """The id of the source document, inserting it unless these bytes were loaded before."""
    inserted = conn.execute(_insert_ignoring_duplicates(conn, sources, "sha256").returning(sources.c.id), {
        "path": source.path,
        "sha256": record.source.sha256,
        "size_bytes": len(source.data),
        "pages": record.source.pages,
        "raw_text": source.text,
        "parser_version": parser_version,
        "warnings": json.dumps(record.warnings, ensure_ascii=False),
        "loaded_at": datetime.now(timezone.utc),
    }).scalar()
    if inserted is not None:
        return inserted
    return conn.execute(sa.select(sources.c.id)
                        .where(sources.c.sha256 == record.source.sha256)).scalar_one()


def _country_codes(record: Record) -> list[str]:
    codes = [*record.countries, *(p.country for p in record.partners),
             *(a.country for a in record.activities)]
    return list(dict.fromkeys(c for c in codes if c))


def _ensure_countries(conn: Connection, codes: list[str], known: _Known, path: str) -> None:
    missing = [c for c in codes if c not in known.countries and c not in known.pending_countries]
    if not missing:
        return
    found = {code: by_iso3(code) for code in missing}
    unknown = [code for code, country in found.items() if country is None]
    if unknown:
        raise TcpsError(path, f"unknown ISO 3166-1 alpha-3 code(s): {', '.join(unknown)}")
    conn.execute(_insert_ignoring_duplicates(conn, countries, "alpha3"),
                 [{"alpha3": c.iso3, "alpha2": c.iso2, "name": c.name} for c in found.values()])
    known.pending_countries.update(missing)


def _organization_names(record: Record) -> list[str]:
    return ([record.grantee] if record.grantee else []) + [p.name for p in record.partners]


def _organization_ids(conn: Connection, names: list[str], known: _Known) -> dict[str, int]:
    """Key -> organizations.id for every name, inserting the organisations not seen before.

    The first spelling met becomes the organisation's ``name``. Keys are deduplicated before
    the insert: PostgreSQL refuses one statement touching the same key twice."""
    first_spelling = {}
    for name in names:
        first_spelling.setdefault(name_key(name), name)
    ids = {}
    for key in first_spelling:
        cached = known.organizations.get(key) or known.pending_organizations.get(key)
        if cached is not None:
            ids[key] = cached
    missing = [k for k in first_spelling if k not in ids]
    if missing:
        insert = _insert_ignoring_duplicates(conn, organizations, "name_key").returning(
            organizations.c.name_key, organizations.c.id)
        found = dict(conn.execute(insert, [{"name": first_spelling[k], "name_key": k}
                                           for k in missing]).all())
        taken = [k for k in missing if k not in found]  # by another loader meanwhile
        if taken:
            found.update(conn.execute(sa.select(organizations.c.name_key, organizations.c.id)
                                      .where(organizations.c.name_key.in_(taken))).all())
        known.pending_organizations.update(found)
        ids.update(found)
    return ids


def _project_values(record: Record, key: str, digest: str, source_id: int) -> dict:
    return {
        "title_key": key, "title": record.title, "status": record.status,
        "program": record.program, "region": record.region,
        "start_date": record.start_date, "end_date": record.end_date,
        "dates_revised": record.dates_revised, "problem": record.problem,
        "results_kind": record.results_kind, "results_text": record.results,
        "contact_office": record.contact.office, "contact_phone": record.contact.phone,
        "source_document_id": source_id, "record_sha256": digest,
    }


def _child_rows(record: Record, project_id: int, org_ids: dict[str, int]) -> dict[sa.Table, list[dict]]:
    """The rows of every child table for one record, positions from 1 in printed order."""
    pid = project_id
    partner_rows = [
        {"project_id": pid, "position": 0, "organization_id": org_ids[name_key(record.grantee)],
         "role": "grantee", "country_alpha3": None, "name": record.grantee}
    ] if record.grantee else []
    partner_rows += [
        {"project_id": pid, "position": i, "organization_id": org_ids[name_key(p.name)],
         "role": "implementing", "country_alpha3": p.country, "name": p.name}
        for i, p in enumerate(record.partners, 1)]
    return {
        ProjectCountry.__table__: [{"project_id": pid, "position": i, "country_alpha3": c}
                                   for i, c in enumerate(record.countries, 1)],
        partners: partner_rows,
        funding: [{"project_id": pid, "position": i, "amount": f.amount, "currency": f.currency,
                   "kind": f.kind} for i, f in enumerate(record.funding, 1)],
        fiscal_years: [{"project_id": pid, "funding_position": i, "fiscal_year": y}
                       for i, f in enumerate(record.funding, 1) for y in dict.fromkeys(f.fiscal_years)],
        Result.__table__: [{"project_id": pid, "position": i, "measure": m.measure,
                            "value": m.value, "unit": m.unit}
                           for i, m in enumerate(record.metrics, 1)],
        Objective.__table__: [{"project_id": pid, "position": i, "level": o.level, "text": o.text}
                              for i, o in enumerate(record.objectives, 1)],
        Activity.__table__: [{"project_id": pid, "position": i, "text": a.text,
                              "country_alpha3": a.country}
                             for i, a in enumerate(record.activities, 1)],
    }


def record_from_db(conn: Connection, project_id: int) -> Record:
    """The record of a project as the database holds it (see the module docstring)."""
    p = conn.execute(sa.select(projects).where(projects.c.id == project_id)).mappings().one()
    s = conn.execute(sa.select(sources).where(sources.c.id == p["source_document_id"])).mappings().one()

    def rows(model, *columns):
        table = model.__table__
        return conn.execute(sa.select(*(table.c[c] for c in columns))
                            .where(table.c.project_id == project_id)
                            .order_by(table.c.position)).all()

    years: dict[int, list[int]] = {}
    for position, year in conn.execute(
            sa.select(fiscal_years.c.funding_position, fiscal_years.c.fiscal_year)
            .where(fiscal_years.c.project_id == project_id)
            .order_by(fiscal_years.c.funding_position, fiscal_years.c.fiscal_year)):
        years.setdefault(position, []).append(year)
    partner_rows = rows(Partner, "role", "country_alpha3", "name")
    return Record(
        title=p["title"], status=p["status"], program=p["program"], region=p["region"],
        countries=[c for (c,) in rows(ProjectCountry, "country_alpha3")],
        start_date=p["start_date"], end_date=p["end_date"], dates_revised=p["dates_revised"],
        funding=[RecFunding(years.get(pos, []), amount, currency, kind)
                 for pos, amount, currency, kind in rows(Funding, "position", "amount", "currency", "kind")],
        problem=p["problem"], results_kind=p["results_kind"], results=p["results_text"],
        metrics=[Metric(*r) for r in rows(Result, "measure", "value", "unit")],
        objectives=[RecObjective(*r) for r in rows(Objective, "level", "text")],
        activities=[RecActivity(*r) for r in rows(Activity, "text", "country_alpha3")],
        grantee=next((name for role, _, name in partner_rows if role == "grantee"), None),
        partners=[RecPartner(country, name) for role, country, name in partner_rows
                  if role == "implementing"],
        contact=Contact(p["contact_office"], p["contact_phone"]),
        source=Source(s["sha256"], s["pages"]),
        warnings=json.loads(s["warnings"]),
    )


def project_id(conn: Connection, title: str) -> int | None:
    """The id of the project a summary titled ``title`` belongs to, if loaded."""
    return conn.execute(sa.select(projects.c.id)
                        .where(projects.c.title_key == title_key(title))).scalar()


# --- files -------------------------------------------------------------------------------

def summary_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the *.txt / *.pdf files under the folders named, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in SUMMARY_SUFFIXES)
        else:
            yield path


def read_summary(path: Path) -> tuple[Record, SourceFile]:
    """Parse one file and keep what source_documents stores about it."""
    from tcps.parse import parse_file
    from tcps.parse.decode import decode

    record = parse_file(path)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != record.source.sha256:
        raise TcpsError(path, "the file changed while it was being loaded")
    text = None if path.suffix.lower() == ".pdf" else decode(data)[0]
    return record, SourceFile(path.as_posix(), data, text)


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[TcpsError] = field(default_factory=list)

    def summary(self) -> str:
        return (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"unchanged {len(self.unchanged)}, failed {len(self.failed)}")


def load_paths(engine: Engine, paths: Iterable[Path]) -> LoadReport:
    """Parse and load every summary under ``paths``; a bad one is reported, not fatal."""
    report = LoadReport()
    with Loader(engine) as loader:
        for path in summary_files(paths):
            try:
                record, source = read_summary(path)
                outcome = loader.load(record, source)
            except TcpsError as e:
                report.failed.append(e)
                continue
            except sa.exc.SQLAlchemyError as e:
                reason = f"database refused it: {getattr(e, 'orig', None) or e}"
                report.failed.append(TcpsError(path, reason))
                continue
            getattr(report, outcome).append(str(path))
    return report
