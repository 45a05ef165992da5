"""Make PDF summaries from gold records, laid out like ILAB's originals (test-only helper).

A page has the bureau's header in its top band, the fields as a two-column table (the label in
a narrow left column, the value beside it, wrapped), and a footer in its bottom band: the short
title, ``Page N of M`` and the bureau's name. Lists (objectives, activities, partners) break
across pages wherever the page ends.

What is printed where comes from ``shared/tools/variants.py`` (its "tab" layout: label
spellings, list styles, country spellings, partner groups), which only draws text that
record.md reads back as the gold record; this module only places that text on PDF pages,
wrapping lines where variants.py allows a line to start. Besides the PDF it returns the text
a perfect extraction gives (``expected_text``): the P1 TAB layout, one line per printed line.
"""
from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"

# Page geometry in points (US Letter), as in the originals: a 1-inch body margin, the header
# and footer inside the top and bottom margins.
PAGE_W, PAGE_H = 612.0, 792.0
LEFT, RIGHT = 54.0, 558.0
VALUE_X = 190.0                 # the value column; the label column is LEFT .. VALUE_X - GUTTER
GUTTER = 10.0
BODY_TOP = 80.0
BODY_BOTTOMS = (600.0, 650.0, 712.0)  # where the body ends, drawn per summary
HANG = 18.0                     # a list item's text stands this far right of its bullet
SUB_INDENT = 18.0               # a sub-bullet stands this far right of a bullet
SECTION_GAP = 8.0
FOOTER_SIZE, FOOTER_PITCH = 8.0, 9.5
# Bullet characters that Helvetica (WinAnsi) cannot draw are drawn as the ordinary bullet.
MARKERS = {"\uf0b7\t": "• ", "\uf0b7 ": "• ", " ": ""}


def load_variants():
    """shared/tools/variants.py as a module (it is a script, not a package)."""
    if "variants" not in sys.modules:
        spec = importlib.util.spec_from_file_location("variants", SHARED / "tools" / "variants.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["variants"] = module   # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules["variants"]


@dataclass
class Row:
    """One printed line of a section: label words and value text on the same baseline."""
    label: str = ""
    value: str = ""
    x: float = VALUE_X            # where the value text starts
    marker: str = ""              # a bullet or list number printed at the item's indent
    marker_x: float = VALUE_X


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
        title = "TECHNICAL COOPERATION PROJECT SUMMARY"
        self.text((PAGE_W - self.get_string_width(title)) / 2, 44, title)

    def footer(self) -> None:
        variants = load_variants()
        self.set_font("Helvetica", "", FOOTER_SIZE)
        page = f"Page {self.page_no()} of {self.page_total}"
        if self.footer_shape == "one line":
            lines = [f"{self.short_title}, {page}", variants.BUREAU]
        else:   # a block: the short title, the page and the bureau on lines of their own
            lines = [self.short_title + ",", page, variants.BUREAU]
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


def wrap_tokens(pdf: FPDF, toks: list, width: float) -> list[str]:
    """Words of a paragraph folded to the width, a line starting only where variants.py
    allows one (Tok.brk); a line with no allowed break that is too wide is Unplaceable."""
    words = [t.text.replace("\uf0b7", "•") for t in toks]   # Helvetica has no Symbol bullet
    lines: list[str] = []
    start, n = 0, len(words)
    while start < n:
        end, cut = start + 1, None
        while end < n:
            if toks[end].brk:
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


def section_rows(pdf: FPDF, section) -> list[Row]:
    """The printed lines of one section: its label folded into the left column beside the
    value paragraphs folded into the value column."""
    pdf.set_font("Helvetica", "B", pdf.body_size)
    labels = pdf.fold(section.label, VALUE_X - GUTTER - LEFT)
    pdf.set_font("Helvetica", "", pdf.body_size)
    rows: list[Row] = []
    for para in section.paras:
        marker = MARKERS.get(para.marker, para.marker)
        indent = SUB_INDENT if para.indent else 0.0
        x = VALUE_X + indent + (HANG if marker else 0.0)
        for i, line in enumerate(wrap_tokens(pdf, para.toks, RIGHT - x)):
            rows.append(Row(value=line, x=x, marker=marker.strip() if i == 0 else "",
                            marker_x=VALUE_X + indent))
    rows += [Row() for _ in range(len(labels) - len(rows))]
    for row, label in zip(rows, labels):
        row.label = label
    return rows


def row_text(row: Row, label: str | None, indent: bool) -> str | None:
    """The line a perfect extraction gives for a row (None for a label-only row)."""
    value = f"{row.marker} {row.value}" if row.marker else row.value
    if indent and row.marker:
        value = "  " + value
    if label is not None:
        return f"{label}\t{value}" if value else label
    return f"\t{value}" if value else None


def place(pdf: SummaryPdf, sections: list) -> tuple[SummaryPdf, list[str], list[str]]:
    """Draw the sections page after page; return the PDF, the expected text lines and the
    fields a page end fell inside."""
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
            if y + pitch > pdf.bottom:
                pdf.add_page()
                y = BODY_TOP
                broken.append(section.fld)
            baseline = y + pdf.body_size
            if row.label:
                pdf.set_font("Helvetica", "B", pdf.body_size)
                pdf.text(LEFT, baseline, row.label)
            pdf.set_font("Helvetica", "", pdf.body_size)
            if row.marker:
                pdf.text(row.marker_x, baseline, row.marker)
            if row.value:
                pdf.text(row.x, baseline, row.value)
            line = row_text(row, section.label if i == 0 else None, row.marker_x > VALUE_X)
            if line is not None:
                out.append(line)
            y += pitch
        y += SECTION_GAP
    return pdf, out, broken


def draw_summary(gold: dict, seed: str) -> DrawnPdf:
    """A PDF of the gold record; the same seed gives the same PDF."""
    variants = load_variants()
    why = []
    for attempt in range(40):
        rng = random.Random(f"pdf/{seed}/{attempt}")
        ctx = variants.Ctx("tab", rng)
        labels = variants.LabelStyle("upper" if rng.random() < 0.85 else "title", False, True, rng)
        try:
            sections = variants.build_sections(gold, ctx, labels)
            style = (rng.choice(variants.short_titles(gold["title"], prefix_only=False)),
                     rng.choice(["one line", "block"]), rng.choice([9.0, 10.0, 11.0, 12.0]),
                     rng.choice([1.2, 1.3, 1.5]), rng.choice(BODY_BOTTOMS))
            pages = place(SummaryPdf(*style), sections)[0].pages_count
            pdf, lines, broken = place(SummaryPdf(*style, pages=pages), sections)
        except (variants.Redraw, Unplaceable) as e:
            why.append(str(e))
            continue
        return DrawnPdf(bytes(pdf.output()), pages, "\n".join(lines) + "\n", broken)
    raise variants.Unrenderable("; ".join(why))
