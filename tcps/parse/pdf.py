"""A PDF summary -> the text the summary parser reads best, plus the PDF's page count.

ILAB prints a summary as a two-column table: the label (``PROJECT TITLE``, ``RESULTS`` ...) in a
narrow left column, its value beside it, a header in the top margin of every page and a footer
(short title, ``Page N of M``, the bureau's name) in the bottom margin. Plain text extraction
mixes these up (footers inside list items, labels split over two lines, words interleaved).
So we read every glyph with its position (pdfminer.six) and rebuild the page from geometry:

1. Glyphs on one baseline form a printed line (a row); rows whose baseline lies in the top or
   bottom band of the page are the header and footer, dropped whatever their wording.
2. The value column starts where the values start; words left of it are label words. A label
   printed over several rows (``FISCAL YEAR &`` / ``FUNDING LEVEL``) is joined back into one.
   Where the table sets its rows tight (no space after paragraphs, as office suites print
   Word 2003's default style), a label pairs with the value that starts on its row, and a label
   row continues the label above only where no value starts beside it.
3. Each row becomes one line in the seeds' "P1 TAB" layout: ``LABEL<TAB>value`` on the row where
   a label starts, ``<TAB>value`` on every other row, bullets kept (a sub-bullet indented by two
   spaces per level). A word broken after its hyphen (``ILO-`` / ``IPEC``) is joined back; a row
   that starts left of a bullet item's hanging indent (a country subheading) starts a paragraph
   of its own, marked by a blank line (a lone TAB) before it.

A PDF we cannot read as a summary (no text layer, encrypted, damaged, too large) raises
ParseError with a one-line reason. There is no OCR.

A small PDF can hold a great deal: zlib inflates a MiB to a GiB, and every glyph costs the
layout about ``GLYPH_BYTES`` bytes of memory. So a PDF is refused when its streams decode to
more than ``max_size`` bytes in all (``tcps.parse.pdf_size`` counts them before pdfminer
decodes any), and when it draws more than ``max_size // GLYPH_BYTES`` glyphs, which keeps the
layout's memory about that of a text file of ``max_size`` bytes.
"""
from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from tcps.errors import ParseError
from tcps.parse.pdf_size import TooLarge, check_decoded_size
from tcps.sources import DEFAULT_MAX_SIZE, too_large

# Rows whose baseline lies in the top or bottom 8% of the page are page furniture: the header
# and footer stand in the page margins (a 1-inch margin is 9% of a Letter page), body text never.
# A PDF whose body runs closer to the edge than that loses those rows: see the README.
FURNITURE_BAND = 0.08
# A gap wider than this share of the font size between two glyphs separates two words.
WORD_GAP = 0.2
# A gap of at least this many font sizes after a label's words leads to the value column.
COLUMN_GAP = 0.8
# The width of a space, in font sizes (a quarter of an em in Times and Arial).
SPACE = 0.25
# A row below the previous label row by at most this many line pitches continues that label.
LABEL_ROW_PITCHES = 1.3
BULLET_RE = re.compile(r"^(?:[•\uf0b7▪◦●○■□➢-]|\d{1,2}[.)])$")
# A line ending in a hyphen after a letter or digit was broken inside a word, unless a word
# like these follows it: the hyphen is suspended ('fourth- and fifth-grade').
HYPHEN_END_RE = re.compile(r"\w-$")
SUSPENDED = {"and", "or", "nor", "to", "&"}
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl"})
# A glyph counts as this many bytes against --max-size: what it costs the layout in memory,
# against a text file's byte (measured in docs/performance.md).
GLYPH_BYTES = 16


@dataclass(frozen=True, slots=True)
class Glyph:
    """A character (or a run of them) as printed: baseline measured from the top of the page."""
    text: str
    x0: float
    x1: float
    baseline: float
    size: float


@dataclass
class Page:
    height: float
    glyphs: list[Glyph]


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    size: float


@dataclass
class Row:
    """One printed line of a page body."""
    baseline: float
    words: list[Word]


@dataclass
class PdfText:
    text: str
    pages: int


@dataclass
class _Line:
    """An output line: the label that starts on it (if any) and its value text."""
    label: list[str] = field(default_factory=list)
    value: str = ""


def extract_text(data: bytes, name: str | Path = "<bytes>", max_size: int = DEFAULT_MAX_SIZE) -> PdfText:
    """The summary text of a PDF in the P1 TAB layout, and its page count.

    Raises ParseError naming the file for a PDF that is damaged, encrypted, too large (see
    the module docstring) or has no text."""
    pages = read_pages(data, name, max_size)
    if not pages:
        raise ParseError(name, "PDF has no pages")
    if not any(g.text.strip() for page in pages for g in page.glyphs):
        raise ParseError(name, "PDF has no text layer (a scan or image only?); tcps does no OCR")
    return PdfText(layout_text(pages), len(pages))


def read_pages(data: bytes, name: str | Path, max_size: int = DEFAULT_MAX_SIZE) -> list[Page]:
    """Every glyph of every page, with pdfminer.six (imported here: only PDFs need it)."""
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    if b"%%EOF" not in data[-1024:]:
        raise ParseError(name, "truncated or damaged PDF: no %%EOF end marker")
    manager = PDFResourceManager()
    device = _glyph_device(manager, max_size // GLYPH_BYTES)
    interpreter = PDFPageInterpreter(manager, device)
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        check_decoded_size(document, max_size)
        for pdf_page in PDFPage.create_pages(document):
            interpreter.process_page(pdf_page)
    except TooLarge as e:
        raise ParseError(name, f"PDF: {e} {too_large(max_size)}") from None
    except PDFPasswordIncorrect:
        raise ParseError(name, "encrypted PDF: it needs a password to open") from None
    except Exception as e:  # pdfminer raises many kinds of errors on a damaged file
        detail = " ".join(str(e).split())
        raise ParseError(name, f"damaged PDF: {type(e).__name__}"
                         + (f": {detail}" if detail else "")) from None
    return device.pages


def _glyph_device(manager, max_glyphs: int):
    """A pdfminer device that keeps each glyph's text and box, and nothing else: pdfminer's
    own layout objects (LTChar) cost half the time of reading a summary. It stops the PDF
    at ``max_glyphs`` glyphs."""
    from pdfminer.pdfdevice import PDFTextDevice
    from pdfminer.pdffont import PDFUnicodeNotDefined
    from pdfminer.utils import apply_matrix_rect

    class GlyphDevice(PDFTextDevice):
        def __init__(self) -> None:
            super().__init__(manager)
            self.pages: list[Page] = []
            self.glyphs = 0

        def begin_page(self, page, ctm) -> None:
            x0, y0, x1, y1 = apply_matrix_rect(ctm, page.mediabox)
            self.pages.append(Page(abs(y1 - y0), []))

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
            """Called by pdfminer for every glyph shown; returns how far the pen moves."""
            self.glyphs += 1
            if self.glyphs > max_glyphs:
                raise TooLarge(f"its text (over {max_glyphs:,} characters at {GLYPH_BYTES} bytes each)")
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = f"(cid:{cid})"
            advance = font.char_width(cid) * fontsize * scaling
            a, _, _, d, e, f = matrix
            page = self.pages[-1]
            page.glyphs.append(Glyph(text, e, e + advance * a, page.height - f, abs(fontsize * d)))
            return advance

    return GlyphDevice()


def layout_text(pages: list[Page]) -> str:
    """The body rows of every page, rebuilt as P1 TAB lines (see the module docstring)."""
    body = [page_rows(page) for page in pages]
    rows = [row for page in body for row in page]
    value_x = value_column(rows)
    if value_x is None:     # no label column: every printed line as it stands
        return "".join(" ".join(w.text for w in row.words) + "\n" for row in rows)
    pitch = line_pitch(body)
    levels = bullet_levels(rows, value_x)
    set_apart = rows_set_apart(body, value_x, pitch)
    lines: list[_Line] = []
    item_x: float | None = None         # where the text of the last bullet item starts
    for page in body:
        labelled: _Line | None = None   # the line of the last label on this page
        label_row = Row(0.0, [])        # the last row of that label
        for row in page:
            label = [w.text for w in row.words if w.x0 < value_x]
            value = [w for w in row.words if w.x0 >= value_x]
            if label and labelled and continues_label(row, label_row, value_x, pitch, set_apart):
                labelled.label += label          # the label goes on over this row
                label_row, label = row, []
            if label:
                labelled, label_row, item_x = _Line(label, value_text(value, levels)), row, None
                lines.append(labelled)
            elif value:
                if item_x is not None and value[0].x0 < item_x - 1 and not BULLET_RE.match(value[0].text):
                    lines.append(_Line())        # a paragraph of its own after a bullet item
                    item_x = None
                lines.append(_Line([], value_text(value, levels)))
            item_x = item_text_x(value) or item_x
    return "".join(render_line(line) + "\n" for line in join_hyphen_breaks(lines))


def rows_set_apart(body: list[list[Row]], value_x: float, pitch: float) -> bool:
    """Does the table set its rows apart (space after each, as in most styles) or tight (no
    space after paragraphs, Word 2003's default)? Told by the labels that surely start a row:
    those under a row with no label words. In a table set apart, a label row right under the
    label above continues it even beside a value (a long label folded over rows); in a tight
    one, only where no value starts beside it."""
    gaps = [b.baseline - a.baseline for page in body for a, b in zip(page, page[1:], strict=False)
            if b.words[0].x0 < value_x <= a.words[0].x0]
    return bool(gaps) and statistics.median(gaps) > pitch * LABEL_ROW_PITCHES


def continues_label(row: Row, above: Row, value_x: float, pitch: float, set_apart: bool) -> bool:
    """Does the label on this row go on with the label of the row above (a long label folded
    over rows)? It stands right under it; in a table set apart that is enough. In a tight one
    no value may start beside it, and its first word must not have fitted on the row above
    (else this is a label of its own, its value left empty)."""
    if row.baseline - above.baseline > pitch * LABEL_ROW_PITCHES:
        return False
    if set_apart:
        return True
    label = [w for w in row.words if w.x0 < value_x]
    if len(label) < len(row.words):
        return False
    first, end = label[0], max(w.x1 for w in above.words if w.x0 < value_x)
    room = value_x - COLUMN_GAP * first.size - end
    return first.x1 - first.x0 + SPACE * first.size > room


def item_text_x(value: list[Word]) -> float | None:
    """Where the text of a bullet item starts, for a row that opens one with a hanging indent
    (a tab, wider than two spaces, between the bullet and its text; a bullet run into a
    paragraph is followed by a space, and the paragraph's lines go on under the bullet)."""
    if len(value) > 1 and BULLET_RE.match(value[0].text):
        bullet, text = value[0], value[1]
        if text.x0 - bullet.x1 > 2 * SPACE * bullet.size:
            return text.x0
    return None


def join_hyphen_breaks(lines: list[_Line]) -> list[_Line]:
    """A value line broken after a hyphen inside a word (``ILO-`` / ``IPEC``) takes the first
    word of the next line back without a space; a suspended hyphen (``community-`` / ``and
    school-based``) keeps its space, as printed."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        first, _, rest = line.value.partition(" ")
        if (prev and not line.label and HYPHEN_END_RE.search(prev.value) and first
                and first.lower() not in SUSPENDED and not BULLET_RE.match(first)):
            prev.value += first
            if not rest:
                continue
            line = _Line([], rest)
        out.append(line)
    return out


def value_text(value: list[Word], levels: dict[int, int]) -> str:
    """The value words of a row as text; a bullet is indented by two spaces per nesting level."""
    text = " ".join(w.text for w in value)
    if value and BULLET_RE.match(value[0].text):
        text = "  " * levels.get(round(value[0].x0), 0) + text
    return text


def render_line(line: _Line) -> str:
    if line.label:
        label = " ".join(line.label)
        return f"{label}\t{line.value}" if line.value else label
    return f"\t{line.value}"


def page_rows(page: Page) -> list[Row]:
    """The rows of the page body, top to bottom (header and footer bands left out)."""
    band = page.height * FURNITURE_BAND
    rows: list[list[Glyph]] = []
    for g in sorted(page.glyphs, key=lambda g: (g.baseline, g.x0)):
        if rows and abs(g.baseline - rows[-1][0].baseline) <= 0.35 * max(g.size, 1.0):
            rows[-1].append(g)
        else:
            rows.append([g])
    return [Row(r[0].baseline, words(r)) for r in rows
            if band < r[0].baseline < page.height - band and any(g.text.strip() for g in r)]


def words(glyphs: list[Glyph]) -> list[Word]:
    """Glyphs of a row, left to right, cut into words at spaces and at gaps (many producers
    move the next word by an offset and print no space)."""
    out: list[Word] = []
    prev: Glyph | None = None     # the glyph before, unless a space came between
    for g in sorted(glyphs, key=lambda g: g.x0):
        for part in re.split(r"(\s+)", g.text.translate(LIGATURES)):
            if part.isspace():
                prev = None
            elif part and (prev is None or g.x0 - prev.x1 > WORD_GAP * g.size):
                out.append(Word(part, g.x0, g.x1, g.size))
                prev = g
            elif part:
                out[-1].text += part
                out[-1].x1 = g.x1
                prev = g
    return out


def value_column(rows: list[Row]) -> float | None:
    """Where the value column starts: the leftmost x at which at least two values start. A
    value starts a row that starts right of the left margin, or follows a label after a gap
    of at least COLUMN_GAP font sizes. None where there is no such x (no label column)."""
    if not rows:
        return None
    left = min(row.words[0].x0 for row in rows)
    starts: Counter[int] = Counter()
    for row in rows:
        if row.words[0].x0 > left + 2:
            starts[round(row.words[0].x0)] += 1
            continue
        for a, b in pairwise(row.words):
            if b.x0 - a.x1 >= COLUMN_GAP * a.size:
                starts[round(b.x0)] += 1
                break
    frequent = [x for x, n in starts.items() if n >= 2]
    return min(frequent) - 1.0 if frequent else None


def line_pitch(body: list[list[Row]]) -> float:
    """The usual distance between two baselines (the most common one)."""
    gaps = [round(b.baseline - a.baseline, 1) for page in body for a, b in pairwise(page)]
    return statistics.mode(gaps) if gaps else 0.0


def bullet_levels(rows: list[Row], value_x: float) -> dict[int, int]:
    """Nesting level of a bullet by its x: the leftmost bullets are level 0, the next 1 ..."""
    firsts = (next((w for w in row.words if w.x0 >= value_x), None) for row in rows)
    xs = sorted({round(w.x0) for w in firsts if w and BULLET_RE.match(w.text)})
    return {x: i for i, x in enumerate(xs)}
