"""Where the shared corpus lives: beside the clone, as in CI (../shared/corpus)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
DATA = ROOT / "data"


def corpus_files() -> list[Path]:
    """Every summary of the corpus that has a gold record beside it."""
    return sorted(p for p in CORPUS.glob("*.txt") if p.with_suffix(".json").exists())
