"""Parse rate: summaries per second through tcps.parse.parse_bytes, no database.

    python benchmarks/parse_rate.py                # text: the corpus's .txt summaries
    python benchmarks/parse_rate.py --pdf          # also PDF: the corpus's gold records drawn
                                                   # as PDFs (needs the test extra: fpdf2)

Files are read into memory first, so the figures are the parser's alone (PDF: the glyph
extraction, the layout rebuild and the text parser). Each figure repeats the whole set until
at least --seconds have passed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def rate(documents: list[bytes], seconds: float) -> float:
    """Summaries parsed per second, over whole rounds of the documents."""
    from tcps.parse import parse_bytes

    done, start = 0, time.perf_counter()
    while True:
        for data in documents:
            parse_bytes(data)
        done += len(documents)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def text_summaries() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CORPUS.glob("*.txt"))]


def pdf_summaries() -> list[bytes]:
    """The corpus's gold records drawn as PDF summaries, as the test suite draws them."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pdf_summaries import draw_summary

    return [draw_summary(json.loads(p.read_text(encoding="utf-8")), p.stem).data
            for p in sorted(CORPUS.glob("*.json"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pdf", action="store_true", help="also measure PDF summaries")
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum time per figure")
    a = ap.parse_args()
    sets = [("text", text_summaries())] + ([("pdf", pdf_summaries())] if a.pdf else [])
    for kind, documents in sets:
        print(f"{kind:5} {rate(documents, a.seconds):8.1f} summaries/s  ({len(documents)} summaries per round)")


if __name__ == "__main__":
    main()
