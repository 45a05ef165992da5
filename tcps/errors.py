"""Every error tcps raises on purpose, and the one-line wording of any error.

All of them are TcpsErrors: a one-line message, and the exit status of a command the error
stops. The CLI turns one into ``error: <message>`` (or ``warning: ``, see LockHeld) and that status,
in one place.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


class TcpsError(Exception):
    """A failure tcps expects and explains in one line (exit status 1), after ``label: ``."""

    exit_status = 1
    label = "error"


class FileError(TcpsError):
    """A problem with one input file, reported as ``<file>: <reason>``."""

    def __init__(self, path: str | Path, reason: str):
        self.path = shown_path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ParseError(FileError):
    """The file cannot be read as a summary at all (unreadable, empty, binary, no title ...)."""


class ConfigError(TcpsError):
    """No database to work with: a bad URL, a missing SQLite file, an unreachable server, a
    schema not at head or not one our migrations know."""

    exit_status = 2


class DatabaseFailed(TcpsError):
    """The database stopped working in the middle of a command (server gone, disk full): the
    command stops, as it does when there is no database to work with (exit status 2)."""

    exit_status = 2


class UsageError(TcpsError):
    """A command line asking for what cannot be done: an empty query, an unknown file format."""

    exit_status = 2


class Refused(TcpsError):
    """A statement refused before anything changed: tcps sql only reads."""

    exit_status = 3


class TimedOut(TcpsError):
    """A statement ran past its time limit and was stopped."""

    exit_status = 4


class LockHeld(TcpsError):
    """Another writer (load or refresh) holds the lock on this database, so the command did
    nothing: a warning that a scheduler may count (EX_TEMPFAIL of sysexits.h: try later)."""

    exit_status = 75
    label = "warning"


def shown_path(path: str | Path) -> str:
    """A path as tcps prints and stores it: any text a database takes, on one line.

    A name that is not UTF-8 (Python holds its bytes as surrogate escapes, which no database
    encodes) shows those bytes as ``\\xNN``; a newline or other unprintable character as its
    Python escape (``\\n``), so that an ``error:`` line stays one line. A real backslash stays
    as it is: a name spelled with ``\\xff`` and one holding the byte 0xff look alike."""
    text = os.fsdecode(path)
    if text.isprintable():
        return text
    text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def stops_the_run(error: BaseException) -> bool:
    """Whether a database error is the database's, not one file's: the connection is gone or
    the database cannot take more (disk full, read-only, locked). SQLAlchemy wraps those as
    OperationalError or InterfaceError; a file's own data refused is an IntegrityError or
    DataError, and the next file may well load."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    return sqlalchemy_exc is not None and isinstance(
        error, (sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError))


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for ``error: ...`` lines and load_errors.

    For a SQLAlchemy error it is its driver's message (``orig``), without the SQL statement and
    the documentation link SQLAlchemy appends; psycopg's messages also run over several lines."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def failure_reason(error: Exception) -> str:
    """Why one file could not be parsed or loaded, in one line (the same wording in tcps parse,
    tcps load and tcps refresh)."""
    if isinstance(error, FileError):
        return error.reason
    if isinstance(error, TcpsError):
        return str(error)
    # Only SQLAlchemy itself can have raised one of its errors: no import when it is not loaded.
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(error, sqlalchemy_exc.SQLAlchemyError):
        return f"database refused it: {one_line(error)}"
    return f"internal error: {type(error).__name__}: {one_line(error)}"
