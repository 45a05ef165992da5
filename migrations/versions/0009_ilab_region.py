"""projects.ilab_region: ILAB's own region of each project, beside the region as printed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:05:00

Regions are printed many ways (LATIN AMERICA, LATIN AMERICA AND THE CARIBBEAN, THE AMERICAS) or
not at all, so grouping by ``region`` splits one region in three. ``ilab_region`` is one of ILAB's
six, from the printed region, else from the countries (``tcps.regions``); the loader fills it
for each project it writes, and this migration for the projects already loaded.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from tcps.db import views_left_alone
from tcps.dictionary import describe_columns, forget_columns
from tcps.regions import ilab_region

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _column() -> sa.Column:
    return sa.Column("ilab_region", sa.Text(), nullable=True,
                     comment="ILAB's region: Africa, Asia and the Pacific, Europe and Eurasia, Latin "
                             "America and the Caribbean, Middle East and North Africa or Global; from "
                             "the printed region, else from the countries (Global where they span "
                             "two regions).")


def _backfill() -> None:
    conn = op.get_bind()
    countries = defaultdict(list)
    for project_id, alpha3 in conn.execute(sa.text(
            "SELECT project_id, country_alpha3 FROM project_countries ORDER BY project_id, position")):
        countries[project_id].append(alpha3)
    rows = [{"id": project_id, "ilab_region": ilab_region(region, countries[project_id])}
            for project_id, region in conn.execute(sa.text("SELECT id, region FROM projects"))]
    if rows:
        conn.execute(sa.text("UPDATE projects SET ilab_region = :ilab_region WHERE id = :id"), rows)


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(_column())
    describe_columns(op, "projects", [_column()])
    _backfill()


def downgrade() -> None:
    forget_columns(op, "projects", ["ilab_region"])
    with views_left_alone(op), op.batch_alter_table("projects") as batch:
        batch.drop_column("ilab_region")
