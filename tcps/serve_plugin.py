"""Datasette plugin hooks of `tcps serve`: money as money, and a project's parts on its page.

Datasette's row page lists only how many rows of other tables point at a project; an analyst
wants to read them. ``extra_template_vars`` fetches them for ``templates/row.html`` (one query
per part, each by the primary key's leading column).
"""
from __future__ import annotations

from datasette import hookimpl  # type: ignore[import-untyped]
from markupsafe import Markup

from tcps.browse import is_usd

# Heading, SQL (one project's rows, printed order) per part of a project's page.
PROJECT_PARTS = [
    ("Countries", """SELECT c.name AS country, pc.country_alpha3 AS code
        FROM project_countries pc JOIN countries c ON c.alpha3 = pc.country_alpha3
        WHERE pc.project_id = :id ORDER BY pc.position"""),
    ("Funding", """SELECT f.kind, f.amount, f.currency,
               (SELECT group_concat(fiscal_year, ' & ') FROM funding_fiscal_years y
                WHERE y.project_id = f.project_id AND y.funding_position = f.position) AS fiscal_years
        FROM funding f WHERE f.project_id = :id ORDER BY f.position"""),
    ("Results", """SELECT measure, value, unit FROM results WHERE project_id = :id ORDER BY position"""),
    ("Objectives", """SELECT level, text FROM objectives WHERE project_id = :id ORDER BY position"""),
    ("Activities", """SELECT a.text, c.name AS country FROM activities a
        LEFT JOIN countries c ON c.alpha3 = a.country_alpha3
        WHERE a.project_id = :id ORDER BY a.position"""),
    ("Partners", """SELECT p.role, p.name, c.name AS country
        FROM partners p LEFT JOIN countries c ON c.alpha3 = p.country_alpha3
        WHERE p.project_id = :id ORDER BY p.position"""),
]


@hookimpl
def render_cell(value, column):
    """USD amounts with thousands separators: 1,500,000 USD, not 1500000."""
    if is_usd(column) and isinstance(value, int):
        return Markup(f"{value:,}&nbsp;USD")
    return None


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The parts of the project a row page shows (nothing for other pages)."""
    if view_name != "row" or table != "projects":
        return {}

    async def project_parts():
        project_id = request.url_vars["pks"]
        db = datasette.get_database(database)
        parts = []
        for heading, sql in PROJECT_PARTS:
            result = await db.execute(sql, {"id": project_id})
            parts.append({"heading": heading, "columns": list(result.columns),
                          "rows": [list(row) for row in result.rows]})
        return {"project_parts": parts}

    return project_parts
