"""What one refresh saw and did (``RunReport``): printed as one line for a log, as JSON, or
file by file; its counts are the columns of its load_runs row. No database code: the no-op
check (``tcps.quick``) reports without SQLAlchemy."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

# A run's columns in load_runs, in the order `tcps runs` shows them.
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


def now() -> datetime:
    """When a run starts or ends: UTC, as load_runs holds it."""
    return datetime.now(timezone.utc)
