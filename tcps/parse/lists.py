"""Objectives and activities: lists printed in every way a summary prints a list.

Bullets at a line start (•, the Symbol-font U+F0B7, '- ', '1.', '2)'), bullets run inline
('…;• …'), items joined by ';' with '; and' before the last, bullets lost to a TAB and a space,
HTML fragments (<p>, <ul>) and sub-bullets. First the text becomes a sequence of blocks
(one per item, heading, subheading or paragraph), then the objectives or activities rules
give each block its meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tcps.parse.countries import country_code
from tcps.parse.text import collapse, strip_html
from tcps.record import Activity, Objective

BULLET_CHARS = "•\uf0b7▪◦●■□➢►✓"
_NUMBERING = r"\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)](?=\s)"       # 1.  2)  (a)  iii.
# At a line start a few more marks are bullets: Word's 'o' sub-bullet, Wingdings' Ø and §, '*'.
_MARKER_RE = re.compile(rf"^\s*(?:[{BULLET_CHARS}*·]|[-–—oØ§](?=\s)|{_NUMBERING})\s*")
# A bullet the extraction lost leaves a TAB and a space before a capital ('\t Collected data').
_LOST_BULLET_RE = re.compile(r"^\t+ +[A-Z]")
_BULLET_CHAR_RE = re.compile(f"[{BULLET_CHARS}]")
_LEVELS = r"intermediate|immediate|specific|outcomes?"
# A clause ending in ':' that names a level word: a list heading ('Intermediate objectives include:').
_HEADING_RE = re.compile(rf"[^.;:]*\b(?P<level>{_LEVELS}|objectives?)\b[^.;:]*:\s*", re.I)
_LIST_WORD_RE = re.compile(r"\b(?:objectives|outcomes)\b", re.I)
_LEVEL_WORD_RE = re.compile(rf"\b({_LEVELS})\b", re.I)
_SENTENCE_START_RE = re.compile(r"(?:^|(?<=[.!?])\s+)(?=\S)")
_HTML_BREAK_RE = re.compile(r"</?(?:p|ul|ol|br)\b[^>]*>|<li\b[^>]*>", re.I)
_PARAGRAPH_END_RE = re.compile(r"[.;:!?]\s*(?:and|or)?\s*$")
# How a text that the pattern above matches ends, white space aside: a test by str.endswith
# spares the search, which tries every position of the text.
_SENTENCE_ENDS = (".", ";", ":", "!", "?", "and", "or")
_LEADING_AND_RE = re.compile(r"^(?:and|or)\s+")
_LEADING_NUMBER_RE = re.compile(rf"^\s*{_NUMBERING}\s*")
_QUALIFIER_RE = re.compile(r"\s[-–—]|[-–—]\s|\s\(")
# An item label naming a level or a number, removed from the item ('Outcome 1:', 'Output 1.2:',
# 'Development Objective:').
_ITEM_LABEL_RE = re.compile(
    r"^(?:(?P<dev>development\s+objectives?)"
    r"|(?:(?P<level>intermediate|immediate|specific)\s+)?(?P<kind>objective|outcome|output)s?\s*\d+(?:\.\d+)*)\s*[:.–-]\s*",
    re.I)


@dataclass
class Block:
    text: str
    bullet: bool        # printed with a bullet or list number (or inline bullet)
    split: bool = False  # came from a ';'-joined run (items in one paragraph)


def blocks(text: str, whole_bullets: bool = False) -> list[Block]:
    """The list text as blocks: each bulleted item, each ';'-separated item, each paragraph. A
    blank line ends a paragraph (the PDF reader marks one where the print shows it). With
    ``whole_bullets`` (a web page's list items) a bullet is one item, ';' inside it or not."""
    if "<" in text:
        text = _HTML_BREAK_RE.sub("\n", text)
    text = strip_html(text)
    paragraphs: list[tuple[str, bool]] = []
    blank = False
    for raw in text.split("\n"):
        line = raw.replace("\t", " ")
        if not line.strip():
            blank = True
            continue
        m = _MARKER_RE.match(line)
        if m:
            paragraphs.append((line[m.end():], True))
        elif _LOST_BULLET_RE.match(raw):
            paragraphs.append((line, True))
        elif paragraphs and not blank and _continues(paragraphs[-1][0], line):
            prev, bullet = paragraphs[-1]
            paragraphs[-1] = (prev.rstrip() + " " + line.strip(), bullet)
        else:
            paragraphs.append((line, False))
        blank = False
    out: list[Block] = []
    for para, bullet in paragraphs:
        bulleted = not para.isascii() and _BULLET_CHAR_RE.search(para)     # every bullet is outside ASCII
        pieces = _split_at_bullets(para) if bulleted else [para]
        for k, piece in enumerate(pieces):
            out.extend(_split_items(piece, bullet or k > 0, whole_bullets and (bullet or k > 0)))
    return out


def _continues(prev: str, line: str) -> bool:
    """Does an unbulleted line go on with the paragraph above it? It does unless the paragraph
    ended (';', '.', ':' ...) or the line is a heading or an intro of its own (it ends in ':').
    Subheadings need no rule here: a bullet always follows them."""
    if line.strip()[:1].islower():
        return True
    return not (_ends_sentence(prev) or line.rstrip().endswith(":"))


def _ends_sentence(text: str) -> bool:
    """Does the paragraph end a sentence or a list item ('…;', '…; and')?"""
    return text.rstrip().endswith(_SENTENCE_ENDS) and bool(_PARAGRAPH_END_RE.search(text))


def _looks_like_subheading(text: str) -> bool:
    """A short line of capitalised words with no sentence punctuation ('Costa Rica –San Jose
    City', 'Capacity Building')."""
    text = text.strip()
    return bool(text) and len(text.split()) <= 8 and not text.endswith((".", ";", ":")) \
        and text[:1].isupper()


def _split_items(text: str, bullet: bool, whole: bool = False) -> list[Block]:
    """';' separates items: 'A; B; and C' gives A, B, C (the 'and' belongs to the separator;
    so does an item's trailing ';' or '; and')."""
    text = text.strip()
    if ";" in text:
        text = _without_final_separator(text)
    if whole or ";" not in text:      # one item ('Train teachers;' once its separator is gone)
        return [Block(text, bullet)] if text else []
    parts = [part.strip() for part in text.split(";")]
    out = []
    for k, p in enumerate(parts):
        if k:
            p = _LEADING_AND_RE.sub("", p)
        p = p.strip()
        if p:
            out.append(Block(p, bullet, split=True))
    return out


def _without_final_separator(text: str) -> str:
    """The stripped text without the ';' or '; and' ('; or') that ends it."""
    body = text
    if body.endswith(("and", "or")):
        body = body[:-3 if body.endswith("and") else -2].rstrip()
    return body[:-1].rstrip() if body.endswith(";") else text


def _split_at_bullets(text: str) -> list[str]:
    """The text split at inline bullets, the white space around each bullet dropped."""
    pieces = _BULLET_CHAR_RE.split(text)
    if len(pieces) == 1:
        return pieces
    return [pieces[0].rstrip(), *(piece.strip() for piece in pieces[1:-1]), pieces[-1].lstrip()]


def clean_item(text: str) -> str:
    """Whitespace collapsed and a list number left inside the text ('(a) …') gone."""
    text = collapse(text) or ""
    m = _LEADING_NUMBER_RE.match(text)
    return (text[m.end():] if m else text).strip()


# ---- objectives ------------------------------------------------------------------------------

def parse_objectives(text: str, whole_bullets: bool = False) -> list[Objective]:
    level = "development"
    out: list[Objective] = []
    for block in _with_headings(blocks(text, whole_bullets)):
        if isinstance(block, str):
            level = block
            continue
        body, label_level = _item_label(block.text)
        body = clean_item(body)
        if body:
            out.append(Objective(label_level or level, body))
    return out


def _with_headings(items: list[Block]) -> list[Block | str]:
    """Blocks with each list heading replaced by the level it names (a str). A heading may
    open a block ('Intermediate objectives include: Improve …') or follow a sentence in it
    ('… supply chains. Outcomes include: …')."""
    out: list[Block | str] = []
    for b in items:
        text, bullet = b.text, b.bullet
        while (head := _find_heading(text, b.split)) is not None:
            start, end = head
            if text[:start].strip():
                out.append(Block(text[:start].strip(), bullet, b.split))
            out.append(_heading_level(text[start:end]))
            text, bullet = text[end:].strip(), False
        if text:
            out.append(Block(text, bullet, b.split))
    return out


def _find_heading(text: str, split: bool) -> tuple[int, int] | None:
    """The span of the first list heading in a block: at its start or after a sentence. A
    clause with a level word before a colon is a heading where it ends the block, where items
    joined by ';' follow it, or where it names a list ('objectives', 'outcomes'); otherwise it
    labels the item's subject ('Skills development: …') and stays text."""
    if ":" not in text:
        return None
    for m in _SENTENCE_START_RE.finditer(text):
        h = _HEADING_RE.match(text, m.end())
        if not h or _ITEM_LABEL_RE.match(text[m.end():]):
            continue
        if h.end() == len(text) or split or _LIST_WORD_RE.search(h.group()):
            return h.span()
    return None


def _heading_level(heading: str) -> str:
    """The level word a heading names, singular ('Expected outcomes include:' -> outcome); a
    heading that names only 'objectives' opens intermediate objectives, the common case."""
    m = _LEVEL_WORD_RE.search(heading)
    if not m:
        return "intermediate"
    word = m.group().lower()
    return "outcome" if word.startswith("outcome") else word


def _item_label(text: str) -> tuple[str, str | None]:
    """The item without a label that names a level or a number ('Outcome 1:'), and the level
    the label names, if any ('Objective 2:' names none: the list's level holds)."""
    text = text.strip()
    m = _ITEM_LABEL_RE.match(text)
    if not m:
        return text, None
    if m.group("dev"):
        return text[m.end():], "development"
    level = (m.group("level") or "").lower() or ("outcome" if m.group("kind").lower() == "outcome" else None)
    return text[m.end():], level


# ---- activities ------------------------------------------------------------------------------

def parse_activities(text: str, whole_bullets: bool = False) -> list[Activity]:
    """Items in order with the country of the subheading they stand under."""
    items = blocks(text, whole_bullets)
    out: list[Activity] = []
    country: str | None = None
    for k, b in enumerate(items):
        body = b.text.strip()
        if not b.bullet and not b.split:
            heading = _subheading(body, items[k + 1] if k + 1 < len(items) else None)
            if heading is not None:
                country = heading or None
                continue
        item = clean_item(body)
        if item:
            out.append(Activity(item, country))
    return out


def _subheading(body: str, nxt: Block | None) -> str | None:
    """For an unbulleted block: its country code, or '' for a theme, where it is a subheading
    (a short line followed by items) or ends in ':' (a country name, or an introductory
    sentence, which like a theme is no item and sets no country); None for an item."""
    name = _QUALIFIER_RE.split(body.rstrip(":"), maxsplit=1)[0]   # 'Uganda (Wakiso)'
    code = country_code(name) if len(name.split()) <= 6 else None
    if body.endswith(":"):
        return code or ""
    if nxt is not None and (nxt.bullet or nxt.split) and _looks_like_subheading(body):
        return code or ""
    return None
