"""The log of refreshes: the runs in load_runs, as `tcps runs` shows them (what one run saw
and did, as it reports it: tcps.report)."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tcps.db import has_table
from tcps.models import load_runs
from tcps.output import QueryResult
from tcps.report import RUN_COLUMNS



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
