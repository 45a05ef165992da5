"""Connections as tcps makes them: the URL rule, SQLite's settings, savepoints."""
from __future__ import annotations

import sqlalchemy as sa

from tcps.config import DEFAULT_URL, ENV_VAR, database_url
from tcps.db import make_engine


def test_database_url_rule(monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert database_url() == DEFAULT_URL == "sqlite:///tcps.db"
    monkeypatch.setenv(ENV_VAR, "postgresql+psycopg://u@h/d")
    assert database_url() == "postgresql+psycopg://u@h/d"
    assert database_url("other.db") == "sqlite:///other.db"  # --db wins, a path is a SQLite file
    assert database_url("sqlite:////abs/x.db") == "sqlite:////abs/x.db"


def test_sqlite_connections_use_wal_normal_sync_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert (pragma("journal_mode"), pragma("synchronous"), pragma("foreign_keys")) == ("wal", 1, 1)
    engine.dispose()


def test_savepoints_nest_inside_the_transaction(db_url: str) -> None:
    """On SQLite this needs the BEGIN hooks: without them pysqlite sends no BEGIN before a first
    SAVEPOINT, so releasing it commits, and the outer rollback cannot undo row 1."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as conn:
        outer = conn.begin()
        savepoint = conn.begin_nested()
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        savepoint.commit()
        outer.rollback()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t VALUES (2)"))
        savepoint = conn.begin_nested()
        conn.execute(sa.text("INSERT INTO t VALUES (3)"))
        savepoint.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM t ORDER BY x")).scalars().all() == [2]
    engine.dispose()


def test_a_schema_our_migrations_do_not_know_is_a_configuration_error(tmp_path) -> None:
    """load and refresh check the schema's revision without alembic; an unknown one exits 2."""
    from click.testing import CliRunner

    from tcps.cli import cli
    from tcps.db import upgrade_to_head

    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'zzzz'"))
    engine.dispose()
    (tmp_path / "data").mkdir()
    for args in (["load", str(tmp_path / "data")], ["refresh", str(tmp_path / "data")]):
        result = CliRunner().invoke(cli, [*args, "--db", url])
        assert result.exit_code == 2, result.output
        assert "zzzz" in result.stderr and len(result.stderr.strip().splitlines()) == 1
