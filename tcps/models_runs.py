"""The tables of tcps refresh: the files it watches and the log of its runs (part of
``tcps.models``' schema, which imports this module)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tcps.models import Base


class WatchedFile(Base):
    __tablename__ = "watched_files"
    __table_args__ = {"comment": "Every summary file tcps refresh has loaded, by absolute path, as "
                                 "it was then: what the next refresh compares the folder with."}

    path: Mapped[str] = mapped_column(Text, primary_key=True, comment="Absolute path of the file.")
    size_bytes: Mapped[int] = mapped_column(BigInteger, comment="Size in bytes when last read.")
    mtime_ns: Mapped[int] = mapped_column(
        BigInteger, comment="Modification time (ns since the epoch) when last read: with the "
                            "size, lets a refresh skip an unchanged file without reading it.")
    sha256: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the bytes last loaded.")
    parser_version: Mapped[str] = mapped_column(
        String(20), comment="tcps.PARSER_VERSION that parsed it: a newer parser parses it again.")
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True,
        comment="The project it was loaded into (projects.id); refresh --prune deletes a project "
                "once every file loaded into it has gone.")


class LoadRun(Base):
    __tablename__ = "load_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')", name="status"),
        {"comment": "One row per tcps refresh: when, what it saw and what it did. A run killed "
                    "part-way keeps finished NULL; the next refresh marks it 'interrupted'."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Run number, increasing.")
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), comment="Start (UTC).")
    finished: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="End (UTC); NULL while running or when the run was killed.")
    status: Mapped[str] = mapped_column(
        String(11), comment="running; ok (every file loaded); failed (some files failed, see "
                            "load_errors); interrupted (killed before it finished).")
    folder: Mapped[str] = mapped_column(Text, comment="Absolute path of the folder refreshed.")
    parser_version: Mapped[str] = mapped_column(String(20), comment="tcps.PARSER_VERSION of the run.")
    seen: Mapped[int] = mapped_column(Integer, comment="Summary files found in the folder.")
    new: Mapped[int] = mapped_column(Integer, comment="Files loaded for the first time.")
    changed: Mapped[int] = mapped_column(
        Integer, comment="Files loaded again: their bytes changed, or an older parser had read them.")
    unchanged: Mapped[int] = mapped_column(Integer, comment="Files left as they were.")
    removed: Mapped[int] = mapped_column(
        Integer, comment="Files loaded before that are no longer in the folder.")
    failed: Mapped[int] = mapped_column(Integer, comment="Files that could not be loaded (load_errors).")
    pruned: Mapped[int] = mapped_column(
        Integer, comment="Projects deleted by --prune because every file loaded into them has gone.")


class LoadError(Base):
    __tablename__ = "load_errors"
    __table_args__ = {"comment": "Each file a refresh could not load, with the reason: fix the file "
                                 "and the next refresh loads it."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    run_id: Mapped[int] = mapped_column(
        ForeignKey("load_runs.id", ondelete="CASCADE"), index=True, comment="The run (load_runs.id).")
    path: Mapped[str] = mapped_column(Text, comment="Absolute path of the file.")
    message: Mapped[str] = mapped_column(Text, comment="Why it could not be loaded.")
