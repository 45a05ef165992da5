"""Parse rate: summaries per second on one core, in one process.

    python benchmarks/parse_rate.py [FOLDER ...] [--rounds 20]
    python benchmarks/parse_rate.py --pdf [FOLDER ...] [--rounds 3]

Parses every summary of the folders (default: tests/corpus) `--rounds` times after one warm-up
round (the country table and regular expressions are built once per process) and prints the rate,
then the same for the project web pages with gold records in tests/pages and tests/own_pages
(D2, D1 and H layouts, 3-51 KB, as saved by browsers, archives and mirrors).
With --pdf the summaries are PDF summaries drawn the way the test suite draws them
(tests/pdf_summaries.py; needs the test extra): as many records as each folder has gold records
(*.json), generated from them, parsed from memory.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tcps.parse import parse_bytes

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "corpus"
PAGES = [ROOT / "tests" / "pages", ROOT / "tests" / "own_pages"]


def pdf_summaries(folders: list[Path]) -> list[tuple[Path, bytes]]:
    """Records generated from the folders' gold records, drawn as PDF summaries (not timed)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pdf_summaries import draw_summary, synthetic_records

    return [(d / f"{name}.pdf", draw_summary(record, name).data) for d in folders
            for name, record in synthetic_records(len(list(d.glob("*.json"))), d).items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, default=[DEFAULT])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--glob", default="*.txt")
    ap.add_argument("--pdf", action="store_true", help="parse the gold records drawn as PDFs")
    args = ap.parse_args()
    if args.pdf:
        files = pdf_summaries(args.folders)
    else:
        files = [(p, p.read_bytes()) for d in args.folders for p in sorted(d.glob(args.glob))]
    print(rate(files, args.rounds, "summaries"))
    if not args.pdf:
        print(rate(web_pages(), args.rounds, "web pages"))


def web_pages() -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for d in PAGES for p in sorted(d.glob("*.htm*"))
            if p.with_suffix(".json").exists()]


def rate(files: list[tuple[Path, bytes]], rounds: int, what: str) -> str:
    for path, data in files:
        parse_bytes(data, path)
    start = time.process_time()
    for _ in range(rounds):
        for path, data in files:
            parse_bytes(data, path)
    spent = time.process_time() - start
    n = len(files) * rounds
    return (f"{n} parses of {len(files)} {what} in {spent:.2f} s CPU: "
            f"{n / spent:,.0f} {what}/s on one core")


if __name__ == "__main__":
    main()
