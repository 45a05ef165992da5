"""Tables for projects, their parts and their sources, with their comments.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 20:49:36.485229
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from tcps.dictionary import describe_table


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = []
    tables.append(op.create_table('countries',
    sa.Column('alpha3', sa.String(length=3), nullable=False, comment='ISO 3166-1 alpha-3 code.'),
    sa.Column('alpha2', sa.String(length=2), nullable=False, comment='ISO 3166-1 alpha-2 code.'),
    sa.Column('name', sa.Text(), nullable=False, comment='Canonical short English name.'),
    sa.PrimaryKeyConstraint('alpha3', name=op.f('pk_countries')),
    sa.UniqueConstraint('alpha2', name=op.f('uq_countries_alpha2')),
    comment='ISO 3166-1 countries named by the loaded summaries, however they were spelled there.'
    ))
    tables.append(op.create_table('data_dictionary',
    sa.Column('object_name', sa.String(length=63), nullable=False, comment='Table or view name.'),
    sa.Column('column_name', sa.String(length=63), nullable=False,
              comment="Column name; '' for the table or view itself."),
    sa.Column('comment', sa.Text(), nullable=False, comment='What it holds, for analysts.'),
    sa.PrimaryKeyConstraint('object_name', 'column_name', name=op.f('pk_data_dictionary')),
    comment='What every table, view and column means: the comments of the schema, kept as rows so that '
            'SQLite holds them too.'
    ))
    tables.append(op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('name', sa.Text(), nullable=False, comment='The name as first printed in a loaded summary.'),
    sa.Column('name_key', sa.Text(), nullable=False,
              comment='The name case-folded, quotes and punctuation dropped, spaces collapsed: what makes '
                      'two spellings one organisation.'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('name_key', name=op.f('uq_organizations_name_key')),
    comment='One row per organisation (grantee or implementing partner) across all projects. Spellings '
            'differing only in case, quotes, punctuation or spacing are one row; different names are never '
            'merged.'
    ))
    tables.append(op.create_table('source_documents',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('path', sa.Text(), nullable=False, comment='Path of the file when it was first loaded.'),
    sa.Column('sha256', sa.String(length=64), nullable=False,
              comment="SHA-256 of the file's bytes, hex: identifies the document."),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False, comment='Size of the file in bytes.'),
    sa.Column('pages', sa.Integer(), nullable=True,
              comment="Number of pages, from the 'Page N of M' footers; NULL where none is printed."),
    sa.Column('raw_text', sa.Text(), nullable=True,
              comment='The full text the parser read (a text file decoded, line ends normalised); NULL where '
                      'no text form was kept.'),
    sa.Column('parser_version', sa.String(length=20), nullable=False,
              comment='tcps.PARSER_VERSION that read it: a newer parser re-reads older sources.'),
    sa.Column('warnings', sa.Text(), nullable=False,
              comment="What the parser could not place, as a JSON array of strings; '[]' for a clean parse."),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False, comment='When it was loaded (UTC).'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_documents')),
    sa.UniqueConstraint('sha256', name=op.f('uq_source_documents_sha256')),
    comment='Each summary file loaded, byte for byte identified by its SHA-256, with its full text: the '
            'evidence behind every project row.'
    ))
    tables.append(op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key, stable across reloads.'),
    sa.Column('title_key', sa.Text(), nullable=False,
              comment='The title case-folded, punctuation and status markers dropped, spaces collapsed: what '
                      'makes two summaries one project.'),
    sa.Column('title', sa.Text(), nullable=False, comment='The project title as printed.'),
    sa.Column('status', sa.String(length=9), nullable=True,
              comment="'closed' where marked (CLOSED), 'completed' where the duration says Completed, else "
                      "NULL."),
    sa.Column('program', sa.Text(), nullable=True, comment='The ILAB PROGRAM line, where printed.'),
    sa.Column('region', sa.Text(), nullable=True,
              comment='Region as printed (EUROPE, GLOBAL ...); NULL where only countries are printed.'),
    sa.Column('start_date', sa.String(length=10), nullable=True,
              comment='Start date in ISO 8601 at the printed precision: YYYY-MM-DD, or YYYY-MM where no day '
                      'is printed (no day is invented). Sorts as text.'),
    sa.Column('end_date', sa.String(length=10), nullable=True,
              comment='End date, same format and precision rule as start_date.'),
    sa.Column('dates_revised', sa.Boolean(), nullable=False,
              comment='True where the duration is marked (revised).'),
    sa.Column('problem', sa.Text(), nullable=True, comment='PROBLEM TO BE ADDRESSED text.'),
    sa.Column('results_kind', sa.String(length=7), nullable=True,
              comment="'results' or 'targets': which heading the results text had."),
    sa.Column('results_text', sa.Text(), nullable=True,
              comment='The RESULTS or TARGETS text; its counts are in the results table.'),
    sa.Column('contact_office', sa.Text(), nullable=True, comment='Contact office as printed.'),
    sa.Column('contact_phone', sa.Text(), nullable=True, comment='Contact telephone as printed.'),
    sa.Column('source_document_id', sa.Integer(), nullable=False,
              comment='The summary this row was loaded from (source_documents.id).'),
    sa.Column('record_sha256', sa.String(length=64), nullable=False,
              comment='SHA-256 of the parsed record: an equal record reloads as unchanged.'),
    sa.CheckConstraint("results_kind IN ('results', 'targets')", name=op.f('ck_projects_results_kind')),
    sa.CheckConstraint("status IN ('closed', 'completed')", name=op.f('ck_projects_status')),
    sa.ForeignKeyConstraint(['source_document_id'], ['source_documents.id'],
                            name=op.f('fk_projects_source_document_id_source_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('title_key', name=op.f('uq_projects_title_key')),
    comment='One row per project. Two summaries are the same project when their titles match ignoring case, '
            'punctuation, status markers and spacing (title_key); a newer summary updates the row.'
    ))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_source_document_id'), ['source_document_id'],
                              unique=False)

    tables.append(op.create_table('activities',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='Place of the activity in the summary, from 1, in printed order.'),
    sa.Column('text', sa.Text(), nullable=False, comment="The activity's text."),
    sa.Column('country_alpha3', sa.String(length=3), nullable=True,
              comment='Country subheading the item stands under (countries.alpha3); NULL where none.'),
    sa.ForeignKeyConstraint(['country_alpha3'], ['countries.alpha3'],
                            name=op.f('fk_activities_country_alpha3_countries')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_activities_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_activities')),
    comment='Summary of activities, one row per item, in printed order.'
    ))
    tables.append(op.create_table('funding',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='Place of the amount in the summary, from 1, in printed order.'),
    sa.Column('amount', sa.BigInteger(), nullable=False, comment='Amount in whole currency units.'),
    sa.Column('currency', sa.String(length=3), nullable=False, comment='ISO 4217 currency code ($ is USD).'),
    sa.Column('kind', sa.String(length=8), nullable=False,
              comment="'award' (a fiscal year's funding), 'total' (a stated Total:) or 'matching' (matching "
                      "funds or cost share)."),
    sa.CheckConstraint("kind IN ('award', 'total', 'matching')", name=op.f('ck_funding_kind')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_funding_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_funding')),
    comment="One row per amount stated in FISCAL YEAR & FUNDING LEVEL. A 'total' row restates the award "
            "rows: never add it to them."
    ))
    tables.append(op.create_table('objectives',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='Place of the objective in the summary, from 1, in printed order.'),
    sa.Column('level', sa.String(length=20), nullable=False,
              comment='development, intermediate, immediate, specific or outcome.'),
    sa.Column('text', sa.Text(), nullable=False, comment="The objective's text."),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_objectives_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_objectives')),
    comment='Project objectives, one row per item, in printed order.'
    ))
    tables.append(op.create_table('partners',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='0 for the grantee; implementing partners from 1 in printed order.'),
    sa.Column('organization_id', sa.Integer(), nullable=False,
              comment='The organisation (organizations.id).'),
    sa.Column('role', sa.String(length=12), nullable=False, comment="'grantee' or 'implementing'."),
    sa.Column('country_alpha3', sa.String(length=3), nullable=True,
              comment='Country the partner is listed under (countries.alpha3); NULL where none is stated.'),
    sa.Column('name', sa.Text(), nullable=False, comment='The name exactly as printed in this summary.'),
    sa.CheckConstraint("role IN ('grantee', 'implementing')", name=op.f('ck_partners_role')),
    sa.ForeignKeyConstraint(['country_alpha3'], ['countries.alpha3'],
                            name=op.f('fk_partners_country_alpha3_countries')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                            name=op.f('fk_partners_organization_id_organizations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_partners_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_partners')),
    comment='Organisations working on a project: its grantee (position 0) and its implementing partners '
            '(from position 1), with the country they work in.'
    ))
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_organization_id'), ['organization_id'], unique=False)

    tables.append(op.create_table('project_countries',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='Place of the country in the summary, from 1, in printed order.'),
    sa.Column('country_alpha3', sa.String(length=3), nullable=False,
              comment='The country (countries.alpha3).'),
    sa.ForeignKeyConstraint(['country_alpha3'], ['countries.alpha3'],
                            name=op.f('fk_project_countries_country_alpha3_countries')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                            name=op.f('fk_project_countries_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_project_countries')),
    sa.UniqueConstraint('project_id', 'country_alpha3',
                        name=op.f('uq_project_countries_project_id_country_alpha3')),
    comment="Recipient countries of each project, in printed order. A project's funding is not split by "
            "country: never sum funding over this table."
    ))
    with op.batch_alter_table('project_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_countries_country_alpha3'), ['country_alpha3'],
                              unique=False)

    tables.append(op.create_table('results',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('position', sa.Integer(), nullable=False,
              comment='Place of the count in the summary, from 1, in printed order.'),
    sa.Column('measure', sa.String(length=22), nullable=False,
              comment='withdrawn, prevented, withdrawn_or_prevented, served or reached.'),
    sa.Column('value', sa.BigInteger(), nullable=False, comment='The number of people.'),
    sa.Column('unit', sa.String(length=20), nullable=False,
              comment='What is counted: children, youth, households, families, adults, workers, people.'),
    sa.CheckConstraint("measure IN ('withdrawn', 'prevented', 'withdrawn_or_prevented', 'served', 'reached')",
                       name=op.f('ck_results_measure')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_results_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'position', name=op.f('pk_results')),
    comment="One row per count of people stated in the RESULTS or TARGETS text. A 'withdrawn_or_prevented' "
            "count covers both and may be followed by its split: do not add it to the withdrawn and "
            "prevented rows."
    ))
    tables.append(op.create_table('funding_fiscal_years',
    sa.Column('project_id', sa.Integer(), nullable=False, comment='The project (projects.id).'),
    sa.Column('funding_position', sa.Integer(), nullable=False,
              comment='The amount (funding.position of the same project).'),
    sa.Column('fiscal_year', sa.Integer(), nullable=False, comment='U.S. federal fiscal year, e.g. 2003.'),
    sa.ForeignKeyConstraint(['project_id', 'funding_position'], ['funding.project_id', 'funding.position'],
                            name=op.f('fk_funding_fiscal_years_project_id_funding'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'funding_position', 'fiscal_year',
                            name=op.f('pk_funding_fiscal_years')),
    comment='The fiscal years an amount is stated for. An amount stated for several years together (FY 1997 '
            '& FY1998) has several rows and cannot be split between them.'
    ))
    for table in tables:
        describe_table(op, table)


def downgrade() -> None:
    op.drop_table('funding_fiscal_years')
    op.drop_table('results')
    with op.batch_alter_table('project_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_countries_country_alpha3'))

    op.drop_table('project_countries')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_organization_id'))

    op.drop_table('partners')
    op.drop_table('objectives')
    op.drop_table('funding')
    op.drop_table('activities')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_source_document_id'))

    op.drop_table('projects')
    op.drop_table('source_documents')
    op.drop_table('organizations')
    op.drop_table('data_dictionary')
    op.drop_table('countries')
