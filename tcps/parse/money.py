"""Fiscal years and funding amounts."""
from __future__ import annotations

import re

from tcps.parse.text import replaced
from tcps.record import Funding

_YEARS = r"FY\s*'?\d{2,4}(?:\s*(?:&|and|,|/|-|–|to)\s*(?:FY\s*)?'?\d{2,4})*"
# What stands before an amount's colon: its fiscal years, or words that name its kind ('Total',
# 'Total Award', 'Matching Funds (cost share)', 'Cost share funding').
_HEAD = rf"(?P<head>{_YEARS}|[A-Z][A-Za-z]*(?:[ -]+\(?[A-Za-z]+\)?){{0,4}})"
_MONEY = (r"(?P<cur>USD|US\s?\$|\$|EUR|€|GBP|£)\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
          r"(?:\s*(?P<scale>million|billion))?")
_ENTRY_RE = re.compile(rf"(?:{_HEAD}\s*:\s*|(?P<fy>{_YEARS})\s*)?{_MONEY}")
_TOTAL_RE = re.compile(r"\btotal\b", re.I)
_MATCHING_RE = re.compile(r"\bmatching\b|\bcost[\s-]+shar", re.I)
_YEAR_RE = re.compile(r"(?P<sep>-|–|\bto\b)?\s*(?:FY\s*)?'?(?P<y>\d{2,4})", re.I)
_LEFTOVER_RE = re.compile(r"[\s;,.:&]+")
# A kind of amount printed with an empty value ('Matching funds:' and nothing): no amount, no leftover.
_EMPTY_KIND_RE = re.compile(r"\b(?:total|matching\s+funds?|cost[\s-]+share)\s*:\s*(?=[;,.]|$)", re.I)
_CURRENCY = {"usd": "USD", "us$": "USD", "us $": "USD", "$": "USD", "eur": "EUR", "€": "EUR", "gbp": "GBP",
             "£": "GBP"}


def parse_funding(text: str) -> tuple[list[Funding], str]:
    """Every stated amount in order; returns the entries and any text left unread."""
    entries = []
    found = list(_ENTRY_RE.finditer(text))
    for m in found:
        head = m.group("head") or m.group("fy") or ""
        kind = "total" if _TOTAL_RE.search(head) else "matching" if _MATCHING_RE.search(head) else "award"
        years = fiscal_years(head) if kind == "award" and head[:2].upper() == "FY" else []
        entries.append(Funding(years, amount(m), _CURRENCY[m.group("cur").lower()], kind))
    leftover = _EMPTY_KIND_RE.sub(" ", replaced(text, found, " "))
    return entries, _LEFTOVER_RE.sub(" ", leftover).strip()


def fiscal_years(head: str) -> list[int]:
    """'FY 1997 & FY1998' -> [1997, 1998]; a range 'FY 2010-2012' spells out every year."""
    years: list[int] = []
    for m in _YEAR_RE.finditer(head):
        y = int(m.group("y"))
        y = y + 2000 if y < 50 else y + 1900 if y < 100 else y
        if m.group("sep") and years and 0 < y - years[-1] <= 10:
            years.extend(range(years[-1] + 1, y + 1))
        elif y not in years:
            years.append(y)
    return years


def amount(m: re.Match) -> int:
    value = float(m.group("num").replace(",", "") + (m.group("frac") or ""))
    scale = (m.group("scale") or "").lower()
    value *= 1_000_000 if scale == "million" else 1_000_000_000 if scale == "billion" else 1
    return round(value)
