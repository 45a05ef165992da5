"""Small text helpers shared by the field parsers."""
from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^<>]*>")
_KEY = re.compile(r"[0-9a-z]+")


def collapse(text: str | None) -> str | None:
    """Whitespace runs to one space, trimmed; None for nothing at all."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def replaced(text: str, matches: list[re.Match], by: str) -> str:
    """The text with each of the matches (in order, apart) replaced: ``pattern.sub(by, text)``
    where the matches are ``pattern.finditer(text)``, which the caller has already."""
    if not matches:
        return text
    pieces, pos = [], 0
    for m in matches:
        pieces += [text[pos:m.start()], by]
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces)


def strip_html(text: str) -> str:
    """Tags left in the text by the PDF-to-HTML step of older summaries go; entities decode."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_TAG.sub(" ", text))


def word_keys(text: str) -> list[str]:
    """The words of a text compared without case, accents or punctuation ('Côte d’Ivoire' ->
    cote, d, ivoire): how a short title or a country's name is matched."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)
    return _KEY.findall(text.casefold())


class _CombiningMarks(dict):
    """A str.translate table that deletes combining marks, each code point judged the first time
    a text holds it: the whole table, built at once, cost 24 ms a process (65,536 look-ups)."""

    def __missing__(self, code_point: int) -> int | None:
        kept = None if unicodedata.combining(chr(code_point)) else code_point
        self[code_point] = kept
        return kept


_COMBINING_MARKS = _CombiningMarks()
