"""Bytes to text: the first gate every file passes, and where non-summaries are turned away."""
from __future__ import annotations

import codecs
import re

from tcps.errors import TcpsError

# Control characters that never occur in extracted summary text (TAB, LF, CR and FF do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class Undecodable(TcpsError):
    """The bytes are not text; the message says why (``parse_bytes`` names the file)."""


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-16 where a byte order mark says so (Windows' "Unicode"),
    else UTF-8 first (a BOM dropped), else Windows-1252, the encoding of summaries saved by
    older Windows tools; anything with a NUL (anywhere: PostgreSQL stores no NUL, and a
    summary has none) or many other control characters is binary."""
    if not data.strip():
        raise Undecodable("empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise Undecodable("not text: damaged UTF-16") from None
        return _checked(text), encoding
    if b"\x00" in data:  # before decoding: a binary file is told at once
        raise Undecodable("binary file (NUL bytes)")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data":  # cut inside the last character: truncated
            return decode(data[:e.start])
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            raise Undecodable("not text: neither UTF-8 nor Windows-1252") from None
    return _checked(text), encoding


def _checked(text: str) -> str:
    """The text with its line ends made LF; Undecodable where it holds a NUL or more than
    a few other control characters."""
    if "\x00" in text:
        raise Undecodable("binary file (NUL bytes)")
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise Undecodable("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")
