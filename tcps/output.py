"""Write query results as a table for people or as CSV, TSV, JSON or JSON Lines for programs.

Machine formats keep the values and nothing else (no row counts, no colours, no thousands
separators); the table is for people on a terminal: numbers right-aligned with thousands
separators, marked words in bold, and a last line saying how many rows there were and whether
some were cut.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence, TextIO

from tcps.errors import UsageError

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
# tcps export's: CSV and JSON as above.
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
    # Text between two of these is emphasised in a table (search's matched words); None: no marks.
    mark: str | None = None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def choose_format(fmt: str | None, output: Path | None, terminal: bool) -> str:
    """The format asked for; else the output file's extension (UsageError for one that names no
    format: a .xlsx holding CSV would fool its reader); else a table on a terminal, CSV otherwise."""
    if fmt:
        return fmt
    if output is not None:
        if output.suffix.lower() not in _FORMAT_OF_SUFFIX:
            raise UsageError(f"{output}: no format has the extension {output.suffix or '(none)'!r}: "
                             f"name the file {', '.join(sorted(_FORMAT_OF_SUFFIX))} or give --format "
                             f"({', '.join(FORMATS)})")
        return _FORMAT_OF_SUFFIX[output.suffix.lower()]
    return "table" if terminal else "csv"


def write_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (one of `FORMATS`)."""
    if fmt == "table":
        _write_table(result, out)
    elif fmt in ("csv", "tsv"):
        _write_delimited(result, out, "excel" if fmt == "csv" else "excel-tab")
    elif fmt == "json":
        _write_json_array(_objects(result), out)
    elif fmt == "jsonl":
        for obj in _objects(result):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _write_json_array(items: Iterable[Any], out: TextIO) -> None:
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

    console = Console(file=out, markup=False, highlight=False, emoji=False)
    table = Table(header_style="bold")
    for i, name in enumerate(result.columns):
        numeric = any(_is_number(row[i]) for row in result.rows) and all(
            v is None or _is_number(v) for v in (row[i] for row in result.rows))
        table.add_column(name, justify="right" if numeric else "left")
    for row in result.rows:
        table.add_row(*(_cell(name, v, result.mark) for name, v in zip(result.columns, row, strict=True)))
    console.print(table)
    shown, total = len(result.rows), result.total
    if result.truncated:
        note = f"{shown:,} of {total:,} rows shown (--limit {shown}); --limit 0 or --format csv for all"
    else:
        note = f"{total:,} row{'s' if total != 1 else ''}"
    console.print(note, soft_wrap=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell(column: str, value: Any, mark: str | None) -> Any:
    """One value as a table shows it: NULL dimmed; a quantity with thousands separators (not an
    id or a year, which are names, not amounts); marked words in bold."""
    from rich.text import Text

    if value is None:
        return Text("NULL", style="dim")
    if _is_number(value) and not _NOT_AMOUNTS.search(column):
        return Text(f"{jsonable(value):,}")
    text = str(jsonable(value))
    if not mark or mark not in text:
        return Text(text)
    cell = Text()
    for i, part in enumerate(text.split(mark)):
        cell.append(part, style="bold" if i % 2 else "")
    return cell


# Columns whose numbers are names: ids, years, revisions (project_id, fiscal_year, id).
_NOT_AMOUNTS = re.compile(r"(^|_)(id|year|years|position|version)$", re.I)
