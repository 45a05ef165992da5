"""Show a record to a person (``tcps parse --format text``)."""
from __future__ import annotations

from tcps.record import Record


def record_as_text(r: Record) -> str:
    """Fields first, one per line, lists indented beneath them; then the warnings."""
    lines = [
        f"title:      {r.title}",
        f"status:     {r.status or '-'}",
        f"program:    {r.program or '-'}",
        f"region:     {r.region or '-'}",
        f"countries:  {', '.join(r.countries) or '-'}",
        f"dates:      {r.start_date or '?'} to {r.end_date or '?'}{' (revised)' if r.dates_revised else ''}",
        "funding:",
        *(f"  {', '.join(map(str, f.fiscal_years)) or '-':<12} {f.currency} {f.amount:>12,}  {f.kind}"
          for f in r.funding),
        f"summary:    {r.summary or '-'}",
        f"problem:    {r.problem or '-'}",
        f"strategy:   {r.strategy or '-'}",
        f"{r.results_kind or 'results'}:    {r.results or '-'}",
        "metrics:",
        *(f"  {m.measure:<24} {m.value:>8,} {m.unit}" for m in r.metrics),
        "objectives:",
        *(f"  [{o.level}] {o.text}" for o in r.objectives),
        "activities:",
        *(f"  [{a.country or '-'}] {a.text}" for a in r.activities),
        f"grantee:    {r.grantee or '-'}",
        "partners:",
        *(f"  [{p.country or '-'}] {p.name}" for p in r.partners),
        f"contact:    {r.contact.office or '-'} {r.contact.phone or ''}".rstrip(),
        f"source:     sha256 {r.source.sha256}, pages {r.source.pages or '?'}"
        + (f", url {r.source.url}" if r.source.url else ""),
        "warnings:" if r.warnings else "warnings:   none",
        *(f"  - {w}" for w in r.warnings),
    ]
    return "\n".join(lines)
