"""Implementing partners: per-country groups of organisation names.

A group opens with a ``Country:`` key (at a line start, or after the '.' or ';' that closes the
group before it in flattened text). Names are separated by ';' and by ',' — except a comma
inside an enumeration within one name ('… on the Issues of Women, Families and Gender
Development'), before a legal-form suffix ('MoBiUs, Ltd.') or inside quotation marks. A period
that closes the list goes first, so that it never hides an enumeration's tail.
"""
from __future__ import annotations

import re

from tcps.parse.countries import country_code
from tcps.record import Partner

QUOTES = "\"“”«»„"
_LEGAL_SUFFIX_RE = re.compile(r"^(?:Inc|Ltd|LLC|L\.L\.C|S\.A|S\.A\.S|Co|Corp|PLC|GmbH|N\.V|B\.V)\.?$", re.I)
_ENDS_IN_SUFFIX_RE = re.compile(r"\b(?:Inc|Ltd|Co|Corp|S\.A|N\.V|B\.V|L\.L\.C)\.$")
_NAME_WORDS = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
_ENUM_TAIL_RE = re.compile(_NAME_WORDS + r"\s+and\s+" + _NAME_WORDS + r"(?:\s+\([A-Z][\w.&-]*\))?")
_ENDS_IN_OF_WORD_RE = re.compile(r"\bof\s+[A-Z][\w'’.-]*$")
_GROUP_END_RE = re.compile(r"[;.\n]")
_WORD_RE = re.compile(r"\S+")
_LEADING_AND_RE = re.compile(r"^and\s+")


def parse_partners(text: str) -> tuple[list[Partner], list[str]]:
    warnings: list[str] = []
    out: list[Partner] = []
    for country, group in _groups(text, warnings):
        names: dict[str, str] = {}     # 'MoBiUs Ltd' and 'MoBiUs Ltd.' (closing the list) are one
        for item in group.split(";"):
            for name in split_commas(_without_final_period(item.strip())):
                name = clean_name(name)
                if name:
                    names.setdefault(name.rstrip("."), name)
        out.extend(Partner(country, n) for n in names.values())
    return out, warnings


def _groups(text: str, warnings: list[str]) -> list[tuple[str | None, str]]:
    """(country, text) per group; text before the first key has no country."""
    keys = []       # (where the key starts, where its group's text starts, country)
    colon = text.find(":")
    while colon >= 0:
        key = _key_before(text, colon)
        if key is None:
            segment = _GROUP_END_RE.split(text[:colon])[-1].strip()
            warnings.append(f"partners: {segment!r} before a colon is not a known country")
        else:
            keys.append((key[0], colon + 1, key[1]))
        colon = text.find(":", colon + 1)
    if not keys:
        return [(None, text)]
    groups: list[tuple[str | None, str]] = [(None, text[:keys[0][0]])] if text[:keys[0][0]].strip() else []
    for k, (_, value_start, code) in enumerate(keys):
        end = keys[k + 1][0] if k + 1 < len(keys) else len(text)
        groups.append((code, text[value_start:end]))
    return groups


def _key_before(text: str, colon: int) -> tuple[int, str] | None:
    """The country key ending at a colon: the longest run of words before it, back to the
    group before (';', '.', a line break), that names a country — 'Kyrgyzstan:' at a line
    start, or '… Social Protection Nigeria:' where flattened groups run on."""
    segment_start = max(text.rfind(ch, 0, colon) for ch in ";.\n") + 1
    words = list(_WORD_RE.finditer(text, segment_start, colon))
    for k in range(max(0, len(words) - 6), len(words)):
        start = words[k].start()
        code = country_code(text[start:colon])
        if code:
            return start, code
    return None


def split_commas(item: str) -> list[str]:
    """Split at commas outside brackets and quotes, then glue back the commas that stand
    inside one name (an enumeration after 'of <Word>', a legal-form suffix)."""
    if "," not in item:
        return [item.strip()]
    parts, depth, quoted, cur = [], 0, False, ""
    for ch in item:
        depth += ch in "(["
        depth -= ch in ")]" and depth > 0
        quoted = not quoted if ch in QUOTES else quoted
        if ch == "," and not depth and not quoted:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    out: list[str] = []
    for p in parts:
        if out and (_LEGAL_SUFFIX_RE.match(p)
                    or (_ENDS_IN_OF_WORD_RE.search(out[-1]) and _ENUM_TAIL_RE.fullmatch(p))):
            out[-1] += ", " + p
        else:
            out.append(p)
    return out


def _without_final_period(text: str) -> str:
    """A period that closes a list or a name goes; 'Pact, Inc.' keeps the period of its suffix
    (searched for only where the text ends in the period its pattern ends in)."""
    if text.endswith((".", ".\n")) and _ENDS_IN_SUFFIX_RE.search(text):
        return text
    return text.rstrip(".").strip()


def clean_name(name: str) -> str:
    """Whitespace collapsed, a leading 'and' and a trailing period gone, surrounding quotes
    gone (quotes inside a name stay)."""
    name = _without_final_period(_LEADING_AND_RE.sub("", " ".join(name.split())))
    if len(name) > 1 and name[0] in QUOTES and name[-1] in QUOTES:
        name = name[1:-1].strip()
    return name
