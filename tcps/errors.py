"""The one error type each layer raises for bad input, and the one-line wording of any error."""
from __future__ import annotations

import sys
from pathlib import Path


class TcpsError(Exception):
    """A problem with one input, reported as ``<file>: <reason>``."""

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ParseError(TcpsError):
    """The file cannot be read as a summary at all (empty, binary, no title ...)."""


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for ``error: ...`` lines and load_errors.

    For a SQLAlchemy error it is its driver's message (``orig``), without the SQL statement and
    the documentation link SQLAlchemy appends; psycopg's messages also run over several lines."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def failure_reason(error: Exception) -> str:
    """Why one file could not be parsed or loaded, in one line (the same wording in tcps parse,
    tcps load and tcps refresh)."""
    if isinstance(error, TcpsError):
        return error.reason
    # Only SQLAlchemy itself can have raised one of its errors: no import when it is not loaded.
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(error, sqlalchemy_exc.SQLAlchemyError):
        return f"database refused it: {one_line(error)}"
    return f"internal error: {type(error).__name__}: {one_line(error)}"
