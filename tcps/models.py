"""The database schema: one table per concept of a summary, each described for analysts.

Every table and column carries a comment: PostgreSQL stores them natively, and the migrations
also copy them into the ``data_dictionary`` table so that SQLite keeps them too and
``tcps schema`` prints them from the database on either. Schema changes go through alembic
(``migrations/versions``); ``metadata`` is what autogenerate compares against.

The tables are plain SQLAlchemy Core: tcps writes and reads them with Core statements and maps
no rows to objects, so it does not import the ORM, which a no-op ``tcps refresh`` would pay for
at every start.

Child rows of a project are keyed by ``(project_id, position)``: the position is the item's
place in the summary, so the record is rebuilt in order and the loader inserts them with plain
``executemany`` without waiting for generated ids.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, DateTime, ForeignKey,
                        ForeignKeyConstraint, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

# Named constraints: batch migrations on SQLite can only drop or alter a constraint by name. Typed
# for mypy, which cannot infer it through the import cycle with tcps.models_runs.
metadata: MetaData = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _project_fk() -> Column[int]:
    return Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
                  comment="The project (projects.id).")


def _position(what: str) -> Column[int]:
    return Column("position", Integer, primary_key=True,
                  comment=f"Place of the {what} in the summary, from 1, in printed order.")


sources = Table(
    "source_documents", metadata,
    Column("id", Integer, primary_key=True, comment="Surrogate key."),
    Column("path", Text, nullable=False, comment="Path of the file when it was first loaded."),
    Column("sha256", String(64), nullable=False, unique=True,
           comment="SHA-256 of the file's bytes, hex: identifies the document."),
    Column("size_bytes", BigInteger, nullable=False, comment="Size of the file in bytes."),
    Column("format", String(4), nullable=False,
           comment="What the file is, told by its bytes: 'text', 'pdf' or 'html' (a web page)."),
    Column("url", Text, comment="A web page's own address as it states it (canonical link, else og:url); "
                                "NULL for text and PDF summaries and pages that state none."),
    Column("pages", Integer,
           comment="Number of pages, from the 'Page N of M' footers; NULL where none is printed."),
    Column("raw_text", Text,
           comment="The full text the parser read (a text file decoded, line ends normalised; "
                   "a web page's HTML); NULL where no text form was kept (PDF)."),
    Column("parser_version", String(20), nullable=False,
           comment="tcps.PARSER_VERSION that read it: a newer parser re-reads older sources."),
    Column("warnings", Text, nullable=False,
           comment="What the parser could not place, as a JSON array of strings; '[]' for a clean parse."),
    Column("loaded_at", DateTime(timezone=True), nullable=False, comment="When it was loaded (UTC)."),
    CheckConstraint("format IN ('text', 'pdf', 'html')", name="format"),
    comment="Each summary file loaded, byte for byte identified by its SHA-256, with its "
            "full text: the evidence behind every project row.",
)

projects = Table(
    "projects", metadata,
    Column("id", Integer, primary_key=True, comment="Surrogate key, stable across reloads."),
    Column("title_key", Text, nullable=False, unique=True,
           comment="The title case-folded, punctuation and status markers dropped, "
                   "spaces collapsed: what makes two summaries one project."),
    Column("title", Text, nullable=False, comment="The project title as printed."),
    Column("status", String(9), comment="'closed' where marked (CLOSED), 'completed' where the duration "
                                        "says Completed, else NULL."),
    Column("program", Text, comment="The ILAB PROGRAM line, where printed."),
    Column("region", Text,
           comment="Region as printed (EUROPE, GLOBAL ...); NULL where only countries are printed."),
    Column("ilab_region", Text,
           comment="ILAB's region: Africa, Asia and the Pacific, Europe and Eurasia, Latin America "
                   "and the Caribbean, Middle East and North Africa or Global; from the printed "
                   "region, else from the countries (Global where they span two regions)."),
    Column("start_date", String(10),
           comment="Start date in ISO 8601 at the printed precision: YYYY-MM-DD, or YYYY-MM "
                   "where no day is printed (no day is invented). Sorts as text."),
    Column("end_date", String(10), comment="End date, same format and precision rule as start_date."),
    Column("dates_revised", Boolean, nullable=False, comment="True where the duration is marked (revised)."),
    Column("summary", Text, comment="A project web page's overview paragraphs (before The Problem); NULL "
                                    "for text and PDF summaries, which have none."),
    Column("problem", Text, comment="PROBLEM TO BE ADDRESSED text."),
    Column("strategy", Text, comment="A project web page's Our Strategy prose (its lists are in objectives "
                                     "and activities); NULL where there is none."),
    Column("results_kind", String(7), comment="'results' or 'targets': which heading the results text had."),
    Column("results_text", Text, comment="The RESULTS or TARGETS text; its counts are in the results table."),
    Column("contact_office", Text, comment="Contact office as printed."),
    Column("contact_phone", Text, comment="Contact telephone as printed."),
    Column("source_document_id", Integer, ForeignKey("source_documents.id"), nullable=False, index=True,
           comment="The summary this row was loaded from (source_documents.id)."),
    Column("record_sha256", String(64), nullable=False,
           comment="SHA-256 of the parsed record: an equal record reloads as unchanged."),
    CheckConstraint("status IN ('closed', 'completed')", name="status"),
    CheckConstraint("results_kind IN ('results', 'targets')", name="results_kind"),
    # Lets a query over project_countries take each project's start date from the index
    # rather than from the project's row (which holds its texts).
    Index("ix_projects_id_start_date", "id", "start_date"),
    comment="One row per project. Two summaries are the same project when their titles "
            "match ignoring case, punctuation, status markers and spacing (title_key); "
            "a newer summary updates the row.",
)

project_sources = Table(
    "project_sources", metadata,
    _project_fk(),
    Column("source_document_id", Integer, ForeignKey("source_documents.id", ondelete="CASCADE"),
           primary_key=True, index=True, comment="A summary it was loaded from (source_documents.id)."),
    comment="Every summary each project was loaded from (a PDF summary and the project's web page, "
            "a revised summary ...): the project's fields come from the one loaded last "
            "(projects.source_document_id).",
)

countries = Table(
    "countries", metadata,
    Column("alpha3", String(3), primary_key=True, comment="ISO 3166-1 alpha-3 code."),
    Column("alpha2", String(2), nullable=False, unique=True, comment="ISO 3166-1 alpha-2 code."),
    Column("name", Text, nullable=False, comment="Canonical short English name."),
    comment="ISO 3166-1 countries named by the loaded summaries, however they were spelled there.",
)

project_countries = Table(
    "project_countries", metadata,
    _project_fk(),
    _position("country"),
    Column("country_alpha3", String(3), ForeignKey("countries.alpha3"), nullable=False, index=True,
           comment="The country (countries.alpha3)."),
    UniqueConstraint("project_id", "country_alpha3"),
    comment="Recipient countries of each project, in printed order. A project's funding "
            "is not split by country: never sum funding over this table. Nor results: a "
            "project's counts are not split by country either (see results_by_country).",
)

organizations = Table(
    "organizations", metadata,
    Column("id", Integer, primary_key=True, comment="Surrogate key."),
    Column("name", Text, nullable=False, comment="The name as first printed in a loaded summary."),
    Column("country_alpha3", String(3), ForeignKey("countries.alpha3"),
           comment="Country the organisation is listed under (countries.alpha3); NULL for grantees "
                   "and partners listed without a country."),
    Column("name_key", Text, nullable=False, index=True,
           comment="The name case-folded, quotes and punctuation dropped, spaces "
                   "collapsed: equal for every spelling of one name."),
    Column("match_key", Text, nullable=False, unique=True,
           comment="name_key, then ' @' and the country code where there is one: "
                   "what makes two listings one organisation."),
    comment="One row per organisation (grantee or implementing partner) across all projects. "
            "Spellings differing only in case, quotes, punctuation or spacing are one row; different "
            "names are never merged, nor the same name listed under two countries (each country's "
            "Ministry of Health is its own row).",
)

partners = Table(
    "partners", metadata,
    _project_fk(),
    Column("position", Integer, primary_key=True,
           comment="0 for the grantee; implementing partners from 1 in printed order."),
    Column("organization_id", Integer, ForeignKey("organizations.id"), nullable=False, index=True,
           comment="The organisation (organizations.id)."),
    Column("role", String(12), nullable=False, comment="'grantee' or 'implementing'."),
    Column("country_alpha3", String(3), ForeignKey("countries.alpha3"),
           comment="Country the partner is listed under (countries.alpha3); NULL where none is stated."),
    Column("name", Text, nullable=False, comment="The name exactly as printed in this summary."),
    CheckConstraint("role IN ('grantee', 'implementing')", name="role"),
    comment="Organisations working on a project: its grantee (position 0) and its "
            "implementing partners (from position 1), with the country they work in.",
)

funding = Table(
    "funding", metadata,
    _project_fk(),
    _position("amount"),
    Column("amount", BigInteger, nullable=False, comment="Amount in whole currency units."),
    Column("currency", String(3), nullable=False, comment="ISO 4217 currency code ($ is USD)."),
    Column("kind", String(8), nullable=False,
           comment="'award' (a fiscal year's funding), 'total' (a stated Total:) or "
                   "'matching' (matching funds or cost share)."),
    CheckConstraint("kind IN ('award', 'total', 'matching')", name="kind"),
    comment="One row per amount stated in FISCAL YEAR & FUNDING LEVEL. A 'total' row "
            "restates the award rows: never add it to them.",
)

fiscal_years = Table(
    "funding_fiscal_years", metadata,
    Column("project_id", Integer, primary_key=True, comment="The project (projects.id)."),
    Column("funding_position", Integer, primary_key=True,
           comment="The amount (funding.position of the same project)."),
    Column("fiscal_year", Integer, primary_key=True, comment="U.S. federal fiscal year, e.g. 2003."),
    ForeignKeyConstraint(["project_id", "funding_position"],
                         ["funding.project_id", "funding.position"], ondelete="CASCADE"),
    comment="The fiscal years an amount is stated for. An amount stated for several years "
            "together (FY 1997 & FY1998) has several rows and cannot be split between them.",
)

results = Table(
    "results", metadata,
    _project_fk(),
    _position("count"),
    Column("measure", String(22), nullable=False,
           comment="withdrawn, prevented, withdrawn_or_prevented, served or reached."),
    Column("value", BigInteger, nullable=False, comment="The number of people."),
    Column("unit", String(20), nullable=False,
           comment="What is counted: children, youth, households, families, adults, workers, people."),
    CheckConstraint("measure IN ('withdrawn', 'prevented', 'withdrawn_or_prevented', "
                    "'served', 'reached')", name="measure"),
    comment="One row per count of people stated in the RESULTS or TARGETS text. A "
            "'withdrawn_or_prevented' count covers both and may be followed by its split: "
            "do not add it to the withdrawn and prevented rows. Counts are stated for the "
            "whole project, not per country: never sum them over a join with "
            "project_countries (a project's count would be added once per country); "
            "results_by_country gives each count once.",
)

objectives = Table(
    "objectives", metadata,
    _project_fk(),
    _position("objective"),
    Column("level", String(20), nullable=False,
           comment="development, intermediate, immediate, specific or outcome."),
    Column("text", Text, nullable=False, comment="The objective's text."),
    comment="Project objectives, one row per item, in printed order.",
)

activities = Table(
    "activities", metadata,
    _project_fk(),
    _position("activity"),
    Column("text", Text, nullable=False, comment="The activity's text."),
    Column("country_alpha3", String(3), ForeignKey("countries.alpha3"),
           comment="Country subheading the item stands under (countries.alpha3); NULL where none."),
    comment="Summary of activities, one row per item, in printed order.",
)

data_dictionary = Table(
    "data_dictionary", metadata,
    Column("object_name", String(63), primary_key=True, comment="Table or view name."),
    Column("column_name", String(63), primary_key=True,
           comment="Column name; '' for the table or view itself."),
    Column("comment", Text, nullable=False, comment="What it holds, for analysts."),
    Column("type", Text, comment="A view column's type, which SQLite cannot report for a computed column; "
                                 "NULL for tables, whose types the database reports."),
    comment="What every table, view and column means: the comments of the "
            "schema, kept as rows so that SQLite holds them too.",
)

project_totals = Table(
    "project_totals", metadata,
    _project_fk(),
    Column("funding_usd", BigInteger,
           comment="Total USD funding: the stated Total: where there is one, else the sum of "
                   "the award amounts (never both); NULL where no USD amount is stated."),
    Column("matching_usd", BigInteger,
           comment="Matching funds / cost share in USD; NULL where none is stated."),
    Column("withdrawn", BigInteger,
           comment="Sum of the counts stated as withdrawn (results.measure), any unit."),
    Column("prevented", BigInteger, comment="Sum of the counts stated as prevented, any unit."),
    Column("withdrawn_or_prevented", BigInteger,
           comment="Sum of the counts stated as withdrawn or prevented together."),
    comment="One row per project: its funding and results summed from funding and "
            "results, written by the loader with them (project_overview reads "
            "it). Funding is not split by country: never sum it over "
            "project_countries.",
)

fiscal_year_awards = Table(
    "fiscal_year_awards", metadata,
    _project_fk(),
    Column("fiscal_year", Integer, primary_key=True,
           comment="U.S. federal fiscal year (funding_fiscal_years.fiscal_year)."),
    Column("currency", String(3), primary_key=True, comment="ISO 4217 currency code."),
    Column("award_amount", BigInteger, nullable=False,
           comment="The award amounts stated for this fiscal year, summed; an amount stated "
                   "for several years together counts in each of them."),
    comment="The award money of each project per fiscal year and currency (funding "
            "rows of kind 'award' by funding_fiscal_years), written by the loader "
            "with them. An amount stated for several fiscal years together counts "
            "in each: do not add up years. Not split by country: never sum it "
            "over project_countries.",
)

funding_years = Table(
    "funding_years", metadata,
    _project_fk(),
    Column("position", Integer, primary_key=True,
           comment="Place of the row in the project, from 1, by fiscal_year then fiscal_years."),
    Column("fiscal_year", Integer,
           comment="The (first) fiscal year of the amounts; NULL where none is stated."),
    Column("fiscal_years", Text, comment="Every fiscal year the amounts are stated for, joined by ' & '."),
    Column("award_usd", BigInteger, comment="Award amounts for these fiscal years, USD."),
    Column("matching_usd", BigInteger, comment="Matching funds / cost share for these fiscal years, USD."),
    comment="The rows of project_funding_by_year (USD funding per project and the "
            "fiscal years an amount is stated for, Total: rows left out), written "
            "by the loader with the funding rows. Not split by country: never sum "
            "it over project_countries.",
)

# Child tables of a project, in an order that respects their foreign keys when inserting; the
# last three are totals of the others.
CHILD_TABLES = [project_countries, partners, funding, fiscal_years, results, objectives, activities,
                project_totals, fiscal_year_awards, funding_years]

# The refresh's bookkeeping lives in its own module; imported here so that ``metadata``, which
# alembic compares against, holds every table.
from tcps.models_runs import load_errors, load_runs, watched_files  # noqa: E402,F401
