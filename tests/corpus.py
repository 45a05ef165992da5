"""Where the test corpus lives: tests/corpus, the development summaries with their gold records."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DATA = ROOT / "data"
# Our own summaries with gold records: other projects, countries and quirks than the corpus's.
OURS = ROOT / "tests" / "summaries"
# The dev web pages (a copy of shared/corpus-html) and our own held-out pages, with gold records.
PAGES = ROOT / "tests" / "pages"
OWN_PAGES = ROOT / "tests" / "own_pages"


def corpus_files() -> list[Path]:
    """Every summary of the corpus that has a gold record beside it."""
    return sorted(p for p in CORPUS.glob("*.txt") if p.with_suffix(".json").exists())


def gold_files() -> list[Path]:
    """The corpus and our own summaries: every text with its gold record."""
    return corpus_files() + sorted(p for p in OURS.glob("*.txt") if p.with_suffix(".json").exists())


def page_files() -> list[Path]:
    """Every web page with a gold record: the dev pages, then our own."""
    return [p for d in (PAGES, OWN_PAGES) for p in sorted(d.glob("*.htm*"))
            if p.with_suffix(".json").exists()]
