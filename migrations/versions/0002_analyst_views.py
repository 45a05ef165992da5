"""Analyst views: one row per project, and funding per project and fiscal year.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 21:05:00

The SQL differs by dialect only in how a list becomes one text value (string_agg on
PostgreSQL; group_concat over an ordered subquery on SQLite, whose group_concat takes no
ORDER BY before 3.44).
"""
from __future__ import annotations

from alembic import op

from tcps.dictionary import describe_view, forget

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOT_BY_COUNTRY = ("Funding is stated for the whole project and cannot be split by country: "
                  "do not join this to project_countries and sum it.")


def _joined(value: str, source: str, order: str, separator: str) -> str:
    """SQL for the values of ``value`` over ``source`` in ``order``, joined by ``separator``."""
    if op.get_bind().dialect.name == "postgresql":
        return (f"(SELECT string_agg(CAST({value} AS TEXT), '{separator}' ORDER BY {order}) "
                f"FROM {source})")
    return (f"(SELECT group_concat(v, '{separator}') FROM "
            f"(SELECT {value} AS v FROM {source} ORDER BY {order}))")


def _project_overview() -> str:
    countries = "project_countries pc WHERE pc.project_id = p.id"
    named = ("project_countries pc JOIN countries c ON c.alpha3 = pc.country_alpha3 "
             "WHERE pc.project_id = p.id")
    return f"""
CREATE VIEW project_overview AS
SELECT p.id AS project_id,
       p.title,
       p.status,
       p.region,
       {_joined("pc.country_alpha3", countries, "pc.position", ", ")} AS countries,
       {_joined("c.name", named, "pc.position", "; ")} AS country_names,
       p.start_date,
       p.end_date,
       f.funding_usd,
       f.matching_usd,
       r.withdrawn,
       r.prevented,
       r.withdrawn_or_prevented,
       g.name AS grantee,
       s.path AS source_path
FROM projects p
JOIN source_documents s ON s.id = p.source_document_id
LEFT JOIN partners g ON g.project_id = p.id AND g.role = 'grantee'
LEFT JOIN (
    SELECT project_id,
           CASE WHEN SUM(CASE WHEN kind = 'total' THEN 1 ELSE 0 END) > 0
                THEN SUM(CASE WHEN kind = 'total' THEN amount END)
                ELSE SUM(CASE WHEN kind = 'award' THEN amount END) END AS funding_usd,
           SUM(CASE WHEN kind = 'matching' THEN amount END) AS matching_usd
    FROM funding
    WHERE currency = 'USD'
    GROUP BY project_id
) f ON f.project_id = p.id
LEFT JOIN (
    SELECT project_id,
           SUM(CASE WHEN measure = 'withdrawn' THEN value END) AS withdrawn,
           SUM(CASE WHEN measure = 'prevented' THEN value END) AS prevented,
           SUM(CASE WHEN measure = 'withdrawn_or_prevented' THEN value END) AS withdrawn_or_prevented
    FROM results
    GROUP BY project_id
) r ON r.project_id = p.id
"""


def _project_funding_by_year() -> str:
    years = "funding_fiscal_years y WHERE y.project_id = f.project_id AND y.funding_position = f.position"
    return f"""
CREATE VIEW project_funding_by_year AS
SELECT a.project_id,
       p.title,
       a.fiscal_year,
       a.fiscal_years,
       SUM(CASE WHEN a.kind = 'award' THEN a.amount END) AS award_usd,
       SUM(CASE WHEN a.kind = 'matching' THEN a.amount END) AS matching_usd
FROM (
    SELECT f.project_id, f.kind, f.amount,
           (SELECT MIN(y.fiscal_year) FROM {years}) AS fiscal_year,
           {_joined("y.fiscal_year", years, "y.fiscal_year", " & ")} AS fiscal_years
    FROM funding f
    WHERE f.kind <> 'total' AND f.currency = 'USD'
) a
JOIN projects p ON p.id = a.project_id
GROUP BY a.project_id, p.title, a.fiscal_year, a.fiscal_years
"""


def upgrade() -> None:
    op.execute(_project_overview())
    describe_view(op, "project_overview",
                  "One row per project: where, when, how much and for whom. " + NOT_BY_COUNTRY, {
                      "project_id": "The project (projects.id).",
                      "title": "The project title as printed.",
                      "status": "'closed', 'completed' or NULL.",
                      "region": "Region as printed; NULL where only countries are printed.",
                      "countries": "ISO alpha-3 codes of the recipient countries, in printed order, "
                                   "joined by ', '.",
                      "country_names": "Their canonical names, joined by '; '.",
                      "start_date": "Start date, ISO 8601 at the printed precision (YYYY-MM-DD or YYYY-MM).",
                      "end_date": "End date, same format.",
                      "funding_usd": "Total USD funding: the stated Total: where there is one, else "
                                     "the sum of the award amounts (never both). Matching funds "
                                     "excluded. NULL where no amount is stated. " + NOT_BY_COUNTRY,
                      "matching_usd": "Matching funds / cost share in USD; NULL where none is stated.",
                      "withdrawn": "Sum of the counts stated as withdrawn (results.measure).",
                      "prevented": "Sum of the counts stated as prevented.",
                      "withdrawn_or_prevented": "Sum of the counts stated as withdrawn or prevented "
                                                "together; may overlap the two columns before.",
                      "grantee": "The grantee's name as printed.",
                      "source_path": "Path of the summary file the project was loaded from.",
                  })
    op.execute(_project_funding_by_year())
    describe_view(op, "project_funding_by_year",
                  "USD funding per project and fiscal year, Total: rows left out (they restate the "
                  "years). An amount stated for several fiscal years together is one row labelled "
                  "with all of them (fiscal_years), since it cannot be split between them. "
                  + NOT_BY_COUNTRY, {
                      "project_id": "The project (projects.id).",
                      "title": "The project title as printed.",
                      "fiscal_year": "The (first) fiscal year of the amount; NULL where none is stated.",
                      "fiscal_years": "Every fiscal year the amount is stated for, joined by ' & '.",
                      "award_usd": "Award amounts for these fiscal years, USD.",
                      "matching_usd": "Matching funds / cost share for these fiscal years, USD.",
                  })


def downgrade() -> None:
    for view in ("project_funding_by_year", "project_overview"):
        op.execute(f"DROP VIEW {view}")
        forget(op, view)
