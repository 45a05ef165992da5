"""A record as the rows its project's tables hold: pure functions of the record, so that the
loader (tcps.load) only decides when and how they are written."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa

from tcps.keys import organization_key
from tcps.models import (activities, fiscal_year_awards, fiscal_years, funding, funding_years,
                         objectives, partners, project_countries, project_totals, results)
from tcps.record import Record
from tcps.regions import ilab_region
from tcps.sources import SourceFile


def source_values(record: Record, source: SourceFile, parser_version: str) -> dict:
    return {
        "path": source.path,
        "sha256": record.source.sha256,
        "size_bytes": source.size,
        "format": source.format,
        "url": record.source.url,
        "pages": record.source.pages,
        "raw_text": source.text,
        "parser_version": parser_version,
        "warnings": json.dumps(record.warnings, ensure_ascii=False),
        "loaded_at": datetime.now(timezone.utc),
    }


def project_values(record: Record, key: str, digest: str) -> dict:
    return {
        "project_key": key, "title_key": key, "title": record.title, "status": record.status,
        "program": record.program, "region": record.region,
        "ilab_region": ilab_region(record.region, record.countries),
        "start_date": record.start_date, "end_date": record.end_date,
        "dates_revised": record.dates_revised, "summary": record.summary,
        "problem": record.problem, "strategy": record.strategy,
        "results_kind": record.results_kind, "results_text": record.results,
        "contact_office": record.contact.office, "contact_phone": record.contact.phone,
        "source_sha256": record.source.sha256, "record_sha256": digest,
    }


def child_rows(record: Record, key: str) -> dict[sa.Table, list[dict]]:
    """The rows of every child table for one record, positions from 1 in printed order."""
    partner_rows = [
        {"project_key": key, "position": 0, "role": "grantee", "country_alpha3": None,
         "name": record.grantee, "organization_key": organization_key(record.grantee, None)}
    ] if record.grantee else []
    partner_rows += [
        {"project_key": key, "position": i, "role": "implementing", "country_alpha3": p.country,
         "name": p.name, "organization_key": organization_key(p.name, p.country)}
        for i, p in enumerate(record.partners, 1)]
    return {
        project_countries: [{"project_key": key, "position": i, "country_alpha3": c}
                            for i, c in enumerate(record.countries, 1)],
        partners: partner_rows,
        funding: [{"project_key": key, "position": i, "amount": f.amount,
                   "currency": f.currency, "kind": f.kind}
                  for i, f in enumerate(record.funding, 1)],
        fiscal_years: [{"project_key": key, "funding_position": i, "fiscal_year": y}
                       for i, f in enumerate(record.funding, 1)
                       for y in dict.fromkeys(f.fiscal_years)],
        results: [{"project_key": key, "position": i, "measure": m.measure,
                   "value": m.value, "unit": m.unit}
                  for i, m in enumerate(record.metrics, 1)],
        objectives: [{"project_key": key, "position": i, "level": o.level,
                      "text": o.text}
                     for i, o in enumerate(record.objectives, 1)],
        activities: [{"project_key": key, "position": i, "text": a.text,
                      "country_alpha3": a.country}
                     for i, a in enumerate(record.activities, 1)],
        project_totals: [totals(record, key)],
        fiscal_year_awards: fiscal_year_awards_rows(record, key),
        funding_years: funding_years_rows(record, key),
    }


def totals(record: Record, key: str) -> dict:
    """The project_totals row: what project_overview shows of the project's funding and results
    (a stated Total: where there is one, else the awards; NULL where nothing is stated)."""
    def total(values: list[int]) -> int | None:
        return sum(values) if values else None

    usd = {kind: total([f.amount for f in record.funding if f.currency == "USD" and f.kind == kind])
           for kind in ("award", "total", "matching")}
    counts = {measure: total([m.value for m in record.metrics if m.measure == measure])
              for measure in ("withdrawn", "prevented", "withdrawn_or_prevented")}
    return {"project_key": key, "funding_usd": usd["award"] if usd["total"] is None else usd["total"],
            "matching_usd": usd["matching"], **counts}


def fiscal_year_awards_rows(record: Record, key: str) -> list[dict]:
    """The fiscal_year_awards rows: the award amounts per fiscal year and currency, an amount
    stated for several years counted in each."""
    sums: dict[tuple[int, str], int] = {}
    for f in record.funding:
        if f.kind == "award":
            for year in dict.fromkeys(f.fiscal_years):
                sums[year, f.currency] = sums.get((year, f.currency), 0) + f.amount
    return [{"project_key": key, "fiscal_year": year, "currency": currency, "award_amount": amount}
            for (year, currency), amount in sums.items()]


def funding_years_rows(record: Record, key: str) -> list[dict]:
    """The funding_years rows (project_funding_by_year's): USD award and matching amounts
    grouped by the fiscal years they are stated for, labelled by the first of them."""
    sums: dict[tuple[int | None, str | None], dict[str, int]] = {}
    for f in record.funding:
        if f.kind != "total" and f.currency == "USD":
            years = sorted(set(f.fiscal_years))
            label = " & ".join(map(str, years)) or None
            amounts = sums.setdefault((years[0] if years else None, label), {})
            amounts[f.kind] = amounts.get(f.kind, 0) + f.amount
    ordered = sorted(sums.items(), key=lambda item: (item[0][0] or 0, item[0][1] or ""))
    return [{"project_key": key, "position": i, "fiscal_year": year, "fiscal_years": label,
             "award_usd": amounts.get("award"), "matching_usd": amounts.get("matching")}
            for i, ((year, label), amounts) in enumerate(ordered, 1)]
