"""One summary's text -> its record: furniture off, labels found, each field read."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tcps.errors import ParseError
from tcps.parse import columns
from tcps.parse.countries import country_code, find_country
from tcps.parse.dates import Duration, parse_duration
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
# A label this parser does not know (TAB layout): capitals at a line start, then a TAB. The line
# break it follows opens the pattern, so that a search skips from one line break to the next.
_UNKNOWN_LABEL_RE = re.compile(r"\n(?P<label>[A-Z][A-Z&/ ]{2,40}?):?\t")
_PART_SEP_RE = re.compile(r"[,;\n](?![^()]*\))")      # a comma not inside '(…)'
_LEADING_AND_RE = re.compile(r"^\s*(?:and|&)\s+")
_QUALIFIER_RE = re.compile(r"\s[-–—]|[-–—]\s")        # 'Pakistan – Punjab'
_FIRST_PART_RE = re.compile(r"[,;]|\s[-–—]|[-–—]\s")
_AND_RE = re.compile(r"\s(?:and|&)\s")
_NAME_WORDS_RE = re.compile(r"(?:(?:the|of|democratic|republic|people's|islamic|united|federal)\s*)+", re.I)
_PHONE_LABEL_RE = re.compile(r"\b(?:Tel(?:ephone)?|Phone|Ph)\.?\s*:?\s*$", re.I)
_EDGE_PUNCTUATION_RE = re.compile(r"^\s*[/|,;-]\s*|\s*[/|,;-]\s*$")
_EDGES = "/|,;-"
_CLOSED_NAME_RE = re.compile(r"\(\s*closed\s*\)", re.I)
_BULLETS = re.compile(r"^\s*(?:[•\uf0b7▪●]|-(?=\s)|\d{1,2}[.)](?=\s))\s*|[•\uf0b7]", re.M)


@dataclass
class Fields:
    """Each field's text, furniture off; the label its results section had; the file's name;
    whether the text was written from a web page."""
    values: dict[str, str]
    results_label: str
    name: str
    web_page: bool = False

    @cached_property
    def duration(self) -> Duration | None:
        """Read once: the dates and the status both come from it."""
        return parse_duration(collapse(self.values["duration"]) or "") if "duration" in self.values else None


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
    r = Record(source=Source(sha256=""))
    before = collapse(sections.before)
    if before:
        r.warnings.append(f"text before the first label not placed: {before[:80]!r}")
    values: dict[str, str] = {}
    pages = [cleaned.pages] if cleaned.pages else []
    for field, raw in sections.values.items():
        raw, found = strip_inline_footers(raw, title, cleaned.short_titles, r.warnings)
        pages += found
        values[field] = _cut_unknown_label(field, raw, sections.flattened, r.warnings)
    r.source.pages = max(pages) if pages else None
    fields = Fields(values, sections.words.get("results", ""), os.path.basename(name), web_page)
    for read in _READERS:
        read(r, fields)
    if not r.title:  # what stood there was a page footer or a (CLOSED) mark alone
        raise ParseError(name, "no project title")
    return r


def _read_title(r: Record, f: Fields) -> None:
    title = collapse(f.values["title"]) or ""
    r.title = _CLOSED_RE.sub("", title) if "(" in title else title


def _read_status(r: Record, f: Fields) -> None:
    """`closed` where the title or the file's name says (CLOSED), else `completed` where the
    duration says Completed."""
    title = collapse(f.values["title"]) or ""
    if ("(" in title and _CLOSED_RE.search(title)) or ("(" in f.name and _CLOSED_NAME_RE.search(f.name)):
        r.status = "closed"
    elif f.duration and f.duration.completed:
        r.status = "completed"


def _read_program(r: Record, f: Fields) -> None:
    r.program = collapse(f.values.get("program"))


def _read_region(r: Record, f: Fields) -> None:
    if "region" in f.values:
        r.region, r.countries = _region(f.values["region"], r.warnings)


def _read_duration(r: Record, f: Fields) -> None:
    d = f.duration
    if d is None:
        return
    r.start_date, r.end_date, r.dates_revised = d.start, d.end, d.revised
    if d.leftover:
        r.warnings.append(f"duration: could not read {collapse(f.values['duration'])!r}")


def _read_funding(r: Record, f: Fields) -> None:
    if "funding" in f.values:
        r.funding, leftover = parse_funding(collapse(f.values["funding"]) or "")
        if leftover:
            r.warnings.append(f"funding: could not read {leftover!r}")


def _read_problem(r: Record, f: Fields) -> None:
    r.problem = collapse(strip_html(f.values.get("problem") or ""))


def _read_results(r: Record, f: Fields) -> None:
    if "results" in f.values:
        r.results = collapse(_BULLETS.sub(" ", strip_html(f.values["results"])))
        if r.results:
            r.results_kind = "targets" if f.results_label.lower().startswith("target") else "results"
        r.metrics = parse_metrics(r.results)


def _read_lists(r: Record, f: Fields) -> None:
    r.objectives = parse_objectives(f.values.get("objectives") or "", f.web_page)
    r.activities = parse_activities(f.values.get("activities") or "", f.web_page)


def _read_grantee(r: Record, f: Fields) -> None:
    r.grantee = collapse(f.values.get("grantee"))


def _read_partners(r: Record, f: Fields) -> None:
    r.partners, notes = parse_partners(f.values.get("partners") or "")
    r.warnings.extend(notes)


def _read_contact(r: Record, f: Fields) -> None:
    r.contact = _contact(f.values.get("contact"))
    if f.web_page:
        return
    if "contact" not in f.values:
        r.warnings.append("no CONTACT INFORMATION section: the summary looks truncated")
    elif not r.contact.phone:
        r.warnings.append("no telephone number in the contact information: the summary looks truncated")


# In the record's order: warnings come in the order of the fields they are about.
_READERS = (_read_title, _read_status, _read_program, _read_region, _read_duration, _read_funding,
            _read_problem, _read_results, _read_lists, _read_grantee, _read_partners, _read_contact)


def _cut_unknown_label(field: str, raw: str, flattened: bool, warnings: list[str]) -> str:
    """An unknown label at a line start ends the field before it; its text is not placed."""
    if flattened or "\t" not in raw:     # the label ends in a TAB: no TAB, no pass over the lines
        return raw
    m = _UNKNOWN_LABEL_RE.search(raw)
    if not m:
        return raw
    warnings.append(f"unknown label {m.group('label').strip()!r} after {field}: its text is not placed")
    return raw[:m.start("label")]


def _region(raw: str, warnings: list[str]) -> tuple[str | None, list[str]]:
    """'EUROPE/Albania, Moldova' -> region and countries; without a slash the value is the
    region where it names no country (GLOBAL), else the country list."""
    region, slash, rest = raw.partition("/")
    if not slash:
        region, rest = "", raw
    found: list[tuple[str, list[str]]] = []     # (part, its countries) in order
    for part in _PART_SEP_RE.split(_join_wrapped_lines(rest)):
        part = _LEADING_AND_RE.sub("", part.replace("\t", " ")).strip(" .;")
        part = _QUALIFIER_RE.split(part, maxsplit=1)[0].strip()
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
        first = _FIRST_PART_RE.split(_LEADING_AND_RE.sub("", line), maxsplit=1)[0]
        if out[-1].endswith((",", ";", "/")) or _countries_in(first.strip()):
            out.append(line)
        else:
            out[-1] += " " + line
    return "\n".join(out)


def _only_name_words(part: str) -> bool:
    """Words that complete a country's name but name none ('Democratic Republic of the')."""
    return bool(_NAME_WORDS_RE.fullmatch(part))


def _countries_in(part: str) -> list[str]:
    """One country ('Trinidad and Tobago'), two joined by 'and', or a name found inside."""
    whole = country_code(part)
    if whole:
        return [whole]
    if _AND_RE.search(part):
        subs = [country_code(s) or find_country(s) for s in _AND_RE.split(part)]
        if all(subs):
            return [code for code in subs if code]
    found = find_country(part)
    return [found] if found else []


def _contact(raw: str | None) -> Contact:
    text = collapse(raw)
    if not text:
        return Contact()
    m = _PHONE_RE.search(text)
    phone = m.group() if m else None
    office = (text[:m.start()] + " " + text[m.end():]) if m else text
    office = _PHONE_LABEL_RE.sub("", office.strip())
    office = office.strip()
    if office[:1] in _EDGES or office[-1:] in _EDGES:      # '' too: the pattern decides
        office = _EDGE_PUNCTUATION_RE.sub("", office)
    return Contact(collapse(office), phone)
