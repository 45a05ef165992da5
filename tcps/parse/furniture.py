"""Page furniture: footers, repeated headers and the page count.

Text extracted from the PDF summaries carries, at every page break, a footer made of the short
title, ``Page N of M`` and the Bureau's name, then the repeated document heading. The footer
comes in a few shapes (one line; two lines; a block spread over lines; interleaved into words
by a TAB; run into the text of a flattened line). Every shape is anchored on ``Page N of M``,
so that is what we look for first; the short title around it is found by its place, not by
its words (real footers shorten or even misspell the title).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from tcps.parse.text import word_keys

PAGE = r"Page\s+(\d+)\s+of\s+(\d+)"
PAGE_RE = re.compile(PAGE)
HEADER_RE = re.compile(r"TECHNICAL\s+COOPERATION\s+PROJECT\s+SUMMARY", re.I)
LEADING_HEADER_RE = re.compile(r"^\s*TECHNICAL\s+COOPERATION\s+PROJECT\s+SUMMARY\s*", re.I)
BUREAU = r"U\.\s?S\.\s+Department\s+of\s+Labor,\s+International\s+Labor\s+Affairs\s+Bureau"
BUREAU_LINE_RE = re.compile(r"^\s*" + BUREAU + r"\s*$", re.I)
# The Bureau line with 'Page N of M' interleaved into one of its words by a TAB.
BUREAU_INTERLEAVED_RE = re.compile(r"^\s*U\.\s?S\.\s+De.*\t\s*" + PAGE + r"\s+\S.*Bureau\s*$", re.I)
PAGE_ONLY_RE = re.compile(r"^\s*" + PAGE + r"\s*$")
# A footer run into the text (flattened layouts): '<text> <short title>, Page N of M <Bureau>
# <HEADER> <text>'. Without the heading after it, a footer ends its line and is a line footer.
INLINE_RE = re.compile(r",\s*" + PAGE + r"\s+" + BUREAU + r"\s+TECHNICAL\s+COOPERATION\s+PROJECT\s+SUMMARY",
                       re.I)


@dataclass
class Cleaned:
    lines: list[str]
    pages: int | None = None
    short_titles: list[str] = field(default_factory=list)


def remove_furniture(text: str) -> Cleaned:
    """Strip every footer that stands on lines of its own and every repeated heading. The
    content on both sides of a footer joins with a single line break: blank lines at a page
    break carry no meaning (the extraction drops or adds them).

    Footers run into a flattened line are left for `strip_inline_footers`, which needs the
    title to find where their short title starts."""
    lines = text.split("\n")
    pages = [int(m.group(2)) for m in INLINE_RE.finditer(text)]
    drop: set[int] = set()
    for i, line in enumerate(lines):
        page = PAGE_RE.search(line)
        if i in drop or not page:
            continue
        span = _footer_span(lines, i)
        if span is not None:
            pages.append(int(page.group(2)))
            drop.update(range(span[0], span[1] + 1))
            _drop_blanks_and_header(lines, span[0], span[1], drop)
    kept = []
    for i, line in enumerate(lines):
        if i in drop:
            continue
        bare = LEADING_HEADER_RE.sub("", line)
        if (bare != line and not bare.strip()) or BUREAU_LINE_RE.match(line):
            continue
        kept.append(bare)
    return Cleaned(kept, max(pages) if pages else None, _line_footer_titles(lines))


def _line_footer_titles(lines: list[str]) -> list[str]:
    """Short titles printed in whole-line footers ('<short title>, Page 2 of 2 <Bureau>'): the
    surest guide to the same footer run into a flattened line."""
    found = []
    for line in lines:
        m = re.match(r"^\s*(\S.*?),\s*" + PAGE + r"(?:\s+" + BUREAU + r")?\s*$", line, re.I)
        if m and "\t" not in m.group(1):
            found.append(m.group(1).strip())
    return found


def _footer_span(lines: list[str], i: int) -> tuple[int, int] | None:
    """The first and last line of the footer whose 'Page N of M' stands on line i."""
    line = lines[i]
    if BUREAU_INTERLEAVED_RE.match(line):
        # '<short title with a TAB in a word>,' then 'U.S. Department of La<TAB>Page 1 of 2 abor, ...'
        prev = _prev_nonblank(lines, i)
        first = prev if prev is not None and lines[prev].rstrip().endswith(",") else i
        return first, i
    if PAGE_ONLY_RE.match(line):
        first = _short_title_block(lines, i)
        return first, _bureau_after(lines, i, title_between=first == i)
    m = PAGE_RE.search(line)
    assert m is not None      # the caller found 'Page N of M' on this line
    before, after = line[:m.start()], line[m.end():]
    if not before.rstrip().endswith(","):
        return None  # 'Page 3 of the report' in a sentence, not a footer
    if INLINE_RE.search(line):
        return None  # run into the text: strip_inline_footers removes it
    if after.strip() and not re.fullmatch(r"\s*" + BUREAU + r"\s*", after, re.I):
        return None
    first = i
    if before.strip()[:1].islower():    # '… in' / 'the Balkans and Ukraine, Page 1 of 2 …'
        prev = _prev_nonblank(lines, i)
        if prev is not None and not re.search(r"[.;:!?]\s*$", lines[prev]):
            first = prev
    return first, i if after.strip() else _bureau_after(lines, i)


def _prev_nonblank(lines: list[str], i: int) -> int | None:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 else None


def _short_title_block(lines: list[str], i: int) -> int:
    """A 'Page N of M' alone on its line follows the short title, which may wrap onto a second
    line and ends in a comma; a blank line stands before it."""
    last = _prev_nonblank(lines, i)
    if last is None or not lines[last].rstrip().endswith(","):
        return i
    first = last
    while first - 1 >= 0 and lines[first - 1].strip() and last - first < 2:
        first -= 1
    if first - 1 >= 0 and lines[first - 1].strip():
        return last  # no blank line above within three lines: only the comma line is the title
    return first


def _bureau_after(lines: list[str], i: int, title_between: bool = False) -> int:
    """The Bureau line after line i (blank lines between), else i. With title_between, the
    short title may stand between them ('Page 1 of 2' / '<short title>,' / the Bureau)."""
    following = [j for j in range(i + 1, min(i + 8, len(lines))) if lines[j].strip()][:3]
    for n, j in enumerate(following):
        if BUREAU_LINE_RE.match(lines[j]):
            return j
        if not (title_between and n < 2 and lines[j].rstrip().endswith(",")):
            break
    return i


def _drop_blanks_and_header(lines: list[str], first: int, last: int, drop: set[int]) -> None:
    """Blank lines around a footer and the heading repeated after it belong to the page break."""
    j = first - 1
    while j >= 0 and not lines[j].strip():
        drop.add(j)
        j -= 1
    j = last + 1
    while j < len(lines) and (not lines[j].strip() or HEADER_RE.fullmatch(lines[j].strip())):
        drop.add(j)
        j += 1


def strip_inline_footers(line: str, title: str | None, short_titles: list[str],
                         warnings: list[str]) -> str:
    """Remove footers run into a flattened line, with the short title that precedes them."""
    while m := INLINE_RE.search(line):
        before = line[:m.start()]
        cut = _short_title_start(before, title, short_titles)
        if cut is None:
            cut = _capitalised_run_start(before)
            warnings.append(f"page footer: took {before[cut:].strip()!r} for its short title "
                            f"(it matches neither the title nor another footer)")
        line = before[:cut].rstrip() + " " + line[m.end():].lstrip()
    return line


_SMALL = {"of", "and", "the", "for", "in", "on", "to", "a"}


def _capitalised_run_start(before: str) -> int:
    """Last resort: the run of capitalised words (small words between them allowed) that ends
    the text before a footer ('… to draft ECLT Malawi Project')."""
    words = list(re.finditer(r"\S+", before))
    start = len(before)
    for w in reversed(words):
        if (w.group()[:1].isupper() or w.group()[:1].isdigit()
                or (w.group() in _SMALL and start < len(before))):
            start = w.start()
        else:
            break
    while start < len(before) and before[start:].split(maxsplit=1)[0] in _SMALL:
        start = before.index(" ", start) + 1
    return start


def _short_title_start(before: str, title: str | None, short_titles: list[str]) -> int | None:
    """Where the short title starts at the end of `before`: a short title printed in another
    footer of the document, else the longest run of words that opens the title."""
    words = list(re.finditer(r"\S+", before))
    keys = [word_keys(w.group()) for w in words]
    for st in sorted(short_titles, key=len, reverse=True):
        n = len(st.split())
        if n <= len(words) and sum(keys[-n:], []) == word_keys(st):
            return words[-n].start()
    if not title:
        return None
    tkeys = word_keys(title)
    for n in range(min(len(words), len(title.split())), 0, -1):
        tail = sum(keys[-n:], [])
        if tail and tail == tkeys[:len(tail)]:
            return words[-n].start()
    return None
