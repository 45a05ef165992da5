"""Text of a summary -> its record (shared/spec/record.md). No database code lives here.

One module per concern: ``decode`` (bytes to text; a PDF goes through ``pdf`` instead),
``furniture`` (page footers and headers), ``sections`` (labels to field texts), and one module
per kind of field value.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from tcps.errors import ParseError
from tcps.parse.decode import Undecodable, decode
from tcps.record import Record, Source


def parse_file(path: str | Path) -> Record:
    """Read and parse one summary file. Raises ParseError naming the file and the reason."""
    return parse_bytes(read_file(path), path)


def read_file(path: str | Path) -> bytes:
    """The bytes of one file; ParseError naming it and the reason where it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ParseError(path, e.strerror or str(e)) from None


def parse_bytes(data: bytes, name: str | Path = "<bytes>") -> Record:
    """Parse a summary given as bytes: text, or a PDF (known by its ``%PDF`` magic), whose text
    is rebuilt from the page layout (tcps.parse.pdf) and then read like any text summary."""
    return parse_with_text(data, name)[0]


def parse_with_text(data: bytes, name: str | Path = "<bytes>",
                    sha256: str | None = None) -> tuple[Record, str | None]:
    """``parse_bytes``, and the text the record was read from: the loader stores it, and
    decoding twice would cost as much again (None for a PDF, whose text is rebuilt, not kept).

    ``sha256`` is the digest of ``data`` when the caller has it already (refresh hashes a
    file before it knows whether to parse it)."""
    from tcps.parse.summary import read_summary

    digest = sha256 or hashlib.sha256(data).hexdigest()
    if is_pdf(data):
        from tcps.parse.pdf import extract_text

        pdf = extract_text(data, name)
        record = read_summary(pdf.text, name)
        record.source = Source(sha256=digest, pages=pdf.pages)
        return record, None
    try:
        text, encoding = decode(data)
    except Undecodable as e:
        raise ParseError(name, str(e)) from None
    record = read_summary(text, name)
    if encoding != "utf-8":
        record.warnings.insert(0, f"not UTF-8: decoded as {encoding}")
    record.source = Source(sha256=digest, pages=record.source.pages)
    return record, text


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (readers accept it within the first KiB, after junk)."""
    return b"%PDF-" in data[:1024]
