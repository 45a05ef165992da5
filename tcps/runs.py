"""The log of refreshes: what one run saw and did (``RunReport``), and the runs in load_runs.

A RunReport is printed as one line for a log, as JSON, or file by file; its counts are the
columns of its load_runs row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tcps.db import has_table
from tcps.models import load_runs
from tcps.output import QueryResult

# The columns `tcps runs` shows, in order.
RUN_COLUMNS = ("id", "started", "finished", "status", "parser_version", "seen", "new", "changed",
               "unchanged", "removed", "failed", "pruned", "folder")


@dataclass
class RunReport:
    """What one refresh saw and did; printed as one line, as JSON, or file by file."""

    folder: str
    parser_version: str
    started: datetime
    dry_run: bool = False
    run_id: int | None = None
    finished: datetime | None = None
    seen: int = 0
    unchanged: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> message
    pruned: list[str] = field(default_factory=list)  # titles of the deleted projects

    @property
    def status(self) -> str:
        return "failed" if self.failed else "ok"

    @property
    def exit_code(self) -> int:
        """0 when every file loaded or was unchanged, 1 when some failed."""
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        return {"seen": self.seen, "new": len(self.new), "changed": len(self.changed),
                "unchanged": self.unchanged, "removed": len(self.removed),
                "failed": len(self.failed), "pruned": len(self.pruned)}

    def summary_line(self) -> str:
        """One line for a log: what happened, in counts."""
        counts = ", ".join(f"{n} {name}" for name, n in self.counts().items())
        seconds = ((self.finished or datetime.now(self.started.tzinfo)) - self.started).total_seconds()
        what = "dry run (nothing written)" if self.dry_run else f"refresh run {self.run_id}"
        when = self.started.isoformat(timespec="seconds")
        return f"{when} {what} of {self.folder}: {counts}; {self.status} in {seconds:.1f}s"

    def details(self) -> list[str]:
        """One line per file that changes (or would), for people and for --dry-run."""
        return ([f"new       {p}" for p in self.new]
                + [f"changed   {p}" for p in self.changed]
                + [f"removed   {p}" for p in self.removed]
                + [f"pruned    {t}" for t in self.pruned]
                + [f"failed    {p}: {m}" for p, m in self.failed.items()])

    def to_json(self) -> dict:
        return {
            "run": self.run_id, "dry_run": self.dry_run, "folder": self.folder,
            "status": self.status, "exit_code": self.exit_code,
            "parser_version": self.parser_version,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "counts": self.counts(),
            "new": self.new, "changed": self.changed, "removed": self.removed,
            "pruned": self.pruned,
            "failed": [{"path": p, "message": m} for p, m in self.failed.items()],
        }


def recent_runs(engine: Engine, limit: int | None = 20) -> QueryResult:
    """The latest runs (``limit`` of them; None: all), newest first, as rows of ``RUN_COLUMNS``
    (none before the first refresh), times in UTC as ISO text to the second."""
    rows: list[tuple] = []
    with engine.connect() as conn:
        if has_table(conn, load_runs.name):
            latest = (sa.select(*(load_runs.c[name] for name in RUN_COLUMNS))
                      .order_by(load_runs.c.id.desc()))
            rows = [tuple(map(_plain, row)) for row in conn.execute(latest.limit(limit))]
    return QueryResult(list(RUN_COLUMNS), rows)


def as_table(runs: QueryResult) -> QueryResult:
    """Runs as a terminal shows them, one line each within 80 columns: the start to the minute,
    the time taken instead of when it finished, and the files seen with those that changed or
    failed (the unchanged are the rest); the folder and the rest are in the other formats."""
    counted = [name for name in RUN_COLUMNS[RUN_COLUMNS.index("new"):RUN_COLUMNS.index("pruned") + 1]
               if name != "unchanged"]
    rows = []
    for values in runs.rows:
        run = dict(zip(RUN_COLUMNS, values, strict=True))
        counts = ", ".join(f"{run[name]:,} {name}" for name in counted if run[name])
        files = f"{run['seen']:,} seen" + (f": {counts}" if counts else "")
        rows.append((run["id"], run["started"][:16], _took(run["started"], run["finished"]),
                     run["status"], files))
    return QueryResult(["id", "started (UTC)", "took", "status", "files"], rows)


def _took(started: str, finished: str | None) -> str:
    if finished is None:
        return "-"
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}min"


def _plain(value):
    """A run's value as every format shows it: times in UTC as ISO text to the second.

    PostgreSQL returns the stored times with their zone, SQLite without (they are UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="seconds")
    return value
