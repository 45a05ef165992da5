"""The pages of `tcps serve` the benchmark times, each with what the browser fetches to draw it.

Each must answer in under 300 ms at N = 10,000 summaries (issue 14). A page's time is the sum
of its requests made one after another (a browser makes the chart requests side by side, so
this is the slower bound): the dashboard and a canned query's chart include the JSON their
charts are drawn from.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Page:
    name: str
    paths: tuple[str, ...]


NAMES = ["home", "projects table", "projects with a region facet", "search for cocoa",
         "canned query with its chart", "dashboard", "project page"]


def pages(db: str, project_id: int, region: str) -> list[Page]:
    """The pages over the database named ``db``: ``project_id`` for a project's page,
    ``region`` for a facet value."""
    from tcps.browse import DASHBOARD, DASHBOARD_PATH, dashboard

    charts = dashboard(db)[DASHBOARD]["charts"]

    def data(chart: str) -> str:
        return f"/{db}.json?" + urlencode({"sql": charts[chart]["query"], "_shape": "objects"})

    chart = "usd-per-fiscal-year"
    return [Page(name, paths) for name, paths in zip(NAMES, [
        ("/",),
        (f"/{db}/projects",),
        (f"/{db}/projects?" + urlencode({"region": region}),),
        (f"/{db}/projects?_search=cocoa",),
        (f"/{db}/usd_per_fiscal_year", f"{DASHBOARD_PATH}/{chart}/embed", data(chart)),
        (DASHBOARD_PATH, *(data(c) for c in charts)),
        (f"/{db}/projects/{project_id}",),
    ], strict=True)]
