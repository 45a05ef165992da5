"""PDF summaries: text rebuilt from the page layout, and the errors of unreadable PDFs.

The PDFs are made here from records the benchmark's generator recombines from the corpus
(tests/pdf_summaries.py), once per session: a header in the top band, labels in a left column,
a footer on every page, lists breaking across pages.
"""
from __future__ import annotations

import hashlib
import json
import re

import pytest
from click.testing import CliRunner
from fpdf import FPDF
from PIL import Image

from pdf_summaries import BODY_TOP, LABEL_START_RE, LEFT, VALUE_X, draw_summary, synthetic_records
from tcps.cli import cli
from tcps.errors import ParseError
from tcps.parse import parse_file
from tcps.parse.pdf import extract_text
from tcps.record import Record, Source

RECORDS = synthetic_records(20)
FURNITURE = re.compile(r"Page \d+ of \d+|International Labor Affairs Bureau|"
                       r"TECHNICAL COOPERATION PROJECT SUMMARY")


@pytest.fixture(scope="session")
def summary_pdfs(tmp_path_factory):
    """{name: (DrawnPdf, path)} for every synthetic record; every fourth has a page end in
    its partners (a short list, rarely broken by the page length alone)."""
    folder = tmp_path_factory.mktemp("pdf_summaries")
    out = {}
    for i, (name, record) in enumerate(RECORDS.items()):
        drawn = draw_summary(record, name, break_in="partners" if i % 4 == 0 else None)
        path = folder / f"{name}.pdf"
        path.write_bytes(drawn.data)
        out[name] = (drawn, path)
    return out


@pytest.fixture(scope="session")
def bad_pdfs(tmp_path_factory, summary_pdfs):
    """{kind: path} of PDFs that are no readable summary."""
    folder = tmp_path_factory.mktemp("bad_pdfs")
    scan = FPDF(unit="pt", format="letter")
    scan.add_page()
    scan.image(Image.new("L", (170, 220), 255), x=LEFT, y=BODY_TOP, w=500)
    locked = one_line_pdf("PROJECT TITLE", "Locked Project", owner_password="o", user_password="u")
    good = next(iter(summary_pdfs.values()))[0].data
    paths = {"scan": bytes(scan.output()), "encrypted": locked, "truncated": good[: len(good) // 2]}
    for kind, data in paths.items():
        (folder / f"{kind}.pdf").write_bytes(data)
    return {kind: folder / f"{kind}.pdf" for kind in paths}


def one_line_pdf(label: str, value: str, owner_password: str | None = None,
                 user_password: str | None = None, extra: list[tuple[float, float, str]] = ()) -> bytes:
    """A one-page PDF with one label row and text at the given (x, baseline) positions."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.core_fonts_encoding = "windows-1252"    # the bullet
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for x, y, text in [(LEFT, 100, label), (VALUE_X, 100, value), *extra]:
        pdf.text(x, y, text)
    return bytes(pdf.output())


def test_generated_pdfs_look_like_the_originals(summary_pdfs):
    """The test material itself: one page and several, and lists broken across pages."""
    drawn = [d for d, _ in summary_pdfs.values()]
    assert {1, 2, 3} <= {d.pages for d in drawn}
    assert {"objectives", "activities", "partners"} <= {f for d in drawn for f in d.broken}


@pytest.mark.parametrize("stem", RECORDS)
def test_text_is_rebuilt_line_for_line(summary_pdfs, stem):
    """Every printed line comes back in the P1 TAB layout: the whole label at the line start
    (joined where it was folded over two rows), its value after a TAB, nothing of the page
    header or footer; the page count is the PDF's."""
    drawn, path = summary_pdfs[stem]
    pdf = extract_text(path.read_bytes(), path)
    assert pdf.pages == drawn.pages
    assert not FURNITURE.search(pdf.text)
    assert pdf.text == drawn.expected_text


@pytest.mark.parametrize("stem", RECORDS)
def test_pdf_parses_to_the_record_of_its_text(summary_pdfs, stem):
    """The record it was drawn from, apart from the source: the PDF's bytes and page count."""
    drawn, path = summary_pdfs[stem]
    record = parse_file(path)
    gold = Record.from_dict(RECORDS[stem])
    gold.source = Source(sha256=hashlib.sha256(drawn.data).hexdigest(), pages=drawn.pages)
    assert record.to_dict(warnings=False) == gold.to_dict(warnings=False)
    assert record.warnings == []


def test_labels_start_lines(summary_pdfs):
    """Each field's label opens a line of its own, never inside a value line."""
    for _drawn, path in summary_pdfs.values():
        text = extract_text(path.read_bytes(), path).text
        label_lines = [line for line in text.splitlines() if not line.startswith("\t")]
        assert label_lines and all(LABEL_START_RE.match(line) for line in label_lines)


def test_furniture_is_known_by_position_not_wording():
    """Odd footer wording in the bottom band goes; footer-like words in the body stay."""
    data = one_line_pdf("RESULTS", "The project reached 50 children.", extra=[
        (VALUE_X, 114, "See Page 2 of 3 of the annex."),
        (LEFT, 770, "Draft for internal review, sheet one"),
        (LEFT, 30, "Some other letterhead"),
    ])
    text = extract_text(data, "x.pdf").text
    assert text == "RESULTS\tThe project reached 50 children.\n\tSee Page 2 of 3 of the annex.\n"


def test_sub_bullets_are_indented_by_their_level():
    """A bullet at the value column is level 0 (here only on the label's row), one further
    right level 1: two spaces, as in the text summaries."""
    data = one_line_pdf("SUMMARY OF ACTIVITIES", "• Trained teachers", extra=[
        (VALUE_X + 18, 114, "• in ten schools"), (VALUE_X, 128, "and built wells")])
    assert extract_text(data, "x.pdf").text == (
        "SUMMARY OF ACTIVITIES\t• Trained teachers\n\t  • in ten schools\n\tand built wells\n")


def hand_made_pdf(content: str) -> bytes:
    """A one-page Letter PDF with this content stream and Helvetica as /F1, written by hand:
    the way other producers print text (TJ arrays, offsets instead of spaces)."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_a_row_printed_as_one_text_operator_is_split_into_label_and_value():
    """Label and value in one TJ, the value moved into its column by an offset; words of the
    next row set apart by offsets, with no space characters. (The label is 76.68 pt wide at
    x = 54; an offset of 5932/1000 of 10 pt puts the value at x = 190.)"""
    data = hand_made_pdf(
        "BT /F1 10 Tf 54 692 Td [(PROJECT TITLE) -5932 (Child Labor Project)] TJ ET\n"
        "BT /F1 10 Tf 190 680 Td [(in) -300 (Central) -300 (Asia)] TJ ET")
    assert extract_text(data, "x.pdf").text == "PROJECT TITLE\tChild Labor Project\n\tin Central Asia\n"


def test_a_pdf_with_an_owner_password_only_is_read():
    """Encrypted for permissions only (no password to open): readable like any PDF."""
    data = one_line_pdf("PROJECT TITLE", "Open Project", owner_password="owner",
                        extra=[(VALUE_X, 114, "second line")])
    assert extract_text(data, "x.pdf").text == "PROJECT TITLE\tOpen Project\n\tsecond line\n"


@pytest.mark.parametrize("kind, reason", [
    ("scan", "no text layer"),
    ("encrypted", "encrypted PDF: it needs a password"),
    ("truncated", "truncated or damaged PDF"),
])
def test_unreadable_pdfs_get_a_clear_error(bad_pdfs, kind, reason):
    path = bad_pdfs[kind]
    with pytest.raises(ParseError) as err:
        extract_text(path.read_bytes(), path)
    assert err.value.path == str(path)
    assert reason in err.value.reason and "\n" not in str(err.value)


def test_parse_reports_bad_pdfs_and_parses_the_good_ones(summary_pdfs, bad_pdfs):
    """A folder of good and bad PDFs: a record per good PDF, one stderr line per bad one."""
    good = [path for _, path in list(summary_pdfs.values())[:3]]
    files = sorted([*good, *bad_pdfs.values()])
    result = CliRunner().invoke(cli, ["parse", "--format", "jsonl", *map(str, files)])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert sorted(errors) == sorted(f"error: {path}: {extract_error(path)}" for path in bad_pdfs.values())
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"]["sha256"] for r in records] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p in good]


def extract_error(path) -> str:
    with pytest.raises(ParseError) as err:
        extract_text(path.read_bytes(), path)
    return err.value.reason


@pytest.fixture
def pdf_folder(tmp_path, summary_pdfs, bad_pdfs):
    """A folder of three good PDF summaries (one misnamed .txt: a PDF is known by its bytes),
    and the bad PDFs beside them in a subfolder."""
    folder = tmp_path / "summaries"
    (folder / "bad").mkdir(parents=True)
    for (drawn, path), suffix in zip(summary_pdfs.values(), [".pdf", ".pdf", ".txt"], strict=False):
        (folder / path.name).with_suffix(suffix).write_bytes(drawn.data)
    for path in bad_pdfs.values():
        (folder / "bad" / path.name).write_bytes(path.read_bytes())
    return folder


def test_load_and_refresh_take_pdfs(db_url, pdf_folder):
    """`tcps load` loads the good PDFs of a folder, each as its parse gives it (the PDF's
    sha256 and pages), and reports each bad one in a line; `tcps refresh` reports the bad ones
    on every run and, from its second run on, finds the good ones unchanged."""
    import sqlalchemy as sa

    from golds import record_from_db
    from tcps.load import find_project_id

    good = sorted(p for p in pdf_folder.iterdir() if p.is_file())
    bad = sorted((pdf_folder / "bad").iterdir())
    result = CliRunner().invoke(cli, ["load", "--db", db_url, str(pdf_folder)])
    assert result.exit_code == 1
    assert sorted(result.stderr.splitlines()) == sorted(f"error: {p}: {extract_error(p)}" for p in bad)
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        for path in good:
            record = parse_file(path)
            assert record.source.pages == extract_text(path.read_bytes()).pages
            assert record_from_db(conn, find_project_id(conn, record.title)).to_dict() == record.to_dict()
        assert set(conn.execute(sa.text("SELECT format FROM source_documents")).scalars()) == {"pdf"}
    engine.dispose()

    for _ in range(2):
        result = CliRunner().invoke(cli, ["refresh", "--db", db_url, "--json", str(pdf_folder)])
        assert result.exit_code == 1
        assert len(result.stderr.splitlines()) == len(bad)
        counts = json.loads(result.stdout)["counts"]
        assert counts["failed"] == len(bad) and counts["seen"] == len(good) + len(bad)
    assert counts["unchanged"] == len(good)
