"""`tcps serve` seen in a real browser: headless Chromium over a real server on loopback.

One server per module (our summaries loaded into a SQLite file, then `tcps serve` on a free port)
and one browser per session. Each page test asserts what a person sees and saves a screenshot
in its tmp dir. Without Debian's chromium and chromium-driver (``.ci/run`` installs them) the
page tests skip with one line.
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import sqlalchemy as sa
from corpus import DATA, OURS

from tcps.browse import CANNED, DASHBOARD_PATH, USD_PER_FISCAL_YEAR
from tcps.serve import MISSING_EXTRA, loopback_warning, served_file

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000"]
WAIT = 20   # seconds a page may take to draw, on a busy machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "tcps.db"
    subprocess.run(["tcps", "load", str(DATA), str(OURS), "--db", str(path)], check=True,
                   capture_output=True)
    return path


@pytest.fixture(scope="module")
def server(database: Path) -> Iterator[str]:
    """The address of `tcps serve` over ``database``, once it answers."""
    port = free_port()
    proc = subprocess.Popen(["tcps", "serve", "--db", str(database), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("no browser: install Debian's chromium and chromium-driver (.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"tcps-chromium-{os.getpid()}"
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def visit(browser, url: str, shot: Path):
    """Open ``url`` and return a function that waits for a CSS selector's elements."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.switch_to.default_content()
    browser.get(url)

    def find(selector: str, count: int = 1) -> list:
        WebDriverWait(browser, WAIT).until(
            lambda b: len(b.find_elements(By.CSS_SELECTOR, selector)) >= count)
        browser.save_screenshot(str(shot))
        return browser.find_elements(By.CSS_SELECTOR, selector)

    return find


def rows(database: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_home_page_says_what_the_database_is(server: str, browser, tmp_path: Path) -> None:
    find = visit(browser, server + "/", tmp_path / "home.png")
    assert "ILAB Technical Cooperation Project Summaries" in find("h1")[0].text
    links = {a.text: a.get_attribute("href") for a in find("a")}
    assert links["Start with the dashboard"].endswith(DASHBOARD_PATH)
    browser.find_element("link text", "tcps").click()
    find = visit(browser, browser.current_url, tmp_path / "database.png")
    tables = {h.text for h in find("h3 a")}
    assert {"projects", "countries"} <= tables
    assert {"project_overview", "project_funding_by_year"} <= {a.text for a in find("h2#views + ul a")}
    assert not {"watched_files", "alembic_version", "writer_lock", "project_search", "load_runs"} & tables
    queries = {a.text for a in find("h2#queries + ul a")}
    assert {c.title for c in CANNED} == queries


def test_projects_table_with_a_region_facet(server: str, browser, tmp_path: Path, database: Path) -> None:
    find = visit(browser, server + "/tcps/projects", tmp_path / "projects.png")
    assert "One row per project" in find(".metadata-description")[0].text
    facet = find('.facet-info[data-column="region"] li a')[0]   # the largest region first
    region = unquote_plus(facet.get_attribute("href").split("region=")[1].split("&")[0])
    facet.click()
    find = visit(browser, browser.current_url, tmp_path / "projects-facet.png")
    cells = [td.text for td in find("td.col-region")]
    expected = rows(database, "SELECT count(*) FROM projects WHERE region = ?", region)[0][0]
    assert cells == [region] * expected and expected > 1
    assert f'{expected} rows where region = "{region}"' in find("h3")[0].text


def test_search_box_uses_the_full_text_index(server: str, browser, tmp_path: Path, database: Path) -> None:
    find = visit(browser, server + "/tcps/projects", tmp_path / "search.png")
    box = find('input[name="_search"]')[0]
    box.send_keys("cocoa")
    box.submit()
    find = visit(browser, browser.current_url, tmp_path / "search.png")
    titles = sorted(td.text for td in find("td.col-title"))
    expected = rows(database, "SELECT p.title FROM project_search s JOIN projects p ON p.id = s.rowid "
                              "WHERE project_search MATCH 'cocoa' ORDER BY p.title")
    assert titles == [t for (t,) in expected] and 0 < len(titles) < rows(
        database, "SELECT count(*) FROM projects")[0][0]


def test_canned_query_draws_its_chart(server: str, browser, tmp_path: Path, database: Path) -> None:
    find = visit(browser, server + "/tcps/usd_per_fiscal_year", tmp_path / "query.png")
    expected = rows(database, USD_PER_FISCAL_YEAR)
    years = [td.text.strip() for td in find("td.col-fiscal_year")]
    assert years == [str(y or "") for (y, _) in expected] and len(years) > 1
    assert find("td.col-award_usd")[-1].text == f"{expected[-1][1]:,} USD"
    browser.switch_to.frame(find("iframe.tcps-chart")[0])
    funded = [y for (y, usd) in expected if usd]
    assert len(find("g.mark-rect path", len(funded))) == len(funded)   # one bar per funded year
    browser.switch_to.default_content()
    browser.save_screenshot(str(tmp_path / "query.png"))


def test_dashboard_shows_figures_charts_and_countries(server: str, browser, tmp_path: Path,
                                                      database: Path) -> None:
    find = visit(browser, server + DASHBOARD_PATH, tmp_path / "dashboard.png")
    regions = rows(database, "SELECT count(DISTINCT coalesce(ilab_region, '')) FROM projects")[0][0]
    find("#chart-projects-per-region g.mark-rect path", regions)
    find("#chart-usd-per-fiscal-year g.mark-rect path")
    projects = rows(database, "SELECT count(*) FROM projects")[0][0]
    assert find("#chart-projects p")[0].text == str(projects)
    top_country = rows(database, CANNED[0].sql)[0][0]
    assert top_country in find("#chart-countries-table td")[0].text


def test_project_page_shows_its_parts(server: str, browser, tmp_path: Path, database: Path) -> None:
    project_id, title = rows(database, "SELECT id, title FROM projects WHERE id IN "
                                       "(SELECT project_id FROM activities) ORDER BY id")[0]
    find = visit(browser, f"{server}/tcps/projects/{project_id}", tmp_path / "project.png")
    assert title in browser.find_element("css selector", "td.col-title").text
    headings = [h.text for h in find("section.project-part h2", 6)]
    assert headings == ["Countries", "Funding", "Results", "Objectives", "Activities", "Partners"]
    countries = [td.text for td in find("#countries td:first-child")]
    assert countries == [n for (n,) in rows(
        database, "SELECT c.name FROM project_countries pc JOIN countries c ON c.alpha3 = pc.country_alpha3 "
                  "WHERE pc.project_id = ? ORDER BY pc.position", project_id)]
    browser.execute_script("document.querySelector('#countries').scrollIntoView()")
    activities = len(find("#activities tbody tr"))   # the screenshot shows the parts
    assert activities == rows(database, "SELECT count(*) FROM activities WHERE project_id = ?",
                              project_id)[0][0]


def test_readme_queries_are_canned_queries() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = readme.split("### Example queries", 1)[1].split("\n## ", 1)[0]
    for canned in CANNED[:5]:
        assert f"```sql\n{canned.sql}\n```" in examples, canned.name


def test_the_chart_draws_what_the_readme_query_gives(database: Path) -> None:
    readme = next(c for c in CANNED if "project_funding_by_year" in c.sql)
    assert rows(database, USD_PER_FISCAL_YEAR) == rows(database, readme.sql)


def test_without_the_extra_it_says_so_in_one_line(tmp_path: Path, database: Path) -> None:
    # Datasette made unimportable, as where the extra is not installed.
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nsys.modules['datasette'] = None\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", "from tcps.cli import main; main()", "serve",
                          "--db", str(database)], capture_output=True, text=True, env=env, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (2, "", f"error: {MISSING_EXTRA}\n")


def test_a_port_in_use_is_one_error_line(database: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        run = subprocess.run(["tcps", "serve", "--db", str(database), "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert run.stderr.count("\n") == 1, run.stderr


def test_only_loopback_goes_without_a_warning() -> None:
    assert loopback_warning("127.0.0.1") is None and loopback_warning("::1") is None
    assert loopback_warning("localhost") is None
    assert "anyone who can reach this machine" in (loopback_warning("0.0.0.0") or "")


def test_postgresql_is_served_from_a_consistent_snapshot(request: pytest.FixtureRequest,
                                                         tmp_path: Path) -> None:
    from databases import empty_database

    with empty_database(request, "postgresql", tmp_path) as url:
        subprocess.run(["tcps", "load", str(DATA), "--db", url], check=True, capture_output=True)
        source = sa.create_engine(url)
        with source.connect() as conn:
            expected = tuple(conn.execute(sa.text(COUNTS)).one())
        source.dispose()
        with served_file(url) as served:
            assert served.note.startswith("serving a snapshot of") and served.path.suffix == ".db"
            assert rows(served.path, COUNTS)[0] == expected and expected[0] > 0
            assert rows(served.path, "SELECT count(*) FROM project_search "
                                     "WHERE project_search MATCH 'trafficking'")[0][0] > 0
        assert not served.path.exists()


COUNTS = ("SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM partners), "
          "(SELECT count(*) FROM funding_fiscal_years), (SELECT count(*) FROM activities)")
