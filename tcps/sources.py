"""Summary files: which files a folder holds, and reading one into what the loader stores.

``tcps load`` and ``tcps refresh`` take the same files in the same order (``summary_files``),
and each file is read once and hashed once: the record and the stored text come from the
same bytes.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tcps.record import Record

# The endings (any case) of the files a folder is searched for: the summaries tcps reads.
SUMMARY_SUFFIXES = frozenset({".txt", ".pdf", ".html", ".htm"})


@dataclass
class SourceFile:
    """The file a record was parsed from: stored in source_documents beside the rows.

    Its size, not its bytes: the bytes are parsed where they are read (maybe in a worker
    process) and only what is stored crosses over."""
    path: str
    size: int  # in bytes
    text: str | None  # the text the parser read; None where no text form is kept (PDF)
    format: str  # text | pdf | html, by the bytes (tcps.parse.document_format)


def summary_files(paths: Iterable[str | Path]) -> Iterator[str]:
    """The files named, and the summaries under the folders named, each folder's sorted by
    path components (so a refresh killed and started again takes files in a clean load's order).

    Paths are spelled as pathlib spells them (``./data/`` is ``data``). os.walk and plain
    strings, not pathlib: an unchanged folder's refresh is mostly this walk."""
    for path in map(str, map(Path, paths)):
        if not os.path.isdir(path):
            yield path
            continue
        found = [os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names
                 if os.path.splitext(name)[1].lower() in SUMMARY_SUFFIXES]
        yield from sorted(found, key=lambda found_path: found_path.split(os.sep))


def read_source(path: str, data: bytes | None = None,
                sha256: str | None = None) -> tuple[Record, SourceFile]:
    """Parse one file and keep what source_documents stores about it.

    ``data`` and ``sha256`` are the file's bytes and their digest when the caller has them
    already (refresh, to tell whether the file changed): the file is not read or hashed again.
    Raises ParseError for a file that cannot be read or parsed."""
    from tcps.parse import document_format, parse_with_text, read_file

    if data is None:
        data = read_file(path)
    record, text = parse_with_text(data, path, sha256)
    return record, SourceFile(path, len(data), text, document_format(data))
