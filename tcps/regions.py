"""ILAB's six regions, for a project: from the region its summary prints, else its countries.

Summaries print regions many ways (``LATIN AMERICA``, ``THE AMERICAS``, ``WEST AFRICA``,
``Asia and the Pacific``) or none at all; ILAB itself files projects under six regions. A printed
region is read by the words it holds; a project without one takes the region of its countries,
through the UN's geographic subregion of each country (country_converter's table, which the
parser reads already) and the few countries ILAB files elsewhere than that subregion suggests.
Two regions at once (``AFRICA AND ASIA``, or countries on two continents) are Global, as ILAB
files its cross-regional projects.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from tcps.parse.countries import by_iso3

AFRICA = "Africa"
ASIA_PACIFIC = "Asia and the Pacific"
EUROPE_EURASIA = "Europe and Eurasia"
AMERICAS = "Latin America and the Caribbean"
MENA = "Middle East and North Africa"
GLOBAL = "Global"
ILAB_REGIONS = (AFRICA, ASIA_PACIFIC, EUROPE_EURASIA, AMERICAS, MENA, GLOBAL)

# Words of a printed region, most specific first: a match is taken out of the text before the
# next rule looks ('North Africa' is not also Africa, 'Central Asia' not also Asia).
_PRINTED = [
    (re.compile(r"middle\s+east|north(?:ern)?\s+africa|\bmena\b|maghreb|arab\s+states"), MENA),
    (re.compile(r"europe|eurasia|balkans|caucasus|central\s+asia"), EUROPE_EURASIA),
    (re.compile(r"latin\s+america|americas|caribbean|central\s+america|south\s+america|andean|"
                r"western\s+hemisphere"), AMERICAS),
    (re.compile(r"africa|sahel"), AFRICA),
    (re.compile(r"asia|pacific|oceania"), ASIA_PACIFIC),
    (re.compile(r"global|world|inter-?regional|multi-?regional"), GLOBAL),
]

_BY_UN_SUBREGION = {
    "Eastern Africa": AFRICA, "Middle Africa": AFRICA, "Southern Africa": AFRICA,
    "Western Africa": AFRICA, "Northern Africa": MENA, "Western Asia": MENA,
    "Eastern Asia": ASIA_PACIFIC, "South-eastern Asia": ASIA_PACIFIC, "Southern Asia": ASIA_PACIFIC,
    "Australia and New Zealand": ASIA_PACIFIC, "Melanesia": ASIA_PACIFIC,
    "Micronesia": ASIA_PACIFIC, "Polynesia": ASIA_PACIFIC,
    "Central Asia": EUROPE_EURASIA, "Eastern Europe": EUROPE_EURASIA,
    "Northern Europe": EUROPE_EURASIA, "Southern Europe": EUROPE_EURASIA,
    "Western Europe": EUROPE_EURASIA,
    "Caribbean": AMERICAS, "Central America": AMERICAS, "South America": AMERICAS,
}
# Where ILAB's region is not its UN subregion's: the Caucasus, Turkey and Cyprus are Europe and
# Eurasia; Sudan is Africa; Iran is with the Middle East.
_BY_COUNTRY = {"ARM": EUROPE_EURASIA, "AZE": EUROPE_EURASIA, "GEO": EUROPE_EURASIA,
               "TUR": EUROPE_EURASIA, "CYP": EUROPE_EURASIA, "SDN": AFRICA, "IRN": MENA}


def country_region(alpha3: str) -> str | None:
    """ILAB's region of one country (ISO alpha-3); None for one outside them (USA, Canada)."""
    if alpha3 in _BY_COUNTRY:
        return _BY_COUNTRY[alpha3]
    country = by_iso3(alpha3)
    return _BY_UN_SUBREGION.get(country.un_subregion) if country else None


def printed_region(text: str) -> str | None:
    """ILAB's region of a printed region; None where the text names none."""
    text, found = text.lower(), set()
    for pattern, region in _PRINTED:
        text, matches = pattern.subn(" ", text)
        if matches:
            found.add(region)
    return _one(found)


def ilab_region(printed: str | None, countries: Iterable[str]) -> str | None:
    """The project's ILAB region: its printed region's, else its countries'."""
    return (printed and printed_region(printed)) or _one(
        {r for r in map(country_region, countries) if r})


def _one(regions: set[str]) -> str | None:
    if not regions:
        return None
    return regions.pop() if len(regions) == 1 else GLOBAL
