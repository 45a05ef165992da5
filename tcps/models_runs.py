"""The tables of tcps refresh: the files it watches and the log of its runs (part of
``tcps.models``' schema, which imports this module)."""
from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, Text

from tcps.models import metadata

watched_files = Table(
    "watched_files", metadata,
    Column("path", Text, primary_key=True, comment="Absolute path of the file."),
    Column("size_bytes", BigInteger, nullable=False, comment="Size in bytes when last read."),
    Column("mtime_ns", BigInteger, nullable=False,
           comment="Modification time (ns since the epoch) when last read: with the "
                   "size, lets a refresh skip an unchanged file without reading it."),
    Column("sha256", String(64), nullable=False, comment="SHA-256 of the bytes last loaded."),
    Column("parser_version", String(20), nullable=False,
           comment="tcps.PARSER_VERSION that parsed it: a newer parser parses it again."),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="SET NULL"), index=True,
           comment="The project it was loaded into (projects.id); refresh --prune deletes a project "
                   "once every file loaded into it has gone."),
    comment="Every summary file tcps refresh has loaded, by absolute path, as "
            "it was then: what the next refresh compares the folder with.",
)

load_runs = Table(
    "load_runs", metadata,
    Column("id", Integer, primary_key=True, comment="Run number, increasing."),
    Column("started", DateTime(timezone=True), nullable=False, comment="Start (UTC)."),
    Column("finished", DateTime(timezone=True),
           comment="End (UTC); NULL while running or when the run was killed."),
    Column("status", String(11), nullable=False,
           comment="running; ok (every file loaded); failed (some files failed, see "
                   "load_errors); interrupted (killed before it finished)."),
    Column("folder", Text, nullable=False, comment="Absolute path of the folder refreshed."),
    Column("parser_version", String(20), nullable=False, comment="tcps.PARSER_VERSION of the run."),
    Column("seen", Integer, nullable=False, comment="Summary files found in the folder."),
    Column("new", Integer, nullable=False, comment="Files loaded for the first time."),
    Column("changed", Integer, nullable=False,
           comment="Files loaded again: their bytes changed, or an older parser had read them."),
    Column("unchanged", Integer, nullable=False, comment="Files left as they were."),
    Column("removed", Integer, nullable=False,
           comment="Files loaded before that are no longer in the folder."),
    Column("failed", Integer, nullable=False, comment="Files that could not be loaded (load_errors)."),
    Column("pruned", Integer, nullable=False,
           comment="Projects deleted by --prune because every file loaded into them has gone."),
    CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')", name="status"),
    comment="One row per tcps refresh: when, what it saw and what it did. A run killed "
            "part-way keeps finished NULL; the next refresh marks it 'interrupted'.",
)

load_errors = Table(
    "load_errors", metadata,
    Column("id", Integer, primary_key=True, comment="Surrogate key."),
    Column("run_id", Integer, ForeignKey("load_runs.id", ondelete="CASCADE"), nullable=False, index=True,
           comment="The run (load_runs.id)."),
    Column("path", Text, nullable=False, comment="Absolute path of the file."),
    Column("message", Text, nullable=False, comment="Why it could not be loaded."),
    comment="Each file a refresh could not load, with the reason: fix the file "
            "and the next refresh loads it.",
)
