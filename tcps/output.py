"""Write query results as a table for people or as CSV, TSV, JSON or JSON Lines for programs.

Machine formats keep every row and nothing else (no row counts, no colours); the table is for a
terminal and ends with a line saying how many rows there were and whether some were cut.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence, TextIO

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
# tcps export's: CSV as above; JSON as rows after the column names (see tcps.export).
EXPORT_FORMATS = ("csv", "json")
_FORMAT_OF_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl",
                     ".ndjson": "jsonl"}


@dataclass
class QueryResult:
    """Column names and rows of one query; ``total`` counts every row, even ones not kept.

    Here, not in tcps.query: search and export make them too, without loading what running an
    analyst's SQL needs (both SQL dialects), and the CLI imports this module at start-up."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def choose_format(fmt: str | None, output: Path | None, terminal: bool) -> str:
    """The format asked for; else the output file's extension (CSV for any other); else a table
    on a terminal, CSV otherwise."""
    if fmt:
        return fmt
    if output is not None:
        return _FORMAT_OF_SUFFIX.get(output.suffix.lower(), "csv")
    return "table" if terminal else "csv"


def write_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (one of `FORMATS`)."""
    if fmt == "table":
        _write_table(result, out)
    elif fmt in ("csv", "tsv"):
        _write_delimited(result, out, "excel" if fmt == "csv" else "excel-tab")
    elif fmt == "json":
        write_json_array(_objects(result), out)
    elif fmt == "jsonl":
        for obj in _objects(result):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def write_json_array(items: Iterable[Any], out: TextIO) -> None:
    """A JSON array, one item a line: readable, and diffs well."""
    lines = [json.dumps(item, ensure_ascii=False) for item in items]
    out.write("[" + ",\n ".join(lines) + "]\n")


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, exact decimals as numbers, bytes as hex."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def _unique(columns: Sequence[str]) -> list[str]:
    """Column names usable as JSON keys: a repeated name gets ``_2``, ``_3`` ..."""
    seen: dict[str, int] = {}
    names = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _objects(result: QueryResult) -> list[dict[str, Any]]:
    keys = _unique(result.columns)
    return [{k: jsonable(v) for k, v in zip(keys, row, strict=True)} for row in result.rows]


def _write_delimited(result: QueryResult, out: TextIO, dialect: str) -> None:
    writer = csv.writer(out, dialect=dialect, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow("" if v is None else jsonable(v) for v in row)


def _write_table(result: QueryResult, out: TextIO) -> None:
    """A boxed table that wraps long text to the terminal's width (rich does the layout)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, markup=False, highlight=False, emoji=False)
    table = Table(*result.columns, header_style="bold")
    null = Text("NULL", style="dim")
    for row in result.rows:
        table.add_row(*(null if v is None else Text(str(jsonable(v))) for v in row))
    console.print(table)
    shown, total = len(result.rows), result.total
    if result.truncated:
        note = f"{shown} of {total} rows shown (--limit {shown}); --limit 0 or --format csv for all"
    else:
        note = f"{total} row{'s' if total != 1 else ''}"
    console.print(note, soft_wrap=True)
