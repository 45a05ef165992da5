"""The analyst queries the benchmark times, on the tables of ``tcps.models``.

They are the questions analysts ask most (issues 7 and 16): money by country and year, money
per year, who works where, what was achieved per region, words in the texts. Each must answer
in under 50 ms at N = 10,000 summaries; a query whose plan needs an index shows it here first.
Sums over every project read the totals the loader stores (fiscal_year_awards, project_totals,
and funding_years through project_funding_by_year) rather than recomputing them from funding
and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Query:
    """Plain SQL, the same on both databases. ``:key`` is bound to a title key of the collection."""
    name: str
    sql: str
    params: dict[str, object] = field(default_factory=dict)

    def run(self, conn: Connection, title_key: str) -> int:
        params = {k: title_key if k == "key" else v for k, v in self.params.items()}
        return len(conn.execute(sa.text(self.sql), params).all())


@dataclass(frozen=True)
class Search:
    """``tcps search``'s own query (FTS5 on SQLite, tsvector on PostgreSQL), snippets included."""
    name: str
    words: str

    def run(self, conn: Connection, title_key: str) -> int:
        from tcps.search import search_projects   # ImportError: not there yet

        return len(search_projects(conn, self.words).rows)


QUERIES = [
    # Funding is not split by country (see the comment on project_countries): this is the
    # award money of the projects working in each country, per fiscal year.
    Query("funding by country and fiscal year", """
        SELECT pc.country_alpha3, a.fiscal_year, count(DISTINCT a.project_id) AS projects,
               sum(a.award_amount) AS award_amount
        FROM fiscal_year_awards a
        JOIN project_countries pc ON pc.project_id = a.project_id
        GROUP BY pc.country_alpha3, a.fiscal_year
        ORDER BY pc.country_alpha3, a.fiscal_year"""),
    # README's: an amount stated for several fiscal years together counts under its first year.
    Query("USD per fiscal year", """
        SELECT fiscal_year, sum(award_usd) AS award_usd
        FROM project_funding_by_year
        GROUP BY fiscal_year
        ORDER BY fiscal_year"""),
    Query("partners per country", """
        SELECT country_alpha3, count(DISTINCT organization_id) AS organizations,
               count(*) AS partnerships
        FROM partners
        WHERE role = 'implementing' AND country_alpha3 IS NOT NULL
        GROUP BY country_alpha3
        ORDER BY organizations DESC"""),
    Query("results per region", """
        SELECT p.region, r.measure, r.unit, count(DISTINCT p.id) AS projects, sum(r.value) AS people
        FROM results r JOIN projects p ON p.id = r.project_id
        GROUP BY p.region, r.measure, r.unit
        ORDER BY p.region, r.measure, r.unit"""),
    Query("children withdrawn and prevented per region", """
        SELECT p.region, count(*) AS projects, sum(t.withdrawn) AS withdrawn, sum(t.prevented) AS prevented
        FROM projects p JOIN project_totals t ON t.project_id = p.id
        GROUP BY p.region
        ORDER BY p.region"""),
    Search("full-text search", "cocoa scholarships"),
    # The analyst view counts a stated Total: once instead of adding it to its awards.
    Query("top grantees by funding (project_overview view)", """
        SELECT grantee, count(*) AS projects, sum(funding_usd) AS funding_usd
        FROM project_overview
        GROUP BY grantee
        ORDER BY funding_usd DESC LIMIT 20"""),
    Query("projects active in a year", """
        SELECT count(*) AS projects FROM projects
        WHERE start_date <= :year_end AND end_date >= :year_start""",
          params={"year_start": "2010", "year_end": "2010-12-31"}),
    Query("one project with its counts", """
        SELECT p.title, p.start_date, p.end_date,
               (SELECT count(*) FROM partners pa WHERE pa.project_id = p.id) AS partners,
               (SELECT sum(amount) FROM funding f WHERE f.project_id = p.id AND f.kind = 'award') AS funding,
               (SELECT count(*) FROM activities a WHERE a.project_id = p.id) AS activities
        FROM projects p WHERE p.title_key = :key""",
          params={"key": None}),

    Query("projects per country over time", """
        SELECT pc.country_alpha3, substr(p.start_date, 1, 4) AS start_year, count(*) AS projects
        FROM project_countries pc JOIN projects p ON p.id = pc.project_id
        GROUP BY pc.country_alpha3, substr(p.start_date, 1, 4)
        ORDER BY pc.country_alpha3, start_year"""),
]
