"""Counts of people in the results or targets text (record.md, `metrics`).

A count is a number followed, within a few modifiers, by a noun of people ('4,312 mining
households'); a count with no noun of its own takes the noun of its phrase ('withdrew 407 and
prevented 2,254 children'). Its measure comes first from a tie to withdrawal or prevention
('4,800 children to be withdrawn', 'for withdrawal (1,200)'), otherwise from the verb that
governs it: withdraw / prevent / both, a verb of service (provide, serve, give ...), or any
other verb of reaching ('reach', 'target' ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tcps.record import Metric

UNITS = {"children": "children", "youth": "youth", "youths": "youth", "households": "households",
         "families": "families", "adults": "adults", "workers": "workers", "people": "people",
         "persons": "people", "adolescents": "children"}
# A number not inside another or an amount: its first digit opens the pattern, so that a search
# skips from digit to digit (a pattern that opens with the look-behind is tried at every
# character), and the look-behind then tests the character before that digit.
_NUMBER_RE = re.compile(r"\d(?<![\d.,$€£]\d)(?:\d{0,2}(?:,\s?\d{3})+|\d*)(?![\d]|\.\d|,\d)")
_WORD_RE = re.compile(r"[A-Za-z][\w'’-]*|[^\w\s]")
# Words that end the noun phrase of a count before a noun of people is reached.
_STOP = {"of", "in", "from", "to", "for", "with", "by", "on", "at", "as", "and", "or", "who", "that",
         "which", "were", "was", "are", "is", "will", "have", "has", "had", "be", "been", "more",
         "percent", "years", "year", "million", "billion", "per", "than", "into", "through", "aged",
         "withdrawn", "prevented"}
_MEASURES = {"percent", "years", "year", "million", "billion", "per"}
_WITHDRAW = re.compile(r"withdr[ae]w\w*|withdrawal", re.I)
_PREVENT = re.compile(r"prevent\w*", re.I)
# Verb forms only: 'services' or 'training' after a count must not read as a verb before the next.
_SERVE = re.compile(r"provid(?:e|es|ed|ing)|serv(?:e|es|ed|ing)|gave|giv(?:e|es|en|ing)|offer(?:s|ed|ing)?|"
                    r"receiv(?:e|es|ed|ing)|"
                    r"deliver(?:s|ed|ing)?|enrol(?:l|ls|led|ling|s)?|assist(?:s|ed|ing)?|support(?:s|ed|ing)?|"
                    r"equip(?:s|ped|ping)?", re.I)
_REACH = re.compile(r"reach(?:es|ed|ing)?|target(?:s|ed|ing)?", re.I)
# A tie to withdrawal or prevention right after a count (and its noun), in the active or the
# passive: '4,800 children to be withdrawn', '1,200 children are targeted for withdrawal'.
_MEASURE_WORD = r"(?:withdrawn|withdrawal|prevented|prevention)"
_TIE_RE = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?"
    # 'in cocoa-growing communities are targeted for withdrawal': a place between noun and verb
    r"(?:(?:in|of|from|across)\s+[^,;.()]*?\s+(?=(?:are|were|will\s+be)\s+targeted\b))?"
    r"(?:(?:who\s+)?(?:were|was|are|is|will\s+be|have\s+been|had\s+been|to\s+be)\s+)?"
    rf"(?:[a-z]+ed\s+)?(?:for\s+)?(?P<a>{_MEASURE_WORD})"
    rf"(?:\s*(?:\(\s*[\d,\s]+\))?\s*(?:and|or|&|/)\s*(?:for\s+|from\s+)?(?P<b>{_MEASURE_WORD}))?",
    re.I)
# The same tie to both measures after a clause: '3,000 children, who work on farms, for
# withdrawal (1,800) and prevention (1,200)'. The clause holds no number and no sentence end.
_CLAUSE_TIE_RE = re.compile(
    r"^[^.;:()\d]{1,150}?\sfor\s+(?P<a>withdrawal|prevention)\s*(?:\(\s*[\d,\s]+\))?\s*(?:and|&|/)\s*"
    r"(?:for\s+)?(?P<b>withdrawal|prevention)\b", re.I)
# What may stand between a bare count and the next one of its phrase: 'withdrew 407 and
# prevented 2,254 children', '1,200 withdrawn and 800 prevented'.
_LINK_RE = re.compile(r"\s*(?:[a-z]+\s+)?(?:and|or|&)\s+(?:[a-z]+\s+){0,2}")
# A passive verb after a count and its noun governs it: '600 children were enrolled'.
_PASSIVE_RE = re.compile(r"^\s*(?:were|was|are|is|will\s+be|have(?:\s+been)?|has(?:\s+been)?|had(?:\s+been)?|"
                         r"being)\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)", re.I)
# A measure verb right before a count, a quantifier between: 'prevent another 900'.
_DIRECT_RE = re.compile(r"(?:withdr[ae]w\w*|prevent\w*|reach\w*|serv\w*|provid\w*)\s+"
                        r"(?:an?\s+(?:total|estimated)\s+of\s+|approximately\s+|about\s+|some\s+|nearly\s+|"
                        r"over\s+|at\s+least\s+|another\s+|"
                        r"a\s+further\s+|an\s+additional\s+)?$", re.I)
_COORDINATED_RE = re.compile(r"(?:\band|,)\s+$")
_SENTENCE_END_RE = re.compile(r"[.!?](?:\s|$)")
_VERB_OR_NUMBER_RE = re.compile(r"[A-Za-z][\w-]*|\d[\d,]*")
# A count in parentheses right after 'withdrawal' / 'prevention': 'for withdrawal (1,200)'.
_PAREN_TIE_RE = re.compile(r"(?P<w>withdrawal|withdrawn|prevention|prevented)\s*\(\s*$", re.I)


@dataclass
class _Count:
    value: int
    start: int
    end: int
    unit: str | None
    after_noun: int       # where the text after the count's noun phrase starts
    bare: bool = False    # no noun at all after it ('407 and', '300 more'), not another noun


def parse_metrics(text: str | None) -> list[Metric]:
    if not text:
        return []
    counts = [c for c in (_count(text, m) for m in _NUMBER_RE.finditer(text)) if c]
    out = []
    for k, c in enumerate(counts):
        unit = c.unit or _phrase_noun(text, counts, k)
        if unit is None:
            continue
        measure = _tie(text, c) or _governing(text, c)
        if measure is None:
            continue
        out.append(Metric(measure, c.value, unit))
    return out


def _count(text: str, m: re.Match) -> _Count | None:
    raw = m.group()
    value = int("".join(raw.replace(",", "").split()))
    if "," not in raw and 1900 <= value <= 2100:
        return None     # a year
    if text[max(0, m.start() - 4):m.start()].rstrip().upper().endswith(("USD", "$")):
        return None     # money
    unit, pos, bare = None, m.end(), True
    for n, w in enumerate(_WORD_RE.finditer(text, m.end())):
        word = w.group().lower()
        if n >= 4 or not word[0].isalpha() and word != "-":
            break
        if word in UNITS:
            unit, pos = UNITS[word], w.end()
            if text[pos:pos + 16].lower().startswith(" and adolescents"):
                pos += 16
            break
        if word in _MEASURES or not (word in _STOP or n):
            bare = False    # '34 percent', '5 years', '40 communities': a count of something else
        if word in _STOP or (word.endswith("s") and len(word) > 3 and not word.endswith("ss")):
            break       # another noun, or the phrase ends: not a count of people
    return _Count(value, m.start(), m.end(), unit, pos, bare=unit is None and bare)


def _phrase_noun(text: str, counts: list[_Count], k: int) -> str | None:
    """A bare count takes the noun of its phrase where it is directly governed by a measure
    verb: the next count's ('withdrew 407 and prevented 2,254 children'), else the previous
    one's ('withdraw 500 children and prevent 300 more'), within the sentence; so does a count
    that splits another ('for withdrawal (1,200)', '(1,200 withdrawn and 800 prevented)') or
    one coordinated with the count before it ('2,000 children through school and 800 through
    training')."""
    c = counts[k]
    if not c.bare:
        return None
    before = text[:c.start]
    paren = _paren_tie(before)
    direct = _DIRECT_RE.search(before)
    split = _TIE_RE.match(text[c.end:])     # '(1,200 withdrawn and 800 prevented)'
    coordinated = k and _COORDINATED_RE.search(before) and ";" not in text[counts[k - 1].end:c.start]
    if not (paren or direct or split or coordinated):
        return None
    j = k                   # ahead: counts joined to this one by 'and' (and a verb), no break
    while j + 1 < len(counts) and _LINK_RE.fullmatch(text[counts[j].end:counts[j + 1].start]):
        j += 1
        if counts[j].unit:
            return counts[j].unit
    for other in reversed(counts[:k]):      # back: the nearest count with a noun, same sentence
        if other.unit and _sentence_end(text, other.end) >= c.start:
            return other.unit
    return None


def _sentence_end(text: str, pos: int) -> int:
    m = _SENTENCE_END_RE.search(text, pos)
    return m.start() if m else len(text)


def _tie(text: str, c: _Count) -> str | None:
    """withdrawn / prevented / withdrawn_or_prevented where the count is tied to them."""
    words = []
    m = _TIE_RE.match(text[c.after_noun:]) or _CLAUSE_TIE_RE.match(text[c.after_noun:])
    if m:
        words = [m.group("a"), m.group("b")]
    else:
        p = _paren_tie(text[:c.start])
        if p:
            words = [p.group("w")]
    return _measure_of(w for w in words if w)


def _paren_tie(before: str) -> re.Match | None:
    """'withdrawal (' ending the text before a count; the pattern is tried only where it ends in '('."""
    return _PAREN_TIE_RE.search(before) if before.rstrip().endswith("(") else None


def _measure_of(words) -> str | None:
    kinds = {"withdrawn" if _WITHDRAW.fullmatch(w) else "prevented" for w in words}
    if not kinds:
        return None
    return "withdrawn_or_prevented" if len(kinds) == 2 else kinds.pop()


def _governing(text: str, c: _Count) -> str | None:
    """The measure given by the verb that governs the count: a passive verb after it ('600
    children were enrolled'), else the nearest verb before it in its sentence ('withdrew and
    prevented' names both; a verb before a ';' still governs the list after it)."""
    passive = _PASSIVE_RE.match(text[c.after_noun:])
    if passive:
        verb = passive.group("verb")
        return (_measure_of([verb]) if _WITHDRAW.fullmatch(verb) or _PREVENT.fullmatch(verb)
                else "served" if _SERVE.fullmatch(verb) else "reached")
    start = max(text.rfind(". ", 0, c.start), text.rfind("! ", 0, c.start), text.rfind("? ", 0, c.start)) + 1
    words = list(_VERB_OR_NUMBER_RE.finditer(text, start, c.start))
    for i in range(len(words) - 1, -1, -1):
        w = words[i].group()
        if _WITHDRAW.fullmatch(w) or _PREVENT.fullmatch(w):
            verbs = [w]
            j = i - 1
            while j >= 1 and words[j].group().lower() in ("and", "or"):
                prev = words[j - 1].group()
                if _WITHDRAW.fullmatch(prev) or _PREVENT.fullmatch(prev):
                    verbs.append(prev)
                    j -= 2
                else:
                    break
            return _measure_of(verbs)
        if _SERVE.fullmatch(w):
            return "served"
        if _REACH.fullmatch(w):
            return "reached"
    return "reached"
