"""Migrations on SQLite and PostgreSQL: pytest-alembic's standard tests plus data survival."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from pytest_alembic import Config
from pytest_alembic.tests import (test_model_definitions_match_ddl, test_single_head_revision,
                                  test_up_down_consistency, test_upgrade)

from databases import empty_database
from golds import ROOT, gold_records, load_golds, record_from_db, row_counts
import tcps
import tcps.db as db
from tcps.db import make_engine, upgrade_to_head
from tcps.load import find_project_id
from tcps.lock import LOCK_TABLE
from tcps.search import is_search_index

__all__ = ["test_model_definitions_match_ddl", "test_single_head_revision",
           "test_up_down_consistency", "test_upgrade"]


@pytest.fixture
def alembic_config() -> Config:
    """pytest-alembic's configuration: our migrations, the engine comes from alembic_engine."""
    return Config(config_options={"script_location": str(db.MIGRATIONS_DIR)})


@pytest.fixture
def alembic_engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_upgrade_to_head_twice_is_a_no_op(engine, request) -> None:
    """From the empty database of the dialect the test names (what db_url promises)."""
    assert engine.dialect.name == request.node.callspec.params["db_url"]
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    upgrade_to_head(engine)
    with engine.connect() as conn:
        before = sa.inspect(conn).get_table_names()
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == before
        assert "projects" in before


def test_loaded_data_survives_downgrade_of_latest_migration_and_upgrade(engine) -> None:
    upgrade_to_head(engine)
    load_golds(engine)
    with engine.connect() as conn:
        counts = row_counts(conn)
        totals = stored_totals(conn)

    command.downgrade(db.alembic_config(engine), "-1")
    upgrade_to_head(engine)

    with engine.connect() as conn:
        assert row_counts(conn) == counts
        # 0008 sums the rows in SQL: the loader stored the same totals
        assert stored_totals(conn) == totals and all(totals)
        for record, _ in gold_records():
            assert record_from_db(conn, find_project_id(conn, record.title)).to_dict() == record.to_dict()
        overview = conn.execute(sa.text("SELECT count(*) FROM project_overview")).scalar_one()
        assert overview == counts["projects"]


def stored_totals(conn) -> list[list[tuple]]:
    return [[tuple(row) for row in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2, 3"))]
            for table in ("project_totals", "fiscal_year_awards", "funding_years")]


def test_every_table_and_column_is_described(engine) -> None:
    upgrade_to_head(engine)
    with engine.connect() as conn:
        described = set(conn.execute(sa.text(
            "SELECT object_name, column_name FROM data_dictionary WHERE comment <> ''")).all())
        inspector = sa.inspect(conn)
        names = inspector.get_table_names() + inspector.get_view_names()
        for name in names:
            if name in ("alembic_version", LOCK_TABLE) or (
                    is_search_index(name) and name != "project_search"):
                continue  # bookkeeping; the tables behind the search index
            assert (name, "") in described, name
            for column in inspector.get_columns(name):
                assert (name, column["name"]) in described, (name, column["name"])
        if engine.dialect.name == "postgresql":  # stored natively there too
            assert inspector.get_table_comment("projects")["text"]
            assert all(c["comment"] for c in inspector.get_columns("projects"))
            assert all(c["comment"] for c in inspector.get_columns("project_overview"))


def head() -> str:
    return ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def test_alembic_command_line_upgrade_and_check(db_url: str) -> None:
    """`alembic upgrade head` from the repository root works, and finds nothing to autogenerate."""
    alembic = [str(Path(sys.executable).with_name("alembic")), "-x", f"db={db_url}"]
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(alembic + args, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == head()
    engine.dispose()


def test_postgresql_native_comments_are_the_data_dictionarys(postgres_url: str, request, tmp_path) -> None:
    """What psql's \\d+ shows is what tcps schema shows, for tables, views and the search index."""
    with empty_database(request, "postgresql", tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        with engine.connect() as conn:
            pairs = conn.execute(sa.text("""
                SELECT d.object_name, d.column_name, d.comment,
                       coalesce(CASE WHEN d.column_name = ''
                                     THEN obj_description(to_regclass(d.object_name), 'pg_class')
                                     ELSE col_description(to_regclass(d.object_name), a.attnum) END, '')
                FROM data_dictionary d
                LEFT JOIN pg_attribute a ON a.attrelid = to_regclass(d.object_name)
                                        AND a.attname = d.column_name""")).all()
        engine.dispose()
    assert {"project_search", "project_overview"} <= {name for name, *_ in pairs}
    assert [p for p in pairs if p[2] != p[3]] == []


def test_schema_head_constant_is_alembic_head() -> None:
    """upgrade_to_head trusts SCHEMA_HEAD to skip alembic: it must name the newest migration."""
    assert tcps.SCHEMA_HEAD == head()
