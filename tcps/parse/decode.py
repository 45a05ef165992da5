"""Bytes to text: the first gate every file passes, and where non-summaries are turned away."""
from __future__ import annotations

import codecs
import re

from tcps.errors import TcpsError

# Control characters that never occur in extracted summary text (TAB, LF, CR and FF do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The same as bytes, and every other byte: in UTF-8 and Windows-1252 each of these characters is
# the one byte of its value, so they are counted in the bytes: bytes.translate deletes the rest
# in one C loop, where the pattern tests the text character by character.
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


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
        return _checked(text, len(_CONTROL.findall(text))), encoding
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
    return _checked(text, len(data.translate(None, _NOT_CONTROL))), encoding


def _checked(text: str, controls: int) -> str:
    """The text with its line ends made LF; Undecodable where it holds a NUL or more than
    a few other control characters (it holds `controls` of them)."""
    if "\x00" in text:
        raise Undecodable("binary file (NUL bytes)")
    if controls > max(2, len(text) // 1000):
        raise Undecodable("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")
