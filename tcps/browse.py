"""What `tcps serve` tells Datasette about the database: its metadata, canned queries and dashboard.

Descriptions come from the data dictionary (``tcps.dictionary``), so the browser says what
``tcps schema`` says. The rest is chosen here for analysts: which tables to hide (the refresh
bookkeeping, the search index's own tables), what a foreign key shows (a country's name, not its
code), how tables sort and facet by default, which searches use the full-text index, the
questions asked first as canned queries, and the dashboard (datasette-dashboards) that opens
the tour. Every value here is plain data in Datasette's metadata format.
"""
from __future__ import annotations

from dataclasses import dataclass

from tcps.dictionary import Entry

TITLE = "ILAB Technical Cooperation Project Summaries"
DASHBOARD = "overview"
DASHBOARD_PATH = f"/-/dashboards/{DASHBOARD}"
DESCRIPTION_HTML = (
    "<p>The U.S. Department of Labor's Bureau of International Labor Affairs (ILAB) funds "
    "technical cooperation projects against child labour, forced labour and human trafficking, "
    "and publishes a summary of each: where it works, who carries it out, its funding per fiscal "
    "year, its objectives, activities and results. tcps parsed those summaries into these "
    "tables; every table and column below says what it holds.</p>"
    f'<p><a href="{DASHBOARD_PATH}"><strong>Start with the dashboard</strong></a>: key '
    "figures, funding per fiscal year, projects per region and per country. Read-only: nothing "
    "here can change the database.</p>")
SOURCE = "U.S. Department of Labor, ILAB: Technical Cooperation Project Summaries"
SOURCE_URL = "https://www.dol.gov/agencies/ilab/projects"

# Operators' bookkeeping and the search index's own tables: reachable by URL, not listed.
HIDDEN = {"alembic_version", "writer_lock", "watched_files", "load_runs", "load_errors",
          "project_search", "project_search_documents"}
# What a foreign key to these tables shows instead of the key.
LABELS = {"countries": "name", "organizations": "name", "projects": "title",
          "source_documents": "path"}
# (column, descending) each table opens sorted by; projects stay in id order, which needs no
# sort of its 10,000 wide rows.
SORTS = {"project_overview": ("funding_usd", True),
         "countries": ("name", False), "organizations": ("name", False),
         "project_funding_by_year": ("fiscal_year", False),
         "funding_fiscal_years": ("fiscal_year", False)}
FACETS = {"projects": ["ilab_region", "region", "status"],
          "project_overview": ["ilab_region", "region", "status", "grantee"],
          "project_countries": ["country_alpha3"],
          "partners": ["role", "country_alpha3"],
          "organizations": ["country_alpha3"],
          "funding": ["kind", "currency"],
          "funding_fiscal_years": ["fiscal_year"],
          "project_funding_by_year": ["fiscal_year"],
          "results": ["measure", "unit"],
          "objectives": ["level"]}
# The full-text index (migration 0005) and the column holding the project id, per table.
SEARCHABLE = {"projects": "id", "project_overview": "project_id"}


def is_usd(column: str) -> bool:
    """The analyst views name every column in U.S. dollars ``..._usd``."""
    return column.endswith("_usd")


# The README's USD per fiscal year, from the funding rows rather than the view
# project_funding_by_year, which builds every project's rows first (5x slower at 10,000
# summaries): the query an analyst opens with its chart. A test holds the two to the same rows.
USD_PER_FISCAL_YEAR = """SELECT (SELECT min(y.fiscal_year) FROM funding_fiscal_years y
        WHERE y.project_id = f.project_id AND y.funding_position = f.position) AS fiscal_year,
       sum(CASE WHEN f.kind = 'award' THEN f.amount END) AS award_usd
FROM funding f
WHERE f.kind <> 'total' AND f.currency = 'USD'
GROUP BY fiscal_year
ORDER BY fiscal_year"""


@dataclass(frozen=True)
class Canned:
    """A canned query; ``chart`` names the dashboard chart drawn from it, if any."""
    name: str
    title: str
    description: str
    sql: str
    chart: str = ""


# The first five are the README's example queries, word for word (a test holds them equal).
CANNED = [
    Canned("projects_per_country", "Projects per recipient country",
           "How many projects work in each country (a project with several countries counts in each).",
           """SELECT c.name AS country, count(*) AS projects
FROM project_countries pc
JOIN countries c ON c.alpha3 = pc.country_alpha3
GROUP BY c.name
ORDER BY projects DESC, country;"""),
    Canned("usd_per_fiscal_year_from_the_view", "USD awarded per fiscal year, from project_funding_by_year",
           "The README's query: award money of all projects per U.S. fiscal year from the view; "
           "an amount stated for several years together counts under its first year.",
           """SELECT fiscal_year, sum(award_usd) AS award_usd
FROM project_funding_by_year
GROUP BY fiscal_year
ORDER BY fiscal_year;"""),
    Canned("children_withdrawn_or_prevented", "Projects by children withdrawn or prevented",
           "Projects by the number of children they withdrew or prevented from child labour.",
           """SELECT title, withdrawn, prevented, withdrawn_or_prevented
FROM project_overview
WHERE coalesce(withdrawn, prevented, withdrawn_or_prevented) IS NOT NULL
ORDER BY coalesce(withdrawn, 0) + coalesce(prevented, 0) + coalesce(withdrawn_or_prevented, 0) DESC;"""),
    Canned("organisations_by_projects", "Organisations by number of projects",
           "Grantees and implementing partners by the projects they work on; an organisation "
           "listed under a country is told apart by it.",
           """SELECT o.name, o.country_alpha3 AS country, count(DISTINCT p.project_id) AS projects
FROM organizations o
JOIN partners p ON p.organization_id = o.id
GROUP BY o.id, o.name, o.country_alpha3
ORDER BY projects DESC, o.name;"""),
    Canned("projects_running_in_2010", "Projects running in 2010",
           "Projects running at some point in 2010 (dates compare as text at their printed precision).",
           """SELECT title, start_date, end_date
FROM projects
WHERE start_date <= '2010-12-31' AND end_date >= '2010-01'
ORDER BY start_date, title;"""),
    Canned("usd_per_fiscal_year", "USD awarded per fiscal year",
           "Award money of all projects per U.S. fiscal year, from the funding rows: the "
           "figures of the README's query on project_funding_by_year, faster; an amount stated "
           "for several years together counts under its first year.",
           USD_PER_FISCAL_YEAR + ";", chart="usd-per-fiscal-year"),
    Canned("projects_and_usd_per_region", "Projects and USD per region",
           "Projects and the USD awarded to them per ILAB region (ilab_region: the printed "
           "region in ILAB's six, or where none is printed the countries' region; the printed "
           "spellings would split one region in several).",
           """SELECT coalesce(p.ilab_region, '(unknown)') AS region, count(*) AS projects,
       sum(f.award_usd) AS award_usd
FROM projects p
LEFT JOIN (SELECT project_id, sum(amount) AS award_usd FROM funding
           WHERE kind = 'award' AND currency = 'USD' GROUP BY project_id) f ON f.project_id = p.id
GROUP BY p.ilab_region
ORDER BY projects DESC, region;""", chart="projects-per-region"),
    Canned("top_grantees_by_usd", "Top grantees by USD",
           "The 25 grantees with the most USD funding over their projects.",
           """SELECT grantee, count(*) AS projects, sum(funding_usd) AS funding_usd
FROM project_overview
WHERE grantee IS NOT NULL
GROUP BY grantee
ORDER BY funding_usd DESC, grantee
LIMIT 25;"""),
    Canned("children_withdrawn_and_prevented_per_year", "Children withdrawn and prevented per year",
           "Children counted as withdrawn, prevented, or withdrawn or prevented (one figure for "
           "both, not to be added to the others), by the year the project ended.",
           """SELECT substr(p.end_date, 1, 4) AS end_year,
       sum(CASE WHEN r.measure = 'withdrawn' THEN r.value END) AS withdrawn,
       sum(CASE WHEN r.measure = 'prevented' THEN r.value END) AS prevented,
       sum(CASE WHEN r.measure = 'withdrawn_or_prevented' THEN r.value END) AS withdrawn_or_prevented
FROM results r
JOIN projects p ON p.id = r.project_id
WHERE r.unit = 'children' AND p.end_date IS NOT NULL
GROUP BY end_year
ORDER BY end_year;"""),
]


def _bar(x: str, x_type: str, y: str, title: str, sort: object = None) -> dict:
    """A vega-lite bar chart drawn as SVG (its bars are elements a test can count)."""
    return {"mark": {"type": "bar", "tooltip": True},
            "encoding": {"x": {"field": x, "type": x_type, "title": None, "sort": sort},
                         "y": {"field": y, "type": "quantitative", "title": title}},
            "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}}}


def _metric(db: str, title: str, sql: str, suffix: str = "") -> dict:
    return {"title": title, "db": db, "query": sql, "library": "metric",
            "display": {"field": "n", "prefix": "", "suffix": suffix}}


def dashboard(db: str) -> dict:
    """The dashboard an analyst opens first: key figures, two charts and the countries."""
    by_name = {c.name: c for c in CANNED}
    charts = {
        "projects": _metric(db, "Projects", "SELECT count(*) AS n FROM projects"),
        "funding": _metric(db, "USD awarded, all projects",
                           "SELECT printf('%.1f', coalesce(sum(amount), 0) / 1e6) AS n FROM funding "
                           "WHERE kind = 'award' AND currency = 'USD'", " million"),
        "countries": _metric(db, "Recipient countries",
                             "SELECT count(DISTINCT country_alpha3) AS n FROM project_countries"),
        "organisations": _metric(db, "Organisations", "SELECT count(*) AS n FROM organizations"),
        "usd-per-fiscal-year": {
            "title": "USD awarded per fiscal year", "db": db, "library": "vega-lite",
            "query": USD_PER_FISCAL_YEAR,
            "display": _bar("fiscal_year", "ordinal", "award_usd", "USD awarded")},
        "projects-per-region": {
            "title": "Projects per region", "db": db, "library": "vega-lite",
            "query": by_name["projects_and_usd_per_region"].sql,
            "display": _bar("region", "nominal", "projects", "Projects", sort="-y")},
        "countries-table": {
            "title": "Projects per recipient country", "db": db, "library": "table",
            "query": by_name["projects_per_country"].sql},
    }
    return {DASHBOARD: {
        "title": "ILAB technical cooperation projects at a glance",
        "description": "Key figures, funding per fiscal year, projects per region and per country. "
                       "A chart's title opens it alone, with its query.",
        "layout": [["projects", "funding", "countries", "organisations"],
                   ["usd-per-fiscal-year", "usd-per-fiscal-year", "projects-per-region",
                    "projects-per-region"],
                   ["countries-table", "countries-table", "countries-table", "countries-table"]],
        "charts": charts}}


def _query(canned: Canned) -> dict:
    query = {"sql": canned.sql, "title": canned.title, "description": canned.description}
    if canned.chart:
        chart = f"{DASHBOARD_PATH}/{canned.chart}"
        query["description_html"] = (
            f"<p>{canned.description}</p>"
            f'<iframe src="{chart}/embed" title="{canned.title}" class="tcps-chart" '
            f'style="width: 100%; height: 520px; border: 0"></iframe>'
            f'<p><a href="{chart}">Open the chart</a></p>')
    return query


def _table(entry: Entry) -> dict:
    table: dict = {"description": entry.comment,
                   "columns": {c.name: c.comment for c in entry.columns if c.comment}}
    units = {c.name: "USD" for c in entry.columns if is_usd(c.name)}
    if units:
        table["units"] = units
    if entry.name in HIDDEN:
        table["hidden"] = True
    if entry.name in LABELS:
        table["label_column"] = LABELS[entry.name]
    if entry.name in SORTS:
        column, descending = SORTS[entry.name]
        table["sort_desc" if descending else "sort"] = column
    if entry.name in FACETS:
        table["facets"] = FACETS[entry.name]
    if entry.name in SEARCHABLE:
        table.update(fts_table="project_search", fts_pk=SEARCHABLE[entry.name])
    return table


def metadata(db: str, entries: list[Entry]) -> dict:
    """Datasette's metadata for the database named ``db`` whose data dictionary is ``entries``."""
    tables = {entry.name: _table(entry) for entry in entries}
    for name in HIDDEN - set(tables):   # alembic_version is not described
        tables[name] = {"hidden": True}
    return {
        "title": TITLE, "description_html": DESCRIPTION_HTML,
        "source": SOURCE, "source_url": SOURCE_URL,
        "custom_units": ["USD = [currency]"],
        "databases": {db: {"description_html": DESCRIPTION_HTML, "tables": tables,
                           "queries": {c.name: _query(c) for c in CANNED}}},
        "plugins": {"datasette-dashboards": dashboard(db)},
    }
