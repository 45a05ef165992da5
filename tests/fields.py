"""Field-by-field comparison of a printed record with its gold record (the JSON shape of the
record contract, format version 2).

A failing corpus test then names the fields that differ instead of one long dict diff. Text
fields are compared with whitespace collapsed (line breaks inside a value are the layout's, not
the record's); funding, metrics and partners as multisets (their order carries no meaning);
everything else exactly. A key a version-1 gold leaves out (summary, strategy, source.url)
means null.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

TEXT = ("problem", "results", "summary", "strategy")
UNORDERED = ("funding", "metrics", "partners")
EXACT = ("title", "status", "program", "region", "countries", "start_date", "end_date",
         "dates_revised", "results_kind", "objectives", "activities", "grantee", "contact")
SOURCE = ("sha256", "pages", "url")


def _text(value: Any) -> str | None:
    return None if value is None else re.sub(r"\s+", " ", str(value)).strip()


def _multiset(items: list[Any] | None) -> Counter[str]:
    return Counter(json.dumps(item, sort_keys=True) for item in items or [])


def differing_fields(gold: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """The names of the fields where ``got`` is not ``gold``, in the record's order."""
    wrong = [k for k in EXACT if gold.get(k) != got.get(k)]
    wrong += [k for k in TEXT if _text(gold.get(k)) != _text(got.get(k))]
    wrong += [k for k in UNORDERED if _multiset(gold.get(k)) != _multiset(got.get(k))]
    gs, hs = gold.get("source") or {}, got.get("source") or {}
    wrong += ["source"] if any(gs.get(k) != hs.get(k) for k in SOURCE) else []
    return wrong
