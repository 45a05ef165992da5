"""Write query results as a table for people or as CSV, TSV, JSON or JSON Lines for programs.

Machine formats keep every row and nothing else (no row counts, no colours), written as they
come, so a result of any length takes the memory of one row; the table is for a terminal, holds
the rows it shows, and ends with a line saying how many rows there were and whether some were cut.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, TextIO

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
# tcps export's: CSV as above; JSON as rows after the column names (see tcps.export).
EXPORT_FORMATS = ("csv", "json")
_FORMAT_OF_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl",
                     ".ndjson": "jsonl"}


@dataclass
class QueryResult:
    """Column names and rows of one query. The rows may be read once only: ``tcps sql`` streams
    them from the database.

    Here, not in tcps.query: search and export make them too, without loading what running an
    analyst's SQL needs (both SQL dialects), and the CLI imports this module at start-up."""

    columns: list[str]
    rows: Iterable[tuple[Any, ...]]


def choose_format(fmt: str | None, output: Path | None, terminal: bool) -> str:
    """The format asked for; else the output file's extension (CSV for any other); else a table
    on a terminal, CSV otherwise."""
    if fmt:
        return fmt
    if output is not None:
        return _FORMAT_OF_SUFFIX.get(output.suffix.lower(), "csv")
    return "table" if terminal else "csv"


def write_result(result: QueryResult, fmt: str, out: TextIO, limit: int | None = None) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (one of `FORMATS`); a table shows the first
    ``limit`` rows (None: all) and counts the others."""
    if fmt == "table":
        _write_table(result, out, limit)
    elif fmt in ("csv", "tsv"):
        _write_delimited(result, out, "excel" if fmt == "csv" else "excel-tab")
    elif fmt == "json":
        write_json_array(_objects(result), out)
    elif fmt == "jsonl":
        for obj in _objects(result):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def write_file(result: QueryResult, fmt: str, path: Path, limit: int | None = None) -> None:
    """`write_result` into the file ``path``, through a temporary file beside it that takes its
    name once every row is in: a query that fails midway (stopped by its time limit, say)
    leaves no half-written file, and an existing one as it was."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            write_result(result, fmt, out, limit)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_json_array(items: Iterable[Any], out: TextIO) -> None:
    """A JSON array, one item a line: readable, and diffs well."""
    out.write("[")
    for i, item in enumerate(items):
        out.write((",\n " if i else "") + json.dumps(item, ensure_ascii=False))
    out.write("]\n")


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


def _objects(result: QueryResult) -> Iterator[dict[str, Any]]:
    keys = _unique(result.columns)
    return ({k: jsonable(v) for k, v in zip(keys, row, strict=True)} for row in result.rows)


def _write_delimited(result: QueryResult, out: TextIO, dialect: str) -> None:
    writer = csv.writer(out, dialect=dialect, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow("" if v is None else jsonable(v) for v in row)


def _write_table(result: QueryResult, out: TextIO, limit: int | None) -> None:
    """A boxed table that wraps long text to the terminal's width (rich does the layout)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, markup=False, highlight=False, emoji=False)
    table = Table(*result.columns, header_style="bold")
    null = Text("NULL", style="dim")
    rows = iter(result.rows)
    for row in itertools.islice(rows, limit):
        table.add_row(*(null if v is None else Text(str(jsonable(v))) for v in row))
    shown = table.row_count
    total = shown + sum(1 for _ in rows)
    console.print(table)
    if total > shown:
        note = f"{shown} of {total} rows shown (--limit {shown}); --limit 0 or --format csv for all"
    else:
        note = f"{total} row{'s' if total != 1 else ''}"
    console.print(note, soft_wrap=True)
