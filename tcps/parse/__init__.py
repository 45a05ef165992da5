"""Text of a summary -> its record (shared/spec/record.md). No database code lives here.

One module per concern: ``decode`` (bytes to text; a PDF goes through ``tcps.pdf`` instead),
``furniture`` (page footers and headers), ``sections`` (labels to field texts), and one module
per kind of field value.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from tcps.errors import ParseError
from tcps.parse.decode import Undecodable, decode
from tcps.parse.page import is_html
from tcps.record import Record, Source


def parse_file(path: str | Path) -> Record:
    """Read and parse one summary file. Raises ParseError naming the file and the reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ParseError(path, e.strerror or str(e)) from None
    return parse_bytes(data, path)


def parse_bytes(data: bytes, name: str | Path = "<bytes>") -> Record:
    """Parse a summary given as bytes: text, a PDF (known by its ``%PDF`` magic), whose text is
    rebuilt from the page layout (tcps.pdf), or a web page (known by ``<html``, tcps.parse.page);
    all are then read like any text summary."""
    from tcps.parse.summary import read_summary

    if is_html(data):
        from tcps.parse.page import read_page

        return read_page(data, name)
    if is_pdf(data):
        from tcps.pdf import extract_text

        pdf = extract_text(data, name)
        record = read_summary(pdf.text, name)
        record.source = Source(sha256=hashlib.sha256(data).hexdigest(), pages=pdf.pages)
        return record
    try:
        text, encoding = decode(data)
    except Undecodable as e:
        raise ParseError(name, str(e)) from None
    record = read_summary(text, name)
    if encoding != "utf-8":
        record.warnings.insert(0, f"not UTF-8: decoded as {encoding}")
    record.source = Source(sha256=hashlib.sha256(data).hexdigest(), pages=record.source.pages)
    return record


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (readers accept it within the first KiB, after junk)."""
    return b"%PDF-" in data[:1024]
