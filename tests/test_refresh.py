"""tcps refresh on SQLite and PostgreSQL: incremental, idempotent, exclusive, safe when killed.

Every test runs the real command (click's CliRunner, or a subprocess where two processes or a
kill are the point) against a real database from the ``db_url`` fixture. The summaries are
copies of corpus files given distinct titles, so each copy is a project of its own.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from databases import empty_database
from golds import CORPUS, record_from_db
from tcps import PARSER_VERSION
from tcps.cli import cli
from tcps.load import find_project_id, load_paths
from tcps.lock import writer_lock
from tcps.models import CHILD_TABLES, metadata
from tcps.parse import parse_bytes
from tcps.workers import PARALLEL_FROM

TITLE_LABEL = re.compile(rb"^PROJECT TITLE\t", re.M)
PROBLEM_LABEL = re.compile(rb"^PROBLEM TO BE ADDRESSED\t", re.M)
# The corpus files whose title is one TAB-separated line, so a prefix makes a new title.
ORIGINALS = [data for data in (p.read_bytes() for p in sorted(CORPUS.glob("*.txt")))
             if TITLE_LABEL.search(data)]


def summary_bytes(number: int) -> bytes:
    """Summary ``number``: a corpus file whose title starts with ``Batch <number>``."""
    data = ORIGINALS[number % len(ORIGINALS)]
    title = TITLE_LABEL.search(data).end()
    return data[:title] + f"Batch {number} ".encode() + data[title:]


def write_summary(folder: Path, number: int) -> Path:
    path = folder / f"summary_{number:04d}.txt"
    path.write_bytes(summary_bytes(number))
    return path


def summaries(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_summary(folder, n) for n in range(count)]


def title_of(number: int) -> str:
    return parse_bytes(summary_bytes(number)).title


def refresh(db_url: str, folder: Path, *options: str):
    """Run ``tcps refresh --json`` in-process; return the result and its parsed summary."""
    result = CliRunner().invoke(cli, ["refresh", str(folder), "--db", db_url, "--json", *options])
    summary = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result, summary


def refresh_process(db_url: str, folder: Path) -> subprocess.Popen:
    """``tcps refresh`` as a process of its own, as cron starts it."""
    return subprocess.Popen([sys.executable, "-c", "from tcps.cli import main; main()",
                             "refresh", str(folder), "--db", db_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def lock_held_for(engine: sa.Engine, seconds: float) -> Iterator[None]:
    """Another writer holds the database's lock when the body starts, and lets go of it
    ``seconds`` later."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(engine):
            held.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    threading.Timer(seconds, release.set).start()
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.fixture
def engine(db_url: str):
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def other_db_url(request, tmp_path: Path):
    """A second empty database of the same dialect as ``db_url`` (for a clean load to compare)."""
    folder = tmp_path / "clean"
    folder.mkdir()
    with empty_database(request, request.node.callspec.params["db_url"], folder) as url:
        yield url


def rows(engine: sa.Engine, *, but: tuple[str, ...] = ()) -> dict[str, list]:
    """Every row of every table, ids included: to prove that nothing was written."""
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(sa.select(table))), key=repr)
                for name, table in metadata.tables.items() if name not in but}


# Surrogate keys and load times differ between two loads of the same files (a PostgreSQL
# sequence even skips the ids of a killed transaction); everything else must be equal.
VOLATILE = {"id", "project_id", "organization_id", "source_document_id", "run_id", "loaded_at"}


def _stable(table: sa.Table) -> sa.Select:
    """The table's rows without surrogate keys; its number of rows where it holds only keys."""
    columns = [c for c in table.c if c.name not in VOLATILE]
    return sa.select(*columns) if columns else sa.select(sa.func.count()).select_from(table)


def run_statuses(engine: sa.Engine) -> list[str]:
    """The status of every run in load_runs, oldest first."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT status FROM load_runs ORDER BY id")).scalars().all()


def content(engine: sa.Engine) -> dict[str, list]:
    """The database's content without surrogate keys, plus every project's rebuilt record."""
    with engine.connect() as conn:
        out = {name: sorted((tuple(row) for row in conn.execute(_stable(table))), key=repr)
               for name, table in metadata.tables.items()
               if name not in ("load_runs", "load_errors")}
        ids = conn.execute(sa.text("SELECT id FROM projects")).scalars()
        out["records"] = sorted((record_from_db(conn, i).to_dict() for i in ids), key=repr)
    return out


def test_a_second_refresh_reads_nothing_and_writes_only_its_run(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    files = summaries(folder, 5)
    result, first = refresh(db_url, folder)
    assert result.exit_code == 0, result.output
    assert first["counts"] == {"seen": 5, "new": 5, "changed": 0, "unchanged": 0, "removed": 0,
                               "failed": 0, "pruned": 0}
    before = rows(engine, but=("load_runs",))

    # Same size and mtime but other bytes: the cheap check passes it without reading it.
    stat = files[0].stat()
    files[0].write_bytes(files[0].read_bytes().replace(b"Batch 0 ", b"Batch X "))
    os.utime(files[0], ns=(stat.st_atime_ns, stat.st_mtime_ns))

    result = CliRunner().invoke(cli, ["refresh", str(folder), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1  # no terminal: one summary line
    assert "5 seen, 0 new, 0 changed, 5 unchanged, 0 removed, 0 failed" in result.stdout
    assert rows(engine, but=("load_runs",)) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status, seen, unchanged FROM load_runs ORDER BY id")).all() \
            == [("ok", 5, 0), ("ok", 5, 5)]

    runs = json.loads(CliRunner().invoke(cli, ["runs", "--db", db_url, "--json"]).stdout)
    assert [(r["id"], r["new"], r["unchanged"]) for r in runs] == [(2, 0, 5), (1, 5, 0)]


def test_touched_and_older_parser_files_are_read_again_but_stay_unchanged(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    files = summaries(folder, 3)
    refresh(db_url, folder)
    os.utime(files[0], ns=(0, files[0].stat().st_mtime_ns + 10**9))  # touched: same bytes
    with engine.begin() as conn:  # as if an older parser had read the second file
        conn.execute(sa.text("UPDATE watched_files SET parser_version = '0' WHERE path = :p"),
                     {"p": str(files[1])})
    projects = rows(engine, but=("load_runs", "watched_files"))

    result, summary = refresh(db_url, folder)
    assert result.exit_code == 0, result.output
    assert summary["counts"]["unchanged"] == 3
    assert rows(engine, but=("load_runs", "watched_files")) == projects
    with engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT parser_version FROM watched_files")).scalars()) \
            == {PARSER_VERSION}
        assert conn.execute(sa.text("SELECT mtime_ns FROM watched_files WHERE path = :p"),
                            {"p": str(files[0])}).scalar_one() == files[0].stat().st_mtime_ns


def test_one_changed_one_new_one_removed_then_pruned(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    files = summaries(folder, 4)
    refresh(db_url, folder)

    problem = PROBLEM_LABEL.search(files[0].read_bytes()).end()
    data = files[0].read_bytes()
    files[0].write_bytes(data[:problem] + b"Revised. " + data[problem:])
    added = write_summary(folder, 4)
    files[1].unlink()

    before = rows(engine)
    result, summary = refresh(db_url, folder, "--dry-run", "--prune")
    assert (summary["new"], summary["changed"], summary["removed"], summary["pruned"]) == \
        ([str(added)], [str(files[0])], [str(files[1])], [title_of(1)])
    assert rows(engine) == before
    result, summary = refresh(db_url, folder)
    assert result.exit_code == 0, result.output
    assert (summary["new"], summary["changed"], summary["removed"], summary["pruned"]) == \
        ([str(added)], [str(files[0])], [str(files[1])], [])
    assert summary["counts"]["unchanged"] == 2
    with engine.connect() as conn:
        assert record_from_db(conn, find_project_id(conn, title_of(0))).problem.startswith("Revised. ")
        assert find_project_id(conn, title_of(4)) is not None
        gone = find_project_id(conn, title_of(1))
        assert gone is not None  # reported, kept until --prune

    result, summary = refresh(db_url, folder, "--prune")
    assert result.exit_code == 0, result.output
    assert summary["removed"] == [str(files[1])]
    assert summary["pruned"] == [title_of(1)]
    with engine.connect() as conn:
        assert find_project_id(conn, title_of(1)) is None
        for table in CHILD_TABLES:
            assert conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.project_id == gone)).scalar_one() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 4
        assert conn.execute(sa.text("SELECT count(*) FROM project_search")).scalar_one() == 4
    _, summary = refresh(db_url, folder)
    assert summary["counts"]["removed"] == 0


def test_prune_converges_to_a_clean_load(db_url, other_db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    files = summaries(folder, 4)
    refresh(db_url, folder)
    files[1].unlink()
    files[2].write_bytes(files[2].read_bytes().replace(b"Batch 2 ", b"Retitled 2 ", 1))

    result, summary = refresh(db_url, folder, "--prune")
    assert result.exit_code == 0, result.output
    assert summary["pruned"] == sorted([title_of(1), title_of(2)])
    clean = sa.create_engine(other_db_url)
    try:
        refresh(other_db_url, folder)
        assert content(engine) == content(clean)
    finally:
        clean.dispose()


def test_dry_run_writes_nothing(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 2)
    (folder / "empty.txt").write_bytes(b"")
    if db_url.startswith("sqlite"):  # a dry run needs the file to exist (see test_cli_load.py)
        sqlite3.connect(sa.make_url(db_url).database).close()
    result, summary = refresh(db_url, folder, "--dry-run")
    assert result.exit_code == 1
    assert (summary["run"], summary["counts"]["new"], summary["counts"]["failed"]) == (None, 2, 1)
    assert sa.inspect(engine).get_table_names() == []  # not even migrated
    result, summary = refresh(db_url, folder, "--dry-run", "--prune")
    assert result.exit_code == 1, result.output
    assert (summary["counts"]["new"], summary["pruned"]) == (2, [])
    assert sa.inspect(engine).get_table_names() == []


def test_bad_files_beside_good_ones(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    good = summaries(folder, 3)
    bad = {folder / "empty.txt": b"",
           folder / "binary.txt": bytes(range(256)),
           folder / "letter.txt": b"Dear colleagues,\nplease find the summaries attached.\n"}
    for path, data in bad.items():
        path.write_bytes(data)

    result, summary = refresh(db_url, folder)
    assert result.exit_code == 1
    assert summary["status"] == "failed"
    assert summary["counts"]["new"] == len(good) and summary["counts"]["failed"] == len(bad)
    for path in bad:
        assert f"error: {path}: " in result.stderr
    with engine.connect() as conn:
        assert {find_project_id(conn, title_of(n)) is not None for n in range(3)} == {True}
        errors = dict(conn.execute(sa.text(
            "SELECT e.path, e.message FROM load_errors e JOIN load_runs r ON r.id = e.run_id "
            "WHERE r.status = 'failed'")).all())
    assert set(errors) == {str(p) for p in bad}
    assert errors[str(folder / "empty.txt")] == "empty file"
    assert "binary" in errors[str(folder / "binary.txt")]
    assert "not a project summary" in errors[str(folder / "letter.txt")]


def test_many_files_are_read_in_worker_processes_with_the_same_outcomes(db_url, engine, tmp_path) -> None:
    """From PARALLEL_FROM files to read, a refresh reads them in worker processes: each file's
    outcome is what one read here gives, bad files failing with their reasons, a touched file
    (read again, same bytes) unchanged with its new mtime kept."""
    folder = tmp_path / "data"
    good = summaries(folder, PARALLEL_FROM)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "letter.txt").write_bytes(b"Dear colleagues,\nplease find the summaries attached.\n")
    result, summary = refresh(db_url, folder)
    assert result.exit_code == 1
    assert summary["counts"]["new"] == len(good) and summary["counts"]["failed"] == 2
    assert f"error: {folder / 'empty.txt'}: empty file" in result.stderr
    assert f"error: {folder / 'letter.txt'}: not a project summary" in result.stderr
    for path in good:
        os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    result, summary = refresh(db_url, folder)
    assert summary["counts"]["unchanged"] == len(good) and summary["counts"]["failed"] == 2
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == len(good)
        assert conn.execute(sa.text("SELECT mtime_ns FROM watched_files WHERE path = :p"),
                            {"p": str(good[-1])}).scalar_one() == good[-1].stat().st_mtime_ns


def test_a_refresh_exits_75_while_another_holds_the_lock_or_waits(db_url, engine, tmp_path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 1)
    with writer_lock(engine):
        result = CliRunner().invoke(cli, ["refresh", str(folder), "--db", db_url])
        assert result.exit_code == 75
        assert result.stderr.startswith("warning: skipped: another load or refresh")
        assert len(result.stderr.splitlines()) == 1
        with engine.connect() as conn:  # the holder brought the schema to head; nothing else ran
            assert conn.execute(sa.text("SELECT count(*) FROM load_runs")).scalar() == 0

    with lock_held_for(engine, 0.5):
        result = CliRunner().invoke(cli, ["refresh", str(folder), "--db", db_url, "--wait", "10"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.stdout


# Enough summaries that a refresh is still running when a second one starts or when it is
# killed after its first KILL_AFTER files, and reads them in worker processes (which must die
# with it: a worker left behind would hold the lock).
MANY, KILL_AFTER = 70, 5


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("many") / "data"
    summaries(folder, MANY)
    return folder


def test_two_refreshes_started_together(db_url, engine, many) -> None:
    first, second = refresh_process(db_url, many), refresh_process(db_url, many)
    codes = sorted([first.wait(), second.wait()])
    assert codes == [0, 75], (first.stderr.read(), second.stderr.read())
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM load_runs")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == MANY


def test_killed_refresh_then_refresh_equals_a_clean_load(db_url, other_db_url, engine, many) -> None:
    process = refresh_process(db_url, many)
    deadline = time.monotonic() + 60
    loaded = 0
    while loaded < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            with engine.connect() as conn:
                loaded = conn.execute(sa.text("SELECT count(*) FROM watched_files")).scalar_one()
        except sa.exc.DBAPIError:  # not migrated yet
            continue
    process.send_signal(signal.SIGKILL)
    process.wait()
    with engine.connect() as conn:
        assert KILL_AFTER <= conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() < MANY
        assert conn.execute(sa.text("SELECT status, finished FROM load_runs")).all() == [("running", None)]

    # PostgreSQL lets go of the killed run's row lock once its connection is closed by every
    # process that shares it: the workers die by the kernel's signal a moment after the refresh.
    result, summary = refresh(db_url, many, "--wait", "10")
    assert result.exit_code == 0, result.output
    assert summary["counts"]["new"] + summary["counts"]["unchanged"] == MANY
    assert run_statuses(engine) == ["interrupted", "ok"]

    clean_engine = sa.create_engine(other_db_url)
    try:
        assert refresh(other_db_url, many)[0].exit_code == 0
        assert content(engine) == content(clean_engine)
    finally:
        clean_engine.dispose()


# --- database errors (SQLite triggers stand in for a database that refuses a write) -----------

def abort_inserts_into(url: str, table: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                             "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"))
    engine.dispose()


def refusing_summary_2(url: str) -> sa.Engine:
    """The SQLite database ``url`` at head, refusing the last write (its project_totals row) of
    summary 2; an engine on it."""
    assert CliRunner().invoke(cli, ["db", "upgrade", "--db", url]).exit_code == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TRIGGER refuse BEFORE INSERT ON project_totals "
            "WHEN (SELECT title FROM projects WHERE id = NEW.project_id) LIKE 'Batch 2 %' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"))
    return engine


def test_a_summary_refused_in_a_batch_leaves_nothing_and_the_others_load(tmp_path) -> None:
    """tcps load commits summaries in batches, each in a savepoint: the one whose last write
    (its project_totals row) the database refuses leaves no row, the others of its batch load."""
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    files = summaries(tmp_path / "data", 5)
    engine = refusing_summary_2(url)
    report = load_paths(engine, [tmp_path / "data"], jobs=1)
    assert len(report.added) == 4 and [(e.path, "refused by a test trigger" in e.reason)
                                        for e in report.failed] == [(str(files[2]), True)]
    with engine.connect() as conn:
        assert find_project_id(conn, title_of(2)) is None
        counts = {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("projects", "source_documents", "project_sources", "project_totals")}
        assert counts == dict.fromkeys(counts, 4)
    engine.dispose()


def test_a_summary_refused_in_a_refresh_batch_fails_alone_and_loads_next_time(tmp_path) -> None:
    """A refresh writes its summaries in batches, each with its watched row in a savepoint of
    its own: the one the database refuses fails alone, and only it is read again next time."""
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    folder = tmp_path / "data"
    files = summaries(folder, 5)
    engine = refusing_summary_2(url)
    result, summary = refresh(url, folder)
    assert result.exit_code == 1 and summary["counts"]["new"] == 4, result.output
    assert [f["path"] for f in summary["failed"]] == [str(files[2])]
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER refuse"))
    result, summary = refresh(url, folder)
    assert result.exit_code == 0 and summary["new"] == [str(files[2])], result.output
    assert summary["counts"]["unchanged"] == 4
    engine.dispose()


def test_a_file_whose_watched_row_is_refused_fails_whole(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    assert refresh(url, summaries(tmp_path / "first", 1)[0].parent)[0].exit_code == 0
    abort_inserts_into(url, "watched_files")
    folder = tmp_path / "data"
    summaries(folder, 2)
    result, summary = refresh(url, folder)
    assert result.exit_code == 1 and summary is not None, result.output  # a report, no traceback
    assert summary["counts"]["failed"] == 2 and "refused by a test trigger" in result.stderr
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # the summaries rolled back with their watched rows
        assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 1
    assert run_statuses(engine) == ["ok", "failed"]
    engine.dispose()


def test_an_error_that_stops_the_run_closes_it_as_failed(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    folder = tmp_path / "data"
    summaries(folder, 1)
    assert refresh(url, folder)[0].exit_code == 0
    abort_inserts_into(url, "load_errors")  # so logging a bad file fails
    (folder / "empty.txt").write_bytes(b"")
    result, _ = refresh(url, folder)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("error: refresh stopped, the database failed: "
                             "refused by a test trigger\n")
    engine = sa.create_engine(url)
    assert run_statuses(engine) == ["ok", "failed"]
    engine.dispose()


def test_runs_prints_in_the_formats_of_tcps_sql(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    folder = tmp_path / "data"
    summaries(folder, 1)
    refresh(url, folder)
    refresh(url, folder)
    lines = CliRunner().invoke(cli, ["runs", "--db", url, "--format", "csv"]).stdout.splitlines()
    assert lines[0].startswith("id,started,finished,status,parser_version,seen,new,changed,")
    assert [line.split(",")[:1] + line.split(",")[3:4] for line in lines[1:]] == [["2", "ok"], ["1", "ok"]]
    result = CliRunner().invoke(cli, ["runs", "--db", url, "--limit", "1", "-o", str(tmp_path / "runs.json")])
    assert result.exit_code == 0 and result.stdout == ""
    (run,) = json.loads((tmp_path / "runs.json").read_text())
    assert (run["id"], run["status"], run["unchanged"]) == (2, "ok", 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", run["started"])


def test_summary_files_takes_summaries_by_suffix_in_path_component_order(tmp_path) -> None:
    """The one walk of tcps load and tcps refresh: summaries by their ending in any case, a
    folder's files in the order of their path components ("a/x" before "a-b/x")."""
    from tcps.sources import summary_files

    for name in ("a/x.txt", "a-b/x.txt", "A.txt", "b.PDF", "c.json", "d.txt/e.txt", ".hidden/f.txt",
                 "g.html", "h.HTM"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert summary_files([f"{tmp_path}/", tmp_path / "c.json"]).files == [
        str(tmp_path / name) for name in (".hidden/f.txt", "A.txt", "a/x.txt", "a-b/x.txt", "b.PDF",
                                          "d.txt/e.txt", "g.html", "h.HTM", "c.json")]
