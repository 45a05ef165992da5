"""How much a PDF decodes to, told before pdfminer decodes it (``tcps.parse.pdf``'s limit).

zlib inflates a MiB to a GiB, LZW nearly as much, and pdfminer decodes a whole stream at once
when a page needs it. So every stream is first run through its filters with the output capped
at what is left of the limit, and the PDF is refused when they add up to more.
"""
from __future__ import annotations

import io
import zlib


class TooLarge(Exception):
    """What the PDF decodes to is more than the limit; the message says what it is."""


def check_decoded_size(document, max_size: int) -> None:
    """Raise TooLarge when the document's streams decode to more than ``max_size`` bytes in
    all (counted before pdfminer decodes any of them)."""
    from pdfminer.pdftypes import PDFStream

    left = max_size
    for xref in document.xrefs:
        for objid in xref.get_objids():
            try:
                stream = document.getobj(objid)
                if isinstance(stream, PDFStream) and stream.rawdata is not None:
                    left -= decoded_size(stream, left)
            except Exception:  # damaged: pdfminer says so if a page needs it
                continue
            if left < 0:
                raise TooLarge("its streams inflated")


def decoded_size(stream, limit: int) -> int:
    """How many bytes the stream's filters make of it, counted up to ``limit + 1``: the filters
    that can inflate it a thousandfold (Flate, LZW) are run with their output capped there, the
    ASCII ones (which shrink it) as pdfminer runs them, run-length encoding (at most 64 times)
    only measured. An image's filters end the count: pdfminer does not decode images for text."""
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import LZWDecoder
    from pdfminer.pdftypes import (LITERALS_ASCII85_DECODE, LITERALS_ASCIIHEX_DECODE,
                                   LITERALS_FLATE_DECODE, LITERALS_LZW_DECODE,
                                   LITERALS_RUNLENGTH_DECODE)

    data = stream.rawdata
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for kind, _ in stream.get_filters():
        if kind in LITERALS_FLATE_DECODE:
            data = zlib.decompressobj().decompress(data, limit + 1)
        elif kind in LITERALS_LZW_DECODE:
            out = bytearray()
            for chunk in LZWDecoder(io.BytesIO(data)).run():
                out += chunk
                if len(out) > limit:
                    break
            data = bytes(out)
        elif kind in LITERALS_ASCII85_DECODE:
            data = ascii85decode(data)
        elif kind in LITERALS_ASCIIHEX_DECODE:
            data = asciihexdecode(data)
        elif kind in LITERALS_RUNLENGTH_DECODE:
            return _run_length_size(data)
        else:
            break
    return len(data)


def _run_length_size(data: bytes) -> int:
    """The length of run-length encoded ``data`` decoded (PDF's RunLengthDecode)."""
    size = at = 0
    while at < len(data) and data[at] != 128:
        n = data[at]
        size, at = (size + n + 1, at + n + 2) if n < 128 else (size + 257 - n, at + 2)
    return size
