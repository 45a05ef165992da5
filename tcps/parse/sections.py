"""Labels to field texts.

Labels are known by their words, never by their position in one file: ``PROJECT TITLE``,
``Project Title:``, ``FISCAL YEAR AND FUNDING LEVEL``, ``Targets:`` ... (record.md lists the
family). Where a label opens a line (TAB, label-own-line and ``Label:`` layouts) any case will
do; in flattened text, where labels and values run together, only label words in capitals or
Title Case count, and only where they open a later field than the one before: fields always
come in the same order, each once. Among the candidates, the chain of labels in field order
that explains the most text wins (longest increasing chain, surer candidates first).
"""
from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

FIELDS = ("title", "program", "region", "duration", "funding", "problem", "results",
          "objectives", "activities", "grantee", "partners", "contact")

# (field, words, only at a line start before a colon)
_LABELS: list[tuple[str, str, bool]] = [
    ("title", r"project\s+title", False),
    ("program", r"ilab\s+program", False),
    ("region", r"region\s*/\s*countr(?:y|ies)", False),
    ("region", r"countr(?:y|ies)", True),
    ("duration", r"project\s+duration", False),
    ("duration", r"duration", True),
    ("funding", r"fiscal\s+years?\s*(?:&|and)\s*funding(?:\s+(?:level|amount)s?)?", False),
    ("funding", r"funding(?:\s+(?:level|amount)s?)?", True),
    ("problem", r"problem\s+to\s+be\s+addressed", False),
    ("results", r"results", False),
    ("results", r"targets", False),
    ("results", r"target|result", True),
    ("objectives", r"project\s+objectives?", False),
    ("objectives", r"objectives", True),
    ("activities", r"summary\s+of\s+(?:project\s+)?activities", False),
    ("grantee", r"grantees?(?:\(s\))?", False),
    ("partners", r"implementing\s+partners?(?:\(s\))?", False),
    ("contact", r"contact\s+information", False),
    ("contact", r"contacts?", True),
]
# A label opens the text or follows white space; the look-behind and the look-ahead for the
# first two letters of a label word let the search skip every other position cheaply.
_LABEL_RE = re.compile(
    "(?<!\\S)(?=co|du|fi|fu|gr|il|im|ob|pr|re|su|ta)(?:"
    + "|".join(f"(?P<L{i}>{words})" for i, (_, words, _) in enumerate(_LABELS)) + ")", re.I)
# Each label's entry in _LABELS by the name of its group in _LABEL_RE.
_BY_GROUP = {f"L{i}": label for i, label in enumerate(_LABELS)}
_FIELD_ORDER = {f: k for k, f in enumerate(FIELDS)}
_SMALL = {"to", "be", "of", "and", "&", "/"}
_LABEL_WORD_SEP_RE = re.compile(r"[\s/]+")

STRONG, FLAT_START, INLINE, BEFORE_LOWER = 3, 2, 1, 0


@dataclass
class Label:
    field: str
    start: int          # where the label's words start
    end: int            # where its value starts (after the label, a colon and blanks)
    strength: int
    word: str           # the label's words as printed (results vs targets)


@dataclass
class Sections:
    values: dict[str, str]      # field -> raw value text
    words: dict[str, str]       # field -> the label as printed
    before: str                 # text before the first label
    flattened: bool


def find_sections(text: str) -> Sections:
    """The text of each field. The document is flattened where its title label does not
    stand at a line start before a TAB, a colon or a line end; only then do label words inside
    a line count."""
    candidates = _candidates(text)
    title = next((c for c in candidates if c.field == "title"), None)
    flattened = title is not None and title.strength != STRONG
    if not flattened:
        candidates = [c for c in candidates if c.strength == STRONG]
    chain = _best_chain(candidates)
    values, words = {}, {}
    for k, lab in enumerate(chain):
        end = chain[k + 1].start if k + 1 < len(chain) else len(text)
        values[lab.field] = text[lab.end:end]
        words[lab.field] = lab.word
    before = text[:chain[0].start] if chain else text
    return Sections(values, words, before, flattened)


def leading_label(text: str) -> tuple[str, str, str] | None:
    """(field, label words as printed, value) where a text opens with a label of the family in
    capitals or Title Case and nothing but a colon or a line break follows it: how a web page's
    headings and bold labels are read (tcps.parse.page), whatever their markup."""
    m = _LABEL_RE.match(text)
    if not m or not _printed_as_label(m.group()):
        return None
    rest = _LEADING_LABEL_END_RE.match(text, m.end())
    if not rest:
        return None
    return _BY_GROUP[m.lastgroup or "L0"][0], m.group(), text[rest.end():].strip()


_AFTER_RE = re.compile(r"[ ]*(:)?[ ]*(\t|\n|$)?")
_GAP_RE = re.compile(r"[ \t]*:?[ \t]*")
_SPACES_RE = re.compile(r"[ ]*")
_LEADING_LABEL_END_RE = re.compile(r"[ ]*(?::[ ]*|\n|$)")


def _candidates(text: str) -> list[Label]:
    """Every place label words stand, with how sure we are that they are a label. Each step
    looks only near the match (the line start is carried forward), so that the pass stays
    linear however many label words a hostile text holds."""
    out = []
    line_start, scanned = 0, 0
    for m in _label_matches(text):
        start, end = m.span()
        after = text[end:end + 1]
        if after and not (after.isspace() or after == ":"):
            continue
        line_start = text.rfind("\n", scanned, start) + 1 or line_start
        scanned = start
        field, _, colon_only = _BY_GROUP[m.lastgroup or "L0"]
        at_line_start = start == line_start or _SPACES_RE.fullmatch(text, line_start, start) is not None
        colon, hard_end, value_start = _after(text, end)
        if colon_only and not (at_line_start and colon):
            continue
        if at_line_start and (colon or hard_end or text[end:end + 2] == "  "):
            strength = STRONG
        elif not _printed_as_label(m.group()):
            continue
        else:
            strength = FLAT_START if at_line_start else INLINE
        if strength != STRONG and text[value_start:value_start + 1].islower():
            strength = BEFORE_LOWER  # 'Results of the survey show …' in a flattened value
        out.append(Label(field, start, value_start, strength, m.group()))
    return out


def _after(text: str, end: int) -> tuple[bool, bool, int]:
    """What follows label words ending at `end`: a colon?, then a line end, a TAB or the text's
    end?, and where the value starts. A label on a line of its own is told without a pattern."""
    if text.startswith(":\n", end):
        return True, True, end + 1
    if text.startswith("\n", end):
        return False, True, end
    rest, gap = _AFTER_RE.match(text, end), _GAP_RE.match(text, end)
    assert rest and gap     # every part of both is optional
    return rest.group(1) is not None, rest.group(2) is not None, gap.end()


# The words every label opens with, lower case: a substring search for them finds the few
# places worth trying the label pattern at (twice as fast as searching with the pattern).
_FIRST_WORDS = ("project", "ilab", "region", "countr", "duration", "fiscal", "funding", "problem", "result",
                "target", "objective", "summary", "grantee", "implementing", "contact")


# The only characters outside ASCII that the pattern's case folding matches to an ASCII letter.
_FOLDED_TO_ASCII = ("İ", "ı", "ſ", "\u212a")


def _label_matches(text: str):
    """What `_LABEL_RE.finditer(text)` gives, found faster. The label words are ASCII, so the
    text is lower-cased as ASCII, every other character a '?': `str.lower` of a text that holds
    one bullet or dash goes character by character through Unicode's tables. Where the text
    holds a character the pattern's case folding matches to an ASCII letter, the pattern searches."""
    if not text.isascii() and any(c in text for c in _FOLDED_TO_ASCII):
        yield from _LABEL_RE.finditer(text)
        return
    low = text.encode("ascii", "replace").decode("ascii").lower()
    starts = []
    for word in _FIRST_WORDS:
        i = low.find(word)
        while i >= 0:
            starts.append(i)
            i = low.find(word, i + 1)
    end = 0
    for start in sorted(starts):
        if start < end or (start and not text[start - 1].isspace()):   # the pattern's look-behind
            continue
        m = _LABEL_RE.match(text, start)
        if m:
            end = m.end()
            yield m


def _printed_as_label(words: str) -> bool:
    """Capitals or Title Case: the same words in lower case are never a label."""
    if words.isupper():
        return True
    parts = _LABEL_WORD_SEP_RE.split(words)
    return all(p[:1].isupper() or p.lower() in _SMALL for p in parts if p)


def _best_chain(candidates: list[Label]) -> list[Label]:
    """The chain of labels in strictly increasing field order with the most labels, then the
    surest ones (ties: the earliest candidates). Candidates come in text order; one may follow
    another once the other's label has ended, so each candidate's best predecessor is the best
    chain ending in an earlier field among the candidates already ended: with a best chain kept
    per field, that is linear in the number of candidates (a hostile file of repeated labels
    has hundreds of thousands)."""
    order = _FIELD_ORDER
    best: list[tuple[int, int]] = []      # per candidate: (labels, strength) of its best chain
    back: list[int] = []
    per_field: list[tuple[tuple[int, int], int] | None] = [None] * len(FIELDS)   # (score, -index)
    pending: list[tuple[int, int]] = []   # (end, index) of candidates whose label has not ended
    for i, c in enumerate(candidates):
        while pending and pending[0][0] <= c.start:
            _, j = heapq.heappop(pending)
            entry, held = (best[j], -j), per_field[order[candidates[j].field]]
            if held is None or entry > held:
                per_field[order[candidates[j].field]] = entry
        prior = max(filter(None, per_field[:order[c.field]]), default=None)    # entries are never empty
        if prior is None:
            best.append((1, c.strength))
            back.append(-1)
        else:
            (labels, strength), j = prior[0], -prior[1]
            best.append((labels + 1, strength + c.strength))
            back.append(j)
        heapq.heappush(pending, (c.end, i))
    if not candidates:
        return []
    i = max(range(len(candidates)), key=lambda k: best[k])
    chain = []
    while i != -1:
        chain.append(candidates[i])
        i = back[i]
    return chain[::-1]
