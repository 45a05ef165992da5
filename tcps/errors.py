"""The one error type each layer raises for bad input, so callers can report it in one line."""
from __future__ import annotations

from pathlib import Path


class TcpsError(Exception):
    """A problem with one input, reported as ``<file>: <reason>``."""

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ParseError(TcpsError):
    """The file cannot be read as a summary at all (empty, binary, no title ...)."""
