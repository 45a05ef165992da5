"""Country names to ISO 3166-1 alpha-3 codes.

The names come from country_converter's maintained table: one regular expression per
country that knows its variants and historical names (Burma, Swaziland, Zaire, Kyrgyz
Republic, Côte d'Ivoire with or without its accent and apostrophe ...). We read that table
with the csv module instead of importing country_converter: its import pulls in pandas (0.4 s
for every `tcps parse`) and its loader breaks under pandas 3 (it reads Namibia's "NA" as
missing). Even ``importlib.resources.files("country_converter")`` runs that import, so the file
is found through the package's import spec, which locates it without running it.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path

from tcps.parse.text import word_keys


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    pattern: re.Pattern
    words: frozenset[str]   # words of its short and official names
    un_subregion: str       # the UN's geographic subregion ('Western Africa', 'Caribbean' ...)


# Words a country's name may carry beyond the part its pattern matches ('United Republic of
# Tanzania', "Lao People's Democratic Republic", 'the Philippines').
_FILLER = {"the", "of", "and", "republic", "democratic", "people", "peoples", "s", "federal", "united",
           "state", "states", "kingdom", "islamic", "plurinational", "bolivarian", "arab", "socialist",
           "federation", "union", "pdr", "dr", "rep", "st", "saint", "commonwealth", "principality",
           "coast", "occupied", "territory", "territories", "palestinian", "islands", "island"}


@cache
def countries() -> list[Country]:
    spec = find_spec("country_converter")     # found, not imported: the package imports pandas
    assert spec is not None and spec.origin is not None, "country_converter is a dependency"
    table = Path(spec.origin).parent / "country_data.tsv"
    with table.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [Country(r["ISO3"], r["ISO2"], r["name_short"], re.compile(r["regex"], re.I),
                    frozenset(word_keys(r["name_short"]) + word_keys(r["name_official"])),
                    r["UNregion"])
            for r in rows if r["ISO3"] and r["regex"]]


def by_iso3(code: str) -> Country | None:
    return next((c for c in countries() if c.iso3 == code), None)


@lru_cache(maxsize=4096)
def find_country(text: str) -> str | None:
    """The ISO3 code of the country a text names somewhere in it (a region-line entry)."""
    match = _best_match(_normal(text))
    return match[0].iso3 if match else None


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """The ISO3 code where the whole text is a country's name and nothing else: 'Costa Rica'
    or 'The Philippines', not 'Regional –based in San Jose, Costa Rica' nor 'Capacity Building'."""
    text = _normal(name)
    match = _best_match(text)
    if not match:
        return None
    country, start, end = match
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    rest = set(word_keys(text[:start] + " " + text[end:]))
    return country.iso3 if rest <= _FILLER | country.words else None


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).strip(" .,;:")


def _best_match(text: str) -> tuple[Country, int, int] | None:
    """The country whose pattern matches the most of the text (patterns of neighbours such as
    Niger and Nigeria exclude each other, but a longer match is the surer one). Spans are
    measured tight: many patterns open with '.*' and would otherwise cover everything before
    the name ('Philippines and Pakistan' is not all Pakistan)."""
    best = None
    for c in countries():
        m = c.pattern.search(text)
        if m:
            start = _tight_start(c.pattern, text, m.start(), m.end())
            if best is None or m.end() - start > best[2] - best[1]:
                best = (c, start, m.end())
    return best


def _tight_start(pattern: re.Pattern, text: str, start: int, end: int) -> int:
    """The latest word start from which the pattern still matches the text up to `end`."""
    word_starts = (w.start() for w in re.finditer(r"\b\w", text[:end]) if w.start() >= start)
    for s in sorted(word_starts, reverse=True):
        if pattern.fullmatch(text[s:end]):
            return s
    return start
