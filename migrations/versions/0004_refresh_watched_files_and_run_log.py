"""tcps refresh: the files it watches (watched_files) and the log of its runs (load_runs, load_errors).

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 20:54:09

There is no 0003: the full-text search migration had that number on its branch and was renumbered
0005 when it landed after this one.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from tcps.dictionary import describe_table, forget

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    runs = op.create_table('load_runs',
    sa.Column('id', sa.Integer(), nullable=False, comment='Run number, increasing.'),
    sa.Column('started', sa.DateTime(timezone=True), nullable=False, comment='Start (UTC).'),
    sa.Column('finished', sa.DateTime(timezone=True), nullable=True,
              comment='End (UTC); NULL while running or when the run was killed.'),
    sa.Column('status', sa.String(length=11), nullable=False,
              comment='running; ok (every file loaded); failed (some files failed, see load_errors); '
                      'interrupted (killed before it finished).'),
    sa.Column('folder', sa.Text(), nullable=False, comment='Absolute path of the folder refreshed.'),
    sa.Column('parser_version', sa.String(length=20), nullable=False,
              comment='tcps.PARSER_VERSION of the run.'),
    sa.Column('seen', sa.Integer(), nullable=False, comment='Summary files found in the folder.'),
    sa.Column('new', sa.Integer(), nullable=False, comment='Files loaded for the first time.'),
    sa.Column('changed', sa.Integer(), nullable=False,
              comment='Files loaded again: their bytes changed, or an older parser had read them.'),
    sa.Column('unchanged', sa.Integer(), nullable=False, comment='Files left as they were.'),
    sa.Column('removed', sa.Integer(), nullable=False,
              comment='Files loaded before that are no longer in the folder.'),
    sa.Column('failed', sa.Integer(), nullable=False,
              comment='Files that could not be loaded (load_errors).'),
    sa.Column('pruned', sa.Integer(), nullable=False,
              comment='Projects deleted by --prune because every file loaded into them has gone.'),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')",
                       name=op.f('ck_load_runs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_load_runs')),
    comment="One row per tcps refresh: when, what it saw and what it did. A run killed part-way keeps "
            "finished NULL; the next refresh marks it 'interrupted'."
    )
    errors = op.create_table('load_errors',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('run_id', sa.Integer(), nullable=False, comment='The run (load_runs.id).'),
    sa.Column('path', sa.Text(), nullable=False, comment='Absolute path of the file.'),
    sa.Column('message', sa.Text(), nullable=False, comment='Why it could not be loaded.'),
    sa.ForeignKeyConstraint(['run_id'], ['load_runs.id'], name=op.f('fk_load_errors_run_id_load_runs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_load_errors')),
    comment='Each file a refresh could not load, with the reason: fix the file and the next refresh loads it.'
    )
    with op.batch_alter_table('load_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_load_errors_run_id'), ['run_id'], unique=False)

    watched = op.create_table('watched_files',
    sa.Column('path', sa.Text(), nullable=False, comment='Absolute path of the file.'),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False, comment='Size in bytes when last read.'),
    sa.Column('mtime_ns', sa.BigInteger(), nullable=False,
              comment='Modification time (ns since the epoch) when last read: with the size, lets a refresh '
                      'skip an unchanged file without reading it.'),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the bytes last loaded.'),
    sa.Column('parser_version', sa.String(length=20), nullable=False,
              comment='tcps.PARSER_VERSION that parsed it: a newer parser parses it again.'),
    sa.Column('project_id', sa.Integer(), nullable=True,
              comment='The project it was loaded into (projects.id); refresh --prune deletes a project once '
                      'every file loaded into it has gone.'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                            name=op.f('fk_watched_files_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('path', name=op.f('pk_watched_files')),
    comment='Every summary file tcps refresh has loaded, by absolute path, as it was then: what the next '
            'refresh compares the folder with.'
    )
    with op.batch_alter_table('watched_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watched_files_project_id'), ['project_id'], unique=False)

    for table in (runs, errors, watched):
        describe_table(op, table)


def downgrade() -> None:
    for name in ('watched_files', 'load_errors', 'load_runs'):
        forget(op, name)
    with op.batch_alter_table('watched_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watched_files_project_id'))

    op.drop_table('watched_files')
    with op.batch_alter_table('load_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_load_errors_run_id'))

    op.drop_table('load_errors')
    op.drop_table('load_runs')
