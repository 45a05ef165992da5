"""Property-based: nothing a file can hold makes the parser raise anything but ParseError."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcps.errors import ParseError
from tcps.parse import parse_bytes
from tcps.record import Record
from corpus import corpus_files, page_files

SUMMARIES = [p.read_bytes() for p in corpus_files()]
FOOTER = b"\nShort Title, Page 1 of 2 U.S. Department of Labor, International Labor Affairs Bureau\n\n" \
         b"TECHNICAL COOPERATION PROJECT SUMMARY\n"
BULLETS = ["\u2022 ", "\uf0b7\t", "- ", "1. ", "; ", "<li>", "\t "]

settings.register_profile("tcps", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tcps")


def parses_or_refuses(data: bytes, name: str = "sample.txt") -> None:
    try:
        record = parse_bytes(data, name)
    except ParseError as e:
        assert str(e).startswith(f"{name}: ") and "\n" not in str(e)
        return
    assert isinstance(record, Record) and record.title
    record.to_dict()


@given(st.binary(max_size=3000))
def test_random_bytes(data):
    parses_or_refuses(data)


@given(st.text(max_size=3000))
def test_random_text(text):
    parses_or_refuses(text.encode("utf-8"))


@st.composite
def mutated(draw):
    """A corpus summary with lines deleted, duplicated, footers injected, whitespace and
    bullets changed, then cut at any byte."""
    lines = draw(st.sampled_from(SUMMARIES)).decode("utf-8").split("\n")
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "footer", "space", "bullet", "tab"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "footer":
            lines.insert(i, FOOTER.decode())
        elif op == "space":
            lines[i] = lines[i].replace(" ", draw(st.sampled_from(["  ", "\t", " \n "])), 3)
        elif op == "bullet":
            lines[i] = draw(st.sampled_from(BULLETS)) + lines[i].lstrip("\t•- ")
        else:
            lines[i] = "\t" + lines[i]
        if not lines:
            break
    data = "\n".join(lines).encode("utf-8")
    return data[:draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@given(mutated())
def test_mutated_summaries(data):
    parses_or_refuses(data)


def test_a_title_that_is_only_a_page_footer_is_no_title():
    """Found by test_mutated_summaries: the footer came off the title after the title was checked."""
    data = (b"PROJECT TITLE\n\nShort Title, Page 1 of 2 U.S. Department of Labor, International Labor "
            b"Affairs Bureau\n\nREGION/COUNTRY\n\nAFRICA/Rwanda\n")
    with pytest.raises(ParseError, match="no project title"):
        parse_bytes(data, "footer.txt")


@given(st.sampled_from(SUMMARIES), st.data())
def test_truncated_summary_keeps_its_title_and_warns(data, draw):
    """Cut anywhere between the middle and the contact's telephone number."""
    cut = draw.draw(st.integers(len(data) // 2, data.rindex(b"693-48")))
    record = parse_bytes(data[:cut], "cut.txt")
    assert record.title
    assert any("truncated" in w for w in record.warnings)


# ---- web pages -------------------------------------------------------------------------------

PAGES = [p.read_bytes() for p in page_files()]
MARKUP = [b"<", b">", b"</div>", b"<li>", b"<ul>", b"</ul>", b"<p>", b"<b>", b"<!--", b"-->", b"<h2>",
          b"<script>", b"&", b"\xe2\x80", b"\x92", b"<table><tr><td>"]


@st.composite
def mutated_page(draw):
    """A dev page with lines deleted or duplicated, markup inserted or removed, then maybe cut at
    any byte (inside a tag, an attribute, a comment or a character)."""
    lines = draw(st.sampled_from(PAGES)).split(b"\n")
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "strip"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(MARKUP)) + lines[i][at:]
        else:
            lines[i] = lines[i].replace(draw(st.sampled_from([b"<", b">", b"/", b'"'])), b"")
        if not lines:
            break
    data = b"\n".join(lines)
    return data[:draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@given(mutated_page())
def test_mutated_pages(data):
    parses_or_refuses(data, "sample.html")


@given(st.sampled_from(PAGES), st.data())
def test_page_cut_anywhere_gives_a_record_or_a_parse_error(data, draw):
    parses_or_refuses(data[:draw.draw(st.integers(0, len(data)))], "sample.html")


@given(st.text(max_size=2000))
def test_random_text_after_an_html_start(text):
    parses_or_refuses(b"<!DOCTYPE html><html><body>" + text.encode("utf-8"), "sample.html")


LABELS = ["PROJECT TITLE", "ILAB PROGRAM", "REGION/COUNTRY", "PROJECT DURATION",
          "FISCAL YEAR & FUNDING LEVEL", "PROBLEM TO BE ADDRESSED", "RESULTS", "PROJECT OBJECTIVES",
          "SUMMARY OF ACTIVITIES", "GRANTEE", "IMPLEMENTING PARTNERS", "CONTACT INFORMATION"]


@pytest.mark.parametrize("text", [
    "PROJECT TITLE\tA Title\n" + "RESULTS\tThe project reached 5 children.\n" * 20_000,
    "".join(f"{LABELS[i % 12]}\tValue {i}\n" for i in range(20_000)),
    "PROJECT TITLE A Title " + " ".join(f"{LABELS[i % 12]} Value" for i in range(20_000)),
], ids=["one label repeated", "every label in turn", "flattened"])
def test_a_hostile_file_of_repeated_labels_parses_in_linear_time(text):
    """20,000 label lines: the chain of labels is found in time linear in its candidates (the
    quadratic pass took over a minute here). CPU time, so that a loaded machine does not fail it."""
    start = time.process_time()
    record = parse_bytes(text.encode(), "sample.txt")
    assert time.process_time() - start < 2.0
    assert record.title
