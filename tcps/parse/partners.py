"""Implementing partners: per-country groups of organisation names.

A group opens with a ``Country:`` key (at a line start, or after the '.' or ';' that closes the
group before it in flattened text). Names are separated by ';' and by ',' — except a comma
inside an enumeration within one name ('… on the Issues of Women, Families and Gender
Development') or before a legal-form suffix ('MoBiUs, Ltd.').
"""
from __future__ import annotations

import re

from tcps.parse.countries import country_code
from tcps.record import Partner

QUOTES = "\"“”"
_KEY_RE = re.compile(r"(?:^|(?<=[;.])\s+|\n[ \t]*)(?P<key>[A-Z][^\n:;.,]{1,60}?)\s*:\s*")
_LEGAL_SUFFIX_RE = re.compile(r"^(?:Inc|Ltd|LLC|L\.L\.C|S\.A|S\.A\.S|Co|Corp|PLC|GmbH|N\.V|B\.V)\.?$", re.I)
_NAME_WORDS = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
_ENUM_TAIL_RE = re.compile(_NAME_WORDS + r"\s+and\s+" + _NAME_WORDS + r"(?:\s+\([A-Z][\w.&-]*\))?")


def parse_partners(text: str) -> tuple[list[Partner], list[str]]:
    warnings: list[str] = []
    out: list[Partner] = []
    for country, group in _groups(text, warnings):
        names: list[str] = []
        for item in re.split(r";", group):
            for name in split_commas(item):
                name = clean_name(name)
                if name and name not in names:
                    names.append(name)
        out.extend(Partner(country, n) for n in names)
    return out, warnings


def _groups(text: str, warnings: list[str]) -> list[tuple[str | None, str]]:
    """(country, text) per group; text before the first key has no country."""
    keys = []
    for m in _KEY_RE.finditer(text):
        code = country_code(m.group("key"))
        line_start = m.group(0).startswith("\n") or m.start() == 0
        if code is None and not (line_start and len(m.group("key").split()) <= 4):
            continue        # a colon inside a name, not a key
        if code is None:
            warnings.append(f"partners: unresolved country {m.group('key').strip()!r}")
        keys.append((m.start("key"), m.end(), code))
    if not keys:
        return [(None, text)]
    groups = [(None, text[:keys[0][0]])] if text[:keys[0][0]].strip() else []
    for k, (_, value_start, code) in enumerate(keys):
        end = keys[k + 1][0] if k + 1 < len(keys) else len(text)
        groups.append((code, text[value_start:end]))
    return groups


def split_commas(item: str) -> list[str]:
    """Split at commas outside brackets and quotes, then glue back the commas that stand
    inside one name (an enumeration after 'of <Word>', a legal-form suffix)."""
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
                    or (re.search(r"\bof\s+[A-Z][\w'’.-]*$", out[-1]) and _ENUM_TAIL_RE.fullmatch(p))):
            out[-1] += ", " + p
        else:
            out.append(p)
    return out


def clean_name(name: str) -> str:
    """Whitespace collapsed, a leading 'and' and a trailing period gone, surrounding quotes
    gone (quotes inside a name stay)."""
    name = re.sub(r"\s+", " ", name).strip()
    name = re.sub(r"^and\s+", "", name).rstrip(".").strip()
    if len(name) > 1 and name[0] in QUOTES and name[-1] in QUOTES:
        name = name[1:-1].strip()
    return name
