"""Every corpus summary, and every one of our own in tests/summaries, parses to its gold record
exactly, with no warnings but those its gold file lists under "warnings".

Parametrised over the folder: a new gold file is a new test without a code change.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from tcps.parse import parse_file
from tcps.record import Record
from corpus import CORPUS, DATA, gold_files
from fields import differing_fields


@pytest.mark.parametrize("path", gold_files(), ids=lambda p: p.stem)
def test_summary_matches_gold(path):
    gold = Record.from_dict(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
    record = parse_file(path)
    assert record.warnings == gold.warnings
    assert record.to_dict() == gold.to_dict()  # a version-1 gold without summary/strategy/url means null


def test_seeds_in_data_are_the_corpus_seeds():
    """data/ holds the two real seeds byte for byte (their records are the seed golds)."""
    seeds = {p.read_bytes() for p in CORPUS.glob("seed_*.txt")}
    assert {p.read_bytes() for p in DATA.glob("*.txt")} == seeds


def test_the_installed_command_prints_every_gold_field():
    """`tcps parse --format jsonl`, run as a user runs it, prints each gold record field for
    field (tests/fields.py), one line per file in the order given."""
    files = gold_files()
    out = subprocess.run(["tcps", "parse", "--format", "jsonl", *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    printed = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(printed) == len(files)
    wrong = {path.name: fields
             for path, got in zip(files, printed, strict=True)
             if (fields := differing_fields(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")),
                                            got))}
    assert wrong == {}
