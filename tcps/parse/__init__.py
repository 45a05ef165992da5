"""Text of a summary -> its record (docs/record.md). No database code lives here.

One module per concern: ``decode`` (bytes to text; a PDF goes through ``pdf`` instead, a web
page through ``markup`` and ``page_fields`` to ``page``, which writes it out as labelled text),
``furniture`` (page footers and headers), ``sections`` (labels to field texts), and one module
per kind of field value.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path
from typing import NamedTuple

from tcps.errors import ParseError
from tcps.parse.decode import Undecodable, decode
from tcps.record import Record, Source
from tcps.sources import DEFAULT_MAX_SIZE, read_file


def parse_file(path: str | Path, max_size: int = DEFAULT_MAX_SIZE) -> Record:
    """Read and parse one summary file of at most ``max_size`` bytes (and, for a PDF, as
    much decoded text). Raises ParseError naming the file and the reason."""
    return parse_with_text(read_file(path, max_size), path, max_size=max_size).record


def parse_bytes(data: bytes, name: str | Path = "<bytes>") -> Record:
    """Parse a summary given as bytes: text, a PDF (known by its ``%PDF`` magic), whose text is
    rebuilt from the page layout (tcps.parse.pdf), or a web page (known by ``<html``,
    tcps.parse.page); all are then read like any text summary."""
    return parse_with_text(data, name).record


class Parsed(NamedTuple):
    """A record with what the loader stores of its document besides: the text it was read from
    (the decoded page for a web page; None for a PDF, whose text is rebuilt, not kept) and the
    document's format (``document_format``)."""
    record: Record
    text: str | None
    format: str


def parse_with_text(data: bytes, name: str | Path = "<bytes>", sha256: str | None = None,
                    max_size: int = DEFAULT_MAX_SIZE) -> Parsed:
    """``parse_bytes``, and what the loader stores of the document: decoding or telling its
    format twice would cost as much again.

    ``sha256`` is the digest of ``data`` when the caller has it already (refresh hashes a
    file before it knows whether to parse it). A PDF may decode to at most ``max_size`` bytes
    of content."""
    from tcps.parse.summary import read_summary

    digest = sha256 or hashlib.sha256(data).hexdigest()
    kind = document_format(data)
    if kind == "html":
        from tcps.parse.page import read_page

        record, page = read_page(data, name, digest)
        _refuse_nul(page, name)
        return Parsed(record, page, kind)
    if kind == "pdf":
        from tcps.parse.pdf import extract_text

        pdf = extract_text(data, name, max_size)
        _refuse_nul(pdf.text, name)
        record = read_summary(pdf.text, name)
        record.source = Source(sha256=digest, pages=pdf.pages)
        return Parsed(record, None, kind)
    try:
        text, encoding = decode(data)
    except Undecodable as e:
        raise ParseError(name, str(e)) from None
    record = read_summary(text, name)
    if encoding != "utf-8":
        record.warnings.insert(0, f"not UTF-8: decoded as {encoding}")
    record.source = Source(sha256=digest, pages=record.source.pages)
    return Parsed(record, text, kind)


def _refuse_nul(text: str, name: str | Path) -> None:
    """The rule decode applies to a text file, for the text of a page or a PDF: no NUL, which
    PostgreSQL cannot store and SQLite would (the same file must load on both or on neither)."""
    if "\x00" in text:
        raise ParseError(name, "its text holds a NUL character")


def is_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` (readers accept it within the first KiB, after junk)."""
    return b"%PDF-" in data[:1024]


# A page opens with <!DOCTYPE html or <html, after a byte-order mark, blanks, comments or the
# XML declaration of an XHTML page (<?xml version="1.0" encoding="iso-8859-1"?>).
_PAGE_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         rb"<(?:!doctype\s+html|html)[\s>]", re.I | re.S)


def document_format(data: bytes) -> str:
    """What a file is, told by its bytes whatever its name: ``html`` (a web page), ``pdf`` or
    ``text``. The parser reads each as this says; the loader stores it. A page is told first:
    a page may quote ``%PDF-`` in its first KiB, a PDF never opens with ``<html``."""
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):   # a page saved as 'Unicode'
        head = head.decode("utf-16", errors="ignore").encode()
    if _PAGE_START.match(head):
        return "html"
    return "pdf" if is_pdf(data) else "text"
