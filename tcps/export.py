"""Export every table and view as CSV or JSON files plus a Frictionless ``datapackage.json``.

The data package (https://specs.frictionlessdata.io/) is what lets the export open, typed and
documented, in the tools analysts already use (frictionless, pandas via frictionless, R's
``frictionless``, Excel for the CSVs alone): one resource per table or view, its columns with
types and the data dictionary's descriptions, primary and foreign keys from the database.

What is exported is what the data dictionary describes (``tcps schema``), less the search index
(derived from the other tables) and ``data_dictionary`` itself, whose content the descriptions in
``datapackage.json`` carry; bookkeeping such as ``alembic_version`` is not described.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import ReflectedColumn

from tcps import __version__
from tcps.dictionary import Entry, data_dictionary
from tcps.errors import UsageError
from tcps.output import QueryResult, write_result
from tcps.search import is_search_index

_LEFT_OUT = {"data_dictionary"}
_TABULAR = "tabular-data-resource"

# Table Schema types of SQLAlchemy's (and of the types it reflects), first match wins.
_TYPES: list[tuple[type, str]] = [
    (sa.Boolean, "boolean"), (sa.Integer, "integer"), (sa.Numeric, "number"),
    (sa.DateTime, "datetime"), (sa.Date, "date"), (sa.Time, "time"), (sa.String, "string"),
]
# For view columns SQLite cannot type (expressions): the type of the values themselves.
_VALUE_TYPES: list[tuple[type, str]] = [
    (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
]


@dataclass
class Exported:
    """One file written: the table or view it holds and its number of rows."""

    name: str
    path: Path
    rows: int


def export(conn: Connection, folder: Path, fmt: str = "csv") -> list[Exported]:
    """Write each described table and view to ``folder`` (created if needed) and describe the
    lot in ``folder/datapackage.json``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{folder}: cannot write there ({e.strerror})") from None
    inspector = sa.inspect(conn)
    written, resources = [], []
    for entry in data_dictionary(conn):
        if entry.name in _LEFT_OUT or is_search_index(entry.name):
            continue
        columns = inspector.get_columns(entry.name)
        rows = [tuple(row) for row in conn.execute(_select_all(entry, columns, inspector))]
        path = folder / f"{entry.name}.{fmt}"
        _write(path, fmt, [c["name"] for c in columns], rows)
        written.append(Exported(entry.name, path, len(rows)))
        resources.append(_resource(entry, columns, rows, inspector, path.name, fmt))
    package = {
        "profile": "tabular-data-package" if all(r["profile"] == _TABULAR for r in resources)
                   else "data-package",
        "name": "tcps",
        "title": "ILAB Technical Cooperation Project Summaries",
        "description": "Projects of the U.S. Department of Labor's International Labor Affairs "
                       f"Bureau, as loaded by tcps {__version__} from their Technical Cooperation "
                       "Project Summaries.",
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return written


def _select_all(entry: Entry, columns: list[ReflectedColumn], inspector: sa.Inspector) -> sa.Select:
    """Every row, typed, in primary-key order (a view: in its first column's order)."""
    table = sa.table(entry.name, *(sa.column(c["name"], c["type"]) for c in columns))
    order = inspector.get_pk_constraint(entry.name)["constrained_columns"] if entry.kind == "table" else []
    return sa.select(table).order_by(*(table.c[name] for name in order or [columns[0]["name"]]))


def _write(path: Path, fmt: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """As tcps sql writes the format: CSV with a header, JSON an array of objects (which
    pandas, sqlite-utils and frictionless read as they are)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        write_result(QueryResult(names, rows), fmt, out)


def _resource(entry: Entry, columns: list[ReflectedColumn], rows: list[tuple[Any, ...]],
              inspector: sa.Inspector, filename: str, fmt: str) -> dict[str, Any]:
    comments = {c.name: c.comment for c in entry.columns}
    fields = []
    for i, column in enumerate(columns):
        field = {"name": column["name"],
                 "type": _field_type(column["type"], (row[i] for row in rows))}
        if comments.get(column["name"]):
            field["description"] = comments[column["name"]]
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields}
    if entry.kind == "table":
        schema |= _keys(entry.name, inspector)
    return {
        "name": entry.name,
        "path": filename,
        # frictionless cannot read an empty JSON array as a table (it takes the columns from the
        # first object): such a file is a plain JSON resource, its schema still given.
        "profile": "data-resource" if fmt == "json" and not rows else _TABULAR,
        "title": f"{entry.name} ({entry.kind})",
        "description": entry.comment,
        "format": fmt,
        "mediatype": "text/csv" if fmt == "csv" else "application/json",
        "encoding": "utf-8",
        "schema": schema,
    }


def _field_type(sql_type: Any, values: Iterable[Any]) -> str:
    """The Table Schema type of a column: from its SQL type, else from its values."""
    for sa_type, name in _TYPES:
        if isinstance(sql_type, sa_type):
            return name
    kinds = {next((n for t, n in _VALUE_TYPES if isinstance(v, t)), "any")
             for v in values if v is not None}
    if not kinds:
        return "string"
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "any"


def _keys(table: str, inspector: sa.Inspector) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    primary = inspector.get_pk_constraint(table)["constrained_columns"]
    if primary:
        keys["primaryKey"] = primary
    foreign = [{"fields": fk["constrained_columns"],
                "reference": {"resource": fk["referred_table"], "fields": fk["referred_columns"]}}
               for fk in inspector.get_foreign_keys(table)]
    if foreign:
        keys["foreignKeys"] = foreign
    return keys
