"""What a refresh compares: the summary files in a folder against what ``watched_files`` says
of them, and how it reads those it cannot clear by their size and time. No database code lives
here: the no-op check (``tcps.quick``) reads the rows without SQLAlchemy, the full refresh
(``tcps.refresh``) with it, and both judge them by these rules."""
from __future__ import annotations

import errno
import hashlib
import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from tcps import PARSER_VERSION
from tcps.errors import FileError, shown_path
from tcps.record import Record
from tcps.sources import DEFAULT_MAX_SIZE, SourceFile, cannot_open, read_file, read_source, summary_files

if TYPE_CHECKING:  # imported when a file is read: the no-op refresh starts no worker
    from tcps.workers import InOrder

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


# A file the cheap check could not clear, with the row it was judged by (None: a new file).
ToRead = tuple[FileStat, KnownSource | None]


def scan_folder(root: Path) -> tuple[list[FileStat], list[FileError]]:
    """Every summary under the absolute folder ``root``, in ``summary_files``' order, stat'ed;
    and the folders and files that could not be (a dangling link, a loop, no permission).

    Absolute paths make a file the same source whatever directory cron starts in. The stat is
    taken before the file is read: a file written meanwhile has a newer mtime than the one
    recorded, so the next refresh reads it again."""
    listing = summary_files([root])
    found: list[FileStat] = []
    problems = list(listing.unreadable)
    for path in listing.files:
        try:
            st = os.stat(path)
        except OSError as e:
            if e.errno != errno.ENOENT or os.path.islink(path):  # not merely gone since the walk
                problems.append(FileError(path, cannot_open(path, e)))
            continue
        found.append(FileStat(shown_path(path), st.st_size, st.st_mtime_ns, path))
    return found, problems


def files_to_read(found: list[FileStat], known: dict[str, KnownSource]) -> list[ToRead]:
    """The files the cheap check cannot clear (``needs_reading``), each with its row."""
    return [(f, row) for f in found if needs_reading(f, row := known.get(f.path))]


def is_older_parser(recorded: str, current: str) -> bool:
    """True when ``recorded`` is an older parser version than ``current`` ("2" < "10").

    Versions are dotted integers (``tcps.PARSER_VERSION``)."""
    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    return recorded != current and key(recorded) < key(current)


def needs_reading(found: FileStat, known: KnownSource | None) -> bool:
    """Whether a file must be read: new, touched, resized, or parsed by an older parser."""
    return (known is None
            or (known.size, known.mtime_ns) != (found.size, found.mtime_ns)
            or is_older_parser(known.parser_version, PARSER_VERSION))


def removed_files(folder: str, known: dict[str, KnownSource], found: list[FileStat],
            problems: list[FileError]) -> list[str]:
    """The recorded files of ``folder`` that are gone: not found, and not in or under a path
    that could not be read (what that holds is unknown, not gone)."""
    present = {f.path for f in found}
    unknown = tuple(p for problem in problems for p in (problem.path, f"{problem.path}{os.sep}"))
    inside = f"{folder}{os.sep}"
    return [p for p in sorted(known)
            if p.startswith(inside) and p not in present and not p.startswith(unknown)]


# What ``examine`` made of a file, or the reason it failed.
Examined = tuple[Record, SourceFile] | None | str
# Files read in order (``examining``), each with what it came to (Examined).
Reading: TypeAlias = "InOrder[ToRead, tuple[Record, SourceFile] | None]"


def examine(file: ToRead, max_size: int = DEFAULT_MAX_SIZE) -> tuple[Record, SourceFile] | None:
    """Read a file the cheap check could not clear (once: the bytes hashed are those parsed).

    None when its bytes are those last loaded, by the current parser; else its parsed record,
    ready to load. Raises ParseError for a file that cannot be read or parsed.
    """
    stat, known = file
    data = read_file(stat.os_path, max_size)
    digest = hashlib.sha256(data).hexdigest()
    if (known is not None and not is_older_parser(known.parser_version, PARSER_VERSION)
            and digest == known.sha256):
        return None
    return read_source(stat.os_path, max_size, data, digest)


def examining(to_read: list[ToRead], max_size: int = DEFAULT_MAX_SIZE) -> Reading:
    """``examine`` each file, in order, in worker processes where there are many (InOrder);
    a file that cannot be read, or that the parser fails on, with the reason."""
    from tcps.workers import InOrder

    return InOrder(partial(examine, max_size=max_size), to_read, os.cpu_count() or 1)
