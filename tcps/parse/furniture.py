"""Page furniture: footers, repeated headers and the page count.

Text extracted from the PDF summaries carries, at every page break, a footer made of the short
title, ``Page N of M`` and the Bureau's name, then the repeated document heading. The footer
comes in a few shapes (one line; two lines; a block spread over lines; interleaved into words
by a TAB; run into the text of a flattened line, where the TAB became a space: ``Lab bor``,
``U.S. Dep Page 2 of 3 partment``). Every shape is anchored on ``Page N of M``, so that is
what we look for first; the parts around it are then known whatever the whitespace between
and inside their words. The short title is found by its place and the title's words (real
footers shorten or even misspell the title).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

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


def _loose(words: str) -> str:
    """The words as a pattern that also matches them split by the extraction: a space (or the
    page number) inside a word, the letter at the split printed twice ('Lab bor')."""
    def word(w: str) -> str:
        return "".join(re.escape(a) + (rf"(?:\s+{re.escape(a)}?)?" if a.isalpha() and b.isalpha() else "")
                       for a, b in zip(w, w[1:], strict=False)) + re.escape(w[-1])
    return r"\s+".join(word(w) for w in words.split())


# The Bureau line and the heading as a flattened footer may print them, their words split.
BUREAU_LOOSE_RE = re.compile(
    r"U\.\s?S\.\s+" + _loose("Department of Labor, International Labor Affairs Bureau"), re.I)
HEADER_LOOSE_RE = re.compile(r"[ \t]+" + _loose("TECHNICAL COOPERATION PROJECT SUMMARY"), re.I)


@dataclass
class Cleaned:
    lines: list[str]
    pages: int | None = None
    short_titles: list[str] = field(default_factory=list)


def remove_furniture(text: str) -> Cleaned:
    """Strip every footer that stands on lines of its own and every repeated heading. The
    content on both sides of a footer joins with a single line break: blank lines at a page
    break carry no meaning (the extraction drops or adds them).

    A line that ends in ``, Page N of M`` (the Bureau after it or on the next line) is left
    whole, for `strip_inline_footers`: only the title tells whether text before the short title
    stands on that line too (the last line of a flattened summary). So are footers run into a
    flattened line. What stands before the page number on such lines is kept as short titles:
    most are a short title alone, the surest guide to the same footer run into a line."""
    lines = text.split("\n")
    pages, short_titles = [], []
    drop: set[int] = set()
    for i, line in enumerate(lines):
        m = PAGE_RE.search(line) if "Page" in line and i not in drop else None
        if not m:
            continue
        ends = _LINE_FOOTER_RE.match(line) if "\t" not in line and _may_end_in_footer(line) else None
        if ends:
            short_titles.append(ends.group(1).strip())
        span = _footer_span(lines, i, m)
        if span is not None:
            pages.append(int(m.group(2)))
            drop.update(range(span[0], span[1] + 1))
            _drop_blanks_and_header(lines, span[0], span[1], drop)
            if ends and span[0] == i:
                drop.discard(i)
    kept = []
    for i, line in enumerate(lines):
        if i in drop:
            continue
        if line.lstrip()[:1] in ("T", "t", "U", "u"):
            bare = LEADING_HEADER_RE.sub("", line)
            if (bare != line and not bare.strip()) or BUREAU_LINE_RE.match(line):
                continue
            line = bare
        kept.append(line)
    return Cleaned(kept, max(pages) if pages else None, short_titles)


_LINE_FOOTER_RE = re.compile(r"^\s*(\S.*?),\s*" + PAGE + r"(?:\s+" + BUREAU + r")?\s*$", re.I)


def _may_end_in_footer(line: str) -> bool:
    """What `_LINE_FOOTER_RE` needs at the line's end, a page count or the Bureau: its lazy
    title part tries every comma of a long line (a flattened paragraph) before it fails."""
    end = line.rstrip()
    return end[-1:].isdigit() or end[-6:].lower() == "bureau"


def _footer_span(lines: list[str], i: int, m: re.Match) -> tuple[int, int] | None:
    """The first and last line of the footer whose 'Page N of M' (m) stands on line i."""
    line = lines[i]
    if BUREAU_INTERLEAVED_RE.match(line):
        # '<short title with a TAB in a word>,' then 'U.S. Department of La<TAB>Page 1 of 2 abor, ...'
        prev = _prev_nonblank(lines, i)
        first = prev if prev is not None and lines[prev].rstrip().endswith(",") else i
        return first, i
    if PAGE_ONLY_RE.match(line):
        first = _short_title_block(lines, i)
        return first, _bureau_after(lines, i, title_between=first == i)
    before, after = line[:m.start()], line[m.end():]
    if not before.rstrip().endswith(","):
        return None  # 'Page 3 of the report' in a sentence, not a footer
    if after.strip() and not BUREAU_LINE_RE.match(after):
        return None  # run into the text: strip_inline_footers removes it
    first = i
    if before.strip()[:1].islower():    # '… in' / 'the Balkans and Ukraine, Page 1 of 2 …'
        prev = _prev_nonblank(lines, i)
        if prev is not None and not lines[prev].rstrip().endswith((".", ";", ":", "!", "?")):
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


def strip_inline_footers(text: str, title: str | None, short_titles: list[str],
                         warnings: list[str]) -> tuple[str, list[int]]:
    """Remove the footers left in a field's text, each with the short title before it, and
    return the text and the page counts they print. A footer ends its line or runs on into the
    text (the heading may follow it); the words it split are joined back. Text before its short
    title on the same line stays, and a line left empty goes with its line break."""
    if "Page" not in text:      # every footer has its 'Page N of M'
        return text, []
    pieces: list[str] = []
    pages = []
    pos = 0             # text[:pos] is settled in pieces
    guide = None
    for m in PAGE_RE.finditer(text):
        guide = guide or _Guide.of(title, tuple(short_titles))
        span = _inline_footer(text, m, guide, warnings) if m.start() >= pos else None
        if span is None:
            continue
        pages.append(int(m.group(2)))
        start, end = span
        left = start
        while left > pos and text[left - 1] in " \t":
            left -= 1
        blank = _BLANK_TO_LINE_END.match(text, end)
        if blank and (left == 0 or text[left - 1] == "\n"):
            pieces.append(text[pos:left])       # the footer was the whole line: it goes with its break
            if blank.end() == len(text):
                pieces[-1] = pieces[-1].rstrip("\n")
            pos = blank.end()
        else:                                   # the text on both sides joins with one space
            pieces += [text[pos:start].rstrip(), " "]
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
    pieces.append(text[pos:])
    return "".join(pieces), pages


_WORD_RE = re.compile(r"\S+")
_WINDOW = 2000      # a footer's parts stand within this many characters of its page number
_BLANK_TO_LINE_END = re.compile(r"[ \t]*(?:\n|\Z)")


@dataclass
class _Guide:
    """What tells a footer's short title: the title's words, and the short titles printed on
    footer lines, by their number of words, as word keys (built once per text: a hostile file
    may hold thousands of footers)."""
    title_keys: list[str]
    title_words: int
    short: dict[int, dict[tuple[str, ...], list[str]]]   # words -> keys -> short titles, longest first

    @property
    def longest(self) -> int:
        """The most words a short title can have: the title's, or another footer's."""
        return max([self.title_words, *self.short])

    @classmethod
    @lru_cache(maxsize=4)       # the fields of one summary share it
    def of(cls, title: str | None, short_titles: tuple[str, ...]) -> _Guide:
        short: dict[int, dict[tuple[str, ...], list[str]]] = {}
        for st in sorted(set(short_titles), key=len, reverse=True):
            short.setdefault(len(st.split()), {}).setdefault(tuple(word_keys(st)), []).append(st)
        return cls(word_keys(title or ""), len((title or "").split()), short)


def _inline_footer(text: str, m: re.Match, guide: _Guide, warnings: list[str]) -> tuple[int, int] | None:
    """Where the footer around the 'Page N of M' at m starts and ends. The page number stands
    after the short title's comma, or inside a word of the short title or of the Bureau line
    ('U.S. Dep Page 2 of 3 partment'): that word is joined back before the parts are matched."""
    lo = max(0, m.start() - _WINDOW)
    newline = text.rfind("\n", lo, m.start())
    line_start = newline + 1 if newline >= 0 else lo
    whole_line = newline >= 0 or lo == 0        # the window reaches back to the line's start
    left = text[line_start:m.start()].rstrip(" \t")
    after = text[m.end():m.end() + _WINDOW]
    rest = after.lstrip(" \t")
    rest_at = m.end() + len(after) - len(rest)
    if left.endswith(","):
        bureau = BUREAU_LOOSE_RE.match(rest)
        if not bureau and rest.split("\n", 1)[0].strip():
            return None
        before, end = left[:-1], rest_at + (bureau.end() if bureau else 0)
    elif left[-1:].isalpha() and rest[:1].isalpha():
        doubled = rest[0].lower() == left[-1].lower()
        joined = left + rest[doubled:]
        found = _bureau_around(joined, len(left))
        if found is None:
            return None
        before, end = joined[:found[0]], rest_at + found[1] - len(left) + doubled
    else:
        return None
    header = HEADER_LOOSE_RE.match(text, end)
    end = header.end() if header else end
    ends_line = not header and _BLANK_TO_LINE_END.match(text, end) is not None
    start = _footer_start(before, guide, whole_line, ends_line, warnings)
    return line_start + start, end


def _bureau_around(joined: str, q: int) -> tuple[int, int] | None:
    """(the short title's comma, the Bureau line's end) for a page number that stood at q inside
    a word: of the Bureau line, or of the short title that the Bureau line follows."""
    for b in BUREAU_LOOSE_RE.finditer(joined, max(0, q - 70)):
        if b.start() > q + 300 or "\n" in joined[q:b.start()]:
            return None
        if b.end() >= q:
            comma = joined.rfind(",", 0, b.start())
            if comma < 0 or joined[comma + 1:b.start()].strip():
                return None
            return comma, b.end()
    return None


def _footer_start(before: str, guide: _Guide, whole_line: bool, ends_line: bool, warnings: list[str]) -> int:
    """Where the short title starts in `before` (the footer's line up to its comma, or the
    window's part of a longer line): the whole line where it is made of the title's words; else
    the title's opening words or another footer's short title at its end; else, for a footer
    that ends its line, the whole line (a misspelt short title); else the capitalised words that
    end it, with a warning."""
    if whole_line and _only_words_of(before, set(guide.title_keys)):
        return 0
    cut = _short_title_start(before, guide)
    if cut is not None:
        return cut
    if whole_line and ends_line:
        return 0
    cut = _capitalised_run_start(before)
    warnings.append(f"page footer: took {before[cut:].strip()!r} for its short title "
                    f"(it matches neither the title nor another footer)")
    return cut


_SMALL = {"of", "and", "the", "for", "in", "on", "to", "a"}


def _capitalised_run_start(before: str) -> int:
    """Last resort: the run of capitalised words (small words between them allowed) that ends
    the text before a footer ('… to draft ECLT Malawi Project')."""
    words = list(_WORD_RE.finditer(before))
    start = len(before)
    for w in reversed(words):
        first = w.group()[:1]
        if first.isupper() or first.isdigit() or (w.group() in _SMALL and start < len(before)):
            start = w.start()
        else:
            break
    while start < len(before) and before[start:].split(maxsplit=1)[0] in _SMALL:
        start = before.index(" ", start) + 1
    return start


def _short_title_start(before: str, guide: _Guide) -> int | None:
    """Where the short title starts at the end of `before`: a short title printed in another
    footer of the document, else the longest run of words that opens the title. One word of it
    may be split ('Prot tocol'), as the footer's page number splits words."""
    words = _last_words(before, min(60, guide.longest + 1))    # one more: two may be one split word
    for tokens in _with_one_split_joined(words):
        cut = _title_tail_start(tokens, guide, before.strip())
        if cut is not None:
            return cut
    return None


def _only_words_of(text: str, keys: set[str]) -> bool:
    """Does the text hold words, every one made of these keys? (Word by word: the first word
    that is not stops the look.)"""
    words = text.split()
    return bool(words) and all(set(word_keys(w)) <= keys for w in words)


def _last_words(text: str, count: int) -> list[tuple[int, str]]:
    """The last `count` words of the text with where each starts."""
    words = text.rsplit(None, count)[-count:]
    out, pos = [], len(text)
    for w in reversed(words):
        pos = text.rfind(w, 0, pos)
        out.append((pos, w))
    return out[::-1]


def _with_one_split_joined(words: list[tuple[int, str]]):
    """The words as they are, then with one split word joined back: two words where the first
    ends in the letter the second starts with ('Prot' 'tocol' -> 'Protocol')."""
    tokens = [(start, word_keys(w)) for start, w in words]
    yield tokens
    for k in range(len(words) - 1, 0, -1):
        (s1, a), (_, b) = words[k - 1], words[k]
        if a[-1:].isalpha() and a[-1:].lower() == b[:1].lower():
            yield tokens[:k - 1] + [(s1, word_keys(a + b[1:]))] + tokens[k + 1:]


def _title_tail_start(tokens: list[tuple[int, list[str]]], guide: _Guide, own: str) -> int | None:
    """The start of the last tokens that spell a short title of another footer line (not the
    line `own` itself: the last line's text before its footer is no short title), the longest
    first; else of the longest run of them that opens the title."""
    flat: list[str] = []
    at = []                         # where each token's keys start in flat
    for _, keys in tokens:
        at.append(len(flat))
        flat.extend(keys)
    best: tuple[int, int] | None = None     # (length of the short title, its words)
    for n, table in guide.short.items():
        if n <= len(tokens):
            st = next((st for st in table.get(tuple(flat[at[-n]:]), ()) if st != own), None)
            if st is not None and (best is None or len(st) > best[0]):
                best = (len(st), n)
    if best:
        return tokens[-best[1]][0]
    for n in range(min(len(tokens), guide.title_words), 0, -1):
        tail = flat[at[-n]:]
        if tail and tail == guide.title_keys[:len(tail)]:
            return tokens[-n][0]
    return None
