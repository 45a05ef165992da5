"""The project duration: start and end dates at the precision printed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from tcps.parse.text import replaced

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_RE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"   # September 30, 2003
    rf"|\b\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}\b"                   # 30 September 2003
    rf"|\b{_MONTH},?\s+\d{{4}}\b"                               # September 2003
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b"                               # 09/30/2003
    r"|\b\d{4}-\d{2}(?:-\d{2})?\b"                              # 2003-09-30
    r"|\b(?:19|20)\d{2}\b",                                     # 2003
    re.I)
# The printed forms read without dateutil (the slow part of a parse), as (pattern, precision).
_FORMS = [(re.compile(p, re.I), fmt) for p, fmt in (
    (rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})", "%Y-%m-%d"),
    (rf"(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})", "%Y-%m-%d"),
    (rf"(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})", "%Y-%m"),
    (r"(?P<y>(?:19|20)\d{2})", "%Y"))]
_MONTHS = {name: k for k, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                               "oct", "nov", "dec"), start=1)}
# Every form of _DATE_RE holds a digit: prose without one (a web page's overview, asked whether
# it is a date range) is not searched for dates, the dearest search here.
_DIGIT_RE = re.compile(r"\d")
_REVISED_RE = re.compile(r"\(\s*revised\s*\)", re.I)
_COMPLETED_RE = re.compile(r"\bcompleted\b", re.I)
_CONNECTIVES_RE = re.compile(r"\(\s*revised\s*\)|\bcompleted\b|\b(?:to|until|through)\b|[-–—,.()\s]", re.I)
# Two defaults that differ in every field: what the text did not print comes out different.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


@dataclass
class Duration:
    start: str | None = None
    end: str | None = None
    revised: bool = False
    completed: bool = False
    leftover: str = ""


def parse_duration(text: str) -> Duration:
    d = Duration(revised=bool(_REVISED_RE.search(text)), completed=bool(_COMPLETED_RE.search(text)))
    found = list(_DATE_RE.finditer(text)) if _DIGIT_RE.search(text) else []
    dates = [iso_date(m.group()) for m in found[:2]]
    d.start, d.end = (dates + [None, None])[:2]
    rest = replaced(text, found, " ")
    d.leftover = _CONNECTIVES_RE.sub("", rest)
    return d


@lru_cache(maxsize=8192)   # a collection repeats its dates; dateutil is the slow part of a parse
def iso_date(text: str) -> str | None:
    """ISO 8601 at the precision printed: a day, a month or a year."""
    for pattern, precision in _FORMS:
        m = pattern.fullmatch(text)
        if m:
            try:
                parts = m.groupdict()
                month = _MONTHS[parts["m"][:3].lower()] if parts.get("m") else 1
                return datetime(int(parts["y"]), month, int(parts.get("d") or 1)).strftime(precision)
            except ValueError:
                break       # not a calendar date: dateutil decides, as for every other form
    from dateutil import parser as dateparser   # here: the forms above spare most processes its import

    try:
        a, b = (dateparser.parse(text, default=dflt) for dflt in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if a.day == b.day:
        return a.strftime("%Y-%m-%d")
    if a.month == b.month:
        return a.strftime("%Y-%m")
    return a.strftime("%Y")
