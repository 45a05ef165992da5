"""Parse rate: summaries per second on one core, in one process.

    python benchmarks/parse_rate.py [FOLDER ...] [--rounds 20]

Parses every summary of the folders (default: ../shared/corpus) `--rounds` times after one warm-up
round (the country table and regular expressions are built once per process) and prints the rate.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from tcps.parse import parse_bytes

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, default=[DEFAULT])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--glob", default="*.txt")
    args = ap.parse_args()
    files = [(p, p.read_bytes()) for d in args.folders for p in sorted(d.glob(args.glob))]
    for path, data in files:
        parse_bytes(data, path)
    start = time.process_time()
    for _ in range(args.rounds):
        for path, data in files:
            parse_bytes(data, path)
    spent = time.process_time() - start
    n = len(files) * args.rounds
    print(f"{n} parses of {len(files)} summaries in {spent:.2f} s CPU: {n / spent:,.0f} summaries/s on one core")


if __name__ == "__main__":
    main()
