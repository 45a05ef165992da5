"""The loader on SQLite and PostgreSQL, driven by the corpus's gold records."""
from __future__ import annotations

import copy
import hashlib
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from golds import CORPUS, gold_records, load_golds, record_from_db, row_counts
from test_hostile import children_of
from tcps.errors import FileError
from tcps.keys import name_key, organization_key, title_key
from tcps.load import Loader, find_project_id
from tcps.sources import SourceFile
from tcps.workers import PARALLEL_FROM, WORKER_NICENESS, parse_in_order
from tcps.record import Funding, Partner

PROJECT_IDS = "SELECT id, title_key, source_document_id FROM projects ORDER BY id"


@pytest.fixture
def loaded(engine):
    """A database at head holding the whole corpus."""
    assert load_golds(engine) == ["added"] * len(gold_records())
    return engine


def _gold(prefix: str):
    return next((r, s) for r, s in gold_records() if s.path.rsplit("/", 1)[1].startswith(prefix))


def _revised(record, source, **changes):
    """The record of a newer summary of the same project (other bytes, other sha256)."""
    record = copy.deepcopy(record)
    for key, value in changes.items():
        setattr(record, key, value)
    data = source.text.encode() + b"\nrevised\n"
    record.source.sha256 = hashlib.sha256(data).hexdigest()
    return record, SourceFile(source.path.replace(".txt", "_revised.txt"), len(data), data.decode(), "text")


def test_every_record_round_trips_through_the_database(loaded) -> None:
    with loaded.connect() as conn:
        for record, _ in gold_records():
            assert record_from_db(conn, find_project_id(conn, record.title)).to_dict() == record.to_dict()


def test_loading_again_changes_nothing(loaded) -> None:
    with loaded.connect() as conn:
        counts = row_counts(conn)
        ids = conn.execute(sa.text(PROJECT_IDS)).all()
        loaded_at = conn.execute(sa.text("SELECT loaded_at FROM source_documents ORDER BY id")).all()
    assert load_golds(loaded) == ["unchanged"] * len(gold_records())
    with loaded.connect() as conn:
        assert row_counts(conn) == counts
        assert conn.execute(sa.text(PROJECT_IDS)).all() == ids
        assert conn.execute(sa.text("SELECT loaded_at FROM source_documents ORDER BY id")).all() == loaded_at


def test_a_revised_summary_updates_its_project_and_replaces_its_children(loaded) -> None:
    record, source = _gold("seed_004")
    revised, revised_source = _revised(
        record, source, title=record.title.lower() + "  (CLOSED)",
        partners=[Partner("KAZ", "Union of Crisis Centers"), Partner(None, "A New Partner Ltd")],
        funding=record.funding[:0])
    with loaded.connect() as conn:
        old_id = find_project_id(conn, record.title)
        counts = row_counts(conn)
    with Loader(loaded) as loader:
        assert loader.load(revised, revised_source) == "updated"
    with loaded.connect() as conn:
        assert find_project_id(conn, revised.title) == old_id
        assert record_from_db(conn, old_id).to_dict() == revised.to_dict()
        after = row_counts(conn)
    assert after["projects"] == counts["projects"]
    assert after["partners"] == counts["partners"] - len(record.partners) + 2
    assert after["funding"] == counts["funding"] - len(record.funding)
    assert after["source_documents"] == counts["source_documents"] + 1
    assert after["organizations"] == counts["organizations"] + 1


def test_a_failing_summary_leaves_no_row_and_does_not_stop_the_others(engine) -> None:
    golds = gold_records()
    bad_country, _ = _revised(*golds[1], title="A project in no real country", countries=["ZZZ"])
    bad_status, _ = _revised(*golds[2], title="A project with a bad status", status="lost")
    inputs = golds[:1] + [(bad_country, golds[1][1]), (bad_status, golds[2][1])] + golds[3:]
    outcomes = []
    with Loader(engine) as loader:
        for record, source in inputs:
            try:
                outcomes.append(loader.load(record, source))
            except (FileError, sa.exc.IntegrityError):
                outcomes.append("failed")
    assert outcomes == ["added", "failed", "failed"] + ["added"] * (len(golds) - 3)
    with engine.connect() as conn:
        assert find_project_id(conn, bad_country.title) is None
        assert find_project_id(conn, bad_status.title) is None
        shas = {s for (s,) in conn.execute(sa.text("SELECT sha256 FROM source_documents"))}
        assert bad_country.source.sha256 not in shas and bad_status.source.sha256 not in shas
        assert row_counts(conn)["projects"] == len(golds) - 2
        assert conn.execute(sa.text("SELECT count(*) FROM countries WHERE alpha3 = 'ZZZ'")).scalar_one() == 0


def test_a_batch_the_database_refuses_is_written_again_one_summary_at_a_time(engine) -> None:
    """A batch is one savepoint: when the database refuses one of its summaries, the batch is
    written again one summary per savepoint, and only that summary fails. A second summary of
    a project already queued is written after the first, so it is the one that stays."""
    golds = gold_records()
    bad_country, _ = _revised(*golds[1], title="A project in no real country", countries=["ZZZ"])
    bad_kind, _ = _revised(*golds[2], title="A project with a bad kind of funding",  # in a child row
                           funding=[Funding([2020], 5, "USD", "loan")])
    # more projects, so that the batch is one whose child rows go to PostgreSQL by COPY
    more = [_revised(record, source, title=f"{record.title}, second phase") for record, source in golds[3:]]
    revised, revised_source = _revised(*golds[0], summary="A later summary of the first project.")
    with Loader(engine, batch=100) as loader:
        with pytest.raises(FileError, match="ZZZ"):  # no database would take it: refused at once
            loader.queue(bad_country, golds[1][1])
        queued = [loader.queue(*golds[0]), loader.queue(bad_kind, golds[2][1]),
                  *(loader.queue(*gold) for gold in golds[3:] + more), loader.queue(revised, revised_source)]
    with pytest.raises(sa.exc.IntegrityError):
        queued[1].result()
    good = len(golds) - 2 + len(more)
    assert [q.result() for q in queued[:1] + queued[2:]] == ["added"] * good + ["updated"]
    with engine.connect() as conn:
        assert find_project_id(conn, bad_kind.title) is None
        assert record_from_db(conn, find_project_id(conn, revised.title)).to_dict() == revised.to_dict()
        assert row_counts(conn)["projects"] == good
        assert bad_kind.source.sha256 not in {
            s for (s,) in conn.execute(sa.text("SELECT sha256 FROM source_documents"))}


def test_organisations_are_deduplicated_by_printed_form_only(loaded) -> None:
    records = [r for r, _ in gold_records()]
    listings = {(n, c) for r in records
                for n, c in ([(r.grantee, None)] if r.grantee else [])
                + [(p.name, p.country) for p in r.partners]}
    with loaded.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, country_alpha3, match_key FROM organizations")).all()
    # one row per key, and every key of a listing has its row
    assert len(rows) == len({k for *_, k in rows}) == len({organization_key(n, c) for n, c in listings})
    # the ILO-IPEC grantee is printed with ’ in one summary and ' in others: one row
    ilo = [n for n, _ in listings if n.startswith("International Labor Organization") and "IPEC" in n]
    assert len(set(ilo)) >= 2 and len({name_key(n) for n in ilo}) == 1
    assert len([r for r in rows
                if r[0].startswith("International Labor Organization") and "IPEC" in r[0]]) == 1
    # two countries' ministries of the same name are two organisations
    assert sorted(c for n, c, _ in rows if n == "Ministry of Labor and Social Protection") == ["KAZ", "KGZ"]


def test_matching_keys() -> None:
    assert title_key("Moving Towards a Child Labor-Free Jordan (CLOSED)") == \
        title_key("MOVING TOWARDS A CHILD LABOR-FREE JORDAN")
    assert title_key("Côte d’Ivoire  and Ghana") == title_key("côte d'ivoire and ghana.")
    assert title_key("Better Work - Haiti") != title_key("Better Work - Jordan")
    assert name_key('"La Strada"') == name_key("La Strada") == name_key("LA  STRADA.")
    assert name_key("MoBiUs Ltd") == name_key("MoBiUs Ltd.")
    assert name_key("NGO Aurora") != name_key("NGO Samo")
    assert name_key("World Vision") != name_key("World Vision and RTI International")
    assert organization_key("Ministry of Health", "KGZ") != organization_key("Ministry of Health", "KAZ")
    assert organization_key("Ministry of Health", None) != organization_key("Ministry of Health", "KAZ")


def test_views_do_not_double_count_totals(loaded) -> None:
    golds = {s.path.rsplit("/", 1)[1][:6]: r for r, s in gold_records()}
    bridge, central_america = golds["dev_14"], golds["dev_01"]
    with loaded.connect() as conn:
        pid = find_project_id(conn, bridge.title)
        funding_usd = conn.execute(sa.text("SELECT funding_usd FROM project_overview WHERE project_id = :p"),
                                   {"p": pid}).scalar_one()
        by_year = conn.execute(sa.text("SELECT sum(award_usd) FROM project_funding_by_year "
                                       "WHERE project_id = :p"), {"p": pid}).scalar_one()
        joint = conn.execute(sa.text("SELECT fiscal_year, fiscal_years, award_usd "
                                     "FROM project_funding_by_year WHERE project_id = :p"),
                             {"p": find_project_id(conn, central_america.title)}).all()
    stated_total = [f.amount for f in bridge.funding if f.kind == "total"]
    awards = sum(f.amount for f in bridge.funding if f.kind == "award")
    assert stated_total == [awards] and funding_usd == awards and by_year == awards
    (amount,) = central_america.funding
    assert joint == [(amount.fiscal_years[0], " & ".join(map(str, amount.fiscal_years)), amount.amount)]


def test_source_documents_keep_the_text_and_link_every_project(loaded) -> None:
    with loaded.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT s.path, s.sha256, s.size_bytes, s.raw_text, s.parser_version FROM projects p "
            "JOIN source_documents s ON s.id = p.source_document_id")).all()
    assert len(rows) == len(gold_records())
    for path, sha, size, text, version in rows:
        data = (CORPUS / path.rsplit("/", 1)[1]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and size == len(data)
        assert text == data.decode("utf-8-sig") and version


def test_a_newer_parser_reading_the_same_bytes_differently_updates_the_project(loaded) -> None:
    record, source = _gold("dev_05")
    reread = copy.deepcopy(record)
    reread.warnings = ["a newer parser noticed something"]
    reread.problem = (record.problem or "") + " (read better)"
    with loaded.connect() as conn:
        counts = row_counts(conn)
    with Loader(loaded, parser_version="new") as loader:
        assert loader.load(reread, source) == "updated"
        assert loader.load(reread, source) == "unchanged"
    with loaded.connect() as conn:
        assert record_from_db(conn, find_project_id(conn, record.title)).to_dict() == reread.to_dict()
        assert conn.execute(sa.text("SELECT parser_version FROM source_documents WHERE sha256 = :s"),
                            {"s": record.source.sha256}).scalar_one() == "new"
        assert row_counts(conn) == counts


def test_worker_processes_parse_only_a_few_files_ahead_of_the_writer(tmp_path) -> None:
    """Parsed records wait in the loading process a few tasks per worker at most, so its memory
    does not grow with the number of files: a file removed while the first record is being
    written has not been read yet, and fails. Results still come in file order."""
    originals = sorted(CORPUS.glob("*.txt"))
    files = []
    for number in range(2 * PARALLEL_FROM):  # a worker for each PARALLEL_FROM files: two
        files.append(str(tmp_path / f"{number:03d}.txt"))
        Path(files[-1]).write_bytes(originals[number % len(originals)].read_bytes())
    with parse_in_order(files, jobs=2, chunk=2) as parsing:  # 2 workers x 8 tasks x 2 files: 34 ahead
        parsed = iter(parsing)
        first = next(parsed)
        time.sleep(0.5)  # time enough for the workers to read all the files, were they let
        for path in files[50:]:
            os.unlink(path)
        niceness = [_nice(pid) for pid in worker_processes()]   # the workers', read while they run
        results = [first, *parsed]
    assert [path for path, _ in results] == files
    assert not any(isinstance(outcome, str) for _, outcome in results[:34])
    assert all(isinstance(outcome, str) for _, outcome in results[50:])
    # and they yield the CPU to the writer: their nice value is the loader's plus WORKER_NICENESS
    assert niceness == [min(19, os.nice(0) + WORKER_NICENESS)] * 2


def test_fewer_files_than_a_worker_each_start_fewer_workers(tmp_path) -> None:
    """A worker costs about as much to start as PARALLEL_FROM files cost to parse."""
    files = []
    for number in range(2 * PARALLEL_FROM - 1):
        files.append(str(tmp_path / f"{number:03d}.txt"))
        Path(files[-1]).write_bytes(b"Not a summary.")
    with parse_in_order(files, jobs=2) as parsing:
        outcomes = [outcome for _, outcome in parsing]
        workers = worker_processes()
    assert len(workers) == 1 and len(outcomes) == len(files)


def worker_processes() -> list[int]:
    """This process's forked children (running its own command line), from Linux's /proc."""
    own = Path("/proc/self/cmdline").read_bytes()
    return [pid for pid in children_of(os.getpid()) if Path(f"/proc/{pid}/cmdline").read_bytes() == own]


def _nice(pid: int) -> int:
    """A process's nice value: the 19th field of /proc/PID/stat (after the command's ')')."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
