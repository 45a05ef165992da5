"""The summary record: the domain object every other part of tcps speaks.

Its shape is fixed by ``docs/record.md`` (format version 2). The parser builds it, the
loader stores it, and the round-trip tests rebuild it from the database. ``to_dict`` gives the
exact JSON shape of the spec, keys in the spec's order; ``from_dict`` reads it back (gold files
leave ``warnings`` out).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Funding:
    fiscal_years: list[int]
    amount: int
    currency: str = "USD"
    kind: str = "award"  # award | total | matching


@dataclass
class Metric:
    measure: str  # withdrawn | prevented | withdrawn_or_prevented | served | reached
    value: int
    unit: str


@dataclass
class Objective:
    level: str  # development | intermediate | immediate | specific | outcome
    text: str


@dataclass
class Activity:
    text: str
    country: str | None = None


@dataclass
class Partner:
    country: str | None
    name: str


@dataclass
class Contact:
    office: str | None = None
    phone: str | None = None


@dataclass
class Source:
    sha256: str
    pages: int | None = None
    url: str | None = None


@dataclass
class Record:
    title: str | None = None
    status: str | None = None
    program: str | None = None
    region: str | None = None
    countries: list[str] = field(default_factory=list)
    start_date: str | None = None
    end_date: str | None = None
    dates_revised: bool = False
    funding: list[Funding] = field(default_factory=list)
    problem: str | None = None
    results_kind: str | None = None
    results: str | None = None
    metrics: list[Metric] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    grantee: str | None = None
    partners: list[Partner] = field(default_factory=list)
    contact: Contact = field(default_factory=Contact)
    summary: str | None = None
    strategy: str | None = None
    source: Source = field(default_factory=lambda: Source(sha256=""))
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, warnings: bool = True) -> dict[str, Any]:
        out = asdict(self)
        if not warnings:
            del out["warnings"]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        return cls(
            title=d.get("title"),
            status=d.get("status"),
            program=d.get("program"),
            region=d.get("region"),
            countries=list(d.get("countries") or []),
            start_date=d.get("start_date"),
            end_date=d.get("end_date"),
            dates_revised=bool(d.get("dates_revised")),
            funding=[Funding(**f) for f in d.get("funding") or []],
            problem=d.get("problem"),
            results_kind=d.get("results_kind"),
            results=d.get("results"),
            metrics=[Metric(**m) for m in d.get("metrics") or []],
            objectives=[Objective(**o) for o in d.get("objectives") or []],
            activities=[Activity(**a) for a in d.get("activities") or []],
            grantee=d.get("grantee"),
            partners=[Partner(**p) for p in d.get("partners") or []],
            contact=Contact(**(d.get("contact") or {})),
            summary=d.get("summary"),
            strategy=d.get("strategy"),
            source=Source(**(d.get("source") or {"sha256": ""})),
            warnings=list(d.get("warnings") or []),
        )
