"""`tcps parse` through click's CliRunner: formats, bad input, exit codes."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tcps.cli import cli
from corpus import CORPUS, DATA

SEED = sorted(DATA.glob("*.txt"))[0]


def run(*args):
    return CliRunner().invoke(cli, ["parse", *map(str, args)])


def test_json_one_object_for_one_file_an_array_for_several():
    one = run(SEED)
    assert one.exit_code == 0
    assert json.loads(one.stdout)["title"].startswith("COMBATING TRAFFICKING")
    both = run(*sorted(DATA.glob("*.txt")))
    assert [r["source"]["pages"] for r in json.loads(both.stdout)] == [2, 2]


def test_jsonl_and_text_formats():
    lines = run(*sorted(DATA.glob("*.txt")), "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(x)["countries"] for x in lines)
    text = run(SEED, "--format", "text").stdout
    assert "countries:  ALB, MDA, ROU, UKR" in text and text.rstrip().endswith("warnings:   none")


@pytest.fixture
def bad_files(tmp_path):
    seed = SEED.read_bytes()
    files = {
        "empty.txt": (b"", "empty file"),
        "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
        "notes.txt": (b"Shopping list\nmilk\neggs\n", "not a project summary"),
        "untitled.txt": (seed.replace(b"PROJECT TITLE\t", b"").replace(b"COMBATING TRAFFICKING", b"X"),
                         "no project title"),
    }
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path, {name: reason for name, (_, reason) in files.items()}


def test_bad_files_get_one_line_each_and_the_good_still_parse(bad_files):
    folder, reasons = bad_files
    result = run(*sorted(folder.iterdir()), SEED, "--format", "jsonl")
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(reasons)
    for line in errors:
        name = next(n for n in reasons if f"{n}: " in line)
        assert reasons[name] in line and str(folder / name) in line
    assert [json.loads(x)["title"][:9] for x in result.stdout.splitlines()] == ["COMBATING"]


def test_missing_file_is_a_clear_error(tmp_path):
    result = run(tmp_path / "nope.txt")
    assert result.exit_code == 1 and "nope.txt: No such file" in result.stderr


def test_windows_1252_summary_parses_like_its_utf8_original(tmp_path):
    source = CORPUS / "dev_01_central_america_dominican_republic.txt"
    path = tmp_path / "cp1252.txt"
    path.write_bytes(source.read_text(encoding="utf-8").encode("cp1252"))
    got, want = (json.loads(run(p).stdout) for p in (path, source))
    assert got.pop("warnings") == ["not UTF-8: decoded as windows-1252"]
    assert got.pop("source") != want.pop("source")
    want.pop("warnings")
    assert got == want


def test_truncated_summary_yields_what_it_has_with_a_warning(tmp_path):
    data = SEED.read_bytes()
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:data.index(b"SUMMARY OF ACTIVITIES") + 90])
    result = run(path)
    record = json.loads(result.stdout)
    assert result.exit_code == 0
    assert record["title"] and record["results"] and len(record["activities"]) == 1
    assert any("truncated" in w for w in record["warnings"])
