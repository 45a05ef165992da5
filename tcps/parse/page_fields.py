"""A web page's blocks -> its fields: where the main content is, which blocks are labels, and what
only a page has (its title in the main heading, the overview, the Our Strategy prose and its
lists, a region line or a results paragraph whose heading was lost).

Labels are the text label family (tcps.parse.sections.leading_label) and the few words only web
pages print: `Region`, `Country`, `Funding and Year`, `The Problem`, `Our Strategy`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from tcps.parse.countries import country_code, find_country
from tcps.parse.dates import parse_duration
from tcps.parse.furniture import HEADER_RE
from tcps.parse.markup import Block, common_element, inside
from tcps.parse.results import parse_metrics
from tcps.parse.sections import leading_label
from tcps.parse.text import word_keys

# Labels only web pages print: (field, words).
_PAGE_LABELS = [("region", r"region"), ("country", r"countr(?:y|ies)"),
                ("funding", r"funding\s+and\s+years?"), ("problem", r"the\s+problem"),
                ("strategy", r"our\s+strategy"), ("overview", r"(?:project\s+)?overview")]
_PAGE_LABEL_RE = re.compile(
    "(?:" + "|".join(f"(?P<{f}{i}>{w})" for i, (f, w) in enumerate(_PAGE_LABELS)) + r")\s*:?", re.I)
# The first two letters of every label, in any case: of the text family (tcps.parse.sections'
# _LABEL_RE), of the page labels above and of the chrome headings below.
_LABEL_OPENINGS = frozenset("co du fi fu gr il im ob pr re su ta th ou ov st bo sh".split())
# Headings of chrome inside the content: document lists, related links, shared stories.
_CHROME_HEADING_RE = re.compile(r"(?:related\b.*|resources|stories\s+from\s+the\s+field|"
                                r"(?:bookmark\s+and\s+)?share|print)\s*:?", re.I)
# Chrome known by its text alone: page tools ('Print Share', 'Bookmark and Share'), a
# breadcrumb trail ('ILAB > Projects > Europe'), a page's date stamp, 'Back to top' and a copyright
# line (the site footer typed into the content: '© U.S. Department of Labor · Privacy').
# The trail is a pattern of its own, tried only on a text holding its marks: its search
# backtracks over the first 60 characters of every block.
_CHROME_TEXT_RE = re.compile(
    r"(?:(?:print|share|bookmark|and|e-?mail|this|page|facebook|twitter|linkedin)\s*)+"
    r"|(?:this\s+)?(?:page\s+)?(?:was\s+)?last\s+(?:updated|modified|reviewed)\b[^\n]{0,40}"
    r"|back\s+to\s+top"
    r"|(?:©|\(c\)|copyright\b)[^\n]{0,200}", re.I)
_CHROME_TEXT_OPENINGS = frozenset("psbaetflwc(")     # the first letters of the pattern's words
_TRAIL_RE = re.compile(r"[^<>»›\n]{1,60}(?:\s[>»›]\s[^<>»›\n]{1,80})+", re.I)
_SECTION_KINDS = {"h2", "h3"}       # the headings that open sections (h1 is the title)
_HEAD_FIELDS = ("program", "region", "country", "duration", "funding")
_LEVEL_HEADING_RE = re.compile(r"\b(?:objectives?|outcomes?|intermediate|immediate|specific)\b[^:]*:$", re.I)
_DEVELOPMENT_RE = re.compile(r"development\s+objectives?\s*:", re.I)
_ACTIVITY_HEADING_RE = re.compile(r"\bactivit(?:y|ies)\b[^:]*:$", re.I)
# A sentence of four words or more, or a run of twelve words.
_PROSE_RE = re.compile(r"(?:\S+\s+){3,}\S*[.!?][\"'”’)]?$|(?:\S+\s+){11,}\S")
_MONEY_RE = re.compile(r"\b(?:USD|FY)\b|\$", re.I)
# Fields of which a project page has at least two.
PROJECT_FIELDS = {"duration", "problem", "strategy", "results", "objectives", "activities"}


@dataclass
class Field:
    name: str                   # a field of the record, 'country' (D pages), 'strategy', 'chrome', 'unknown'
    word: str                   # the label as printed
    blocks: list[Block] = field(default_factory=list)


@dataclass
class PageFields:
    fields: list[Field]         # in page order; the Our Strategy lists split off as their fields
    title: str | None
    unplaced: list[str]         # main-content text before the first label
    is_project: bool            # it has two fields of a project at least: not a listing, a news release
    summary: str | None
    strategy: str | None
    lost_results: bool          # the results are a paragraph whose heading was lost


def read_fields(blocks: list[Block], main: int | None) -> PageFields:
    """The fields of the blocks of a page (and the id of its <main> element, if any)."""
    fields, title, unplaced, most = _fields(_content(blocks, main))
    is_project = len({f.name for f in fields} & PROJECT_FIELDS) >= 2 and most < 3   # not a listing
    summary = _split_summary(fields)
    strategy = _split_strategy(fields)
    return PageFields(fields, title, unplaced, is_project, summary, strategy, _lost_results(fields))


def _label(block: Block) -> tuple[str, str, str] | None:
    """(field, words, value) where a block opens with a label: its whole text, or the bold text
    it opens with ('<strong>Region</strong> Asia'), or label words before a colon or a line break."""
    opening = block.text[:2]
    if not block.lead and opening.isascii() and opening.lower() not in _LABEL_OPENINGS:
        return None     # most blocks: no label opens so
    return _label_of(block.text, block.lead, block.kind)


@lru_cache(maxsize=1024)
def _label_of(text: str, lead: str, kind: str) -> tuple[str, str, str] | None:
    """`_label` of a block's text, bold lead and kind: asked twice of each block of a page (for
    the main content, then for its fields), and of the same chrome on every page of a site."""
    if lead and lead != text and text.startswith(lead):
        found = _page_label(lead, kind)
        if found is None:
            found = leading_label(lead)
            found = found if found and not found[2] else None
        if found:
            return found[0], found[1], text[len(lead):].strip()
    return _page_label(text, kind) or leading_label(text)


def _page_label(text: str, kind: str) -> tuple[str, str, str] | None:
    """A label only web pages print, or a chrome heading, as the block's whole text."""
    m = _PAGE_LABEL_RE.fullmatch(text)
    if m:
        return (m.lastgroup or "").rstrip("0123456789"), m.group().rstrip(": "), ""
    if _CHROME_HEADING_RE.fullmatch(text) and kind != "item":
        return "chrome", text, ""
    return None


def _content(blocks: list[Block], main: int | None) -> list[Block]:
    """The main content: the innermost element holding every label (of the page's <main>, where
    that holds labels: a rail of news or links beside the fields inside <main> is chrome), with
    the main heading before it where that stands outside."""
    labelled = [b for b in blocks if _label(b)]
    if main is not None and any(main in b.path for b in labelled):
        blocks = inside(blocks, main)
        labelled = [b for b in labelled if main in b.path]
    root = common_element(labelled)
    if root is None:
        return blocks
    content = inside(blocks, root)
    start = blocks.index(content[0])
    heading = _main_heading(blocks[:start], False)
    return ([blocks[heading]] if heading is not None else []) + content


def _fields(blocks: list[Block]) -> tuple[list[Field], str | None, list[str], int]:
    """The labelled fields in page order, the title, the text before the first label and how
    often the most repeated label stands (a listing repeats them row by row). What stands before
    the main heading is chrome (breadcrumbs, page tools)."""
    blocks = [part for b in blocks for part in _split_at_labels(b)]
    labels = [_label(b) for b in blocks]
    first = next((k for k, found in enumerate(labels) if found), len(blocks))
    at = _main_heading(blocks[:first], any(found and found[0] == "title" for found in labels))
    title = blocks[at].text if at is not None else None
    title_keys = word_keys(title) if title else []
    fields: list[Field] = []
    unplaced: list[str] = []
    section_kinds = {b.kind for b, found in zip(blocks, labels, strict=True)
                     if found and b.kind in _SECTION_KINDS}
    for k in range(at or 0, len(blocks)):
        b, found = blocks[k], labels[k]
        if k == at or (len(b.text) < 60 and HEADER_RE.search(b.text)) \
                or (not found and _is_chrome_text(b.text)):
            continue
        if title and 0.8 * len(title) <= len(b.text) <= 1.2 * len(title) + 9 \
                and word_keys(b.text) == title_keys:
            continue        # the title printed again
        if found:
            name, word, value = found
            fields.append(Field(name, word))
            if value:
                fields[-1].blocks.append(Block(value, "para", 0, b.path))
        elif fields and b.kind in section_kinds and not _list_heading(b) and not country_code(b.text):
            fields.append(Field("unknown", b.text))    # a section of a kind no field has
        elif fields:
            fields[-1].blocks.append(b)
        else:
            unplaced.append(b.text)
    most = max(Counter(f.name for f in fields if f.name not in ("chrome", "unknown")).values(), default=0)
    fields = _merge_repeats(fields)
    _region_line(fields, unplaced)
    return fields, title or _take_title(fields), unplaced, most


def _is_chrome_text(text: str) -> bool:
    first = text[:1].lower()
    if (first in _CHROME_TEXT_OPENINGS or not first.isascii()) and _CHROME_TEXT_RE.fullmatch(text):
        return True
    return (">" in text or "»" in text or "›" in text) and _TRAIL_RE.fullmatch(text) is not None


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


def _merge_repeats(fields: list[Field]) -> list[Field]:
    """Only the first of each field counts; a later label of a field seen before is text of the
    field before it (a page prints each field once)."""
    out: list[Field] = []
    seen: set[str] = set()
    for f in fields:
        if f.name in seen and f.name not in ("chrome", "unknown"):
            out[-1].blocks.append(Block(f.word, "para"))
            out[-1].blocks.extend(f.blocks)
        else:
            out.append(f)
            seen.add(f.name)
    return out


def _take_title(fields: list[Field]) -> str | None:
    f = next((f for f in fields if f.name == "title"), None)
    if f is None or not f.blocks:
        return None
    fields.remove(f)
    return " ".join(b.text for b in f.blocks)


def _region_line(fields: list[Field], unplaced: list[str]) -> None:
    """A page that lost the Region/Country heading prints the line unlabelled before the duration
    ('AFRICA/Liberia, Sierra Leone'): the first unlabelled line of the head that names a region
    and a country around a slash."""
    if any(f.name in ("region", "country") for f in fields):
        return
    pools = [f for f in fields if f.name in ("title", "program")]
    for text in [*unplaced] + [b.text for f in pools for b in f.blocks[1:]]:
        region, slash, rest = text.partition("/")
        if slash and len(region.split()) <= 4 and find_country(rest.split(",")[0]):
            fields.insert(0, Field("region", "", [Block(text, "para")]))
            if text in unplaced:
                unplaced.remove(text)
            for f in pools:
                f.blocks = [b for b in f.blocks if b.text != text]
            return


def _split_summary(fields: list[Field]) -> str | None:
    """The overview: the prose paragraphs after the head fields (region, duration, funding),
    before the first section, or under an `Overview` heading."""
    overview = next((f for f in fields if f.name == "overview"), None)
    if overview is not None:
        fields.remove(overview)
        return " ".join(b.text for b in overview.blocks) or None
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
    return block.kind == "para" and not _MONEY_RE.search(block.text) \
        and bool(_PROSE_RE.search(block.text)) and bool(parse_duration(block.text).leftover)


def _split_strategy(fields: list[Field]) -> str | None:
    """'Our Strategy': its prose up to the first list heading is `strategy`; a heading naming a
    level (or a labelled 'Development Objective:') opens the objectives, one naming activities
    opens the activities. A 'Targets:' label inside it holds its paragraph, not the lists after."""
    k = next((k for k, f in enumerate(fields) if f.name == "strategy"), None)
    if k is None:
        return None
    blocks = fields[k].blocks
    if k + 1 < len(fields) and fields[k + 1].name == "results":
        results = fields[k + 1].blocks
        cut = next((j for j, b in enumerate(results) if _list_heading(b)), len(results))
        fields[k + 1].blocks, blocks = results[:cut], blocks + results[cut:]
    parts: list[Field] = []
    prose: list[str] = []
    for b in blocks:
        heading = _list_heading(b)
        if heading == "activities" or (heading and not any(p.name == "objectives" for p in parts)):
            parts.append(Field(heading, as_heading(b), [] if heading == "activities" else [b]))
        elif parts:
            parts[-1].blocks.append(b)
        elif b.kind == "item":
            parts.append(Field("objectives", "", [b]))
        else:
            prose.append(b.text)
    taken = {f.name for f in fields}
    fields[k:k + 1] = [p for p in parts if p.name not in taken]
    return " ".join(prose) or None


def _list_heading(block: Block) -> str | None:
    """'objectives' or 'activities' where a block heads that list (it is no list item)."""
    if block.kind == "item" or block.text.startswith(("•", "-")):
        return None
    text = as_heading(block)
    heading = text.endswith((":", ":\n"))     # both patterns end in ':$': prose is not searched
    if heading and _ACTIVITY_HEADING_RE.search(text):
        return "activities"
    if _DEVELOPMENT_RE.match(text) or (heading and _LEVEL_HEADING_RE.search(text)):
        return "objectives"
    return None


def _lost_results(fields: list[Field]) -> bool:
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
            fields.insert(k + 1, Field("results", "", blocks[j:]))
            fields[k].blocks = blocks[:j]
            return True
    return False


def as_heading(block: Block) -> str:
    """A heading element or a paragraph all in bold ends in ':' as a list heading does in text
    ('<h3>Intermediate Objectives</h3>' is 'Intermediate Objectives:')."""
    text = block.text
    if (block.kind.startswith("h") or block.lead == text) and len(text) < 100 and not text.endswith(":") \
            and not text.endswith((".", ";", "!", "?")):
        return text + ":"
    return text
