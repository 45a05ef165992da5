"""``tcps refresh``: bring a database up to date with a folder of summaries, safely and cheaply.

Made for cron and systemd timers. One refresh:

1. takes the database's refresh lock (``tcps.lock``), so only one refresh runs at a time;
2. brings the schema to head;
3. opens a run in ``load_runs`` (marking runs that a crash left open as ``interrupted``);
4. looks at every summary in the folder. A file whose size and modification time are what the
   database recorded, and that was parsed by the current parser, is unchanged without being
   read. Any other file is read and hashed: same sha256 and parser, still unchanged; else it is
   parsed and loaded, each summary in its own transaction, so a kill at any moment loses at
   most the summary in flight and the next refresh picks it up again;
5. reports recorded files that disappeared from the folder (``--prune`` deletes the projects
   whose every source has gone);
6. closes the run with its counts; files that failed are in ``load_errors``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# Summaries are text extractions; the loader reads the same files.
SUMMARY_PATTERN = "*.txt"

# Exit statuses, as documented in ``tcps refresh --help`` and the README.
EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: try again later


@dataclass(frozen=True)
class FileStat:
    """What the cheap check compares: a file's size and modification time (nanoseconds)."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class KnownSource:
    """A source file as the database last recorded it."""

    path: str
    size: int | None
    mtime_ns: int | None
    sha256: str
    parser_version: str


def scan_folder(folder: Path) -> list[FileStat]:
    """Every summary under ``folder`` (recursively), by absolute path, in a stable order.

    Absolute paths make the same file the same source whatever directory cron starts in; the
    sorted order makes a refresh that was killed and started again load files in the same order
    as a clean load.
    """
    root = folder.resolve()
    found = []
    for path in sorted(root.rglob(SUMMARY_PATTERN)):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            st = path.stat()
            found.append(FileStat(str(path), st.st_size, st.st_mtime_ns))
    return found


def is_older_parser(recorded: str, current: str) -> bool:
    """True when ``recorded`` is an older parser version than ``current`` ("2" < "10")."""
    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    return key(recorded) < key(current)


def needs_reading(found: FileStat, known: KnownSource | None, parser_version: str) -> bool:
    """Whether a file must be read: new, touched, resized, or parsed by an older parser."""
    return (known is None
            or (known.size, known.mtime_ns) != (found.size, found.mtime_ns)
            or is_older_parser(known.parser_version, parser_version))


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
        return EXIT_SOME_FAILED if self.failed else EXIT_OK

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
