"""Summary files: which files a folder holds, and reading one into what the loader stores.

``tcps load`` and ``tcps refresh`` take the same files in the same order (``summary_files``),
and each file is read once and hashed once: the record and the stored text come from the
same bytes. Whatever a folder holds, reading it neither hangs nor runs out of memory: only
regular files are read (a FIFO would wait for a writer, ``/dev/zero`` never ends), at most
``max_size`` bytes of each, and a folder or file that cannot be read is an error, never
taken for one that is not there.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tcps.errors import FileError, ParseError, shown_path
from tcps.record import Record

# The endings (any case) of the files a folder is searched for: the summaries tcps reads.
SUMMARY_SUFFIXES = frozenset({".txt", ".pdf", ".html", ".htm"})
_SUFFIXES = tuple(SUMMARY_SUFFIXES)
# The largest file tcps reads, and the most text a PDF may decode to (--max-size): far above
# any real summary (tens of KiB), far below what would exhaust memory.
DEFAULT_MAX_SIZE = 5 * 1024 * 1024

# What a path names when it is not a regular file, by its stat mode.
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


@dataclass
class SourceFile:
    """The file a record was parsed from: stored in source_documents beside the rows.

    Its size, not its bytes: the bytes are parsed where they are read (maybe in a worker
    process) and only what is stored crosses over."""
    path: str  # as shown and stored (tcps.errors.shown_path)
    size: int  # in bytes
    text: str | None  # the text the parser read; None where no text form is kept (PDF)
    format: str  # text | pdf | html, by the bytes (tcps.parse.document_format)


@dataclass
class Listing:
    """The files named and the summaries found under the folders named, and the folders that
    could not be listed: what those hold is unknown (not gone)."""
    files: list[str] = field(default_factory=list)
    unreadable: list[FileError] = field(default_factory=list)


def summary_files(paths: Iterable[str | Path]) -> Listing:
    """The files named, and the summaries under the folders named, each folder's sorted by
    path components (so a refresh killed and started again takes files in a clean load's order).

    Paths are spelled as pathlib spells them (``./data/`` is ``data``). os.scandir and plain
    strings, not pathlib or os.walk: an unchanged folder's refresh is mostly this walk (a
    third of os.walk's time). A link to a folder is not followed (a loop cannot trap the walk);
    a link to a file is listed, and reading it says what is wrong with it (dangling, a loop,
    not a regular file)."""
    listing = Listing()
    for path in map(str, map(Path, paths)):
        if os.path.isdir(path):
            _walk(path, listing)
        else:
            listing.files.append(path)
    return listing


def _walk(folder: str, listing: Listing) -> None:
    """Add the summaries under ``folder`` to ``listing``, depth first in name order: the
    order of their paths compared component by component."""
    try:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda entry: entry.name)
    except OSError as e:
        listing.unreadable.append(FileError(folder, f"cannot read folder: {e.strerror}"))
        return
    for entry in ordered:
        if _is_folder(entry):
            if not entry.is_symlink():
                _walk(entry.path, listing)
        elif _is_summary(entry.name):
            listing.files.append(entry.path)


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # as os.walk takes it: a link that cannot be followed is a file
        return False


def _is_summary(name: str) -> bool:
    """Whether the name ends in a summary's suffix, as os.path.splitext reads one (a name's
    leading dots are not a suffix: ``.txt`` has none)."""
    return name.lower().endswith(_SUFFIXES) and "." in name.lstrip(".")


def read_file(path: str | Path, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The bytes of one regular file of at most ``max_size`` bytes; else ParseError naming it
    and the reason (whatever it is, in one line).

    Opened without blocking (a FIFO would wait for a writer), then checked on the open file,
    and read to one byte past the limit: a file that grows meanwhile cannot slip through. The
    read asks for the size the file has and one byte more, and for the rest up to the limit only
    where that byte came: a read of the limit sets aside a buffer of that size for every file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise ParseError(path, cannot_open(path, e)) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a file")
            raise ParseError(path, f"not a regular file ({kind}): only regular files are read")
        with open(fd, "rb", closefd=False) as file:
            data = file.read(min(status.st_size, max_size) + 1)
            if status.st_size < len(data) <= max_size:     # it grew since fstat
                data += file.read(max_size + 1 - len(data))
    except OSError as e:
        raise ParseError(path, e.strerror or str(e)) from None
    finally:
        os.close(fd)
    if len(data) > max_size:
        raise ParseError(path, too_large(max_size))
    return data


def too_large(max_size: int) -> str:
    """Why a file or what it decodes to is refused (--max-size)."""
    return f"larger than the limit of {max_size:,} bytes (--max-size)"


def cannot_open(path: str | Path, error: OSError) -> str:
    """Why ``path`` cannot be opened (or stat'ed), in one line."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return "dangling symbolic link (what it points to does not exist)"
    if error.errno == errno.ENXIO:  # what opening a socket gives
        return "not a regular file (a socket): only regular files are read"
    return error.strerror or str(error)


def read_source(path: str, max_size: int = DEFAULT_MAX_SIZE, data: bytes | None = None,
                sha256: str | None = None) -> tuple[Record, SourceFile]:
    """Parse one file and keep what source_documents stores about it.

    ``data`` and ``sha256`` are the file's bytes and their digest when the caller has them
    already (refresh, to tell whether the file changed): the file is not read or hashed again.
    Raises ParseError for a file that cannot be read or parsed."""
    from tcps.parse import parse_with_text

    if data is None:
        data = read_file(path, max_size)
    parsed = parse_with_text(data, path, sha256, max_size)
    return parsed.record, SourceFile(shown_path(path), len(data), parsed.text, parsed.format)
