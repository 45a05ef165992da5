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
    ("grantee", r"grantees?", False),
    ("partners", r"implementing\s+partners?", False),
    ("contact", r"contact\s+information", False),
    ("contact", r"contacts?", True),
]
# A label opens the text or follows white space; the look-behind lets the search skip every
# other position cheaply (a third of the parse time without it).
_LABEL_RE = re.compile("(?<!\\S)(?=[cdfgioprstCDFGIOPRST])(?:"
                       + "|".join(f"(?P<L{i}>{words})" for i, (_, words, _) in enumerate(_LABELS)) + ")",
                       re.I)
_SMALL = {"to", "be", "of", "and", "&", "/"}

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
    rest = re.match(r"[ ]*(?::[ ]*|\n|$)", text[m.end():])
    if not rest:
        return None
    return _LABELS[_label_index(m)][0], m.group(), text[m.end() + rest.end():].strip()


def _label_index(m: re.Match[str]) -> int:
    """Which of _LABELS a match of _LABEL_RE is: its group L<i> (every alternative is one)."""
    assert m.lastgroup is not None
    return int(m.lastgroup[1:])


def _candidates(text: str) -> list[Label]:
    out = []
    for m in _LABEL_RE.finditer(text):
        field, _, colon_only = _LABELS[_label_index(m)]
        start, end = m.span()
        after = text[end:end + 1]
        if after and not (after.isspace() or after == ":"):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        at_line_start = not text[line_start:start].strip(" ")
        rest = re.match(r"[ ]*(:)?[ ]*(\t|\n|$)?", text[end:])
        assert rest is not None   # the pattern matches the empty string
        colon, hard_end = rest.group(1), rest.group(2) is not None
        if colon_only and not (at_line_start and colon):
            continue
        if at_line_start and (colon or hard_end or text[end:end + 2] == "  "):
            strength = STRONG
        elif not _printed_as_label(m.group()):
            continue
        else:
            strength = FLAT_START if at_line_start else INLINE
        gap = re.match(r"[ \t]*:?[ \t]*", text[end:])
        assert gap is not None    # the pattern matches the empty string
        value_start = end + len(gap.group())
        if strength != STRONG and text[value_start:value_start + 1].islower():
            strength = BEFORE_LOWER  # 'Results of the survey show …' in a flattened value
        out.append(Label(field, start, value_start, strength, m.group()))
    return out


def _printed_as_label(words: str) -> bool:
    """Capitals or Title Case: the same words in lower case are never a label."""
    if words.isupper():
        return True
    parts = re.split(r"[\s/]+", words)
    return all(p[:1].isupper() or p.lower() in _SMALL for p in parts if p)


def _best_chain(candidates: list[Label]) -> list[Label]:
    """The chain of labels in strictly increasing field order with the most labels, then the
    surest ones. Candidates are few (tens), so a quadratic pass is plenty."""
    order = {f: k for k, f in enumerate(FIELDS)}
    n = len(candidates)
    best: list[tuple[int, int]] = []
    back: list[int] = []
    for i, c in enumerate(candidates):
        score, prev = (1, c.strength), -1
        for j in range(i):
            if order[candidates[j].field] < order[c.field] and candidates[j].end <= c.start:
                cand = (best[j][0] + 1, best[j][1] + c.strength)
                if cand > score:
                    score, prev = cand, j
        best.append(score)
        back.append(prev)
    if not n:
        return []
    i = max(range(n), key=lambda k: best[k])
    chain = []
    while i != -1:
        chain.append(candidates[i])
        i = back[i]
    return chain[::-1]
