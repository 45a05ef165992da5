"""results_by_country: results per country that cannot be counted twice.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:15:00

A project's counts of people are stated for the whole project, like its funding: joining results
to project_countries credits a 15-country project's count to each of its 15 countries. The
tables' comments now say so for results as they did for funding, and ``results_by_country``
gives each count once: under its country where the project has one country, else under
'multi-country'.
"""
from __future__ import annotations

from alembic import op

from tcps.dictionary import describe_view, forget, recomment

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_RESULTS = ("One row per count of people stated in the RESULTS or TARGETS text. A "
            "'withdrawn_or_prevented' count covers both and may be followed by its split: "
            "do not add it to the withdrawn and prevented rows.")
_COUNTRIES = ("Recipient countries of each project, in printed order. A project's funding "
              "is not split by country: never sum funding over this table.")
_NOT_BY_COUNTRY = (" Counts are stated for the whole project, not per country: never sum them over "
                   "a join with project_countries (a project's count would be added once per "
                   "country); results_by_country gives each count once.")
_COUNTRIES_TOO = (" Nor results: a project's counts are not split by country either (see "
                  "results_by_country).")

_VIEW = """
CREATE VIEW results_by_country AS
SELECT r.project_id,
       r.position,
       CASE WHEN k.n = 1 THEN k.alpha3 WHEN k.n > 1 THEN 'multi-country' END AS country,
       CASE WHEN k.n = 1 THEN c.name WHEN k.n > 1 THEN 'Multi-country' END AS country_name,
       r.measure,
       r.unit,
       r.value
FROM results r
LEFT JOIN (SELECT project_id, count(*) AS n, min(country_alpha3) AS alpha3
           FROM project_countries GROUP BY project_id) k ON k.project_id = r.project_id
LEFT JOIN countries c ON c.alpha3 = k.alpha3 AND k.n = 1
"""

_COLUMNS = {
    "project_id": ("INTEGER", "The project (projects.id)."),
    "position": ("INTEGER", "The count's place in the project (results.position)."),
    "country": ("TEXT", "The project's country (ISO alpha-3) where it has exactly one; "
                        "'multi-country' where it has several; NULL where it names none."),
    "country_name": ("TEXT", "That country's name, 'Multi-country', or NULL."),
    "measure": ("VARCHAR(22)", "withdrawn, prevented, withdrawn_or_prevented, served or reached."),
    "unit": ("VARCHAR(20)", "What is counted: children, youth, households, families, adults, "
                            "workers, people."),
    "value": ("BIGINT", "The number of people."),
}


def upgrade() -> None:
    recomment(op, "results", _RESULTS + _NOT_BY_COUNTRY)
    recomment(op, "project_countries", _COUNTRIES + _COUNTRIES_TOO)
    op.execute(_VIEW)
    describe_view(op, "results_by_country",
                  "Each count of people in results once, under the project's country where it "
                  "has one, else under 'multi-country': sum value by country without counting a "
                  "multi-country project's count once per country.",
                  {name: text for name, (_, text) in _COLUMNS.items()},
                  {name: type_name for name, (type_name, _) in _COLUMNS.items()})


def downgrade() -> None:
    op.execute("DROP VIEW results_by_country")
    forget(op, "results_by_country")
    recomment(op, "results", _RESULTS)
    recomment(op, "project_countries", _COUNTRIES)
