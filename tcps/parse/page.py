"""A saved project web page -> its record, through the text parser's own sections.

The page's main content becomes blocks (tcps.parse.markup); headings and labels among them open
fields as in a text summary (the same label family, plus the few words only web pages print:
`Region`, `Country`, `Funding and Year`, `The Problem`, `Our Strategy`); each field's blocks are
written out as the labelled text the text parser reads (a list item as a bullet line), in the
order of the text layouts, and read by `read_summary`. So dates, money, counts, lists, partners
and countries have one set of rules for text, PDF and HTML. What only a page has is decided
here: where the main content is, the title in the main heading, the overview (`summary`) and the
`Our Strategy` prose (`strategy`), a region line or a results paragraph whose heading was lost.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from tcps.errors import ParseError
from tcps.parse.countries import find_country
from tcps.parse.dates import parse_duration
from tcps.parse.furniture import HEADER_RE
from tcps.parse.markup import Block, common_element, inside, page_blocks
from tcps.parse.results import parse_metrics
from tcps.parse.sections import leading_label
from tcps.parse.summary import read_summary
from tcps.parse.text import word_keys
from tcps.record import Record, Source

_START_RE = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_CHARSET_RE = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
# WHATWG: a page labelled Latin-1 or ASCII is decoded as Windows-1252.
_WINDOWS_1252 = {"iso8859-1", "latin-1", "ascii", "cp1252"}
# Labels only web pages print: (field, words).
_PAGE_LABELS = [("region", r"region"), ("country", r"countr(?:y|ies)"),
                ("funding", r"funding\s+and\s+years?"), ("problem", r"the\s+problem"),
                ("strategy", r"our\s+strategy")]
_PAGE_LABEL_RE = re.compile(
    "(?:" + "|".join(f"(?P<{f}{i}>{w})" for i, (f, w) in enumerate(_PAGE_LABELS)) + r")\s*:?", re.I)
# Headings of chrome inside the content: document lists, related links, shared stories.
_CHROME_HEADING_RE = re.compile(r"(?:related\b.*|resources|stories\s+from\s+the\s+field|"
                                r"(?:bookmark\s+and\s+)?share|print)\s*:?", re.I)
# Chrome known by its text alone: page tools ('Print Share', 'Bookmark and Share') and a
# breadcrumb trail ('ILAB > Projects > Europe').
_CHROME_TEXT_RE = re.compile(
    r"(?:(?:print|share|bookmark|and|e-?mail|this|page|facebook|twitter|linkedin)\s*)+"
    r"|[^<>»›\n]{1,60}(?:\s[>»›]\s[^<>»›\n]{1,80})+", re.I)
# How each field is labelled in the text written for read_summary, in the text layouts' order.
_TEXT_LABELS = {"title": "PROJECT TITLE", "program": "ILAB PROGRAM", "region": "REGION/COUNTRY",
                "duration": "PROJECT DURATION", "funding": "FISCAL YEAR & FUNDING LEVEL",
                "problem": "PROBLEM TO BE ADDRESSED", "results": "RESULTS",
                "objectives": "PROJECT OBJECTIVES", "activities": "SUMMARY OF ACTIVITIES",
                "grantee": "GRANTEE", "partners": "IMPLEMENTING PARTNERS", "contact": "CONTACT INFORMATION"}
_HEAD_FIELDS = ("program", "region", "country", "duration", "funding")
_BODY_FIELDS = {"problem", "strategy", "results", "objectives", "activities"}
_LEVEL_HEADING_RE = re.compile(r"\b(?:objectives?|outcomes?|intermediate|immediate|specific)\b[^:]*:$", re.I)
_DEVELOPMENT_RE = re.compile(r"development\s+objectives?\s*:", re.I)
_ACTIVITY_HEADING_RE = re.compile(r"\bactivit(?:y|ies)\b[^:]*:$", re.I)
# A sentence of four words or more, or a run of twelve words.
_PROSE_RE = re.compile(r"(?:\S+\s+){3,}\S*[.!?][\"'”’)]?$|(?:\S+\s+){11,}\S")
_MONEY_RE = re.compile(r"\b(?:USD|FY)\b|\$", re.I)


@dataclass
class _Field:
    name: str                   # a field of the record, 'country' (D pages), 'strategy' or 'chrome'
    word: str                   # the label as printed
    blocks: list[Block] = field(default_factory=list)


def is_html(data: bytes) -> bool:
    """A page starts with ``<!DOCTYPE html`` or ``<html`` (after a BOM, blanks or comments)."""
    return bool(_START_RE.match(data[:4096]))


def read_page(data: bytes, name: str | Path = "<page>") -> Record:
    text, notes = _decode(data)
    if not re.search(r"</(?:html|body)\s*>", text[-4096:], re.I):
        notes.append("the page is truncated: it ends before its closing </html> tag")
    tree = LexborHTMLParser(text)
    blocks, main = page_blocks(tree)
    fields, title, unplaced = _fields(_content(blocks, main))
    present = {f.name for f in fields} & (_BODY_FIELDS | {"duration"})
    if not title or len(present) < 2:
        raise ParseError(name, "not a project summary: the page's main content holds no project fields")
    summary = _split_summary(fields)
    strategy = _split_strategy(fields)
    lost_results = _lost_results(fields)
    record = read_summary(_as_text(title, fields, unplaced), name, web_page=True)
    if lost_results:
        record.results_kind = None
    record.summary, record.strategy = summary, strategy
    record.source = Source(sha256=hashlib.sha256(data).hexdigest(), url=_own_url(tree))
    record.warnings[:0] = notes
    return record


def _decode(data: bytes) -> tuple[str, list[str]]:
    """By the charset the page declares, else UTF-8, else Windows-1252 (with a warning)."""
    declared = _CHARSET_RE.search(data[:4096])
    codec = "utf-8"
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            pass
    codec = "cp1252" if codec in _WINDOWS_1252 else codec
    for attempt in dict.fromkeys([codec, "utf-8"]):
        try:
            return _decode_as(data, attempt), []
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace"), [f"the page is not {codec}: read as windows-1252"]


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


def _label(block: Block) -> tuple[str, str, str] | None:
    """(field, words, value) where a block opens with a label: its whole text, or the bold text
    it opens with ('<strong>Region</strong> Asia'), or label words before a colon or a line break."""
    if block.lead and block.lead != block.text and block.text.startswith(block.lead):
        found = _whole_label(block.lead, block.kind)
        if found:
            return found[0], found[1], block.text[len(block.lead):].strip()
    return _whole_label(block.text, block.kind) or leading_label(block.text)


def _whole_label(text: str, kind: str) -> tuple[str, str, str] | None:
    m = _PAGE_LABEL_RE.fullmatch(text)
    if m:
        return (m.lastgroup or "").rstrip("0123456789"), m.group().rstrip(": "), ""
    if _CHROME_HEADING_RE.fullmatch(text) and kind != "item":
        return "chrome", text, ""
    found = leading_label(text)
    return found if found and not found[2] else None


def _content(blocks: list[Block], main: int | None) -> list[Block]:
    """The main content: the page's <main> where it holds labels, else the innermost element
    holding every label, with the main heading before it where that stands outside."""
    labelled = [b for b in blocks if _label(b)]
    if main is not None and any(main in b.path for b in labelled):
        return inside(blocks, main)
    root = common_element(labelled)
    if root is None:
        return blocks
    content = inside(blocks, root)
    start = blocks.index(content[0])
    heading = _main_heading(blocks[:start], False)
    return ([blocks[heading]] if heading is not None else []) + content


def _fields(blocks: list[Block]) -> tuple[list[_Field], str | None, list[str]]:
    """The labelled fields in page order, the title and the text before the first label. What
    stands before the main heading is chrome (breadcrumbs, page tools)."""
    blocks = [part for b in blocks for part in _split_at_labels(b)]
    labels = [_label(b) for b in blocks]
    first = next((k for k, found in enumerate(labels) if found), len(blocks))
    at = _main_heading(blocks[:first], any(found and found[0] == "title" for found in labels))
    title = blocks[at].text if at is not None else None
    fields: list[_Field] = []
    unplaced: list[str] = []
    for k in range(at or 0, len(blocks)):
        b, found = blocks[k], labels[k]
        if k == at or (len(b.text) < 60 and HEADER_RE.search(b.text)) \
                or (not found and _CHROME_TEXT_RE.fullmatch(b.text)):
            continue
        if title and 0.8 * len(title) <= len(b.text) <= 1.2 * len(title) + 9 \
                and word_keys(b.text) == word_keys(title):
            continue        # the title printed again
        if found:
            name, word, value = found
            fields.append(_Field(name, word))
            if value:
                fields[-1].blocks.append(Block(value, "para", 0, b.path))
        elif fields:
            fields[-1].blocks.append(b)
        else:
            unplaced.append(b.text)
    fields = _merge_repeats(fields)
    _region_line(fields, unplaced)
    return fields, title or _take_title(fields), unplaced


def _main_heading(blocks: list[Block], title_label: bool) -> int | None:
    """The page's main heading before its first label: the last <h1>, else, where no `Project
    Title` label gives the title, the last smaller heading (the document header, 'Technical
    Cooperation Project Summary', never)."""
    for kinds in (("h1",), () if title_label else ("h2", "h3", "h4")):
        for k in range(len(blocks) - 1, -1, -1):
            if blocks[k].kind in kinds and not HEADER_RE.search(blocks[k].text):
                return k
    return None


def _split_at_labels(block: Block) -> list[Block]:
    """Labels run together with <br> ('Country: Nepal<br>Duration: ...') open a block each."""
    if "\n" not in block.text:
        return [block]
    parts: list[list[str]] = [[]]
    for line in block.text.split("\n"):
        found = leading_label(line) if ":" in line else None
        if found and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    if len(parts) == 1:
        return [block]
    return [Block("\n".join(p), block.kind, block.depth, block.path, block.lead if k == 0 else "")
            for k, p in enumerate(parts)]


def _merge_repeats(fields: list[_Field]) -> list[_Field]:
    """Only the first of each field counts; a later label of a field seen before is text of the
    field before it (a page prints each field once)."""
    out: list[_Field] = []
    for f in fields:
        if any(g.name == f.name for g in out) and f.name != "chrome":
            out[-1].blocks.append(Block(f.word, "para"))
            out[-1].blocks.extend(f.blocks)
        else:
            out.append(f)
    return out


def _take_title(fields: list[_Field]) -> str | None:
    f = next((f for f in fields if f.name == "title"), None)
    if f is None or not f.blocks:
        return None
    fields.remove(f)
    return " ".join(b.text for b in f.blocks)


def _region_line(fields: list[_Field], unplaced: list[str]) -> None:
    """A page that lost the Region/Country heading prints the line unlabelled before the duration
    ('AFRICA/Liberia, Sierra Leone'): the first unlabelled line of the head that names a region
    and a country around a slash."""
    if any(f.name in ("region", "country") for f in fields):
        return
    pools = [f for f in fields if f.name in ("title", "program")]
    for text in [*unplaced] + [b.text for f in pools for b in f.blocks[1:]]:
        region, slash, rest = text.partition("/")
        if slash and len(region.split()) <= 4 and find_country(rest.split(",")[0]):
            fields.insert(0, _Field("region", "", [Block(text, "para")]))
            if text in unplaced:
                unplaced.remove(text)
            for f in pools:
                f.blocks = [b for b in f.blocks if b.text != text]
            return


def _split_summary(fields: list[_Field]) -> str | None:
    """The overview: the prose paragraphs after the head fields (region, duration, funding),
    before the first section."""
    head = [f for f in fields if f.name in _HEAD_FIELDS]
    if not head:
        return None
    last = head[-1]
    k = len(last.blocks)
    while k and _is_prose(last.blocks[k - 1]):
        k -= 1
    prose, last.blocks = last.blocks[k:], last.blocks[:k]
    return " ".join(b.text for b in prose) or None


def _is_prose(block: Block) -> bool:
    """A paragraph of sentences, not an amount or a date range ('September 30, 2009 - ...')."""
    return block.kind == "para" and bool(_PROSE_RE.search(block.text)) \
        and not _MONEY_RE.search(block.text) and bool(parse_duration(block.text).leftover)


def _split_strategy(fields: list[_Field]) -> str | None:
    """'Our Strategy': its prose up to the first list heading is `strategy`; a heading naming a
    level (or a labelled 'Development Objective:') opens the objectives, one naming activities
    opens the activities."""
    k = next((k for k, f in enumerate(fields) if f.name == "strategy"), None)
    if k is None:
        return None
    blocks = fields[k].blocks
    parts: list[_Field] = []
    prose: list[str] = []
    for b in blocks:
        heading = b.kind != "item" and not b.text.startswith(("•", "-"))
        if heading and _DEVELOPMENT_RE.match(b.text) and not parts:
            parts.append(_Field("objectives", "", [b]))
        elif heading and _ACTIVITY_HEADING_RE.search(b.text):
            parts.append(_Field("activities", b.text))
        elif heading and _LEVEL_HEADING_RE.search(b.text) and not any(p.name == "objectives" for p in parts):
            parts.append(_Field("objectives", "", [b]))
        elif parts:
            parts[-1].blocks.append(b)
        elif b.kind == "item":
            parts.append(_Field("objectives", "", [b]))
        else:
            prose.append(b.text)
    taken = {f.name for f in fields}
    fields[k:k + 1] = [p for p in parts if p.name not in taken]
    return " ".join(prose) or None


def _lost_results(fields: list[_Field]) -> bool:
    """A page with no results heading may print the results as a paragraph at the end of the
    problem: one stating counts of children withdrawn, prevented or targeted."""
    if any(f.name == "results" for f in fields):
        return False
    k = next((k for k, f in enumerate(fields) if f.name == "problem"), None)
    if k is None:
        return False
    blocks = fields[k].blocks
    for j in range(1, len(blocks)):
        targeted = re.search(r"\btarget", blocks[j].text, re.I)
        if any(m.measure not in ("served", "reached") or targeted for m in parse_metrics(blocks[j].text)):
            fields.insert(k + 1, _Field("results", "", blocks[j:]))
            fields[k].blocks = blocks[:j]
            return True
    return False


def _as_text(title: str, fields: list[_Field], unplaced: list[str]) -> str:
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
            lines.append("; ".join(b.text.rstrip(";") for b in f.blocks) if f else "")
        else:
            lines.extend(_lines(b, name) for b in (f.blocks if f else []))
    return "\n".join(lines)


def _region_value(region: _Field | None, country: _Field | None) -> str | None:
    """D pages print Region and Country as two fields: 'Region/Country, Country' for the text rules."""
    if country is None:
        return None if region is None else "\n".join(b.text for b in region.blocks)
    names = ", ".join(b.text for b in country.blocks)
    return " ".join(b.text for b in region.blocks) + "/" + names if region else "/" + names


def _lines(block: Block, name: str) -> str:
    """A list item of a section is a bullet line, and a paragraph stands after a blank line (an
    element of its own never goes on with the line above); in a head field (funding printed as
    list items, one token each) a block is plain text."""
    if name not in _BODY_FIELDS:
        return block.text
    if block.kind == "item":
        return "  " * block.depth + "• " + block.text
    return "\n" + block.text
