"""Project web pages (HTML): the dev pages and our own held-out pages parse to their golds with no
warnings; chrome never reaches a record; bad pages, truncation and decoding; the CLI."""
from __future__ import annotations

import codecs
import json
import subprocess
import time

import pytest

from tcps.errors import ParseError
from tcps.parse import parse_bytes, parse_file
from tcps.record import Record
from corpus import OWN_PAGES, PAGES, page_files

# Chrome of each way of saving seen in the pages: banner, skip links, menus, breadcrumbs, search,
# print/share tools, icon text, sidebars, the Resources list, archive toolbars, mirror bars, footer.
CHROME = ["official website", "Skip to", "Topics", "Print", "Share", "puzzle piece", "strategy icon",
          "Stories from the Field", "Resources", "Project Summary (PDF)", "archived copy", "Wayback",
          "End of Term", "Mirror", "HTTrack", "Offline copy", "Google Translate", "Original text",
          "Frances Perkins", "1-866", "Privacy", "cookies", "Find a Project", "You are here", "Related"]


def small_page(content: str) -> Record:
    """A page whose main content is a title, a problem and `content`, parsed."""
    return parse_bytes(("<!DOCTYPE html><html><body><main><h1>A Project</h1><h2>The Problem</h2><p>x</p>"
                        + content + "</main></body></html>").encode(), "p.html")


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.stem)
def test_page_matches_gold(path):
    gold = Record.from_dict(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
    record = parse_file(path)
    assert record.warnings == []
    assert record.to_dict() == gold.to_dict()


@pytest.mark.parametrize("path", page_files(), ids=lambda p: p.stem)
def test_no_chrome_in_any_field(path):
    fields = json.dumps(parse_file(path).to_dict(warnings=False), ensure_ascii=False)
    assert [c for c in CHROME if c in fields] == []


@pytest.mark.parametrize("path", sorted([*PAGES.glob("bad_*.html"), *OWN_PAGES.glob("bad_*.html")]),
                         ids=lambda p: p.stem)
def test_bad_page_is_refused_with_one_line(path, tmp_path):
    """As each .expect says: exit 1, one error line naming the file, nothing on stdout."""
    out = subprocess.run(["tcps", "parse", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("\n") == 1
    assert out.stderr.startswith(f"error: {path}: not a project summary")


def test_cli_reads_a_page_whatever_its_suffix(tmp_path):
    """A page is known by its content: saved as .txt or with no suffix it parses the same."""
    page = PAGES / "d2_01_clear.html"
    for name in ("page.txt", "page"):
        (tmp_path / name).write_bytes(page.read_bytes())
    out = subprocess.run(["tcps", "parse", str(page), str(tmp_path / "page.txt"), str(tmp_path / "page")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert len({json.dumps(r) for r in records}) == 1 and records[0]["summary"].startswith("CLEAR offers")


def test_page_cut_inside_a_tag_keeps_its_fields_and_warns():
    data = (PAGES / "d2_01_clear.html").read_bytes()
    cut = data[:data.index(b'<h2 class="field__label">Results') + 12]
    record = parse_bytes(cut, "cut.html")
    assert record.title.startswith("Country Level Engagement") and record.objectives and record.activities
    assert record.results is None and record.contact.office is None
    assert record.warnings == ["the page is truncated: it ends before its closing </html> tag"]
    assert "field__label" not in json.dumps(record.to_dict())


def test_page_cut_before_its_fields_is_refused():
    data = (PAGES / "d2_01_clear.html").read_bytes()
    with pytest.raises(ParseError, match="not a project summary"):
        parse_bytes(data[:data.index(b"<main")], "cut.html")


def test_charset_declared_else_utf8_else_windows_1252_with_a_warning():
    body = "<h1>Child Labor in Coffee</h1><p>Project Duration: 2010 – 2012</p><h2>The Problem</h2>" \
           "<p>Coffee farms employ children’s labor.</p><h2>Results</h2><p>None yet.</p>"
    declared = f'<!DOCTYPE html><html><head><meta charset="windows-1252"></head><body>{body}</body></html>'
    undeclared = f"<!DOCTYPE html><html><body>{body}</body></html>"
    for data, warnings in ((declared.encode("cp1252"), []), (undeclared.encode("utf-8"), []),
                           (undeclared.encode("cp1252"), ["the page is not utf-8: read as windows-1252"])):
        record = parse_bytes(data, "p.html")
        assert record.problem == "Coffee farms employ children’s labor."
        assert (record.start_date, record.end_date) == ("2010", "2012")
        assert record.warnings == warnings


def test_url_canonical_as_written_else_og_url_else_none():
    body = "<body><h1>A Project</h1><h2>The Problem</h2><p>x</p><h2>Results</h2><p>y</p></body></html>"
    head = '<!DOCTYPE html><html><head>{}</head>'
    both = '<link rel="canonical" href="/a/b"><meta property="og:url" content="https://x.org/c">'
    og = '<link rel="shortlink" href="https://x.org/node/1"><meta property="og:url" content="https://x.org/c">'
    assert parse_bytes((head.format(both) + body).encode(), "p.html").source.url == "/a/b"
    assert parse_bytes((head.format(og) + body).encode(), "p.html").source.url == "https://x.org/c"
    assert parse_bytes((head.format("") + body).encode(), "p.html").source.url is None


def test_unplaced_main_content_is_a_warning():
    page = ("<!DOCTYPE html><html><body><main><h1>A Project</h1><p>Stray words of the content.</p>"
            "<h2>The Problem</h2><p>x</p><h2>Results</h2><p>y</p></main></body></html>")
    assert parse_bytes(page.encode(), "p.html").warnings == [
        "text before the first label not placed: 'Stray words of the content.'"]


def test_a_list_item_is_one_item_whatever_its_semicolons():
    record = small_page("<h2>Our Strategy</h2><p>Prose.</p><p>Intermediate objectives:</p>"
                        "<ul><li>Schools built; teachers trained;</li><li>Laws passed</li></ul>"
                        "<p>Summary of Activities:</p>"
                        "<p>Trained inspectors; built schools; and paid fees.</p>")
    assert [o.text for o in record.objectives] == ["Schools built; teachers trained", "Laws passed"]
    assert [a.text for a in record.activities] == ["Trained inspectors", "built schools", "paid fees."]
    assert record.strategy == "Prose."


def test_text_format_shows_what_a_page_adds():
    out = subprocess.run(["tcps", "parse", str(PAGES / "d1_07_bridge_forced_labor.html"), "--format", "text"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert next(x for x in lines if x.startswith("summary:")).startswith("summary:    Working globally")
    assert any(x.startswith("strategy:   ") and x != "strategy:   -" for x in lines)
    assert "url https://www.dol.gov/agencies/ilab/" in next(x for x in lines if x.startswith("source:"))


def test_heading_elements_head_lists_without_a_colon():
    record = small_page("<h2>Our Strategy</h2><p>Prose.</p><h3>Intermediate Objectives</h3>"
                        "<ul><li>Laws passed</li></ul><h3>Project Activities</h3><h4>Peru</h4>"
                        "<ul><li>Trained inspectors</li></ul><h2>Results</h2>"
                        "<p><strong>Key results</strong></p><p>More.</p>")
    assert [(o.level, o.text) for o in record.objectives] == [("intermediate", "Laws passed")]
    assert [(a.country, a.text) for a in record.activities] == [("PER", "Trained inspectors")]
    assert (record.strategy, record.results) == ("Prose.", "Key results More.")


def test_targets_inside_our_strategy_hold_their_paragraph_only():
    record = small_page("<h2>Our Strategy</h2><p>Prose.</p><p><strong>Targets:</strong> The project targets "
                        "900 children for withdrawal.</p><p>Intermediate objectives include:</p>"
                        "<ul><li>Laws passed</li></ul>")
    assert (record.strategy, record.results_kind) == ("Prose.", "targets")
    assert record.results == "The project targets 900 children for withdrawal."
    assert [m.measure for m in record.metrics] == ["withdrawn"]
    assert [(o.level, o.text) for o in record.objectives] == [("intermediate", "Laws passed")]


def test_a_section_no_field_knows_is_a_warning_not_a_field():
    record = small_page("<h2>Results</h2><p>Done.</p><h2>Project Evaluations</h2><p>Two were made.</p>"
                        "<h2>Grantee</h2><p>An NGO</p><p>Page last updated: March 3, 2021</p>"
                        "<p>Back to top</p>")
    assert (record.results, record.grantee) == ("Done.", "An NGO")
    assert record.warnings == ["unknown heading 'Project Evaluations': its text is not placed"]


def test_an_overview_heading_holds_the_summary():
    page = ("<!DOCTYPE html><html><body><main><h1>A Project</h1><h2>Project Duration</h2><p>2010 - 2012</p>"
            "<h2>Overview</h2><p>The project helps.</p><p>It works.</p><h2>The Problem</h2><p>x</p>"
            "</main></body></html>")
    record = parse_bytes(page.encode(), "p.html")
    assert (record.summary, record.problem, record.warnings) == ("The project helps. It works.", "x", [])


def test_a_listing_of_projects_with_labelled_rows_is_refused():
    rows = "".join(f"<h2>Project {n}</h2><p>Project Duration: 2010 - 2012</p><p>Results: some</p>"
                   for n in range(4))
    with pytest.raises(ParseError, match="not a project summary"):
        parse_bytes(f"<!DOCTYPE html><html><body><main><h1>Projects</h1>{rows}</main></body></html>".encode(),
                    "list.html")


def test_a_partner_list_item_is_one_partner_whatever_its_commas():
    """Each <li> is one partner; a paragraph still splits at commas per the text rules."""
    record = small_page("<h2>Results</h2><p>y</p><h2>Implementing Partners</h2>"
                        "<ul><li>Owners, Workers and Families Forum</li><li>Pact, Inc.</li>"
                        "<li>Save the Herders.</li></ul>")
    assert [p.name for p in record.partners] == ["Owners, Workers and Families Forum", "Pact, Inc.",
                                                 "Save the Herders"]


def test_a_copyright_line_in_the_content_is_the_site_footer():
    record = small_page("<h2>Results</h2><p>y</p>"
                        "<h2>Contact Information</h2><p>Office of Trade<br>(202) 693-4843</p>"
                        "<p>© U.S. Department of Labor · Privacy &amp; Security Statement</p>"
                        "<p>Copyright 2008 ILAB</p>")
    assert (record.contact.office, record.contact.phone) == ("Office of Trade", "(202) 693-4843")
    assert record.warnings == []


def test_a_page_without_its_optional_end_tags_is_whole_and_one_cut_off_is_not():
    """A saver that leaves out optional end tags (</body>, </html>, </p>, </li>) keeps the page
    whole; a page that ends with a <div> or <main> still open was cut off."""
    page = ("<!DOCTYPE html><html><body><main><div><h1>A Project</h1><h2>The Problem</h2><p>x"
            "<h2>Results</h2><p>y</div></main>")
    assert parse_bytes(page.encode(), "p.html").warnings == []
    cut = page[:page.index("</div>")]
    assert parse_bytes(cut.encode(), "p.html").warnings == [
        "the page is truncated: it ends before its closing </html> tag"]


def test_a_byte_order_mark_and_an_xml_declaration_still_make_a_page():
    """An XHTML page opening with its XML declaration, a page saved as 'Unicode' (UTF-16 with its
    mark) and a UTF-8 mark over a wrong declaration all read as the page they are."""
    body = ('<html><head><meta charset="windows-1252"></head><body><h1>Café Project</h1>'
            "<h2>The Problem</h2><p>Children’s work.</p><h2>Results</h2><p>y</p></body></html>")
    pages = [('<?xml version="1.0" encoding="windows-1252"?>\n' + body).encode("cp1252"),
             body.encode("utf-16"), codecs.BOM_UTF8 + body.encode("utf-8")]
    for data in pages:
        record = parse_bytes(data, "p.html")
        assert (record.title, record.problem, record.warnings) == ("Café Project", "Children’s work.", [])


def test_hostile_nesting_is_refused_fast_and_a_long_list_parses():
    """5 MB of nested <div>s (the tree builder's time grows with the square of the depth) is one
    ParseError within seconds, no RecursionError; 10,000 list items are 10,000 activities."""
    deep = 450_000
    page = "<h2>Results</h2><p>y</p>" + "<div>" * deep + "x" + "</div>" * deep
    started = time.monotonic()
    with pytest.raises(ParseError, match="its markup nests past 1000 elements"):
        small_page(page)
    assert time.monotonic() - started < 20
    items = "".join(f"<li>Activity {k}</li>" for k in range(10_000))
    record = small_page(f"<h2>Our Strategy</h2><p>Project activities include:</p><ul>{items}</ul>")
    assert len(record.activities) == 10_000 and record.activities[-1].text == "Activity 9999"


def test_a_rail_beside_the_fields_inside_main_is_chrome():
    """Content is the innermost element holding every label, inside <main> too: a column of news
    and links with unremarkable class names is no field and no warning."""
    page = ("<!DOCTYPE html><html><body><main><div class='a'><h1>A Project</h1><h2>The Problem</h2><p>x</p>"
            "<h2>Results</h2><p>y</p><h2>Grantee</h2><p>CARE</p></div><div class='b'><h2>Latest News</h2>"
            "<ul><li>ILAB awards grants</li></ul><h2>Connect With ILAB</h2><p>Sign up</p></div>"
            "</main></body></html>")
    record = parse_bytes(page.encode(), "p.html")
    assert (record.grantee, record.results, record.warnings) == ("CARE", "y", [])
