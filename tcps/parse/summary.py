"""One summary's text -> its record: furniture off, labels found, each field read."""
from __future__ import annotations

import re
from pathlib import Path

from tcps.errors import ParseError
from tcps.parse import columns
from tcps.parse.countries import country_code, find_country
from tcps.parse.dates import parse_duration
from tcps.parse.furniture import remove_furniture, strip_inline_footers
from tcps.parse.lists import parse_activities, parse_objectives
from tcps.parse.money import parse_funding
from tcps.parse.partners import parse_partners
from tcps.parse.results import parse_metrics
from tcps.parse.sections import find_sections
from tcps.parse.text import collapse, strip_html
from tcps.record import Contact, Record, Source

_CLOSED_RE = re.compile(r"\s*\(\s*closed\s*\)\s*$", re.I)
_PHONE_RE = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?")
# A label this parser does not know (TAB layout): capitals at a line start, then a TAB.
_UNKNOWN_LABEL_RE = re.compile(r"^(?P<label>[A-Z][A-Z&/ ]{2,40}?):?\t", re.M)
_BULLETS = re.compile(r"^\s*(?:[•\uf0b7▪●]|-(?=\s)|\d{1,2}[.)](?=\s))\s*|[•\uf0b7]", re.M)


def read_summary(text: str, name: str | Path = "<text>", *, web_page: bool = False) -> Record:
    """The record of a summary's text. ``web_page``: the text was written from a web page
    (tcps.parse.page), where a bullet is one list item (a ';' inside it does not split it) and
    a missing contact says nothing (a printed summary always ends in one: its text was cut)."""
    cleaned = remove_furniture(text)
    sections = find_sections("\n".join(cleaned.lines))
    if not sections.values:
        raise ParseError(name, "not a project summary: no field labels found")
    columns.refuse_columns(sections, name)
    title = collapse(sections.values.get("title"))
    if not title or title[0].islower():     # a title never opens in lower case: prose, not a summary
        raise ParseError(name, "no project title")
    r = Record(source=Source(sha256="", pages=cleaned.pages))
    warn = r.warnings.append
    if collapse(sections.before):
        warn(f"text before the first label not placed: {collapse(sections.before)[:80]!r}")

    values = {}
    for field, raw in sections.values.items():
        raw = strip_inline_footers(raw, title, cleaned.short_titles, r.warnings)
        values[field] = _cut_unknown_label(field, raw, sections.flattened, r.warnings)

    r.title, closed = _title(values["title"])
    if closed or re.search(r"\(\s*closed\s*\)", Path(str(name)).name, re.I):
        r.status = "closed"
    r.program = collapse(values.get("program"))
    if "region" in values:
        r.region, r.countries = _region(values["region"], r.warnings)
    if "duration" in values:
        d = parse_duration(collapse(values["duration"]) or "")
        r.start_date, r.end_date, r.dates_revised = d.start, d.end, d.revised
        if d.completed and not r.status:
            r.status = "completed"
        if d.leftover:
            warn(f"duration: could not read {collapse(values['duration'])!r}")
    if "funding" in values:
        r.funding, leftover = parse_funding(collapse(values["funding"]) or "")
        if leftover:
            warn(f"funding: could not read {leftover!r}")
    r.problem = collapse(strip_html(values.get("problem") or ""))
    if "results" in values:
        r.results = collapse(_BULLETS.sub(" ", strip_html(values["results"])))
        r.results_kind = ("targets" if sections.words["results"].lower().startswith("target")
                          else "results") if r.results else None
        r.metrics = parse_metrics(r.results)
    r.objectives = parse_objectives(values.get("objectives") or "", web_page)
    r.activities = parse_activities(values.get("activities") or "", web_page)
    r.grantee = collapse(values.get("grantee"))
    r.partners, notes = parse_partners(values.get("partners") or "")
    r.warnings.extend(notes)
    r.contact = _contact(values.get("contact"))
    if "contact" not in values and not web_page:
        warn("no CONTACT INFORMATION section: the summary looks truncated")
    elif not r.contact.phone and not web_page:
        warn("no telephone number in the contact information: the summary looks truncated")
    return r


def _title(raw: str) -> tuple[str, bool]:
    title = collapse(raw) or ""
    stripped = _CLOSED_RE.sub("", title)
    return stripped, stripped != title


def _cut_unknown_label(field: str, raw: str, flattened: bool, warnings: list[str]) -> str:
    """An unknown label at a line start ends the field before it; its text is not placed."""
    if flattened:
        return raw
    m = _UNKNOWN_LABEL_RE.search(raw, 1)   # from 1: '^' then only matches after a line break
    if not m:
        return raw
    warnings.append(f"unknown label {m.group('label').strip()!r} after {field}: its text is not placed")
    return raw[:m.start()]


def _region(raw: str, warnings: list[str]) -> tuple[str | None, list[str]]:
    """'EUROPE/Albania, Moldova' -> region and countries; without a slash the value is the
    region where it names no country (GLOBAL), else the country list."""
    region, slash, rest = raw.partition("/")
    if not slash:
        region, rest = "", raw
    found: list[tuple[str, list[str]]] = []     # (part, its countries) in order
    for part in re.split(r"[,;\n](?![^()]*\))", _join_wrapped_lines(rest)):   # not inside '(…)'
        part = re.sub(r"^\s*(?:and|&)\s+", "", part.replace("\t", " ")).strip(" .;")
        part = re.split(r"\s[-–—]|[-–—]\s", part, maxsplit=1)[0].strip()   # 'Pakistan – Punjab'
        if not part:
            continue
        if found and _only_name_words(part):
            # 'Congo, Democratic Republic of the': a name printed inverted around a comma
            whole = _countries_in(f"{part} {found[-1][0]}")
            if whole:
                found[-1] = (f"{part} {found[-1][0]}", whole)
                continue
        found.append((part, _countries_in(part)))
    codes = list(dict.fromkeys(code for _, codes in found for code in codes))
    if not slash and not codes:
        return collapse(raw), []
    warnings.extend(f"region/country: unresolved country {part!r}" for part, c in found if not c)
    return collapse(region), codes


def _join_wrapped_lines(text: str) -> str:
    """A line break inside a country's name ('Sierra' / 'Leone') is a wrap, not a separator: a
    line that ends without a comma goes on with the next unless the next opens with a country
    (one country per line, as in 'ASIA/' / 'Pakistan – Punjab' / 'Philippines - Mindanao')."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    out = lines[:1]
    for line in lines[1:]:
        first = re.split(r"[,;]|\s[-–—]|[-–—]\s", re.sub(r"^(?:and|&)\s+", "", line), maxsplit=1)[0]
        if out[-1].endswith((",", ";", "/")) or _countries_in(first.strip()):
            out.append(line)
        else:
            out[-1] += " " + line
    return "\n".join(out)


def _only_name_words(part: str) -> bool:
    """Words that complete a country's name but name none ('Democratic Republic of the')."""
    return bool(re.fullmatch(r"(?:(?:the|of|democratic|republic|people's|islamic|united|federal)\s*)+",
                             part, re.I))


def _countries_in(part: str) -> list[str]:
    """One country ('Trinidad and Tobago'), two joined by 'and', or a name found inside."""
    whole = country_code(part)
    if whole:
        return [whole]
    if re.search(r"\s(?:and|&)\s", part):
        subs = [country_code(s) or find_country(s) for s in re.split(r"\s(?:and|&)\s", part)]
        if all(subs):
            return subs
    found = find_country(part)
    return [found] if found else []


def _contact(raw: str | None) -> Contact:
    text = collapse(raw)
    if not text:
        return Contact()
    m = _PHONE_RE.search(text)
    phone = m.group() if m else None
    office = (text[:m.start()] + " " + text[m.end():]) if m else text
    office = re.sub(r"\b(?:Tel(?:ephone)?|Phone|Ph)\.?\s*:?\s*$", "", office.strip(), flags=re.I)
    office = collapse(re.sub(r"^\s*[/|,;-]\s*|\s*[/|,;-]\s*$", "", office.strip()))
    return Contact(office, phone)
