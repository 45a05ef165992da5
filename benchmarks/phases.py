"""The benchmark's own phases, each run as ``python benchmarks/phases.py NAME ARGS...``.

``run.py`` starts every phase in a child process of its own so that the child's peak resident
memory can be read alone (``os.wait4``) and no phase warms another's caches in memory. Each
phase prints one JSON object on stdout: what it did, and ``work_seconds``, the time of its work
alone, without interpreter start-up or preparation (the floors use that figure).

- ``read-hash DIR``: the floor of any refresh: read and SHA-256 every summary file.
- ``parse DIR``: tcps's parser on every file, nothing else (no database).
- ``insert-floor RECORDS DB``: the floor of any load: the rows of every record, already
  flattened, inserted into a new SQLite file with plain ``sqlite3`` ``executemany`` in one
  transaction, into tables shaped like tcps's (same keys and unique indexes).
- ``queries URL TITLE_KEY``: the analyst queries of ``queries.py``, each timed on a warm connection.
- ``serve-pages DB``: the pages of ``serve_pages.py`` from `tcps serve` over the SQLite file DB, each
  timed warm; the floor is the smallest request Datasette answers (``/-/versions.json``).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))


# The suffixes tcps load searches folders for (tcps.sources.SUMMARY_SUFFIXES, not imported: the
# read-and-hash floor must not pay for importing tcps).
SUFFIXES = {".txt", ".pdf", ".html", ".htm"}


def summary_files(folder: Path) -> list[Path]:
    """Every summary below ``folder``, in a stable order (as ``tcps load`` searches them)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)


def is_page(path: Path) -> bool:
    return path.suffix.lower() in (".html", ".htm")


def read_hash(folder: str) -> dict[str, Any]:
    start = time.perf_counter()
    files, size = 0, 0
    for path in summary_files(Path(folder)):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        files, size = files + 1, size + len(data)
    return {"work_seconds": time.perf_counter() - start, "files": files, "bytes": size}


def parse(folder: str) -> dict[str, Any]:
    from tcps.errors import TcpsError
    from tcps.parse import parse_file

    start = time.perf_counter()
    parsed, failed, untitled, warned, pages, pages_titled = 0, 0, 0, 0, 0, 0
    for path in summary_files(Path(folder)):
        pages += is_page(path)
        try:
            record = parse_file(path)
        except TcpsError:
            failed += 1
            continue
        parsed += 1
        untitled += not record.title     # no title: the loader cannot tell which project it is
        warned += bool(record.warnings)
        pages_titled += is_page(path) and bool(record.title)
    return {"work_seconds": time.perf_counter() - start, "parsed": parsed, "failed": failed,
            "untitled": untitled, "with_warnings": warned, "pages": pages, "pages_titled": pages_titled}


# ---------------------------------------------------------------------------------------------
# The insert floor

FLOOR_SCHEMA = """
CREATE TABLE source_documents (id INTEGER PRIMARY KEY, path TEXT, sha256 TEXT UNIQUE,
    size_bytes INTEGER, format TEXT, url TEXT, pages INTEGER, raw_text TEXT, parser_version TEXT,
    warnings TEXT, loaded_at TEXT);
CREATE TABLE projects (id INTEGER PRIMARY KEY, title_key TEXT UNIQUE, title TEXT, status TEXT,
    program TEXT, region TEXT, start_date TEXT, end_date TEXT, dates_revised INTEGER,
    summary TEXT, problem TEXT, strategy TEXT, results_kind TEXT, results_text TEXT,
    contact_office TEXT, contact_phone TEXT,
    source_document_id INTEGER REFERENCES source_documents(id), record_sha256 TEXT);
CREATE TABLE project_sources (project_id INTEGER, source_document_id INTEGER,
    PRIMARY KEY (project_id, source_document_id));
CREATE INDEX ix_project_sources_source ON project_sources (source_document_id);
CREATE INDEX ix_projects_source ON projects (source_document_id);
CREATE TABLE countries (alpha3 TEXT PRIMARY KEY);
CREATE TABLE project_countries (project_id INTEGER, position INTEGER, country_alpha3 TEXT,
    PRIMARY KEY (project_id, position), UNIQUE (project_id, country_alpha3));
CREATE TABLE organizations (id INTEGER PRIMARY KEY, name TEXT, name_key TEXT UNIQUE);
CREATE TABLE partners (project_id INTEGER, position INTEGER, organization_id INTEGER, role TEXT,
    country_alpha3 TEXT, name TEXT, PRIMARY KEY (project_id, position));
CREATE INDEX ix_partners_org ON partners (organization_id);
CREATE TABLE funding (project_id INTEGER, position INTEGER, amount INTEGER, currency TEXT,
    kind TEXT, PRIMARY KEY (project_id, position));
CREATE TABLE funding_fiscal_years (project_id INTEGER, funding_position INTEGER,
    fiscal_year INTEGER, PRIMARY KEY (project_id, funding_position, fiscal_year));
CREATE TABLE results (project_id INTEGER, position INTEGER, measure TEXT, value INTEGER,
    unit TEXT, PRIMARY KEY (project_id, position));
CREATE TABLE objectives (project_id INTEGER, position INTEGER, level TEXT, text TEXT,
    PRIMARY KEY (project_id, position));
CREATE TABLE activities (project_id INTEGER, position INTEGER, text TEXT, country_alpha3 TEXT,
    PRIMARY KEY (project_id, position));
"""


def key(text: str) -> str:
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


def flatten(records: list[dict[str, Any]]) -> dict[str, list[tuple]]:
    """The rows of every table for these records, as the loader would store them."""
    rows: dict[str, list[tuple]] = {t: [] for t in (
        "source_documents", "projects", "project_sources", "countries", "project_countries", "organizations",
        "partners", "funding", "funding_fiscal_years", "results", "objectives", "activities")}
    organizations: dict[str, int] = {}
    countries: set[str] = set()

    def organization(name: str) -> int:
        k = key(name)
        if k not in organizations:
            organizations[k] = len(organizations) + 1
            rows["organizations"].append((organizations[k], name, k))
        return organizations[k]

    for pid, r in enumerate(records, 1):
        raw = Path(r["path"]).read_bytes()
        rows["source_documents"].append((pid, r["path"], r["source"]["sha256"], len(raw),
                                         "html" if is_page(Path(r["path"])) else "text", r["source"]["url"],
                                         r["source"]["pages"], raw.decode("utf-8"), "1", "[]",
                                         "2026-01-01T00:00:00+00:00"))
        rows["projects"].append((pid, key(r["title"]), r["title"], r["status"], r["program"],
                                 r["region"], r["start_date"], r["end_date"], r["dates_revised"],
                                 r["summary"], r["problem"], r["strategy"], r["results_kind"],
                                 r["results"], r["contact"]["office"], r["contact"]["phone"], pid,
                                 hashlib.sha256(json.dumps(r).encode()).hexdigest()))
        rows["project_sources"].append((pid, pid))
        countries.update(r["countries"])
        rows["project_countries"] += [(pid, i, c) for i, c in enumerate(r["countries"], 1)]
        people = [(r["grantee"], "grantee", None)] + [(p["name"], "implementing", p["country"])
                                                       for p in r["partners"]]
        rows["partners"] += [(pid, i, organization(n), role, c, n)
                             for i, (n, role, c) in enumerate(people)]
        for i, f in enumerate(r["funding"], 1):
            rows["funding"].append((pid, i, f["amount"], f["currency"], f["kind"]))
            rows["funding_fiscal_years"] += [(pid, i, y) for y in f["fiscal_years"]]
        rows["results"] += [(pid, i, m["measure"], m["value"], m["unit"])
                            for i, m in enumerate(r["metrics"], 1)]
        rows["objectives"] += [(pid, i, o["level"], o["text"]) for i, o in enumerate(r["objectives"], 1)]
        rows["activities"] += [(pid, i, a["text"], a["country"]) for i, a in enumerate(r["activities"], 1)]
    rows["countries"] = [(c,) for c in sorted(countries)]
    return rows


def insert_floor(records_path: str, db: str) -> dict[str, Any]:
    with open(records_path, encoding="utf-8") as f:
        rows = flatten([json.loads(line) for line in f])
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(FLOOR_SCHEMA)
    conn.execute("BEGIN")
    for table, table_rows in rows.items():
        if table_rows:
            marks = ", ".join("?" * len(table_rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    conn.execute("COMMIT")
    conn.close()
    return {"work_seconds": time.perf_counter() - start,
            "rows": sum(len(v) for v in rows.values())}


# ---------------------------------------------------------------------------------------------
# Analyst queries

def time_query(run: Callable[[], Any], repeat: int = 5) -> float:
    """Median seconds of ``repeat`` runs after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def queries(url: str, title_key: str) -> dict[str, Any]:
    """Time every query; ``title_key`` is a project of the collection, for the lookup query."""
    import sqlalchemy as sa

    from queries import QUERIES

    engine = sa.create_engine(url)
    out: dict[str, Any] = {"queries": {}}
    with engine.connect() as conn:
        out["floor_seconds"] = time_query(lambda: conn.execute(sa.text("SELECT 1")).all())
        for q in QUERIES:
            try:
                rows = q.run(conn, title_key)
                seconds = time_query(partial(q.run, conn, title_key))
            except ImportError as e:
                out["queries"][q.name] = {"error": f"not in this tcps yet ({e})"}
            except sa.exc.DBAPIError as e:
                conn.rollback()
                out["queries"][q.name] = {"error": str(e.orig).splitlines()[0]}
            else:
                out["queries"][q.name] = {"seconds": seconds, "rows": rows}
    engine.dispose()
    return out


# ---------------------------------------------------------------------------------------------
# tcps serve

def serve_pages(db: str) -> dict[str, Any]:
    """Start `tcps serve` on a free loopback port over ``db`` and time every page."""
    import socket
    import subprocess
    import urllib.request

    from serve_pages import pages

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        project_id = conn.execute("SELECT id FROM projects ORDER BY id "
                                  "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM projects)").fetchone()[0]
        region = conn.execute("SELECT region FROM projects WHERE region IS NOT NULL "
                              "GROUP BY region ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", "from tcps.cli import main; main()", "serve",
                               "--db", db, "--port", str(port)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()

    try:
        for _ in range(600):
            try:
                get("/-/versions.json")
                break
            except OSError:
                time.sleep(0.1)
        out: dict[str, Any] = {"floor_seconds": time_query(lambda: get("/-/versions.json")), "pages": {}}
        for page in pages(Path(db).stem, project_id, region):
            out["pages"][page.name] = {
                "seconds": time_query(lambda page=page: [get(path) for path in page.paths]),
                "requests": len(page.paths)}
    finally:
        server.terminate()
        server.wait(30)
    return out


PHASES: dict[str, Callable[..., dict[str, Any]]] = {
    "read-hash": read_hash, "parse": parse, "insert-floor": insert_floor, "queries": queries,
    "serve-pages": serve_pages}

if __name__ == "__main__":
    print(json.dumps(PHASES[sys.argv[1]](*sys.argv[2:])))
