"""Make PDF summaries from synthetic records, laid out like ILAB's originals (test-only helper).

A page has the bureau's header in its top band, the fields as a two-column table (the label in
a narrow left column, the value beside it, wrapped), and a footer in its bottom band: the short
title, ``Page N of M`` and the bureau's name. Lists (objectives, activities, partners) break
across pages wherever the page ends.

The records and what is printed for them come from the benchmark's generator
(``benchmarks/generate.py``): new projects recombined from the corpus's gold records, each
field's value lines as its TAB layout prints them (label spellings, bullets, list headings,
partners per country). This module only places those lines on PDF pages, wrapping a value where
its next line cannot be read as something else (a label, a bullet, a list number, a page
footer). Besides the PDF it returns the text a perfect extraction gives (``expected_text``):
the P1 TAB layout, one line per printed line.
"""
from __future__ import annotations

import importlib
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF

from corpus import CORPUS, ROOT


def _load_generate():
    """benchmarks/generate.py as a module: benchmarks/ is not a package, and its modules import
    each other (generate imports pages), so the folder goes on the path as for benchmarks/run.py."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    return importlib.import_module("generate")


generate = _load_generate()

# Page geometry in points (US Letter), as in the originals: a 1-inch body margin, the header
# and footer inside the top and bottom margins.
PAGE_W, PAGE_H = 612.0, 792.0
LEFT, RIGHT = 54.0, 558.0
VALUE_X = 190.0                 # the value column; the label column is LEFT .. VALUE_X - GUTTER
GUTTER = 10.0
BODY_TOP = 80.0
BODY_BOTTOMS = (600.0, 650.0, 712.0)  # where the body ends, drawn per summary
HANG = 18.0                     # a list item's text stands this far right of its bullet
SECTION_GAP = 8.0
FOOTER_SIZE, FOOTER_PITCH = 8.0, 9.5
BULLETS = ("\u2022 ", "\uf0b7 ")   # Helvetica (WinAnsi) has no Symbol-font bullet: both print as •

# A field's label at a line start, in any of the generator's spellings.
LABEL_START_RE = re.compile(r"^(?:" + "|".join(re.escape(w) for pair in generate.LABELS.values()
                                               for w in pair) + r")(?=$|[\s:])", re.I)
# What a wrapped value's next line may not start with: it would read as a label, a list item or
# a page footer.
NOT_A_LINE_START = re.compile(LABEL_START_RE.pattern[1:] + r"|[-\u2022\uf0b7]|\d+[.)]|"
                              r"page\s+\d|u\.\s?s\.\s+department|technical\s+cooperation", re.I)


def synthetic_records(n: int, corpus: Path = CORPUS) -> dict[str, dict[str, Any]]:
    """{name: record} of the first n projects generated from the corpus's gold records as text
    summaries that print faithfully as TAB lines.

    Skipped: a project the generator made a web page (its record holds what only pages print),
    and one with several development objectives (printed as plain lines, they read back as one)."""
    pools = generate.Pools.from_corpus(corpus)
    out: dict[str, dict[str, Any]] = {}
    index = 0
    while len(out) < n:
        made = generate.summary(pools, index)
        developments = sum(o["level"] == "development" for o in made.record["objectives"])
        if made.name.endswith(".txt") and developments <= 1:
            out[f"synthetic_{index:03d}"] = made.record
        index += 1
    return out


@dataclass
class Section:
    """One field as printed: its label and its value lines (a list item starts with a bullet)."""
    fld: str
    label: str
    lines: list[str]


@dataclass
class Row:
    """One printed line of a section: label words and value text on the same baseline."""
    label: str = ""
    value: str = ""
    x: float = VALUE_X            # where the value text starts
    marker: str = ""              # the bullet printed at the value column


@dataclass
class DrawnPdf:
    data: bytes
    pages: int
    expected_text: str
    broken: list[str]           # the fields a page end fell inside


class Unplaceable(Exception):
    """A drawn text does not fit the page (a line that may not be wrapped is too wide)."""


class SummaryPdf(FPDF):
    """Letter pages with the header and a footer per page (fpdf2 calls header/footer)."""

    def __init__(self, short_title: str, footer_shape: str, size: float, leading: float,
                 bottom: float, pages: int = 0):
        super().__init__(unit="pt", format="letter")
        self.page_total = pages     # M of 'Page N of M': known from a first pass
        self.core_fonts_encoding = "windows-1252"   # en dash, curly quotes, bullet
        self.set_auto_page_break(False)
        self.set_margins(LEFT, BODY_TOP, PAGE_W - RIGHT)
        self.short_title, self.footer_shape = short_title, footer_shape
        self.body_size, self.pitch, self.bottom = size, size * leading, bottom

    def header(self) -> None:
        self.set_font("Helvetica", "B", 11)
        self.text((PAGE_W - self.get_string_width(generate.HEADER)) / 2, 44, generate.HEADER)

    def footer(self) -> None:
        self.set_font("Helvetica", "", FOOTER_SIZE)
        page = f"Page {self.page_no()} of {self.page_total}"
        if self.footer_shape == "one line":
            lines = [f"{self.short_title}, {page}", generate.BUREAU]
        else:   # a block: the short title, the page and the bureau on lines of their own
            lines = [self.short_title + ",", page, generate.BUREAU]
        lines = [part for line in lines for part in self.fold(line, RIGHT - LEFT)]
        y = PAGE_H - 24 - FOOTER_PITCH * (len(lines) - 1)
        for line in lines:
            self.text(LEFT, y, line)
            y += FOOTER_PITCH

    def fold(self, text: str, width: float) -> list[str]:
        """The text folded to the width at any space (labels in their column, footer lines)."""
        lines, cur = [], ""
        for word in text.split(" "):
            if cur and self.get_string_width(cur + " " + word) > width:
                lines.append(cur)
                cur = word
            else:
                cur = f"{cur} {word}" if cur else word
        return lines + [cur]


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """A value folded to the width, a line starting only where it cannot be read as a label,
    a list item or a footer; a line with no such break that is too wide is Unplaceable."""
    words = text.split(" ")
    lines: list[str] = []
    start, n = 0, len(words)
    while start < n:
        end, cut = start + 1, None
        while end < n:
            if not NOT_A_LINE_START.match(" ".join(words[end:])):
                cut = end
            if pdf.get_string_width(" ".join(words[start:end + 1])) > width:
                break
            end += 1
        if end == n:
            cut = n
        elif cut is None:
            raise Unplaceable(" ".join(words[start:end + 1])[:60])
        lines.append(" ".join(words[start:cut]))
        start = cut
    return lines


def section_rows(pdf: SummaryPdf, section: Section) -> list[Row]:
    """The printed lines of one section: its label folded into the left column beside the
    value lines folded into the value column."""
    pdf.set_font("Helvetica", "B", pdf.body_size)
    labels = pdf.fold(section.label, VALUE_X - GUTTER - LEFT)
    pdf.set_font("Helvetica", "", pdf.body_size)
    rows: list[Row] = []
    for line in section.lines:
        bullet = line.startswith(BULLETS)
        text = line[2:] if bullet else line
        x = VALUE_X + (HANG if bullet else 0.0)
        for i, part in enumerate(wrap(pdf, text, RIGHT - x)):
            rows.append(Row(value=part, x=x, marker="\u2022" if bullet and i == 0 else ""))
    rows += [Row() for _ in range(len(labels) - len(rows))]
    for row, label in zip(rows, labels, strict=False):
        row.label = label
    return rows


def row_text(row: Row, label: str | None) -> str | None:
    """The line a perfect extraction gives for a row (None for a label-only row)."""
    value = f"{row.marker} {row.value}" if row.marker else row.value
    if label is not None:
        return f"{label}\t{value}" if value else label
    return f"\t{value}" if value else None


def place(pdf: SummaryPdf, sections: list[Section],
          break_in: str | None = None) -> tuple[SummaryPdf, list[str], list[str]]:
    """Draw the sections page after page; return the PDF, the expected text lines and the
    fields a page end fell inside. A page also ends after the label rows of the field
    ``break_in``, where it has more rows (a short list breaks across pages too)."""
    pitch = pdf.pitch
    out: list[str] = []
    broken: list[str] = []
    pdf.add_page()
    y = BODY_TOP
    for section in sections:
        rows = section_rows(pdf, section)
        label_rows = sum(1 for r in rows if r.label)
        if y + pitch * label_rows > pdf.bottom:    # a label is never split by a page end
            pdf.add_page()
            y = BODY_TOP
        item_x = None       # where the text of the section's last bullet item starts
        for i, row in enumerate(rows):
            if row.value and not row.marker and item_x is not None and row.x < item_x:
                out.append("\t")   # a paragraph of its own after an item: a blank line
                item_x = None
            item_x = row.x if row.marker else item_x
            if y + pitch > pdf.bottom or (section.fld == break_in and i == max(label_rows, 1)):
                pdf.add_page()
                y = BODY_TOP
                broken.append(section.fld)
            baseline = y + pdf.body_size
            if row.label:
                pdf.set_font("Helvetica", "B", pdf.body_size)
                pdf.text(LEFT, baseline, row.label)
            pdf.set_font("Helvetica", "", pdf.body_size)
            if row.marker:
                pdf.text(VALUE_X, baseline, row.marker)
            if row.value:
                pdf.text(row.x, baseline, row.value)
            line = row_text(row, section.label if i == 0 else None)
            if line is not None:
                out.append(line)
            y += pitch
        y += SECTION_GAP
    return pdf, out, broken


def draw_summary(record: dict[str, Any], seed: str, break_in: str | None = None) -> DrawnPdf:
    """A PDF of the record in the TAB layout's words; the same seed gives the same PDF."""
    why = []
    for attempt in range(40):
        rng = random.Random(f"pdf/{seed}/{attempt}")
        caps = rng.random() < 0.85
        sections = [Section(fld, generate.label(fld, record, caps), lines)
                    for fld, lines in generate.field_lines(record, rng, "\u2022 ").items()]
        style = (generate.short_title(record["title"], rng), rng.choice(["one line", "block"]),
                 rng.choice([9.0, 10.0, 11.0, 12.0]), rng.choice([1.2, 1.3, 1.5, 2.0]),
                 rng.choice(BODY_BOTTOMS))
        try:
            pages = place(SummaryPdf(*style), sections, break_in)[0].pages_count
            pdf, lines, broken = place(SummaryPdf(*style, pages=pages), sections, break_in)
        except Unplaceable as e:
            why.append(str(e))
            continue
        return DrawnPdf(bytes(pdf.output()), pages, "\n".join(lines) + "\n", broken)
    raise Unplaceable("; ".join(why))
