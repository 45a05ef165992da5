"""Benchmark tcps: speed and memory of load, refresh and queries, against floors measured alongside.

    python benchmarks/run.py --n 10000            # SQLite, and PostgreSQL where it is installed
    python benchmarks/run.py --n 1000 --no-postgresql

Generates N synthetic summaries (``generate.py``), then times, each in a child process of its
own: the floors (read and hash every file; insert the same rows with plain ``sqlite3``), parse
only, and on SQLite and PostgreSQL a cold ``tcps load``, a first and a no-op ``tcps refresh``
and a refresh after 1% of the files changed; then the analyst queries of ``queries.py`` and the
pages of ``tcps serve`` (``serve_pages.py``). Every
figure is a ratio to a floor taken in the same run. Prints a table and writes it as JSON to
``benchmarks/out/results-N.json`` (and as Markdown to ``results-N.md``). A tcps command that
does not exist yet is reported as "not available", not as a failure. See docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))

import generate  # noqa: E402  (benchmarks/ is not a package)

TCPS = [sys.executable, "-c", "from tcps.cli import main; main()"]
PHASES = [sys.executable, str(BENCHMARKS / "phases.py")]
# The phases whose peak memory is a figure.
MEASURED = ["parse only"] + [f"{db}: {what}" for db in ("sqlite", "postgresql") for what in
                             ("cold load", "first refresh", "no-op refresh", "refresh after 1% changed")]
MEASURED.insert(5, "sqlite: cold load N/10")
TARGET_N = 10_000          # the targets are stated for this size
PHASE_TIMEOUT = 900        # seconds; a hung phase is killed and reported


# ---------------------------------------------------------------------------------------------
# Child processes

@dataclass
class Child:
    """One finished child process: wall time, exit code, peak resident memory, output."""
    seconds: float
    returncode: int
    max_rss_mb: float
    stdout: str
    stderr: str

    def report(self) -> dict[str, Any]:
        """The JSON object a ``phases.py`` child printed last."""
        lines = self.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else {}

    def tail(self) -> str:
        """The last line of the output: the error, for a one-line note."""
        lines = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return lines[-1][-300:] if lines else ""


def run_child(cmd: list[str], cwd: Path) -> Child:
    """Run ``cmd`` and read its own peak RSS from ``wait4`` (ru_maxrss of that child alone:
    RUSAGE_CHILDREN would give the maximum over every child so far)."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    # What earlier phases wrote (the collection, the databases) goes to disk first: the kernel's
    # write-back of it would otherwise land in this phase's time (a cold load's commits waited
    # on it for seconds).
    os.sync()
    with out.open("w") as o, err.open("w") as e:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        killer = threading.Timer(PHASE_TIMEOUT, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
    return Child(seconds, proc.returncode, usage.ru_maxrss / 1024, out.read_text(), err.read_text())


# ---------------------------------------------------------------------------------------------
# Figures

@dataclass
class Figure:
    """One row of the table: a value, the floor it is divided by, and the issue's target."""
    name: str
    value: float | None
    unit: str
    floor: str = ""
    floor_value: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.floor_value:
            return None
        return self.value / self.floor_value

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def check(value: float | None, op: str, bound: float) -> bool | None:
    if value is None:
        return None
    return value <= bound if op == "<=" else value < bound if op == "<" else value >= bound


class Bench:
    """One benchmark run: the collection, the phases run so far, the figures drawn from them."""

    def __init__(self, n: int, seed: int, corpus: Path, work: Path, repeat: int = 3):
        self.n, self.seed, self.work, self.repeat = n, seed, work, repeat
        self.revision = 0                      # the edition the changed 1% of files is in
        self.pools = generate.Pools.from_corpus(corpus)
        self.collection = work / "collection"
        self.children: dict[str, Child] = {}
        self.missing: dict[str, str] = {}      # phase -> why it could not run
        self.facts: dict[str, Any] = {}
        self._commands: dict[str, bool] = {}

    # -- running phases ----------------------------------------------------------------------

    def phase(self, name: str, cmd: list[str], ok: tuple[int, ...] = (0,), idempotent: bool = False,
              before: Callable[[], None] | None = None) -> Child | None:
        """Run a phase; an idempotent one, or one whose work ``before`` makes anew for each run,
        ``repeat`` times, keeping the fastest (the machine may be shared: the fastest run is the
        one least disturbed)."""
        print(f"  {name} ...", end="", flush=True, file=sys.stderr)
        children = []
        for _ in range(self.repeat if idempotent or before else 1):
            if before:
                before()
            children.append(run_child(cmd, self.work))
        child = min(children, key=lambda c: c.seconds)
        print(f" {child.seconds:.2f} s, {child.max_rss_mb:.0f} MB"
              + (f", exit {child.returncode}" if child.returncode else ""), file=sys.stderr)
        if child.returncode not in ok:
            self.missing[name] = f"failed (exit {child.returncode}): {child.tail()}"
            return None
        if child.returncode:
            self.facts.setdefault("exit_codes", {})[name] = child.returncode
        self.children[name] = child
        return child

    def said(self, name: str) -> None:
        """Keep the last line a tcps command printed (its counts) for the JSON."""
        if name in self.children:
            lines = self.children[name].stdout.strip().splitlines()
            self.facts.setdefault("tcps_said", {})[name] = lines[-1] if lines else ""

    def has_command(self, command: str) -> bool:
        if command not in self._commands:
            probe = subprocess.run([*TCPS, command, "--help"], capture_output=True, cwd=self.work)
            self._commands[command] = probe.returncode == 0
        return self._commands[command]

    def tcps(self, name: str, command: str, *args: str, idempotent: bool = False,
             before: Callable[[], None] | None = None) -> Child | None:
        if not self.has_command(command):
            self.missing[name] = f"not available: `tcps {command}` does not exist yet"
            return None
        child = self.phase(name, [*TCPS, command, *args], ok=(0, 1), idempotent=idempotent,  # 1: some failed
                           before=before)
        self.said(name)
        return child

    # -- the run -----------------------------------------------------------------------------

    def generate(self) -> None:
        start = time.perf_counter()
        paths = generate.write_collection(self.pools, self.n, self.collection,
                                          self.work / "records.jsonl", self.seed)
        small = self.work / "small"            # the first N/10 summaries: memory growth
        for path in paths[:max(1, self.n // 10)]:
            link = small / path.relative_to(self.collection)
            link.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, link)
        self.facts["collection"] = {
            "summaries": len(paths), "bytes": sum(p.stat().st_size for p in paths),
            "layouts": {lay: sum(p.stem.endswith(lay) for p in paths) for lay in generate.LAYOUTS},
            "generate_seconds": round(time.perf_counter() - start, 2)}

    def change_one_percent(self) -> None:
        """Rewrite 1% of the summaries as the next revised edition (one more fiscal year of
        funding each time) of the same projects."""
        self.revision += 1
        picked = random.Random(f"{self.seed}/changed").sample(range(self.n), max(1, self.n // 100))
        for i in picked:
            path = self.collection / generate.summary(self.pools, i, self.seed).name
            revised = generate.summary(self.pools, i, self.seed, revision=self.revision)
            path.write_bytes(revised.text.encode("utf-8"))   # in place: same file, new bytes
        self.facts["changed_files"] = len(picked)

    def database(self, db: str, url: str, folder: Path) -> None:
        """Cold load, first refresh, no-op refresh; then count what the load stored."""
        self.tcps(f"{db}: cold load", "load", str(folder), "--db", url)
        self.facts[f"{db}_projects"] = count_projects(url)
        self.tcps(f"{db}: first refresh", "refresh", str(folder), "--db", url)
        self.tcps(f"{db}: no-op refresh", "refresh", str(folder), "--db", url, idempotent=True)

    def queries(self, db: str, url: str) -> None:
        if not self.has_command("load"):
            self.missing[f"{db}: queries"] = "not available: nothing loaded (`tcps load` does not exist yet)"
            return
        from tcps.keys import title_key

        title = generate.summary(self.pools, self.n // 2, self.seed).record["title"]
        self.phase(f"{db}: queries", [*PHASES, "queries", url, title_key(title)])

    def serve_pages(self, path: Path) -> None:
        """The pages of `tcps serve` over the SQLite file (PostgreSQL is served from a copy
        into SQLite: the same pages, the same times)."""
        if not self.has_command("serve"):
            self.missing["sqlite: serve pages"] = "not available: `tcps serve` does not exist yet"
            return
        self.phase("sqlite: serve pages", [*PHASES, "serve-pages", str(path)])

    # -- the table ---------------------------------------------------------------------------

    def why_missing(self, name: str) -> str:
        if name in self.missing:
            return self.missing[name]
        return self.missing.get("postgresql", "") if name.startswith("postgresql") else ""

    def seconds(self, name: str) -> float | None:
        child = self.children.get(name)
        return child.seconds if child else None

    def work_seconds(self, name: str) -> float | None:
        child = self.children.get(name)
        return child.report()["work_seconds"] if child else None

    def timed(self, name: str, floor: str, floor_value: float | None, target: str = "",
              op: str = "", bound: float = 0) -> Figure:
        """The wall time of phase ``name`` against ``floor``; ``op bound`` checks the ratio."""
        fig = Figure(name, self.seconds(name), "s", floor, floor_value, target,
                     note=self.why_missing(name))
        fig.passed = check(fig.ratio, op, bound) if op else None
        return fig

    def figures(self) -> list[Figure]:
        hash_floor = self.work_seconds("floor: read and hash")
        insert_floor = self.work_seconds("floor: sqlite3 executemany")
        parse, load = self.seconds("parse only"), self.seconds("sqlite: cold load")
        rate = self.n / load if load else None
        f = [Figure("floor: read and hash", hash_floor, "s", note=self.why_missing("floor: read and hash")),
             Figure("floor: sqlite3 executemany", insert_floor, "s",
                    note=self.why_missing("floor: sqlite3 executemany")),
             Figure("floor: python start-up", self.seconds("floor: python start-up"), "s"),
             self.timed("tcps start-up (--help)", "floor: python start-up",
                        self.seconds("floor: python start-up")),
             self.timed("parse only", "floor: read and hash", hash_floor, "<= 20 x read and hash", "<=", 20),
             self.timed("sqlite: cold load", "parse only", parse, "<= 1.3 x parse only", "<=", 1.3),
             Figure("sqlite: cold load rate", rate, "summaries/s", "floor: read and hash",
                    self.n / hash_floor if hash_floor else None, ">= 1000 summaries/s",
                    check(rate, ">=", 1000), self.why_missing("sqlite: cold load")),
             Figure("sqlite: cold load minus parse only", load - parse if load and parse else None, "s",
                    "floor: sqlite3 executemany", insert_floor, note=self.why_missing("sqlite: cold load"))]
        f += self.refresh_figures("sqlite", hash_floor)
        f.append(self.timed("postgresql: cold load", "sqlite: cold load", load,
                            "<= 1.5 x sqlite cold load", "<=", 1.5))
        f += self.refresh_figures("postgresql", hash_floor)
        return f + self.memory_figures() + self.query_figures() + self.page_figures()

    def refresh_figures(self, db: str, hash_floor: float | None) -> list[Figure]:
        return [self.timed(f"{db}: first refresh", "floor: read and hash", hash_floor),
                self.timed(f"{db}: no-op refresh", "floor: read and hash", hash_floor,
                           "<= 1.5 x read and hash", "<=", 1.5),
                self.timed(f"{db}: refresh after 1% changed", f"{db}: no-op refresh",
                           self.seconds(f"{db}: no-op refresh"), "<= 3 x no-op refresh", "<=", 3)]

    def memory_figures(self) -> list[Figure]:
        floor = self.children.get("floor: read and hash")
        floor_mb = floor.max_rss_mb if floor else None
        out = []
        for name in MEASURED:
            child = self.children.get(name)
            mb = child.max_rss_mb if child else None
            out.append(Figure(f"peak memory: {name}", mb, "MB", "floor: read and hash", floor_mb,
                              "< 250 MB", check(mb, "<", 250), self.why_missing(name)))
        big, small = self.children.get("sqlite: cold load"), self.children.get("sqlite: cold load N/10")
        out.append(Figure("peak memory growth: sqlite cold load N/10 -> N",
                          big.max_rss_mb if big else None, "MB", "sqlite: cold load N/10",
                          small.max_rss_mb if small else None, "<= 1.2 x",
                          check(big.max_rss_mb / small.max_rss_mb, "<=", 1.2) if big and small else None,
                          self.why_missing("sqlite: cold load N/10")))
        return out

    def query_figures(self) -> list[Figure]:
        from queries import QUERIES

        out = []
        for db in ("sqlite", "postgresql"):
            child = self.children.get(f"{db}: queries")
            report = child.report() if child else {}
            floor_ms = report["floor_seconds"] * 1000 if report else None
            for q in QUERIES:
                result = report.get("queries", {}).get(q.name, {})
                ms = result["seconds"] * 1000 if "seconds" in result else None
                note = self.why_missing(f"{db}: queries") or (
                    f"not available: {result['error']}" if "error" in result else "")
                out.append(Figure(f"{db} query: {q.name}", ms, "ms", "SELECT 1", floor_ms, "< 50 ms",
                                  check(ms, "<", 50), note))
        return out


    def page_figures(self) -> list[Figure]:
        from serve_pages import NAMES

        child = self.children.get("sqlite: serve pages")
        report = child.report() if child else {}
        floor_ms = report["floor_seconds"] * 1000 if report else None
        out = []
        for name in NAMES:
            page = report.get("pages", {}).get(name, {})
            ms = page["seconds"] * 1000 if "seconds" in page else None
            out.append(Figure(f"sqlite serve: {name}", ms, "ms", "GET /-/versions.json", floor_ms,
                              "< 300 ms", check(ms, "<", 300), self.why_missing("sqlite: serve pages")))
        return out


def count_projects(url: str) -> int | None:
    """Rows in ``projects`` after a load, to see that every summary became a project."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# Output

def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "x":   # two decimals where a target is near (2.00 x), else three figures
        return f"{value:.2f} x" if 0.1 <= value < 100 else f"{value:.3g} x"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:,.0f} {unit}".strip() if value >= 100 else f"{value:.2f} {unit}".strip()


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    out = [("figure", "value", "ratio", "floor", "target", "result")]
    for f in figures:
        result = {True: "pass", False: "FAIL", None: ""}[f.passed]
        if f.value is None:
            result = f.note or "not available"
        out.append((f.name, fmt(f.value, f.unit), fmt(f.ratio, "x") if f.ratio is not None else "",
                    f.floor, f.target, result))
    return out


def table(figures: list[Figure]) -> str:
    """The table for a terminal: aligned columns."""
    lines = rows(figures)
    widths = [max(len(r[i]) for r in lines) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
                     for r in lines)


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    head, *body = rows(figures)
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body])


def machine() -> dict[str, Any]:
    """What the figures were taken on; the load average says whether others shared the CPUs."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()]}


# ---------------------------------------------------------------------------------------------
# Main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="number of summaries (targets are for 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus",
                    help="gold records to recombine (default: tests/corpus)")
    ap.add_argument("--out", type=Path, default=BENCHMARKS / "out", help="where results-N.json goes")
    pg = ap.add_mutually_exclusive_group()
    pg.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    pg.add_argument("--postgresql-url", help="use this server (a new database is created on it) "
                                             "instead of starting a throwaway one")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each short phase (floors, start-up, no-op refresh, refresh after "
                         "1%% changed, each after a new edition); the fastest counts")
    ap.add_argument("--keep", action="store_true", help="keep the collection and databases")
    a = ap.parse_args(argv)
    if a.n < 10:
        ap.error("--n must be at least 10")

    a.out.mkdir(parents=True, exist_ok=True)
    work = a.out / f"work-{a.n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    bench = Bench(a.n, a.seed, a.corpus, work, max(1, a.repeat))
    started, machine_at_start = datetime.now(timezone.utc), machine()
    try:
        measure(bench, a)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    figures = bench.figures()
    result = {"n": a.n, "seed": a.seed, "targets_are_for_n": TARGET_N, "started": started.isoformat(),
              "seconds": round((datetime.now(timezone.utc) - started).total_seconds(), 1),
              "machine_at_start": machine_at_start, "machine_at_end": machine(), **bench.facts,
              "not_available": bench.missing, "figures": [f.as_dict() for f in figures]}
    path = a.out / f"results-{a.n}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    path.with_suffix(".md").write_text(markdown(figures) + "\n")
    print(table(figures))
    print(f"\nwritten to {path}", file=sys.stderr)
    return 0


def measure(bench: Bench, a: argparse.Namespace) -> None:
    """Every phase, in the order docs/performance.md describes."""
    print(f"generating {a.n} summaries in {bench.collection}", file=sys.stderr)
    bench.generate()
    work, collection = bench.work, str(bench.collection)
    bench.phase("floor: python start-up", [sys.executable, "-c", "pass"], idempotent=True)
    bench.phase("floor: read and hash", [*PHASES, "read-hash", collection], idempotent=True)
    bench.phase("floor: sqlite3 executemany",
                [*PHASES, "insert-floor", str(work / "records.jsonl"), str(work / "floor.db")])
    bench.phase("tcps start-up (--help)", [*TCPS, "--help"], idempotent=True)
    if bench.phase("parse only", [*PHASES, "parse", collection]):
        bench.facts["parse_only"] = bench.children["parse only"].report()

    sqlite_url = f"sqlite:///{work / 'tcps.db'}"
    bench.database("sqlite", sqlite_url, bench.collection)
    with postgresql(a, bench) as pg_url:
        if pg_url:
            bench.database("postgresql", pg_url, bench.collection)
        # each run after a new edition of the same files, as the no-op is run more than once
        bench.tcps("sqlite: refresh after 1% changed", "refresh", collection, "--db", sqlite_url,
                   before=bench.change_one_percent)
        if pg_url:
            bench.tcps("postgresql: refresh after 1% changed", "refresh", collection, "--db", pg_url,
                       before=bench.change_one_percent)
        bench.queries("sqlite", sqlite_url)
        if pg_url:
            bench.queries("postgresql", pg_url)
    bench.serve_pages(work / "tcps.db")
    bench.tcps("sqlite: cold load N/10", "load", str(work / "small"),
               "--db", f"sqlite:///{work / 'small.db'}")


@contextmanager
def postgresql(a: argparse.Namespace, bench: Bench) -> Iterator[str | None]:
    """A fresh database, or None: on the given server (dropped afterwards unless --keep), or on
    a throwaway server started here with PostgreSQL's default durability (fsync on)."""
    from tcps.testing.pg import PostgresServer, create_database, drop_database, postgres_bindir

    bindir = postgres_bindir()
    if a.no_postgresql or (bindir is None and not a.postgresql_url):
        bench.missing["postgresql"] = ("not run: --no-postgresql" if a.no_postgresql else
                                       "not run: PostgreSQL server binaries are not installed")
        yield None
    elif a.postgresql_url:
        url = create_database(a.postgresql_url, prefix="tcps_bench")
        try:
            yield url
        finally:
            if not a.keep:
                drop_database(url)
    else:
        server = PostgresServer(bindir, durable=True)
        try:
            yield create_database(server.start(), prefix="tcps_bench")
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
