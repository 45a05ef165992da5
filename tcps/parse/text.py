"""Small text helpers shared by the field parsers."""
from __future__ import annotations

import html
import re
import unicodedata

_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^<>]*>")


def collapse(text: str | None) -> str | None:
    """Whitespace runs to one space, trimmed; None for nothing at all."""
    if text is None:
        return None
    text = _WS.sub(" ", text).strip()
    return text or None


def strip_html(text: str) -> str:
    """Tags left in the text by the PDF-to-HTML step of older summaries go; entities decode."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_TAG.sub(" ", text))


def word_keys(text: str) -> list[str]:
    """The words of a text compared without case, accents or punctuation ('Côte d’Ivoire' ->
    cote, d, ivoire): how a short title or a country's name is matched."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[0-9a-z]+", text.casefold())
