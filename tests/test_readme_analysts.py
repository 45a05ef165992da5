"""The README's "For analysts" examples print what the README says they print.

Each ``console`` block of that section is a list of ``$ tcps ...`` commands, each followed by
its output. They run, as the README says, against the database the quick start builds from
data/: a ``tcps.db`` in the working directory.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from golds import DATA, ROOT
from tcps.cli import cli


def readme_examples() -> list[tuple[str, str]]:
    """(command line, expected output) for every example of the section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## For analysts\n", 1)[1].split("\n## ", 1)[0]
    examples = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for command in re.split(r"^\$ ", block, flags=re.M)[1:]:
            line, _, output = command.partition("\n")
            examples.append((line, output))
    return examples


def test_the_section_has_examples_of_every_command() -> None:
    commands = [shlex.split(line)[:2] for line, _ in readme_examples()]
    assert {"sql", "search", "export"} <= {c[1] for c in commands}
    assert all(c[0] == "tcps" for c in commands)


def test_readme_examples_print_what_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TCPS_DATABASE_URL", raising=False)
    assert CliRunner().invoke(cli, ["load", str(DATA)]).exit_code == 0
    for line, expected in readme_examples():
        result = CliRunner().invoke(cli, shlex.split(line)[1:])
        assert result.output == expected, line
