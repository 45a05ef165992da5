"""Write query results as a table for people or as CSV, TSV, JSON or JSON Lines for programs.

Machine formats keep the values and nothing else (no row counts, no colours, no thousands
separators), written as they come, so a result of any length takes the memory of one row; the
table is for people on a terminal, holds the rows it shows: numbers right-aligned with thousands
separators, marked words in bold, and a last line saying how many rows there were and whether
some were cut.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, TextIO

from tcps.errors import UsageError

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
# tcps export's: CSV and JSON as above.
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
    # Text between two of these is emphasised in a table (search's matched words); None: no marks.
    mark: str | None = None


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


def write_result(result: QueryResult, fmt: str, out: TextIO, limit: int | None = None) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (one of `FORMATS`), its first ``limit`` rows
    (None: all); a table counts the others."""
    if fmt == "table":
        _write_table(result, out, limit)
        return
    result = QueryResult(result.columns, itertools.islice(result.rows, limit), result.mark)
    if fmt in ("csv", "tsv"):
        _write_delimited(result, out, "excel" if fmt == "csv" else "excel-tab")
    elif fmt == "json":
        _write_json_array(_objects(result), out)
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


def _write_json_array(items: Iterable[Any], out: TextIO) -> None:
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

    console = Console(file=out, markup=False, highlight=False, emoji=False)
    table = Table(header_style="bold")
    rows = iter(result.rows)
    kept = list(itertools.islice(rows, limit))
    shown, total = len(kept), len(kept) + sum(1 for _ in rows)
    for i, name in enumerate(result.columns):
        numeric = any(_is_number(row[i]) for row in kept) and all(
            v is None or _is_number(v) for v in (row[i] for row in kept))
        table.add_column(name, justify="right" if numeric else "left")
    for row in kept:
        table.add_row(*(_cell(name, v, result.mark) for name, v in zip(result.columns, row, strict=True)))
    console.print(table)
    if total > shown:
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
