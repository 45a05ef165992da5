"""What a refresh compares: the summary files in a folder against what ``watched_files`` says
of them. No database code lives here: the no-op check (``tcps.quick``) reads the rows without
SQLAlchemy, the full refresh (``tcps.refresh``) with it, and both judge them by these rules."""
from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tcps.errors import FileError, shown_path
from tcps.sources import cannot_open, summary_files

# The columns of watched_files a refresh reads, in KnownSource's order.
KNOWN_COLUMNS = ("path", "size_bytes", "mtime_ns", "sha256", "parser_version", "project_id")


class FileStat(NamedTuple):
    """What the cheap check compares: a file's size and modification time (nanoseconds).

    A named tuple, as KnownSource: a no-op refresh builds one of each per file."""

    path: str  # as shown and stored (tcps.errors.shown_path): the key of watched_files
    size: int
    mtime_ns: int
    os_path: str  # as the operating system spells it: what is opened


class KnownSource(NamedTuple):
    """A source file as the database last recorded it."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    parser_version: str
    project_id: int | None  # the project it was loaded into


def scan(root: Path) -> Iterator[FileStat | FileError]:
    """Every summary under the absolute folder ``root``, in ``summary_files``' order, stat'ed;
    or the folder or file that could not be (a dangling link, a loop, no permission).

    Absolute paths make a file the same source whatever directory cron starts in. The stat is
    taken before the file is read: a file written meanwhile has a newer mtime than the one
    recorded, so the next refresh reads it again. One at a time, so that the no-op check can
    stop at the first file that is not."""
    listing = summary_files([root])
    yield from listing.unreadable
    for path in listing.files:
        try:
            st = os.stat(path)
        except OSError as e:
            if e.errno != errno.ENOENT or os.path.islink(path):  # not merely gone since the walk
                yield FileError(path, cannot_open(path, e))
            continue
        yield FileStat(shown_path(path), st.st_size, st.st_mtime_ns, path)


def scan_folder(root: Path) -> tuple[list[FileStat], list[FileError]]:
    """``scan``: the files stat'ed, and those that could not be."""
    found: list[FileStat] = []
    problems: list[FileError] = []
    for item in scan(root):
        if isinstance(item, FileStat):
            found.append(item)
        else:
            problems.append(item)
    return found, problems


def is_older_parser(recorded: str, current: str) -> bool:
    """True when ``recorded`` is an older parser version than ``current`` ("2" < "10").

    Versions are dotted integers (``tcps.PARSER_VERSION``)."""
    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    return recorded != current and key(recorded) < key(current)


def needs_reading(found: FileStat, known: KnownSource | None, parser_version: str) -> bool:
    """Whether a file must be read: new, touched, resized, or parsed by an older parser."""
    return (known is None
            or (known.size, known.mtime_ns) != (found.size, found.mtime_ns)
            or is_older_parser(known.parser_version, parser_version))


def removed_files(folder: str, known: dict[str, KnownSource], found: list[FileStat],
            problems: list[FileError]) -> list[str]:
    """The recorded files of ``folder`` that are gone: not found, and not in or under a path
    that could not be read (what that holds is unknown, not gone)."""
    present = {f.path for f in found}
    unknown = tuple(p for problem in problems for p in (problem.path, f"{problem.path}{os.sep}"))
    inside = f"{folder}{os.sep}"
    return [p for p in sorted(known)
            if p.startswith(inside) and p not in present and not p.startswith(unknown)]
