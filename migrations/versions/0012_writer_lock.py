"""The writer lock: one row that tcps's writers lock while they write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:30:00

On PostgreSQL a refresh held a session advisory lock, which any role can take: a reader could
stop every refresh with ``SELECT pg_advisory_lock(...)``. Locking this row (``SELECT ... FOR
UPDATE``) needs UPDATE privilege on the table, which only its owner has (see ``tcps.lock``).
SQLite's writers lock a file instead; the table is there too, so that both schemas are one.

Bookkeeping, as ``alembic_version`` is: no model, not in the data dictionary, not exported.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "writer_lock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_writer_lock_one_row")))
    op.bulk_insert(table, [{"id": 1}])


def downgrade() -> None:
    op.drop_table("writer_lock")
