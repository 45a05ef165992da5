"""Stored totals: per project, and per project and fiscal year, kept by the loader.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00

The analyst queries over the whole collection recomputed the same sums at every query: the
award money of each project per fiscal year (``funding`` x ``funding_fiscal_years``) and each
project's funding and results subtotals (``project_overview``'s two grouped subqueries). They
are now tables the loader writes with the project's other rows, in the summary's own
transaction: ``project_totals`` (one row per project), ``fiscal_year_awards`` (one row per
project, fiscal year and currency) and ``funding_years`` (the rows of ``project_funding_by_year``,
which recomputed each amount's fiscal years with a subquery per funding row).
``project_overview`` reads ``project_totals`` and ``project_funding_by_year`` reads
``funding_years``; their columns and values are unchanged. Upgrade fills the tables from the
rows loaded; downgrade drops them and restores the views as 0010 and 0002 made them. An index on projects (id,
start_date) lets a count of projects per country and start year read the dates from the index.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import describe_table, forget

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_PROJECT = "The project (projects.id)."


def _create_project_totals() -> sa.Table:
    return op.create_table(
        "project_totals",
        sa.Column("project_id", sa.Integer(), nullable=False, comment=_PROJECT),
        sa.Column("funding_usd", sa.BigInteger(), nullable=True,
                  comment="Total USD funding: the stated Total: where there is one, else the sum of "
                          "the award amounts (never both); NULL where no USD amount is stated."),
        sa.Column("matching_usd", sa.BigInteger(), nullable=True,
                  comment="Matching funds / cost share in USD; NULL where none is stated."),
        sa.Column("withdrawn", sa.BigInteger(), nullable=True,
                  comment="Sum of the counts stated as withdrawn (results.measure), any unit."),
        sa.Column("prevented", sa.BigInteger(), nullable=True,
                  comment="Sum of the counts stated as prevented, any unit."),
        sa.Column("withdrawn_or_prevented", sa.BigInteger(), nullable=True,
                  comment="Sum of the counts stated as withdrawn or prevented together."),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_project_totals_project_id_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_totals")),
        comment="One row per project: its funding and results summed from funding and results, "
                "written by the loader with them (project_overview reads it). Funding is not "
                "split by country: never sum it over project_countries.")


def _create_fiscal_year_awards() -> sa.Table:
    return op.create_table(
        "fiscal_year_awards",
        sa.Column("project_id", sa.Integer(), nullable=False, comment=_PROJECT),
        sa.Column("fiscal_year", sa.Integer(), nullable=False,
                  comment="U.S. federal fiscal year (funding_fiscal_years.fiscal_year)."),
        sa.Column("currency", sa.String(3), nullable=False, comment="ISO 4217 currency code."),
        sa.Column("award_amount", sa.BigInteger(), nullable=False,
                  comment="The award amounts stated for this fiscal year, summed; an amount stated "
                          "for several years together counts in each of them."),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_fiscal_year_awards_project_id_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "fiscal_year", "currency", name=op.f("pk_fiscal_year_awards")),
        comment="The award money of each project per fiscal year and currency (funding rows of "
                "kind 'award' by funding_fiscal_years), written by the loader with them. An amount "
                "stated for several fiscal years together counts in each: do not add up years. "
                "Not split by country: never sum it over project_countries.")


def _create_funding_years() -> sa.Table:
    return op.create_table(
        "funding_years",
        sa.Column("project_id", sa.Integer(), nullable=False, comment=_PROJECT),
        sa.Column("position", sa.Integer(), nullable=False,
                  comment="Place of the row in the project, from 1, by fiscal_year then fiscal_years."),
        sa.Column("fiscal_year", sa.Integer(), nullable=True,
                  comment="The (first) fiscal year of the amounts; NULL where none is stated."),
        sa.Column("fiscal_years", sa.Text(), nullable=True,
                  comment="Every fiscal year the amounts are stated for, joined by ' & '."),
        sa.Column("award_usd", sa.BigInteger(), nullable=True,
                  comment="Award amounts for these fiscal years, USD."),
        sa.Column("matching_usd", sa.BigInteger(), nullable=True,
                  comment="Matching funds / cost share for these fiscal years, USD."),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_funding_years_project_id_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "position", name=op.f("pk_funding_years")),
        comment="The rows of project_funding_by_year (USD funding per project and the fiscal years "
                "an amount is stated for, Total: rows left out), written by the loader with the "
                "funding rows. Not split by country: never sum it over project_countries.")


_FILL_FUNDING_YEARS = """
INSERT INTO funding_years (project_id, position, fiscal_year, fiscal_years, award_usd, matching_usd)
SELECT project_id,
       row_number() OVER (PARTITION BY project_id
                          ORDER BY coalesce(fiscal_year, 0), coalesce(fiscal_years, '')),
       fiscal_year, fiscal_years, award_usd, matching_usd
FROM project_funding_by_year
"""

_FUNDING_BY_YEAR = """
CREATE VIEW project_funding_by_year AS
SELECT a.project_id, p.title, a.fiscal_year, a.fiscal_years, a.award_usd, a.matching_usd
FROM funding_years a
JOIN projects p ON p.id = a.project_id
"""

_FILL_TOTALS = """
INSERT INTO project_totals (project_id, funding_usd, matching_usd, withdrawn, prevented,
                            withdrawn_or_prevented)
SELECT p.id, f.funding_usd, f.matching_usd, r.withdrawn, r.prevented, r.withdrawn_or_prevented
FROM projects p
LEFT JOIN (
    SELECT project_id,
           CASE WHEN SUM(CASE WHEN kind = 'total' THEN 1 ELSE 0 END) > 0
                THEN SUM(CASE WHEN kind = 'total' THEN amount END)
                ELSE SUM(CASE WHEN kind = 'award' THEN amount END) END AS funding_usd,
           SUM(CASE WHEN kind = 'matching' THEN amount END) AS matching_usd
    FROM funding WHERE currency = 'USD' GROUP BY project_id
) f ON f.project_id = p.id
LEFT JOIN (
    SELECT project_id,
           SUM(CASE WHEN measure = 'withdrawn' THEN value END) AS withdrawn,
           SUM(CASE WHEN measure = 'prevented' THEN value END) AS prevented,
           SUM(CASE WHEN measure = 'withdrawn_or_prevented' THEN value END) AS withdrawn_or_prevented
    FROM results GROUP BY project_id
) r ON r.project_id = p.id
"""

_FILL_AWARDS = """
INSERT INTO fiscal_year_awards (project_id, fiscal_year, currency, award_amount)
SELECT f.project_id, y.fiscal_year, f.currency, SUM(f.amount)
FROM funding f
JOIN funding_fiscal_years y ON y.project_id = f.project_id AND y.funding_position = f.position
WHERE f.kind = 'award'
GROUP BY f.project_id, y.fiscal_year, f.currency
"""


def _country_list(value: str, source: str, separator: str) -> str:
    """The values of ``value`` over ``source`` in printed order, joined (as 0002 does)."""
    if op.get_bind().dialect.name == "postgresql":
        return f"(SELECT string_agg(CAST({value} AS TEXT), '{separator}' ORDER BY pc.position) FROM {source})"
    return (f"(SELECT group_concat(v, '{separator}') FROM "
            f"(SELECT {value} AS v FROM {source} ORDER BY pc.position))")


def _project_overview() -> str:
    """0010's view, its sums read from project_totals."""
    countries = "project_countries pc WHERE pc.project_id = p.id"
    named = ("project_countries pc JOIN countries c ON c.alpha3 = pc.country_alpha3 "
             "WHERE pc.project_id = p.id")
    return f"""
CREATE VIEW project_overview AS
SELECT p.id AS project_id, p.title, p.status, p.region, p.ilab_region,
       {_country_list("pc.country_alpha3", countries, ", ")} AS countries,
       {_country_list("c.name", named, "; ")} AS country_names,
       p.start_date, p.end_date,
       t.funding_usd, t.matching_usd, t.withdrawn, t.prevented, t.withdrawn_or_prevented,
       g.name AS grantee,
       g.organization_id AS grantee_id,
       o.name AS grantee_name,
       s.path AS source_path
FROM projects p
JOIN source_documents s ON s.id = p.source_document_id
LEFT JOIN partners g ON g.project_id = p.id AND g.role = 'grantee'
LEFT JOIN organizations o ON o.id = g.organization_id
LEFT JOIN project_totals t ON t.project_id = p.id
"""


def _recomment_view(name: str) -> None:
    """On PostgreSQL, give a recreated view back the comments the data dictionary keeps for it
    (dropping the view dropped them)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    rows = op.get_bind().execute(sa.text(
        "SELECT column_name, comment FROM data_dictionary WHERE object_name = :name"), {"name": name})
    for column, comment in rows:
        literal = "'" + comment.replace("'", "''") + "'"
        target = f"VIEW {name}" if column == "" else f"COLUMN {name}.{column}"
        op.execute(f"COMMENT ON {target} IS {literal}")


def upgrade() -> None:
    for table in (_create_project_totals(), _create_fiscal_year_awards(), _create_funding_years()):
        describe_table(op, table)
    op.execute(_FILL_TOTALS)
    op.execute(_FILL_AWARDS)
    op.execute(_FILL_FUNDING_YEARS)
    for view, sql in (("project_overview", _project_overview()),
                      ("project_funding_by_year", _FUNDING_BY_YEAR)):
        op.execute(f"DROP VIEW {view}")
        op.execute(sql)
        _recomment_view(view)
    op.create_index(op.f("ix_projects_id_start_date"), "projects", ["id", "start_date"])


def downgrade() -> None:
    op.drop_index(op.f("ix_projects_id_start_date"), table_name="projects")
    overview = _migration("0010_overview_grantee_and_region")._project_overview(new_columns=True)
    by_year = _migration("0002_analyst_views")._project_funding_by_year()
    for view, sql in (("project_overview", overview), ("project_funding_by_year", by_year)):
        op.execute(f"DROP VIEW {view}")
        op.execute(sql)
        _recomment_view(view)
    for name in ("funding_years", "fiscal_year_awards", "project_totals"):
        op.drop_table(name)
        forget(op, name)


def _migration(name: str):
    """An earlier migration's module, whose view definitions the downgrade restores."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"tcps_migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
