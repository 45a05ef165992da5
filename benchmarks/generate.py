"""A deterministic synthetic collection of summaries, made by recombining the corpus.

Each synthetic summary is a new project (its own title) whose fields are drawn from the gold
records of the corpus: a title stem, a region with some of its countries, dates and fiscal years,
a problem/results/objectives/activities bundle, a grantee, partners per country. It is then
printed in one of the five layout families of real extractions (TAB, label-own-line, flattened
ALL-CAPS, flattened Title-Case, ``Label: value``), broken into pages with the footers real PDFs
carry (``<short title>, Page N of M`` + the Bureau line + the repeated heading).

A share of the collection are project web pages instead (``pages.py``: the D2, D1 and H layouts
of record.md, with their site chrome), saved as ``.html`` (``.htm`` for the old H pages).

The record each text was printed from is kept too: the benchmark's insert floor stores exactly
those rows. Everything is drawn from ``random.Random(f"{seed}/{index}")``, so summary ``i`` is
the same bytes whatever N is, and a smaller collection is a prefix of a larger one.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pages  # the web-page layouts; it uses the field helpers below

HEADER = "TECHNICAL COOPERATION PROJECT SUMMARY"
BUREAU = "U.S. Department of Labor, International Labor Affairs Bureau"
LAYOUTS = ("tab", "ownline", "flat", "titlecase", "colon", *pages.PAGE_LAYOUTS)
FLATTENED = ("flat", "titlecase")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

# One printed name per ISO 3166-1 alpha-3 code the corpus uses (the parser resolves them back).
COUNTRY_NAMES = {
    "ALB": "Albania", "MDA": "Moldova", "ROU": "Romania", "UKR": "Ukraine", "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan", "TJK": "Tajikistan", "UZB": "Uzbekistan", "CRI": "Costa Rica",
    "DOM": "Dominican Republic", "SLV": "El Salvador", "GTM": "Guatemala", "NIC": "Nicaragua",
    "BWA": "Botswana", "LSO": "Lesotho", "NAM": "Namibia", "ZAF": "South Africa",
    "SWZ": "Swaziland", "BEN": "Benin", "BFA": "Burkina Faso", "CPV": "Cape Verde",
    "CIV": "Cote d'Ivoire", "GMB": "Gambia", "GHA": "Ghana", "GIN": "Guinea",
    "GNB": "Guinea-Bissau", "LBR": "Liberia", "MLI": "Mali", "NER": "Niger", "NGA": "Nigeria",
    "SEN": "Senegal", "SLE": "Sierra Leone", "TGO": "Togo", "RWA": "Rwanda", "UGA": "Uganda",
    "JOR": "Jordan", "COL": "Colombia", "ECU": "Ecuador", "HTI": "Haiti", "PHL": "Philippines",
    "MRT": "Mauritania", "NPL": "Nepal", "PER": "Peru", "BGD": "Bangladesh", "PRY": "Paraguay",
    "LKA": "Sri Lanka", "SUR": "Suriname", "TZA": "Tanzania", "PAK": "Pakistan",
}

# Label spellings per field: (ALL CAPS, Title Case). The ``Label:`` layout adds the colon.
LABELS = {
    "title": ("PROJECT TITLE", "Project Title"),
    "program": ("ILAB PROGRAM", "ILAB Program"),
    "region": ("REGION/COUNTRY", "Region/Country"),
    "duration": ("PROJECT DURATION", "Project Duration"),
    "funding": ("FISCAL YEAR & FUNDING LEVEL", "Fiscal Year & Funding Level"),
    "problem": ("PROBLEM TO BE ADDRESSED", "Problem to be Addressed"),
    "results": ("RESULTS", "Results"),
    "targets": ("TARGETS", "Targets"),
    "objectives": ("PROJECT OBJECTIVES", "Project Objectives"),
    "activities": ("SUMMARY OF ACTIVITIES", "Summary of Activities"),
    "grantee": ("GRANTEE", "Grantee"),
    "partners": ("IMPLEMENTING PARTNERS", "Implementing Partners"),
    "contact": ("CONTACT INFORMATION", "Contact Information"),
}
# Words that would open a field in flattened text: a value holding one is printed line by line.
LABEL_WORDS = re.compile("|".join(re.escape(w) for pair in LABELS.values() for w in pair))
LIST_HEADINGS = {"intermediate": "Intermediate objectives include:",
                 "immediate": "Immediate objectives:",
                 "specific": "Specific objectives include:",
                 "outcome": "Outcomes include:"}


@dataclass
class Pools:
    """Field values of the corpus golds, to draw from."""
    golds: list[dict[str, Any]]
    regions: dict[str, list[str]]      # region -> countries the corpus places in it
    partners: list[str]
    grantees: list[str]
    programs: list[str]
    contacts: list[dict[str, str]]

    @classmethod
    def from_corpus(cls, corpus: Path) -> Pools:
        golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.json"))]
        if not golds:
            raise SystemExit(f"no gold records (*.json) in {corpus}")
        regions: dict[str, list[str]] = {}
        for g in golds:
            if g["region"]:
                pool = regions.setdefault(g["region"], [])
                pool += [c for c in g["countries"] if c not in pool and c in COUNTRY_NAMES]
        return cls(
            golds=golds,
            regions={r: cs for r, cs in sorted(regions.items()) if cs},
            partners=sorted({p["name"] for g in golds for p in g["partners"] if ";" not in p["name"]}),
            grantees=sorted({g["grantee"] for g in golds if g["grantee"]}),
            programs=sorted({g["program"] for g in golds if g["program"]}),
            contacts=[dict(t) for t in sorted({tuple(g["contact"].items()) for g in golds
                                                if g["contact"]["office"]})],
        )


@dataclass
class Summary:
    """One synthetic summary: its file name, its text and the record it was printed from."""
    name: str
    text: str
    record: dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Records

def make_record(pools: Pools, index: int, rng: random.Random, revision: int) -> dict[str, Any]:
    """A new project's record built from corpus values. ``revision`` > 0 adds later funding,
    as a revised summary of the same project would."""
    stem = rng.choice(pools.golds)
    content = rng.choice(pools.golds)
    base = re.sub(r"\s*\(CLOSED\)$", "", stem["title"])
    phase = f"PHASE {index + 1}" if base == base.upper() else f"Phase {index + 1}"
    region = rng.choice(list(pools.regions))
    countries = rng.sample(pools.regions[region], rng.randint(1, min(4, len(pools.regions[region]))))
    start_year = rng.randint(1996, 2022)
    start, end = dates(rng, start_year)
    return {
        "title": f"{base}, {phase}",
        "status": "closed" if rng.random() < 0.1 else None,
        "program": rng.choice(pools.programs) if rng.random() < 0.1 else None,
        "region": region,
        "countries": countries,
        "start_date": start,
        "end_date": end,
        "dates_revised": rng.random() < 0.15,
        "funding": funding(rng, start_year, revision),
        "problem": content["problem"],
        "results_kind": content["results_kind"],
        "results": content["results"],
        "metrics": content["metrics"],
        "objectives": content["objectives"],
        "activities": [{"text": a["text"], "country": None} for a in content["activities"]],
        "grantee": rng.choice(pools.grantees),
        "partners": partners(rng, pools.partners, countries),
        "contact": rng.choice(pools.contacts),
        "summary": None,
        "strategy": None,
        "source": {"sha256": "", "pages": None, "url": None},
    }


def dates(rng: random.Random, start_year: int) -> tuple[str, str]:
    """Start and end at one precision: full dates or month and year."""
    end_year = start_year + rng.randint(2, 6)
    m1, m2 = rng.randint(1, 12), rng.randint(1, 12)
    start, end = f"{start_year}-{m1:02d}", f"{end_year}-{m2:02d}"
    if rng.random() < 0.35:
        return f"{start}-{rng.randint(1, 28):02d}", f"{end}-{rng.randint(1, 28):02d}"
    return start, end


def funding(rng: random.Random, start_year: int, revision: int) -> list[dict[str, Any]]:
    """One to four fiscal years of awards, sometimes with their stated total."""
    years = sorted(rng.sample(range(start_year, start_year + 6), rng.randint(1, 4)))
    rows = [award(y, rng) for y in years]
    stated_total = rng.random() < 0.2
    later = random.Random(f"revision/{start_year}/{years}")   # leaves the other draws alone
    rows += [award(years[-1] + 1 + k, later) for k in range(revision)]
    if len(rows) > 1 and stated_total:
        rows.append({"fiscal_years": [], "amount": sum(r["amount"] for r in rows),
                     "currency": "USD", "kind": "total"})
    return rows


def award(year: int, rng: random.Random) -> dict[str, Any]:
    return {"fiscal_years": [year], "amount": rng.choice([1000, 5000, 50000]) * rng.randint(5, 200),
            "currency": "USD", "kind": "award"}


def partners(rng: random.Random, pool: list[str], countries: list[str]) -> list[dict[str, Any]]:
    """Partners per country for most multi-country projects, else one flat list."""
    keys: list[str | None] = countries if rng.random() < 0.6 else [None]
    return [{"country": c, "name": n} for c in keys for n in rng.sample(pool, rng.randint(1, 4))]


# ---------------------------------------------------------------------------------------------
# Field values as lines of text

def money(rng: random.Random, amount: int) -> str:
    return f"${amount:,}" if rng.random() < 0.15 else f"USD {amount:,}"


def print_date(iso: str) -> str:
    """2004-09-30 -> September 30, 2004; 2004-09 -> September 2004."""
    year, month, *day = (int(p) for p in iso.split("-"))
    return f"{MONTHS[month - 1]} {day[0]}, {year}" if day else f"{MONTHS[month - 1]} {year}"


def field_lines(r: dict[str, Any], rng: random.Random, bullet: str) -> dict[str, list[str]]:
    """Every field's value as a list of lines, in the order the summaries print them.

    A list item is a line starting with ``bullet``; the layout decides how lines are joined."""
    dash = rng.choice([" – ", " – ", " - ", " –"])
    fys = [f"FY{' ' if rng.random() < 0.4 else ''}{f['fiscal_years'][0]}: {money(rng, f['amount'])}"
           if f["kind"] == "award" else f"Total: {money(rng, f['amount'])}" for f in r["funding"]]
    names = [COUNTRY_NAMES[c] for c in r["countries"]]
    region = ", ".join(names) if len(names) < 2 or rng.random() < 0.8 else \
        ", ".join(names[:-1]) + " and " + names[-1]
    out: dict[str, list[str]] = {
        "title": [r["title"] + (" (CLOSED)" if r["status"] == "closed" else "")],
        "program": [r["program"]] if r["program"] else [],
        "region": [f"{r['region']}/{region}"],
        "duration": [print_date(r["start_date"]) + dash + print_date(r["end_date"])
                     + (" (revised)" if r["dates_revised"] else "")],
        "funding": fys if rng.random() < 0.6 else [" ".join(fys)],
        "problem": [r["problem"]] if r["problem"] else [],
        "results": [r["results"]] if r["results"] else [],
        "objectives": objective_lines(r["objectives"], bullet),
        "activities": item_lines([a["text"] for a in r["activities"]], bullet),
        "grantee": [r["grantee"]],
        "partners": partner_lines(r["partners"]),
        "contact": [f"{r['contact']['office']} {r['contact']['phone']}"],
    }
    return {k: v for k, v in out.items() if v}


def item_lines(items: list[str], bullet: str) -> list[str]:
    """A bulleted list with the summaries' punctuation: ``;`` after each item, ``; and`` before the last."""
    return [f"{bullet}{t}{'; and' if i == len(items) - 2 else ';' if i < len(items) - 1 else ''}"
            for i, t in enumerate(items)]


def objective_lines(objectives: list[dict[str, str]], bullet: str) -> list[str]:
    """The development objective(s) first, then one headed list per level."""
    lines = [o["text"] for o in objectives if o["level"] == "development"]
    for level, heading in LIST_HEADINGS.items():
        items = [o["text"] for o in objectives if o["level"] == level]
        if items:
            lines += [heading] + item_lines(items, bullet)
    return lines


def partner_lines(rows: list[dict[str, Any]]) -> list[str]:
    """``Country: a; b`` per country, or one ``;`` list."""
    by_key: dict[str | None, list[str]] = {}
    for p in rows:
        by_key.setdefault(p["country"], []).append(p["name"])
    return [(f"{COUNTRY_NAMES[k]}: " if k else "") + "; ".join(v) for k, v in by_key.items()]


# ---------------------------------------------------------------------------------------------
# Layouts: (label, value lines) -> the text of one summary, then its pages and footers.

def label(fld: str, r: dict[str, Any], caps: bool) -> str:
    """The label a field is printed with (RESULTS or TARGETS as the record says)."""
    if fld == "results":
        fld = "targets" if r["results_kind"] == "targets" else "results"
    return LABELS[fld][0 if caps else 1]


BODY = ("problem", "results", "objectives", "activities", "grantee", "partners", "contact")


def place_lines(fields: dict[str, list[str]], r: dict[str, Any], layout: str,
                caps: bool) -> tuple[list[str], list[int]]:
    """The lines of a line-based layout (tab, colon, ownline) and the line indexes a page may
    end before: inside the body fields, never in the heading block nor before a label."""
    lines, breaks = [HEADER, ""], []
    for fld, values in fields.items():
        name = label(fld, r, caps)
        if layout == "tab":
            block = [f"{name}\t{values[0]}"] + [f"\t{v}" for v in values[1:]]
        elif layout == "colon":
            block = [f"{name}: {values[0]}"] + values[1:]
        else:  # ownline
            block = [name, ""] + values + [""]
        if fld in BODY:
            breaks += [len(lines) + k for k in range(1, len(block)) if block[k - 1]]
        lines += block
    return lines, breaks


def place_flat(fields: dict[str, list[str]], r: dict[str, Any], caps: bool) -> list[tuple[str, str]]:
    """(first field, paragraph) pairs: labels and values run together, as flattened
    extractions print them."""
    def run(names: list[str]) -> str:
        return " ".join(f"{label(f, r, caps)} {' '.join(fields[f])}" for f in names if f in fields)
    head = ["title", "program", "region", "duration", "funding"]
    tail = ["grantee", "partners", "contact"]
    middle = [(f, run([f])) for f in BODY if f not in tail and f in fields]
    return [("title", HEADER + "\n\n" + run(head)), *middle, ("grantee", run(tail))]


SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "through", "to"}


def short_title(title: str, rng: random.Random) -> str:
    """The first words of the title, as footers print it, never ending in a small word."""
    words = title.split()
    k = min(len(words), rng.randint(2, 6))
    while k > 1 and words[k - 1].lower().strip(",:;") in SMALL_WORDS:
        k -= 1
    return " ".join(words[:k]).rstrip(",:;")


def footer(st: str, page: int, pages: int, rng: random.Random) -> list[str]:
    """The footer block ending a page, in one of the shapes extraction gives."""
    shape = rng.choice(["line", "two", "block"])
    if shape == "line":
        return ["", f"{st}, Page {page} of {pages} {BUREAU}", "", HEADER, ""]
    if shape == "two":
        return ["", f"{st}, Page {page} of {pages}", BUREAU, "", HEADER, ""]
    return ["", f"{st},", "", f"Page {page} of {pages}", "", BUREAU, "", HEADER, ""]


def paginate_lines(lines: list[str], breaks: list[int], st: str, pages: int,
                   rng: random.Random) -> list[str]:
    """Insert a footer at page ends spread evenly over the candidate line breaks."""
    cuts = sorted({breaks[len(breaks) * k // pages] for k in range(1, pages)}) if breaks else []
    out, page = [], 1
    for i, line in enumerate(lines):
        if i in cuts:
            out += footer(st, page, len(cuts) + 1, rng)
            page += 1
        out.append(line)
    return out


def paginate_flat(paragraphs: list[tuple[str, str]], st: str, title: str, pages: int,
                  rng: random.Random) -> tuple[str, int]:
    """Footers inline, mid-paragraph in a list or the problem, as flattened extraction leaves
    them; never just after a word that could pass for the start of the short title."""
    body = [i for i, (fld, _) in enumerate(paragraphs) if fld in ("problem", "objectives", "activities")]
    cuts = sorted(rng.sample(body, min(pages - 1, len(body))))
    texts = [t for _, t in paragraphs]
    first_title_word = title.split()[0].lower()
    for page, p in enumerate(cuts, 1):
        words = texts[p].split(" ")
        spots = [k for k in range(6, len(words) - 3) if words[k - 1].lower() != first_title_word]
        k = rng.choice(spots) if spots else len(words)
        foot = f"{st}, Page {page} of {len(cuts) + 1} {BUREAU} {HEADER}"
        texts[p] = " ".join(words[:k] + [foot] + words[k:])
    return "\n\n".join(texts), len(cuts) + 1


def render(r: dict[str, Any], layout: str, rng: random.Random) -> tuple[str, int | None]:
    """The text of one summary and the number of pages its footers state (None: no footer)."""
    caps = layout in ("tab", "ownline", "flat") and rng.random() < 0.85
    bullet = {"tab": "• ", "ownline": "• ", "colon": "- "}.get(layout, "\uf0b7 ")   # Symbol font
    fields = field_lines(r, rng, bullet)
    st = short_title(r["title"], rng)
    pages = rng.choice([1, 2, 2, 2, 3])
    if layout in FLATTENED:
        text, pages = paginate_flat(place_flat(fields, r, caps), st, r["title"], pages, rng)
    else:
        lines, breaks = place_lines(fields, r, layout, caps)
        lines = paginate_lines(lines, breaks, st, pages, rng)
        pages = sum(1 for x in lines if x == HEADER)
        text = "\n".join(lines).rstrip("\n")
    final = pages > 1 or rng.random() < 0.7
    if final:
        text += f"\n\n{st}, Page {pages} of {pages} {BUREAU}"
    text += "\n" if rng.random() < 0.6 else ""
    if rng.random() < 0.05:
        text = text.replace("\n", "\r\n")
    return text, pages if final or pages > 1 else None


def choose_layout(r: dict[str, Any], rng: random.Random) -> str:
    """Any family; a flattened one only where no value holds a label's words. Flattened text
    cannot show partners per country (no line starts a ``Country:`` key): they become one list.
    A page layout cuts the record to what its pages print."""
    layout = rng.choice(LAYOUTS)
    if layout in pages.PAGE_LAYOUTS:
        pages.page_record(r, layout, rng)
    elif layout in FLATTENED:
        values = [r["problem"] or "", r["results"] or "", r["grantee"] or "",
                  *(o["text"] for o in r["objectives"]), *(a["text"] for a in r["activities"]),
                  *(p["name"] for p in r["partners"])]
        if any(LABEL_WORDS.search(v) for v in values):
            return rng.choice(["tab", "ownline", "colon"])
        names = dict.fromkeys(p["name"] for p in r["partners"])
        r["partners"] = [{"country": None, "name": n} for n in names]
    return layout


def summary(pools: Pools, index: int, seed: int = 1, revision: int = 0) -> Summary:
    """Summary ``index`` of the collection; ``revision`` k > 0 is its k-th revised edition (k
    more fiscal years of funding)."""
    rng = random.Random(f"{seed}/{index}")
    record = make_record(pools, index, rng, revision)
    layout = choose_layout(record, rng)
    if layout in pages.PAGE_LAYOUTS:
        (text, url), count = pages.render_page(record, layout, rng), None
        suffix = ".htm" if layout == "h" else ".html"
    else:
        (text, count), url, suffix = render(record, layout, rng), None, ".txt"
    data = text.encode("utf-8")
    record["source"] = {"sha256": hashlib.sha256(data).hexdigest(), "pages": count, "url": url}
    return Summary(f"{index // 1000:03d}/tcps-{index:05d}-{layout}{suffix}", text, record)


def write_collection(pools: Pools, n: int, folder: Path, records: Path, seed: int = 1) -> list[Path]:
    """Write N summaries under ``folder`` (a subfolder per thousand) and their records as JSON lines."""
    paths = []
    with records.open("w", encoding="utf-8") as out:
        for s in iter_summaries(pools, n, seed):
            path = folder / s.name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s.text.encode("utf-8"))
            out.write(json.dumps({"path": str(path), **s.record}, ensure_ascii=False) + "\n")
            paths.append(path)
    return paths


def iter_summaries(pools: Pools, n: int, seed: int) -> Iterator[Summary]:
    return (summary(pools, i, seed) for i in range(n))
