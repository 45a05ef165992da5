"""Bytes to text: the first gate every file passes, and where non-summaries are turned away."""
from __future__ import annotations

import re

from tcps.errors import TcpsError

# Control characters that never occur in extracted summary text (TAB, LF, CR and FF do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class Undecodable(TcpsError):
    """The bytes are not text; the message says why (``parse_bytes`` names the file)."""


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first (a BOM dropped), else Windows-1252, the encoding of
    summaries saved by older Windows tools; anything with NUL or other control bytes is binary."""
    if not data.strip():
        raise Undecodable("empty file")
    if b"\x00" in data[:4096]:
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
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise Undecodable("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
