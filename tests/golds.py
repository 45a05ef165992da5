"""Inputs shared by the database tests: the corpus's gold records and a migrated database, and
``record_from_db`` to read a loaded record back."""
from __future__ import annotations

import json

import sqlalchemy as sa
from corpus import CORPUS, DATA, ROOT  # noqa: F401  (re-exported for the database tests)

from tcps.load import Loader
from tcps.models import (activities, fiscal_years, funding, metadata, objectives, partners, project_countries,
                         projects, results, sources)
from tcps.sources import SourceFile
from tcps.record import (Activity as RecActivity, Contact, Funding as RecFunding, Metric,
                         Objective as RecObjective, Partner as RecPartner, Record, Source)


def gold_records() -> list[tuple[Record, SourceFile]]:
    """Every gold record of the corpus with the text file it describes."""
    out = []
    for gold in sorted(CORPUS.glob("*.json")):
        text_file = gold.with_suffix(".txt")
        data = text_file.read_bytes()
        out.append((Record.from_dict(json.loads(gold.read_text(encoding="utf-8"))),
                    SourceFile(text_file.as_posix(), len(data), data.decode("utf-8-sig"), "text")))
    return out


def load_golds(engine: sa.Engine) -> list[str]:
    """Load every gold record; return the outcomes in corpus order."""
    with Loader(engine) as loader:
        return [loader.load(record, source) for record, source in gold_records()]


def row_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows per table of the models."""
    return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()}


def record_from_db(conn: sa.Connection, project_id: int) -> Record:
    """The record of a project as the database holds it: the round-trip tests compare it with
    the parser's record, which proves the tables hold everything the record says."""
    p = conn.execute(sa.select(projects).where(projects.c.id == project_id)).mappings().one()
    s = conn.execute(sa.select(sources).where(sources.c.id == p["source_document_id"])).mappings().one()

    def rows(table, *columns):
        return conn.execute(sa.select(*(table.c[c] for c in columns))
                            .where(table.c.project_id == project_id)
                            .order_by(table.c.position)).all()

    years: dict[int, list[int]] = {}
    for position, year in conn.execute(
            sa.select(fiscal_years.c.funding_position, fiscal_years.c.fiscal_year)
            .where(fiscal_years.c.project_id == project_id)
            .order_by(fiscal_years.c.funding_position, fiscal_years.c.fiscal_year)):
        years.setdefault(position, []).append(year)
    partner_rows = rows(partners, "role", "country_alpha3", "name")
    return Record(
        title=p["title"], status=p["status"], program=p["program"], region=p["region"],
        countries=[c for (c,) in rows(project_countries, "country_alpha3")],
        start_date=p["start_date"], end_date=p["end_date"], dates_revised=p["dates_revised"],
        funding=[RecFunding(years.get(pos, []), amount, currency, kind)
                 for pos, amount, currency, kind in rows(funding, "position", "amount", "currency", "kind")],
        problem=p["problem"], results_kind=p["results_kind"], results=p["results_text"],
        metrics=[Metric(*r) for r in rows(results, "measure", "value", "unit")],
        objectives=[RecObjective(*r) for r in rows(objectives, "level", "text")],
        activities=[RecActivity(*r) for r in rows(activities, "text", "country_alpha3")],
        grantee=next((name for role, _, name in partner_rows if role == "grantee"), None),
        partners=[RecPartner(country, name) for role, country, name in partner_rows
                  if role == "implementing"],
        contact=Contact(p["contact_office"], p["contact_phone"]),
        summary=p["summary"], strategy=p["strategy"],
        source=Source(s["sha256"], s["pages"], s["url"]),
        warnings=json.loads(s["warnings"]),
    )
