"""The benchmark script runs end to end on a small collection and its JSON holds every figure.

Not a timed test: it proves that `benchmarks/run.py` works from a checkout, and that a figure is
either measured or says why it is not available. The suite runs it on SQLite with a few files;
`pytest -m slow` runs it on PostgreSQL too (the session's server).
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

# Whether this tcps has the web-page parser (tcps.parse.page): until it has, the collection's
# pages are files tcps cannot read, reported as failed like any other.
READS_PAGES = importlib.util.find_spec("tcps.parse.page") is not None

ROOT = Path(__file__).resolve().parent.parent
PHASES = ["parse only", "sqlite: cold load", "sqlite: first refresh", "sqlite: no-op refresh",
          "sqlite: refresh after 1% changed", "sqlite: cold load N/10", "postgresql: cold load",
          "postgresql: first refresh", "postgresql: no-op refresh",
          "postgresql: refresh after 1% changed"]
QUERIES = ["funding by country and fiscal year", "USD per fiscal year", "partners per country",
           "results per region", "children withdrawn and prevented per region", "full-text search",
           "top grantees by funding (project_overview view)",
           "projects active in a year", "one project with its counts", "projects per country over time"]
PAGES = ["home", "projects table", "projects with a region facet", "search for cocoa",
         "canned query with its chart", "dashboard", "project page"]
FIGURES = (["floor: read and hash", "floor: sqlite3 executemany", "floor: python start-up",
            "tcps start-up (--help)", "sqlite: cold load rate", "sqlite: cold load minus parse only",
            "peak memory growth: sqlite cold load N/10 -> N"]
           + [p for p in PHASES if p != "sqlite: cold load N/10"]
           + [f"peak memory: {p}" for p in PHASES]
           + [f"{db} query: {q}" for db in ("sqlite", "postgresql") for q in QUERIES]
           + [f"sqlite serve: {p}" for p in PAGES])


N = 40   # the first 31 summaries of seed 1 already hold every layout


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def test_benchmark_runs_and_reports_every_figure(tmp_path: Path, request: pytest.FixtureRequest,
                                                 database: str) -> None:
    postgresql = (["--postgresql-url", request.getfixturevalue("postgres_url")]
                  if database == "postgresql" else ["--no-postgresql"])
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--n", str(N),
                          "--out", str(tmp_path), "--repeat", "1", *postgresql],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / f"results-{N}.json").read_text())

    figures = {f["name"]: f for f in result["figures"]}
    assert sorted(figures) == sorted(FIGURES)
    for f in figures.values():   # measured, or saying why not
        assert (f["value"] is not None) != bool(f["note"]), f
    for floor in ("floor: read and hash", "floor: sqlite3 executemany"):
        assert figures[floor]["value"] > 0
    assert result["collection"]["summaries"] == N
    assert all(result["collection"]["layouts"].values()), result["collection"]["layouts"]
    assert not (tmp_path / f"work-{N}").exists()
    for f in figures.values():   # the printed table names every figure
        assert f["name"] in run.stdout
    if figures["sqlite: refresh after 1% changed"]["value"] is not None:   # edited in place
        assert result["changed_files"] == 1
        assert "1 changed" in result["tcps_said"]["sqlite: refresh after 1% changed"]
    parse = result["parse_only"]
    titled = parse["parsed"] - parse["untitled"]
    assert parse["pages"] >= 2, "the collection holds web pages"
    assert titled - parse["pages_titled"] >= 0.9 * (N - parse["pages"]), \
        "the synthetic text summaries are summaries the parser reads"
    if READS_PAGES:
        assert parse["pages_titled"] >= 0.9 * parse["pages"], "and so are the synthetic web pages"
    assert figures[f"{database}: cold load"]["value"] is not None
    assert result[f"{database}_projects"] == titled, "each summary read is its own project"
