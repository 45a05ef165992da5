"""The database schema: one table per concept of a summary, each described for analysts.

Every table and column carries a comment: PostgreSQL stores them natively, and the migrations
also copy them into the ``data_dictionary`` table so that SQLite keeps them too and
``tcps schema`` prints them from the database on either. Schema changes go through alembic
(``migrations/versions``); this module is what autogenerate compares against.

Child rows of a project are keyed by ``(project_id, position)``: the position is the item's
place in the summary, so the record is rebuilt in order and the loader inserts them with plain
``executemany`` without waiting for generated ids.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey,
                        ForeignKeyConstraint, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints: batch migrations on SQLite can only drop or alter a constraint by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _project_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
                         comment="The project (projects.id).")


def _position(what: str) -> Mapped[int]:
    return mapped_column(Integer, primary_key=True,
                         comment=f"Place of the {what} in the summary, from 1, in printed order.")


class SourceDocument(Base):
    __tablename__ = "source_documents"
    __table_args__ = (
        CheckConstraint("format IN ('text', 'pdf', 'html')", name="format"),
        {"comment": "Each summary file loaded, byte for byte identified by its SHA-256, with its "
                    "full text: the evidence behind every project row."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    path: Mapped[str] = mapped_column(Text, comment="Path of the file when it was first loaded.")
    sha256: Mapped[str] = mapped_column(String(64), unique=True,
                                        comment="SHA-256 of the file's bytes, hex: identifies the document.")
    size_bytes: Mapped[int] = mapped_column(BigInteger, comment="Size of the file in bytes.")
    format: Mapped[str] = mapped_column(
        String(4), comment="What the file is, told by its bytes: 'text', 'pdf' or 'html' (a web page).")
    url: Mapped[str | None] = mapped_column(
        Text, comment="A web page's own address as it states it (canonical link, else og:url); "
                      "NULL for text and PDF summaries and pages that state none.")
    pages: Mapped[int | None] = mapped_column(
        Integer, comment="Number of pages, from the 'Page N of M' footers; NULL where none is printed.")
    raw_text: Mapped[str | None] = mapped_column(
        Text, comment="The full text the parser read (a text file decoded, line ends normalised; "
                      "a web page's HTML); NULL where no text form was kept (PDF).")
    parser_version: Mapped[str] = mapped_column(
        String(20), comment="tcps.PARSER_VERSION that read it: a newer parser re-reads older sources.")
    warnings: Mapped[str] = mapped_column(
        Text, comment="What the parser could not place, as a JSON array of strings; '[]' for a clean parse.")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                comment="When it was loaded (UTC).")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("status IN ('closed', 'completed')", name="status"),
        CheckConstraint("results_kind IN ('results', 'targets')", name="results_kind"),
        # Lets a query over project_countries take each project's start date from the index
        # rather than from the project's row (which holds its texts).
        Index("ix_projects_id_start_date", "id", "start_date"),
        {"comment": "One row per project. Two summaries are the same project when their titles "
                    "match ignoring case, punctuation, status markers and spacing (title_key); "
                    "a newer summary updates the row."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key, stable across reloads.")
    title_key: Mapped[str] = mapped_column(
        Text, unique=True, comment="The title case-folded, punctuation and status markers dropped, "
                                   "spaces collapsed: what makes two summaries one project.")
    title: Mapped[str] = mapped_column(Text, comment="The project title as printed.")
    status: Mapped[str | None] = mapped_column(
        String(9), comment="'closed' where marked (CLOSED), 'completed' where the duration says "
                           "Completed, else NULL.")
    program: Mapped[str | None] = mapped_column(Text, comment="The ILAB PROGRAM line, where printed.")
    region: Mapped[str | None] = mapped_column(
        Text, comment="Region as printed (EUROPE, GLOBAL ...); NULL where only countries are printed.")
    ilab_region: Mapped[str | None] = mapped_column(
        Text, comment="ILAB's region: Africa, Asia and the Pacific, Europe and Eurasia, Latin America "
                      "and the Caribbean, Middle East and North Africa or Global; from the printed "
                      "region, else from the countries (Global where they span two regions).")
    start_date: Mapped[str | None] = mapped_column(
        String(10), comment="Start date in ISO 8601 at the printed precision: YYYY-MM-DD, or YYYY-MM "
                            "where no day is printed (no day is invented). Sorts as text.")
    end_date: Mapped[str | None] = mapped_column(
        String(10), comment="End date, same format and precision rule as start_date.")
    dates_revised: Mapped[bool] = mapped_column(
        Boolean, comment="True where the duration is marked (revised).")
    summary: Mapped[str | None] = mapped_column(
        Text, comment="A project web page's overview paragraphs (before The Problem); NULL for "
                      "text and PDF summaries, which have none.")
    problem: Mapped[str | None] = mapped_column(Text, comment="PROBLEM TO BE ADDRESSED text.")
    strategy: Mapped[str | None] = mapped_column(
        Text, comment="A project web page's Our Strategy prose (its lists are in objectives and "
                      "activities); NULL where there is none.")
    results_kind: Mapped[str | None] = mapped_column(
        String(7), comment="'results' or 'targets': which heading the results text had.")
    results_text: Mapped[str | None] = mapped_column(
        Text, comment="The RESULTS or TARGETS text; its counts are in the results table.")
    contact_office: Mapped[str | None] = mapped_column(Text, comment="Contact office as printed.")
    contact_phone: Mapped[str | None] = mapped_column(Text, comment="Contact telephone as printed.")
    source_document_id: Mapped[int] = mapped_column(
        ForeignKey("source_documents.id"), index=True,
        comment="The summary this row was loaded from (source_documents.id).")
    record_sha256: Mapped[str] = mapped_column(
        String(64), comment="SHA-256 of the parsed record: an equal record reloads as unchanged.")


class ProjectSource(Base):
    __tablename__ = "project_sources"
    __table_args__ = {"comment": "Every summary each project was loaded from (a PDF summary and "
                                 "the project's web page, a revised summary ...): the project's "
                                 "fields come from the one loaded last (projects.source_document_id)."}

    project_id: Mapped[int] = _project_fk()
    source_document_id: Mapped[int] = mapped_column(
        ForeignKey("source_documents.id", ondelete="CASCADE"), primary_key=True, index=True,
        comment="A summary it was loaded from (source_documents.id).")


class Country(Base):
    __tablename__ = "countries"
    __table_args__ = {"comment": "ISO 3166-1 countries named by the loaded summaries, "
                                 "however they were spelled there."}

    alpha3: Mapped[str] = mapped_column(String(3), primary_key=True, comment="ISO 3166-1 alpha-3 code.")
    alpha2: Mapped[str] = mapped_column(String(2), unique=True, comment="ISO 3166-1 alpha-2 code.")
    name: Mapped[str] = mapped_column(Text, comment="Canonical short English name.")


class ProjectCountry(Base):
    __tablename__ = "project_countries"
    __table_args__ = (
        UniqueConstraint("project_id", "country_alpha3"),
        {"comment": "Recipient countries of each project, in printed order. A project's funding "
                    "is not split by country: never sum funding over this table. Nor results: a "
                    "project's counts are not split by country either (see results_by_country)."},
    )

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = _position("country")
    country_alpha3: Mapped[str] = mapped_column(
        ForeignKey("countries.alpha3"), index=True, comment="The country (countries.alpha3).")


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = {"comment": "One row per organisation (grantee or implementing partner) across "
                                 "all projects. Spellings differing only in case, quotes, "
                                 "punctuation or spacing are one row; different names are never "
                                 "merged, nor the same name listed under two countries (each "
                                 "country's Ministry of Health is its own row)."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    name: Mapped[str] = mapped_column(Text, comment="The name as first printed in a loaded summary.")
    country_alpha3: Mapped[str | None] = mapped_column(
        ForeignKey("countries.alpha3"),
        comment="Country the organisation is listed under (countries.alpha3); NULL for grantees "
                "and partners listed without a country.")
    name_key: Mapped[str] = mapped_column(
        Text, index=True, comment="The name case-folded, quotes and punctuation dropped, spaces "
                                  "collapsed: equal for every spelling of one name.")
    match_key: Mapped[str] = mapped_column(
        Text, unique=True, comment="name_key, then ' @' and the country code where there is one: "
                                   "what makes two listings one organisation.")


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint("role IN ('grantee', 'implementing')", name="role"),
        {"comment": "Organisations working on a project: its grantee (position 0) and its "
                    "implementing partners (from position 1), with the country they work in."},
    )

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = mapped_column(
        Integer, primary_key=True,
        comment="0 for the grantee; implementing partners from 1 in printed order.")
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True, comment="The organisation (organizations.id).")
    role: Mapped[str] = mapped_column(String(12), comment="'grantee' or 'implementing'.")
    country_alpha3: Mapped[str | None] = mapped_column(
        ForeignKey("countries.alpha3"),
        comment="Country the partner is listed under (countries.alpha3); NULL where none is stated.")
    name: Mapped[str] = mapped_column(Text, comment="The name exactly as printed in this summary.")


class Funding(Base):
    __tablename__ = "funding"
    __table_args__ = (
        CheckConstraint("kind IN ('award', 'total', 'matching')", name="kind"),
        {"comment": "One row per amount stated in FISCAL YEAR & FUNDING LEVEL. A 'total' row "
                    "restates the award rows: never add it to them."},
    )

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = _position("amount")
    amount: Mapped[int] = mapped_column(BigInteger, comment="Amount in whole currency units.")
    currency: Mapped[str] = mapped_column(String(3), comment="ISO 4217 currency code ($ is USD).")
    kind: Mapped[str] = mapped_column(
        String(8), comment="'award' (a fiscal year's funding), 'total' (a stated Total:) or "
                           "'matching' (matching funds or cost share).")


class FundingFiscalYear(Base):
    __tablename__ = "funding_fiscal_years"
    __table_args__ = (
        ForeignKeyConstraint(["project_id", "funding_position"],
                             ["funding.project_id", "funding.position"], ondelete="CASCADE"),
        {"comment": "The fiscal years an amount is stated for. An amount stated for several years "
                    "together (FY 1997 & FY1998) has several rows and cannot be split between them."},
    )

    project_id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="The project (projects.id).")
    funding_position: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="The amount (funding.position of the same project).")
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True,
                                             comment="U.S. federal fiscal year, e.g. 2003.")


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (
        CheckConstraint("measure IN ('withdrawn', 'prevented', 'withdrawn_or_prevented', "
                        "'served', 'reached')", name="measure"),
        {"comment": "One row per count of people stated in the RESULTS or TARGETS text. A "
                    "'withdrawn_or_prevented' count covers both and may be followed by its split: "
                    "do not add it to the withdrawn and prevented rows. Counts are stated for the "
                    "whole project, not per country: never sum them over a join with "
                    "project_countries (a project's count would be added once per country); "
                    "results_by_country gives each count once."},
    )

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = _position("count")
    measure: Mapped[str] = mapped_column(
        String(22), comment="withdrawn, prevented, withdrawn_or_prevented, served or reached.")
    value: Mapped[int] = mapped_column(BigInteger, comment="The number of people.")
    unit: Mapped[str] = mapped_column(
        String(20),
        comment="What is counted: children, youth, households, families, adults, workers, people.")


class Objective(Base):
    __tablename__ = "objectives"
    __table_args__ = {"comment": "Project objectives, one row per item, in printed order."}

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = _position("objective")
    level: Mapped[str] = mapped_column(
        String(20), comment="development, intermediate, immediate, specific or outcome.")
    text: Mapped[str] = mapped_column(Text, comment="The objective's text.")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = {"comment": "Summary of activities, one row per item, in printed order."}

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = _position("activity")
    text: Mapped[str] = mapped_column(Text, comment="The activity's text.")
    country_alpha3: Mapped[str | None] = mapped_column(
        ForeignKey("countries.alpha3"),
        comment="Country subheading the item stands under (countries.alpha3); NULL where none.")


class DataDictionary(Base):
    __tablename__ = "data_dictionary"
    __table_args__ = {"comment": "What every table, view and column means: the comments of the "
                                 "schema, kept as rows so that SQLite holds them too."}

    object_name: Mapped[str] = mapped_column(String(63), primary_key=True,
                                             comment="Table or view name.")
    column_name: Mapped[str] = mapped_column(
        String(63), primary_key=True, comment="Column name; '' for the table or view itself.")
    comment: Mapped[str] = mapped_column(Text, comment="What it holds, for analysts.")
    type: Mapped[str | None] = mapped_column(
        Text, comment="A view column's type, which SQLite cannot report for a computed column; "
                      "NULL for tables, whose types the database reports.")


class ProjectTotals(Base):
    __tablename__ = "project_totals"
    __table_args__ = {"comment": "One row per project: its funding and results summed from funding and "
                                 "results, written by the loader with them (project_overview reads "
                                 "it). Funding is not split by country: never sum it over "
                                 "project_countries."}

    project_id: Mapped[int] = _project_fk()
    funding_usd: Mapped[int | None] = mapped_column(
        BigInteger, comment="Total USD funding: the stated Total: where there is one, else the sum of "
                            "the award amounts (never both); NULL where no USD amount is stated.")
    matching_usd: Mapped[int | None] = mapped_column(
        BigInteger, comment="Matching funds / cost share in USD; NULL where none is stated.")
    withdrawn: Mapped[int | None] = mapped_column(
        BigInteger, comment="Sum of the counts stated as withdrawn (results.measure), any unit.")
    prevented: Mapped[int | None] = mapped_column(
        BigInteger, comment="Sum of the counts stated as prevented, any unit.")
    withdrawn_or_prevented: Mapped[int | None] = mapped_column(
        BigInteger, comment="Sum of the counts stated as withdrawn or prevented together.")


class FiscalYearAward(Base):
    __tablename__ = "fiscal_year_awards"
    __table_args__ = {"comment": "The award money of each project per fiscal year and currency (funding "
                                 "rows of kind 'award' by funding_fiscal_years), written by the loader "
                                 "with them. An amount stated for several fiscal years together counts "
                                 "in each: do not add up years. Not split by country: never sum it "
                                 "over project_countries."}

    project_id: Mapped[int] = _project_fk()
    fiscal_year: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="U.S. federal fiscal year (funding_fiscal_years.fiscal_year).")
    currency: Mapped[str] = mapped_column(String(3), primary_key=True, comment="ISO 4217 currency code.")
    award_amount: Mapped[int] = mapped_column(
        BigInteger, comment="The award amounts stated for this fiscal year, summed; an amount stated "
                            "for several years together counts in each of them.")


class FundingYears(Base):
    __tablename__ = "funding_years"
    __table_args__ = {"comment": "The rows of project_funding_by_year (USD funding per project and the "
                                 "fiscal years an amount is stated for, Total: rows left out), written "
                                 "by the loader with the funding rows. Not split by country: never sum "
                                 "it over project_countries."}

    project_id: Mapped[int] = _project_fk()
    position: Mapped[int] = mapped_column(
        Integer, primary_key=True,
        comment="Place of the row in the project, from 1, by fiscal_year then fiscal_years.")
    fiscal_year: Mapped[int | None] = mapped_column(
        Integer, comment="The (first) fiscal year of the amounts; NULL where none is stated.")
    fiscal_years: Mapped[str | None] = mapped_column(
        Text, comment="Every fiscal year the amounts are stated for, joined by ' & '.")
    award_usd: Mapped[int | None] = mapped_column(
        BigInteger, comment="Award amounts for these fiscal years, USD.")
    matching_usd: Mapped[int | None] = mapped_column(
        BigInteger, comment="Matching funds / cost share for these fiscal years, USD.")


# Child tables of a project, in an order that respects their foreign keys when inserting; the
# last three are totals of the others.
PROJECT_CHILDREN = (ProjectCountry, Partner, Funding, FundingFiscalYear, Result, Objective, Activity,
                    ProjectTotals, FiscalYearAward, FundingYears)


# --- the tables, typed -------------------------------------------------------------------------
# ``Model.__table__`` is typed as a read-only FromClause (no insert, update or delete for the type
# checker): the code that writes SQL Core statements takes these ``Table`` objects instead.

# The refresh's bookkeeping lives in its own module; imported here so that Base.metadata, which
# alembic compares against, holds every table.
from tcps.models_runs import LoadError, LoadRun, WatchedFile  # noqa: E402


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


projects = _table(Project)
sources = _table(SourceDocument)
countries = _table(Country)
organizations = _table(Organization)
project_countries = _table(ProjectCountry)
project_sources = _table(ProjectSource)
partners = _table(Partner)
funding = _table(Funding)
fiscal_years = _table(FundingFiscalYear)
results = _table(Result)
objectives = _table(Objective)
activities = _table(Activity)
project_totals = _table(ProjectTotals)
fiscal_year_awards = _table(FiscalYearAward)
funding_years = _table(FundingYears)
watched_files = _table(WatchedFile)
load_runs = _table(LoadRun)
load_errors = _table(LoadError)
CHILD_TABLES = [_table(m) for m in PROJECT_CHILDREN]
