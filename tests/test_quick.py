"""The no-op refresh told on the database's own driver (tcps.quick), on SQLite and PostgreSQL:
it writes what the full refresh writes, imports no SQLAlchemy, and steps aside, writing
nothing, whenever the run could be anything but a no-op."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from test_load import worker_processes
from test_refresh import lock_held_for, refresh, rows, summaries, summary_bytes, write_summary
from tcps.cli import cli
from tcps.errors import LockHeld
from tcps.lock import writer_lock
from tcps.models import load_runs
from tcps.quick import unchanged_run
from tcps.refresh import refresh as full_refresh
from tcps.watch import examine, examining
from tcps.workers import PARALLEL_FROM, InOrder


@pytest.fixture
def folder(db_url: str, tmp_path: Path) -> Path:
    """Three summaries, refreshed once: the next refresh of the folder has nothing to do."""
    folder = tmp_path / "data"
    summaries(folder, 3)
    result, _ = refresh(db_url, folder)
    assert result.exit_code == 0, result.output
    return folder


def test_a_noop_refresh_imports_no_sqlalchemy_and_logs_its_run_as_the_full_refresh(db_url, engine,
                                                                                   folder) -> None:
    with engine.begin() as conn:  # a run killed part-way: the next run marks it interrupted
        conn.execute(load_runs.insert().values(started=datetime.now(timezone.utc), status="running",
                                               folder="/x", parser_version="1", seen=0, new=0,
                                               changed=0, unchanged=0, removed=0, failed=0, pruned=0))
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from tcps.cli import main; main()",
                           "refresh", str(folder), "--db", db_url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "3 seen, 0 new, 0 changed, 3 unchanged, 0 removed, 0 failed, 0 pruned; ok" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "tcps.quick" in imported and "sqlalchemy" not in imported
    with engine.connect() as conn:
        assert conn.execute(sa.select(load_runs.c.status).order_by(load_runs.c.id)).scalars().all() \
            == ["ok", "interrupted", "ok"]

    full_refresh(engine, folder)  # the same no-op, by the full refresh
    with engine.connect() as conn:
        first, _, quick, full = conn.execute(sa.select(load_runs).order_by(load_runs.c.id)).all()
        stored = conn.exec_driver_sql("SELECT started, finished FROM load_runs").all()
    assert first.new == 3 and quick.status == "ok" and quick.unchanged == 3
    assert _but_times(quick) == _but_times(full)
    assert {type(t) for run in (quick, full) for t in (run.started, run.finished)} == {type(full.started)}
    if engine.dialect.name == "sqlite":  # as SQLAlchemy writes a time on SQLite: text, no zone
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", t) for row in stored for t in row
                   if t is not None)
    runs = json.loads(CliRunner().invoke(cli, ["runs", "--db", db_url, "--json"]).stdout)
    assert [r["status"] for r in runs] == ["ok", "ok", "interrupted", "ok"]


def _but_times(run: sa.Row) -> dict:
    return {k: v for k, v in run._asdict().items() if k not in ("id", "started", "finished")}


def _touch(folder: Path, engine: sa.Engine) -> None:
    path = folder / "summary_0000.txt"
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))


def _unreadable(folder: Path, engine: sa.Engine) -> None:
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")


def _older_parser(folder: Path, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE watched_files SET parser_version = '0'")


def _below_head(folder: Path, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0012'")


ANYTHING_ELSE = {
    "a new file": lambda folder, engine: write_summary(folder, 7),
    "a touched file": _touch,
    "a removed file": lambda folder, engine: (folder / "summary_0001.txt").unlink(),
    "a file that cannot be read": _unreadable,
    "a file read by an older parser": _older_parser,
    "a schema below head": _below_head,
}


@pytest.mark.parametrize("change", ANYTHING_ELSE)
def test_anything_but_a_noop_is_left_to_the_full_refresh_with_nothing_written(db_url, engine, folder,
                                                                              change) -> None:
    ANYTHING_ELSE[change](folder, engine)
    before = rows(engine)
    to_read = unchanged_run(db_url, folder.resolve())
    assert to_read is None if change == "a schema below head" else isinstance(to_read, list)
    assert rows(engine) == before


def test_the_files_it_found_to_read_are_read_ahead_for_the_full_refresh(db_url, engine, folder) -> None:
    (folder / "summary_0001.txt").write_bytes(summary_bytes(1) + b"\nA line more.\n")
    write_summary(folder, 7)
    to_read = unchanged_run(db_url, folder.resolve())
    root = folder.resolve()
    assert [(stat.path, known is None) for stat, known in to_read] == \
        [(str(root / "summary_0001.txt"), False), (str(root / "summary_0007.txt"), True)]
    examined = []

    def examine_here(file):  # in this process (one job), so that the calls can be counted
        examined.append(file)
        return examine(file)

    with InOrder(examine_here, to_read, jobs=1) as reading:
        report = full_refresh(engine, folder, reading=reading)
    assert examined == to_read  # the reading begun ahead, not one of its own
    assert (len(report.new), len(report.changed), report.unchanged) == (1, 1, 2)


def test_the_cli_begins_reading_before_it_imports_sqlalchemy_and_reads_once(db_url, folder) -> None:
    for number in range(3, 3 + PARALLEL_FROM):  # enough for a worker
        write_summary(folder, number)
    spy = """
import sys
import tcps.quick, tcps.watch
from tcps.cli import main
readings = []
def examining(to_read, *args, _examining=tcps.watch.examining):
    readings.append(("sqlalchemy" in sys.modules, len(to_read)))
    return _examining(to_read, *args)
tcps.quick.examining = tcps.watch.examining = examining
try:
    main()
finally:
    print(readings)
"""
    done = subprocess.run([sys.executable, "-c", spy, "refresh", str(folder), "--db", db_url],
                          capture_output=True, text=True)
    assert f"{PARALLEL_FROM} new, 0 changed, 3 unchanged" in done.stdout, done.stderr
    assert done.stdout.splitlines()[-1] == f"[(False, {PARALLEL_FROM})]"


def test_a_reading_begun_before_another_writer_ran_is_not_taken(db_url, engine, folder) -> None:
    for number in range(3, 3 + PARALLEL_FROM):  # enough for a worker
        write_summary(folder, number)
    to_read = unchanged_run(db_url, folder.resolve())
    full_refresh(engine, folder)  # another refresh, between the check and the full refresh
    with examining(to_read) as reading:
        report = full_refresh(engine, folder, reading=reading)
        assert not worker_processes()  # the reading's, stopped
    assert (report.new, report.changed, report.unchanged) == ([], [], 3 + PARALLEL_FROM)


def test_a_file_another_refresh_loaded_meanwhile_is_not_reported_removed(db_url, engine, folder) -> None:
    """The folder is walked again under the lock: what the check saw may be out of date."""
    write_summary(folder, 7)
    to_read = unchanged_run(db_url, folder.resolve())
    write_summary(folder, 8)      # arrives after the check's walk
    full_refresh(engine, folder)  # another refresh, between the check and the full refresh
    with examining(to_read) as reading:
        report = full_refresh(engine, folder, reading=reading)
    assert (report.seen, report.removed, report.unchanged) == (5, [], 5)


def test_a_file_removed_while_the_refresh_waited_for_the_lock_is_removed_not_failed(db_url, engine,
                                                                                    folder) -> None:
    """A changed file deleted between the check and the full refresh (which may wait for the lock
    up to --wait seconds) is gone, as a refresh that walks the folder under its lock sees it."""
    changed = folder / "summary_0001.txt"
    changed.write_bytes(summary_bytes(1) + b"\nA line more.\n")
    to_read = unchanged_run(db_url, folder.resolve())
    changed.unlink()
    with examining(to_read) as reading:
        report = full_refresh(engine, folder, reading=reading)
    assert (report.failed, report.removed) == ({}, [str(changed.resolve())])


def test_the_lock_is_free_once_the_check_returns(db_url, engine, folder) -> None:
    """The full refresh takes the lock right after the check without waiting (NOWAIT on
    PostgreSQL): the check has let go of it by the time it returns. A PostgreSQL server ends a
    closed connection's transaction (and its row lock) only after the client's close returns,
    so the check rolls back first; without that this fails about one time in two."""
    write_summary(folder, 7)
    for _ in range(100):  # the engine's pooled connection is open already from the second on
        assert isinstance(unchanged_run(db_url, folder.resolve()), list)
        with writer_lock(engine):
            pass


def test_a_database_it_does_not_open_itself_is_left_to_the_full_refresh(tmp_path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 1)
    missing = tmp_path / "new.db"
    for url in (f"sqlite:///{missing}", f"sqlite:///{missing}?mode=rwc", "sqlite://",
                "postgresql://nobody@127.0.0.1:1/none", "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        assert unchanged_run(url, folder) is None
    assert not missing.exists()


def test_a_noop_refresh_steps_aside_while_another_writer_holds_the_lock_or_waits(db_url, engine,
                                                                                 folder) -> None:
    with writer_lock(engine), pytest.raises(LockHeld, match="another load or refresh"):
        unchanged_run(db_url, folder.resolve())
    with lock_held_for(engine, 0.3):
        report = unchanged_run(db_url, folder.resolve(), wait=10)
    assert report is not None and report.unchanged == 3
