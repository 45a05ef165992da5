"""Organisations told apart by the country they are listed under.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:35:00

A name such as "Ministry of Labor and Social Protection" listed under Kazakhstan and under
Kyrgyzstan names two organisations; 0001 made them one row. ``organizations`` gains
``country_alpha3`` and ``match_key`` (the name key plus the country: the new unique key);
``name_key`` stays, indexed, for grouping the spellings of one name.

Upgrade splits each organisation into one row per country its partner rows list it under
(the row without a country stays where a partner row has none) and points the partner rows
at them. Downgrade merges the rows of one name key back into the lowest id.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tcps.dictionary import redescribe_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NAME_KEY = ("The name case-folded, quotes and punctuation dropped, spaces collapsed: equal for "
             "every spelling of one name.")
_COUNTRY = ("Country the organisation is listed under (countries.alpha3); NULL for grantees and "
            "partners listed without a country.")
_MATCH_KEY = ("name_key, then ' @' and the country code where there is one: what makes two "
              "listings one organisation.")


def _organizations(by_country: bool) -> sa.Table:
    """The table's columns and comments before (False) or after (True) this migration."""
    if by_country:
        comment = ("One row per organisation (grantee or implementing partner) across all "
                   "projects. Spellings differing only in case, quotes, punctuation or spacing "
                   "are one row; different names are never merged, nor the same name listed "
                   "under two countries (each country's Ministry of Health is its own row).")
        extra = [sa.Column("country_alpha3", sa.String(3), comment=_COUNTRY),
                 sa.Column("name_key", sa.Text(), comment=_NAME_KEY),
                 sa.Column("match_key", sa.Text(), comment=_MATCH_KEY)]
    else:
        comment = ("One row per organisation (grantee or implementing partner) across all "
                   "projects. Spellings differing only in case, quotes, punctuation or spacing "
                   "are one row; different names are never merged.")
        extra = [sa.Column("name_key", sa.Text(),
                           comment="The name case-folded, quotes and punctuation dropped, spaces "
                                   "collapsed: what makes two spellings one organisation.")]
    return sa.Table("organizations", sa.MetaData(),
                    sa.Column("id", sa.Integer(), comment="Surrogate key."),
                    sa.Column("name", sa.Text(), comment="The name as first printed in a loaded summary."),
                    *extra, comment=comment)


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("country_alpha3", sa.String(length=3), nullable=True, comment=_COUNTRY))
        batch.add_column(sa.Column("match_key", sa.Text(), nullable=True, comment=_MATCH_KEY))
        batch.create_foreign_key(op.f("fk_organizations_country_alpha3_countries"), "countries",
                                 ["country_alpha3"], ["alpha3"])
        batch.drop_constraint("uq_organizations_name_key", type_="unique")
    op.execute("UPDATE organizations SET match_key = name_key")
    op.execute("""
        INSERT INTO organizations (name, country_alpha3, name_key, match_key)
        SELECT o.name, l.country_alpha3, o.name_key, o.name_key || ' @' || l.country_alpha3
        FROM organizations o
        JOIN (SELECT DISTINCT organization_id, country_alpha3 FROM partners
              WHERE country_alpha3 IS NOT NULL) l ON l.organization_id = o.id""")
    op.execute("""
        UPDATE partners SET organization_id = (
            SELECT n.id FROM organizations o JOIN organizations n
              ON n.match_key = o.name_key || ' @' || partners.country_alpha3
            WHERE o.id = partners.organization_id)
        WHERE country_alpha3 IS NOT NULL""")
    op.execute("DELETE FROM organizations WHERE NOT EXISTS "
               "(SELECT 1 FROM partners p WHERE p.organization_id = organizations.id)")
    with op.batch_alter_table("organizations") as batch:
        batch.alter_column("match_key", existing_type=sa.Text(), nullable=False)
        batch.create_unique_constraint(op.f("uq_organizations_match_key"), ["match_key"])
        batch.create_index(op.f("ix_organizations_name_key"), ["name_key"], unique=False)
    redescribe_table(op, _organizations(by_country=True))


def downgrade() -> None:
    op.execute("""
        UPDATE partners SET organization_id = (
            SELECT min(n.id) FROM organizations o JOIN organizations n ON n.name_key = o.name_key
            WHERE o.id = partners.organization_id)""")
    op.execute("DELETE FROM organizations WHERE id NOT IN "
               "(SELECT min(id) FROM organizations GROUP BY name_key)")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_index(op.f("ix_organizations_name_key"))
        batch.drop_constraint("uq_organizations_match_key", type_="unique")
        batch.drop_constraint("fk_organizations_country_alpha3_countries", type_="foreignkey")
        batch.drop_column("match_key")
        batch.drop_column("country_alpha3")
        batch.create_unique_constraint(op.f("uq_organizations_name_key"), ["name_key"])
    redescribe_table(op, _organizations(by_country=False))
