"""A saved project web page -> its record, through the text parser's own sections.

The page's main content becomes blocks (tcps.parse.markup), the blocks become labelled fields
(tcps.parse.page_fields), and the fields are written out as the labelled text the text parser
reads (a list item as a bullet line, the fields in the order of the text layouts) and read by
`read_summary`. So dates, money, counts, lists, partners and countries have one set of rules for
text, PDF and HTML. Decoding, the page's own address and truncation are decided here.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from tcps.errors import ParseError
from tcps.parse.markup import Block, page_blocks
from tcps.parse.page_fields import Field, as_heading, read_fields
from tcps.parse.partners import QUOTES, clean_name
from tcps.parse.summary import read_summary
from tcps.record import Record, Source

_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)   # in http-equiv's content
# WHATWG: a page labelled Latin-1 or ASCII is decoded as Windows-1252.
_WINDOWS_1252 = {"iso8859-1", "latin-1", "ascii", "cp1252"}
# How each field is labelled in the text written for read_summary, in the text layouts' order.
_TEXT_LABELS = {"title": "PROJECT TITLE", "program": "ILAB PROGRAM", "region": "REGION/COUNTRY",
                "duration": "PROJECT DURATION", "funding": "FISCAL YEAR & FUNDING LEVEL",
                "problem": "PROBLEM TO BE ADDRESSED", "results": "RESULTS",
                "objectives": "PROJECT OBJECTIVES", "activities": "SUMMARY OF ACTIVITIES",
                "grantee": "GRANTEE", "partners": "IMPLEMENTING PARTNERS", "contact": "CONTACT INFORMATION"}
_BODY_FIELDS = {"problem", "strategy", "results", "objectives", "activities"}


def read_page(data: bytes, name: str | Path = "<page>", sha256: str | None = None) -> tuple[Record, str]:
    """The record of a page's bytes (``sha256``: their digest, where the caller has it), and the
    page decoded: the loader stores it as the document's text."""
    text, notes = _decode(data)
    if _nested_deeper_than(text, _MAX_DEPTH):
        raise ParseError(name, f"not a project summary: its markup nests past {_MAX_DEPTH} elements")
    if _cut_off(text):
        notes.append("the page is truncated: it ends before its closing </html> tag")
    tree = LexborHTMLParser(text)
    page = read_fields(*page_blocks(tree))
    if page.title is None or not page.is_project:
        raise ParseError(name, "not a project summary: the page's main content holds no project fields")
    record = read_summary(_as_text(page.title, page.fields, page.unplaced), name, web_page=True)
    if page.lost_results:
        record.results_kind = None
    record.summary, record.strategy = page.summary, page.strategy
    record.source = Source(sha256=sha256 or hashlib.sha256(data).hexdigest(), url=_own_url(tree))
    record.warnings[:0] = notes
    record.warnings.extend(f"unknown heading {f.word!r}: its text is not placed" for f in page.fields
                           if f.name == "unknown")
    return record, text


# No saved page nests a hundred elements deep; the HTML tree builder's time and the blocks'
# element paths grow with the square of the depth, so a page nested past this is refused.
_MAX_DEPTH = 1000
_TAG_RE = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
# Elements whose end tag HTML lets a page leave out (VOID_ELEMENTS have none at all).
_OPTIONAL_END = {"html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "rt", "rp", "tr", "td",
                 "th", "thead", "tbody", "tfoot", "colgroup", "caption"}
# HTML's void elements, obsolete ones included: they have no end tag, so they never hold anything.
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                           "source", "track", "wbr", "param", "keygen", "basefont", "frame", "isindex"})


def _cut_off(text: str) -> bool:
    """A page that ends without </body> or </html> is cut off only where it ends inside a tag or
    leaves open an element whose end tag HTML requires (a <div>, a <table>): a page saved with
    its optional end tags left out (a minifying saver) is whole."""
    if _CLOSING_TAG_RE.search(text, max(0, len(text) - 4096)):
        return False
    return _OpenElements().left_open(text)


# </html or </body in any case: searched for, where lower() would copy the page's last 4 KiB.
_CLOSING_TAG_RE = re.compile(r"</(?:html|body)", re.I)


def _nested_deeper_than(text: str, limit: int) -> bool:
    """Whether elements that need an end tag nest past `limit`. A page with no more `<` than
    that cannot; else the `<` and `</` counts over the page's stretches bound the depth from
    above at little cost; only a page they leave in doubt has its tag names read."""
    if text.count("<") <= limit:
        return False
    bound = 0
    for k in range(0, len(text), 8192):
        bound += text.count("<", k, k + 8192) - 2 * text.count("</", k, k + 8192)
        if bound > limit:
            break
    else:
        return False
    depth = 0
    for m in _TAG_RE.finditer(text):
        tag = m.group(2).lower()
        if tag not in VOID_ELEMENTS and tag not in _OPTIONAL_END:
            depth += -1 if m.group(1) else 1
            if depth > limit:
                return True
    return False


class _OpenElements(HTMLParser):
    """The elements still open where the page ends, by the standard library's HTML tokenizer."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.count: Counter[str] = Counter()    # of each tag in `open`: a stray end tag costs nothing

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID_ELEMENTS and tag not in _OPTIONAL_END:
            self.open.append(tag)
            self.count[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        while self.count[tag]:
            closed = self.open.pop()
            self.count[closed] -= 1
            if closed == tag:
                return

    def left_open(self, text: str) -> bool:
        self.feed(text)
        return bool(self.open) or bool(self.rawdata.strip())


def _decode(data: bytes) -> tuple[str, list[str]]:
    """By its byte-order mark (which outranks a declaration, as in browsers), else the charset
    the page declares, else UTF-8, else Windows-1252 (with a warning)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), []
    codec = "utf-8"
    try:
        declared = None if data.startswith(codecs.BOM_UTF8) else _declared_charset(data)
        codec = codecs.lookup(declared or codec).name
    except LookupError:
        pass
    codec = "cp1252" if codec in _WINDOWS_1252 else codec
    for attempt in dict.fromkeys([codec, "utf-8"]):
        try:
            return _decode_as(data, attempt), []
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace"), [f"the page is not {codec}: read as windows-1252"]


def _declared_charset(data: bytes) -> str | None:
    """The first <meta charset> or http-equiv Content-Type charset of the page's start, read
    by the HTML parser from the bytes taken as Latin-1 (every charset declaration is ASCII).
    The <meta> elements by name, not by a CSS selector: a tree's first selector query sets up
    a CSS parser, the dearest part of this look."""
    head = LexborHTMLParser(data[:4096].decode("latin-1"))
    for meta in head.tags("meta"):
        if "charset" not in meta.attributes and "http-equiv" not in meta.attributes:
            continue
        if meta.attributes.get("charset"):
            return (meta.attributes["charset"] or "").strip()
        if (meta.attributes.get("http-equiv") or "").lower() == "content-type":
            m = _CHARSET_RE.search(meta.attributes.get("content") or "")
            if m:
                return m.group(1)
    return None


def _decode_as(data: bytes, codec: str) -> str:
    """A page cut inside its last character loses that character."""
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as e:
        if e.reason != "unexpected end of data":
            raise
        return data[:e.start].decode(codec)


def _own_url(tree: LexborHTMLParser) -> str | None:
    """The canonical address as written, else og:url; never a shortlink or a saved-from mark."""
    for selector, attr in (("link[rel~=canonical]", "href"), ("meta[property='og:url']", "content")):
        node = tree.css_first(selector)
        if node is not None and (node.attributes.get(attr) or "").strip():
            return (node.attributes[attr] or "").strip()
    return None


def _as_text(title: str, fields: list[Field], unplaced: list[str]) -> str:
    """The fields as a labelled text summary, in the text layouts' field order."""
    values = {f.name: f for f in fields}
    region = _region_value(values.get("region"), values.get("country"))
    lines = [*unplaced, f"{_TEXT_LABELS['title']}:", title]
    for name, label in _TEXT_LABELS.items():
        f = values.get(name)
        if name == "title" or (f is None and not (name == "region" and region is not None)):
            continue
        if name == "results" and f is not None and f.word.lower().startswith("target"):
            label = "TARGETS"
        lines.append(f"{label}:")
        if name == "region":
            lines.append(region or "")
        elif name == "partners":
            lines.append("; ".join(_partner(b) for b in f.blocks) if f else "")
        else:
            lines.extend(_lines(b, name) for b in (f.blocks if f else []))
    return "\n".join(lines)


def _region_value(region: Field | None, country: Field | None) -> str | None:
    """D pages print Region and Country as two fields: 'Region/Country, Country' for the text rules."""
    if country is None:
        return None if region is None else "\n".join(b.text for b in region.blocks)
    names = ", ".join(b.text for b in country.blocks)
    return " ".join(b.text for b in region.blocks) + "/" + names if region else "/" + names


def _partner(block: Block) -> str:
    """A list item is one partner, whatever its commas ('Owners, Workers and Families
    Forum'): quoted, as the text rules keep a quoted name whole, unless it holds quotes of its
    own or a country key."""
    text = block.text.rstrip(";")
    if block.kind == "item" and "," in text and ":" not in text and not any(q in text for q in QUOTES):
        return f"“{clean_name(text)}”"
    return text


def _lines(block: Block, name: str) -> str:
    """A list item of a section is a bullet line, and a paragraph stands after a blank line (an
    element of its own never goes on with the line above); in a head field (funding printed as
    list items, one token each) a block is plain text. In a list, a heading is a list heading."""
    if name not in _BODY_FIELDS:
        return block.text
    if block.kind == "item":
        return "  " * block.depth + "• " + block.text
    return "\n" + (as_heading(block) if name in ("objectives", "activities") else block.text)
