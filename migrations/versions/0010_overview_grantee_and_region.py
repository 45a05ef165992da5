"""project_overview gains the grantee as an organisation and ILAB's region.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:10:00

``grantee`` is the name as each summary prints it, so ``GROUP BY grantee`` splits one grantee
in two where summaries spell it differently (’ and '). ``grantee_id`` is the organisation
(organizations.id) and ``grantee_name`` its one name; ``ilab_region`` (projects.ilab_region)
stands beside the printed region. The view is made again with them; the comments of the
columns it had are kept as they were.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import describe_view, forget

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_NEW = {
    "ilab_region": ("TEXT", "ILAB's region (projects.ilab_region): Africa, Asia and the Pacific, "
                            "Europe and Eurasia, Latin America and the Caribbean, Middle East and "
                            "North Africa or Global."),
    "grantee_id": ("INTEGER", "The grantee organisation (organizations.id): group by this, not by "
                              "the printed name."),
    "grantee_name": ("TEXT", "The grantee organisation's name (organizations.name), the same for "
                             "every spelling of it."),
}
_TYPES = {
    "project_id": "INTEGER", "title": "TEXT", "status": "VARCHAR(9)", "region": "TEXT",
    "countries": "TEXT", "country_names": "TEXT", "start_date": "VARCHAR(10)",
    "end_date": "VARCHAR(10)", "funding_usd": "BIGINT", "matching_usd": "BIGINT",
    "withdrawn": "BIGINT", "prevented": "BIGINT", "withdrawn_or_prevented": "BIGINT",
    "grantee": "TEXT", "source_path": "TEXT",
}


def _joined(value: str, source: str, order: str, separator: str) -> str:
    """SQL for the values of ``value`` over ``source`` in ``order``, joined by ``separator``."""
    if op.get_bind().dialect.name == "postgresql":
        return (f"(SELECT string_agg(CAST({value} AS TEXT), '{separator}' ORDER BY {order}) "
                f"FROM {source})")
    return (f"(SELECT group_concat(v, '{separator}') FROM "
            f"(SELECT {value} AS v FROM {source} ORDER BY {order}))")


def _project_overview(new_columns: bool) -> str:
    """The view with this migration's columns, or (False) as 0002 made it."""
    countries = "project_countries pc WHERE pc.project_id = p.id"
    named = ("project_countries pc JOIN countries c ON c.alpha3 = pc.country_alpha3 "
             "WHERE pc.project_id = p.id")
    region = "p.ilab_region,\n       " if new_columns else ""
    grantee = ("g.organization_id AS grantee_id,\n       o.name AS grantee_name,\n       "
               if new_columns else "")
    organization = "LEFT JOIN organizations o ON o.id = g.organization_id" if new_columns else ""
    return f"""
CREATE VIEW project_overview AS
SELECT p.id AS project_id,
       p.title,
       p.status,
       p.region,
       {region}{_joined("pc.country_alpha3", countries, "pc.position", ", ")} AS countries,
       {_joined("c.name", named, "pc.position", "; ")} AS country_names,
       p.start_date,
       p.end_date,
       f.funding_usd,
       f.matching_usd,
       r.withdrawn,
       r.prevented,
       r.withdrawn_or_prevented,
       g.name AS grantee,
       {grantee}s.path AS source_path
FROM projects p
JOIN source_documents s ON s.id = p.source_document_id
LEFT JOIN partners g ON g.project_id = p.id AND g.role = 'grantee'
{organization}
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


def _remake(new_columns: bool) -> None:
    """Drop the view and make it again, its comments and types carried over (and this
    migration's columns described, or forgotten)."""
    rows = op.get_bind().execute(sa.text(
        "SELECT column_name, comment FROM data_dictionary WHERE object_name = 'project_overview'"))
    comments = {column: text for column, text in rows if column not in _NEW}
    comment = comments.pop("")
    types = dict(_TYPES)
    if new_columns:
        comments |= {column: text for column, (_, text) in _NEW.items()}
        types |= {column: type_name for column, (type_name, _) in _NEW.items()}
    op.execute("DROP VIEW project_overview")
    forget(op, "project_overview")
    op.execute(_project_overview(new_columns))
    describe_view(op, "project_overview", comment, comments, types)


def upgrade() -> None:
    _remake(new_columns=True)


def downgrade() -> None:
    _remake(new_columns=False)
