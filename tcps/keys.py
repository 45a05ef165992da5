"""Matching keys: when two printed names are the same thing.

Pure functions, no database code. The loader stores these keys in unique columns, so the rules
here decide what is one row: a project (docs/record.md, "What counts as the same project")
and an organisation (its name, and the country it is listed under). Both keys are conservative:
they forgive only how a name is printed (case, quotes and apostrophes, punctuation, spacing,
Unicode width forms), never its words, so two
different names never share a key.
"""
from __future__ import annotations

import re
import unicodedata

# Apostrophes and quote marks join or wrap words ("Children's", "La Strada"): dropped outright,
# so "Children’s" and "Childrens" agree. Every other non-alphanumeric character separates words
# ("Labor-Free", "People/ Proteje"): it becomes a space.
_QUOTES = re.compile("['\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00b4\u02bc\u00ab\u00bb]")
_NOT_WORD = re.compile(r"[\W_]+")
_STATUS_MARKER = re.compile(r"\(\s*(closed|completed)\s*\)", re.IGNORECASE)


def name_key(name: str) -> str:
    """Case-folded words of ``name`` joined by single spaces, quotes and punctuation dropped."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _QUOTES.sub("", text)
    return _NOT_WORD.sub(" ", text).strip()


def title_key(title: str) -> str:
    """The key of a project: its title's ``name_key`` with status markers such as (CLOSED) dropped."""
    return name_key(_STATUS_MARKER.sub(" ", title))


def organization_key(name: str, country: str | None) -> str:
    """The key of an organisation: its ``name_key``, told apart by the country it is listed
    under, since a name such as "Ministry of Health" names a different body in each country."""
    key = name_key(name)
    return f"{key} @{country}" if country else key
