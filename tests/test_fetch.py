"""tcps fetch against a real HTTP server on 127.0.0.1 (tcps.testing.site), never the network.

The site is built from the saved dev pages (tests/pages): a listing made from a saved ILAB listing
page, and project pages that are dev pages given distinct titles, so each is a project of its
own. Faults are switched on request by request. Rate limiting is off and timeouts and backoffs
are short, so that the suite stays fast; one test checks the rate limit itself.
"""
from __future__ import annotations

import json
import time
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tcps import __version__
from tcps.cli import cli
from tcps.fetch import INDEX_NAME, LOCK_NAME
from tcps.listing import read_listing
from tcps.mutex import file_lock
from tcps.testing.site import FixtureSite, dev_pages, numbered_page
from tcps.web import retry_after

PAGES = Path(__file__).parent / "pages"
LISTING = (PAGES / "bad_listing.html").read_text(encoding="utf-8")
NOT_FOUND = (PAGES / "bad_not_found.html").read_bytes()
DEV_PAGES = dev_pages(PAGES)
PROJECTS = 10
FAST = ["--rate", "0", "--timeout", "0.5", "--backoff", "0.01", "--retries", "2"]


def page_body(number: int) -> bytes:
    return numbered_page(DEV_PAGES, number)


@pytest.fixture
def site():
    with FixtureSite(LISTING, NOT_FOUND, per_page=4) as fixture:
        for number in range(PROJECTS):
            fixture.add(f"project-{number}", f"Batch {number}", page_body(number))
        yield fixture


def fetch(site: FixtureSite, folder: Path, *options: str):
    """``tcps fetch --json`` in-process; the result and its parsed summary (None if not JSON)."""
    result = CliRunner().invoke(cli, ["fetch", site.url(), "--into", str(folder), "--json",
                                      *FAST, *options])
    summary = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result, summary


def files(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of the folder but the lock: name -> (mtime_ns, bytes)."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()
            if p.name != LOCK_NAME}


def project_path(number: int) -> str:
    return f"/agencies/ilab/project-{number}"


# --- the listing ----------------------------------------------------------------------------

def test_a_saved_listing_page_gives_its_project_links_and_next_page():
    page = read_listing(LISTING, "https://www.dol.gov/agencies/ilab/projects?page=2")
    assert len(page.projects) == 19  # the table's rows; not the menus, breadcrumbs or pager
    assert all(p.startswith("https://www.dol.gov/agencies/ilab/") and "?" not in p for p in page.projects)
    assert "https://www.dol.gov/agencies/ilab/resources" not in page.projects
    assert page.next_url == "https://www.dol.gov/agencies/ilab/projects?page=3"


def test_without_rel_next_the_next_page_is_the_link_to_page_n_plus_1():
    html = """<html><body><nav><a href="/agencies/ilab/about">About</a></nav><main>
      <ul class="breadcrumb"><li><a href="/agencies/ilab/resources">Resources</a></li></ul>
      <article><header><h2><a href="/agencies/ilab/some-project#top">Some project</a></h2></header>
      </article><a href="/agencies/ilab/report.pdf">Report</a>
      <div class="pager"><a href="?page=1">1</a> <a href="?page=3&amp;region=all">3</a>
      <a href="?page=2&amp;region=all">2</a></div></main>
      <footer><a href="/agencies/ilab/contact">Contact</a></footer></body></html>"""
    page = read_listing(html, "https://site.example/agencies/ilab/projects?region=all&page=1")
    assert page.projects == ["https://site.example/agencies/ilab/some-project"]
    assert page.next_url == "https://site.example/agencies/ilab/projects?page=2&region=all"


# --- first run, no-op run, a changed page ---------------------------------------------------

def test_first_run_saves_every_page_and_a_second_run_only_asks_and_writes_nothing(site, tmp_path):
    folder = tmp_path / "pages"
    result, summary = fetch(site, folder, "--contact", "ops@example.org")
    assert result.exit_code == 0, result.output
    assert (summary["listed"], len(summary["new"]), summary["failed"]) == (PROJECTS, PROJECTS, {})
    saved = files(folder)
    assert sorted(saved) == sorted([INDEX_NAME] + [f"project-{n}.html" for n in range(PROJECTS)])
    assert saved["project-3.html"][1] == page_body(3)
    index = json.loads(saved[INDEX_NAME][1])["pages"][site.url(project_path(3))]
    assert index["file"] == "project-3.html" and index["etag"] and index["last_modified"]
    assert index["sha256"] and index["fetched_at"]
    user_agent = site.log[0].headers["User-Agent"]
    assert user_agent == f"tcps/{__version__} (+ops@example.org)"

    site.log.clear()
    result, summary = fetch(site, folder)
    assert result.exit_code == 0, result.output
    assert (summary["unchanged"], summary["new"], summary["changed"]) == (PROJECTS, [], [])
    assert files(folder) == saved  # not one write, the index included
    pages = [r for r in site.log if r.path != "/robots.txt"]
    assert len(pages) == PROJECTS + 3  # three listing pages of four
    assert all("If-None-Match" in r.headers and "If-Modified-Since" in r.headers for r in pages)


def test_a_changed_page_is_replaced_and_nothing_else_is_written(site, tmp_path):
    folder = tmp_path / "pages"
    fetch(site, folder)
    before = files(folder)
    site.change(project_path(2), page_body(2) + b"<!-- revised -->\n")
    result, summary = fetch(site, folder, "-v")
    assert summary["changed"] == [site.url(project_path(2))] and summary["unchanged"] == PROJECTS - 1
    after = files(folder)
    assert {name for name in after if after[name] != before[name]} == {"project-2.html", INDEX_NAME}
    assert b"<!-- revised -->" in after["project-2.html"][1]
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))


def test_a_locally_damaged_file_is_fetched_whole_again(site, tmp_path):
    folder = tmp_path / "pages"
    fetch(site, folder)
    (folder / "project-1.html").write_bytes(b"<html>edited by hand")
    site.log.clear()
    result, summary = fetch(site, folder)
    assert summary["changed"] == [site.url(project_path(1))]
    assert "If-None-Match" not in site.requests_for(project_path(1))[0].headers
    assert (folder / "project-1.html").read_bytes() == page_body(1)


def test_a_listing_without_rel_next_is_walked_by_its_page_numbers(site, tmp_path):
    site.rel_next = False
    result, summary = fetch(site, tmp_path)
    assert result.exit_code == 0 and len(summary["new"]) == PROJECTS
    assert [r.path for r in site.log if r.path.startswith("/agencies/ilab/projects")] == \
        ["/agencies/ilab/projects", "/agencies/ilab/projects?page=1", "/agencies/ilab/projects?page=2"]


# --- faults ---------------------------------------------------------------------------------

def test_each_fault_is_retried_until_the_page_comes(site, tmp_path):
    site.fail(project_path(0), "500")
    site.fail(project_path(1), "429")
    site.fail(project_path(2), "slow")
    site.fail(project_path(3), "reset")
    site.fail(project_path(4), "short")
    site.fail(project_path(5), "500", "reset")
    site.redirects[project_path(6)] = "/agencies/ilab/moved-once"
    site.redirects["/agencies/ilab/moved-once"] = "/agencies/ilab/moved-twice"
    site.projects["/agencies/ilab/moved-twice"] = site.projects[project_path(6)]
    folder = tmp_path / "pages"
    result, summary = fetch(site, folder)
    assert result.exit_code == 0, result.output
    assert len(summary["new"]) == PROJECTS - 1 + 1  # the redirect target is listed nowhere
    for number in range(7):
        assert (folder / f"project-{number}.html").read_bytes() == page_body(number)
    first, second = site.requests_for(project_path(1))
    assert second.at - first.at >= 0.95  # Retry-After: 1, although --backoff is 0.01
    assert [len(site.requests_for(project_path(n))) for n in range(6)] == [2, 2, 2, 2, 2, 3]


def test_a_page_that_keeps_failing_keeps_its_last_good_copy_and_is_listed(site, tmp_path):
    folder = tmp_path / "pages"
    fetch(site, folder)
    site.change(project_path(0), page_body(0) + b"<!-- new -->")
    site.change(project_path(1), page_body(1) + b"<!-- new -->")
    site.change(project_path(2), page_body(2) + b"<!-- new -->")
    site.fail(project_path(0), "500", "500", "500")        # more than --retries 2
    site.fail(project_path(1), "soft404")                  # "Page not found" with status 200
    site.fail(project_path(2), "short", "short", "short")  # truncated every time
    result, summary = fetch(site, folder)
    assert result.exit_code == 1
    assert set(summary["failed"]) == {site.url(project_path(n)) for n in range(3)}
    assert "HTTP 500 (3 tries)" in summary["failed"][site.url(project_path(0))]
    assert "not a project page" in summary["failed"][site.url(project_path(1))]
    for number in range(3):
        assert (folder / f"project-{number}.html").read_bytes() == page_body(number)
        assert f"error: {site.url(project_path(number))}: " in result.stderr


def test_a_failure_without_retries_says_one_try(site, tmp_path):
    site.fail(project_path(0), "500")
    result, summary = fetch(site, tmp_path / "pages", "--retries", "0")
    assert result.exit_code == 1
    assert summary["failed"][site.url(project_path(0))].endswith("HTTP 500 (1 try)")


def test_a_page_never_fetched_that_is_not_a_project_page_is_not_saved(site, tmp_path):
    site.fail(project_path(7), "soft404")
    result, summary = fetch(site, tmp_path)
    assert result.exit_code == 1 and list(summary["failed"]) == [site.url(project_path(7))]
    assert not (tmp_path / "project-7.html").exists()
    assert json.loads((tmp_path / INDEX_NAME).read_text())["pages"].keys() == \
        {site.url(project_path(n)) for n in range(PROJECTS) if n != 7}


def test_a_redirect_off_the_site_is_not_followed(site, tmp_path):
    port = site.url().split(":")[2].split("/")[0]
    site.redirects[project_path(4)] = f"http://localhost:{port}{project_path(4)}"
    result, summary = fetch(site, tmp_path)
    assert summary["failed"] == {site.url(project_path(4)): f"redirected off the site, to "
                                 f"http://localhost:{port}{project_path(4)}"}
    assert len(site.requests_for(project_path(4))) == 1


def test_retry_after_as_seconds_or_as_a_date():
    later = formatdate(time.time() + 30, usegmt=True)
    assert retry_after(httpx.Response(429, headers={"Retry-After": "7"})) == 7
    assert 28 <= retry_after(httpx.Response(503, headers={"Retry-After": later})) <= 30
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None


def test_a_page_that_cannot_be_written_stops_the_run_in_one_line(site, tmp_path):
    (tmp_path / "project-2.html").mkdir()  # where the page would go
    result, _ = fetch(site, tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'project-2.html'}: cannot write it: Is a directory\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_robots_txt_is_obeyed(site, tmp_path):
    site.robots = "User-agent: *\nDisallow: /agencies/ilab/project-8\n"
    result, summary = fetch(site, tmp_path)
    assert result.exit_code == 1
    disallowed = site.url(project_path(8))
    assert summary["failed"] == {disallowed: f"robots.txt disallows {disallowed}"}
    assert site.requests_for(project_path(8)) == []
    assert site.log[0].path == "/robots.txt"


def test_a_robots_txt_the_server_cannot_serve_stops_the_run(site, tmp_path):
    site.fail("/robots.txt", "500", "500", "500")
    result, summary = fetch(site, tmp_path)
    assert result.exit_code == 1 and summary["listed"] == 0
    assert summary["failed"] == {site.url("/robots.txt"): "HTTP 500 (3 tries)"}
    assert [r.path for r in site.log] == ["/robots.txt"] * 3


def test_the_rate_limit_spaces_requests(site, tmp_path):
    site.projects = dict(list(site.projects.items())[:3])  # one listing page, three projects
    result = CliRunner().invoke(cli, ["fetch", site.url(), "--into", str(tmp_path), "--rate", "10"])
    assert result.exit_code == 0, result.output
    times = [r.at for r in site.log]  # as the server saw them: jitter either way on a busy machine
    assert len(times) == 5 and all(b - a >= 0.05 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] - times[0] >= 0.35
    assert "5 requests" in result.stdout  # the one summary line


def test_a_listing_page_that_fails_stops_the_walk_but_not_the_fetch(site, tmp_path):
    fetch(site, tmp_path)
    site.projects.pop(project_path(9))  # would have left the listing, had it been read
    site.fail("/agencies/ilab/projects?page=1", "500", "500", "500")
    result, summary = fetch(site, tmp_path, "--prune")
    assert result.exit_code == 1 and list(summary["failed"]) == [site.url() + "?page=1"]
    assert (summary["listed"], summary["unchanged"], summary["listing_read"]) == (4, 4, False)
    assert summary["left"] == summary["pruned"] == [] and (tmp_path / "project-9.html").exists()


def test_max_pages_fetches_the_first_pages_only(site, tmp_path):
    result = CliRunner().invoke(cli, ["fetch", site.url(), "--into", str(tmp_path), *FAST,
                                      "--max-pages", "3"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.html")) == [f"project-{n}.html" for n in range(3)]
    assert "3 listed (listing not read to the end), 3 new" in result.stdout
    assert len([r for r in site.log if r.path.startswith("/agencies/ilab/projects")]) == 1


# --- the listing's changes --------------------------------------------------------------------

def test_a_listing_page_without_project_links_stops_the_run(site, tmp_path):
    for project in site.projects.values():  # the listing now links to pages in another folder
        project.path = project.path.replace("/agencies/ilab/", "/agencies/other/")
    result, _ = fetch(site, tmp_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "the site's layout may have changed" in result.stderr
    assert not list(tmp_path.glob("*.html"))


def test_pages_that_left_the_listing_are_reported_then_pruned_but_never_more_than_half(site, tmp_path):
    fetch(site, tmp_path)
    listed = dict(site.projects)
    site.projects = {path: p for path, p in listed.items() if path != project_path(9)}
    result, summary = fetch(site, tmp_path)
    assert result.exit_code == 0 and summary["left"] == [site.url(project_path(9))]
    assert summary["pruned"] == [] and (tmp_path / "project-9.html").exists()

    site.projects = {path: p for path, p in listed.items() if path > project_path(5)}
    result, summary = fetch(site, tmp_path, "--prune")
    assert result.exit_code == 1 and len(summary["left"]) == 6 and summary["pruned"] == []
    assert "refused to prune 6 of 10 known pages" in result.stderr
    assert len(list(tmp_path.glob("*.html"))) == PROJECTS

    site.projects = {path: p for path, p in listed.items() if path != project_path(9)}
    result, summary = fetch(site, tmp_path, "--prune")
    assert result.exit_code == 0, result.output
    assert summary["pruned"] == [site.url(project_path(9))]
    assert not (tmp_path / "project-9.html").exists()
    assert site.url(project_path(9)) not in json.loads((tmp_path / INDEX_NAME).read_text())["pages"]


# --- exit statuses ----------------------------------------------------------------------------

def test_a_second_fetch_on_the_same_folder_exits_75(site, tmp_path):
    with file_lock(str(tmp_path / LOCK_NAME), holder="fetch"):
        result, _ = fetch(site, tmp_path)
    assert result.exit_code == 75 and "another fetch holds" in result.stderr
    assert site.log == []


@pytest.mark.parametrize("start, index", [("ftp://example.org/x", None), (None, "{not json")])
def test_configuration_errors_exit_2(site, tmp_path, start, index):
    if index is not None:
        (tmp_path / INDEX_NAME).write_text(index)
    result = CliRunner().invoke(cli, ["fetch", start or site.url(), "--into", str(tmp_path)])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


# --- fetch + refresh ----------------------------------------------------------------------------

FIGURE = b"Some 24.9 million"  # in the problem text of d1_07


def test_fetch_then_refresh_updates_exactly_the_changed_project(site, tmp_path, db_url):
    data = tmp_path / "data"
    fetch(site, data / "pages")
    refresh = CliRunner().invoke(cli, ["refresh", str(data), "--db", db_url, "--json"])
    assert refresh.exit_code == 0, refresh.output
    assert len(json.loads(refresh.stdout)["new"]) == PROJECTS

    # One figure of one project's problem text changes; its title stays (the same project).
    number = next(n for n in range(PROJECTS) if FIGURE in page_body(n))
    site.change(project_path(number), page_body(number).replace(FIGURE, b"Some 25.1 million"))
    result, summary = fetch(site, data / "pages")
    assert summary["changed"] == [site.url(project_path(number))] and summary["unchanged"] == PROJECTS - 1
    refresh = CliRunner().invoke(cli, ["refresh", str(data), "--db", db_url, "--json"])
    report = json.loads(refresh.stdout)
    assert report["changed"] == [str(data / "pages" / f"project-{number}.html")]
    assert (report["new"], report["counts"]["unchanged"]) == ([], PROJECTS - 1)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        problems = dict(conn.execute(sa.text("SELECT title, problem FROM projects")).all())
    engine.dispose()
    assert len(problems) == PROJECTS
    assert [title for title, problem in problems.items() if "25.1 million" in (problem or "")] == \
        [f"Batch {number}: {DEV_PAGES[number % len(DEV_PAGES)][1].decode()}"]
