"""Options shared by several commands, and the printing of rows they share."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from tcps.config import DEFAULT_URL, ENV_VAR
from tcps.errors import UsageError
from tcps.output import FORMATS


class Size(click.ParamType):
    """A size in bytes: 5000000, or with a binary unit: 512K, 5M, 1G (KiB, MiB, GiB)."""
    name = "SIZE"
    _UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"(\d+)\s*([kmg]?)(?:i?b)?", str(value).strip(), re.IGNORECASE)
        if not match or int(match[1]) == 0:
            self.fail(f"{value!r} is not a size in bytes such as 5000000, 512K, 5M or 1G", param, ctx)
        return int(match[1]) * self._UNITS[match[2].lower()]


def max_size_option(command):
    """--max-size, shared by the commands that read summary files."""
    from tcps.sources import DEFAULT_MAX_SIZE

    return click.option(
        "--max-size", type=Size(), default=DEFAULT_MAX_SIZE, show_default="5M",
        help="Refuse a file larger than SIZE bytes (or a PDF whose decoded content or text is), "
             "with one error line: 512K, 5M, 1G.")(command)


def wait_option(command):
    """--wait, shared by the commands that write (one writer at a time per database)."""
    return click.option(
        "--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
        help="When another load or refresh holds the database's writer lock, wait up to SECONDS "
             "for it [default: exit 75 at once].")(command)


def db_option(command):
    """--db URL, shared by every command that opens the database."""
    return click.option(
        "--db", "db", metavar="URL", envvar=ENV_VAR, show_envvar=True,
        help=f"Database URL (sqlite:///file.db, postgresql+psycopg://user@host/name) or a SQLite "
             f"file path. Default: {DEFAULT_URL} (tcps.db in the working directory).")(command)


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Default: a table on a terminal, else from --output's extension, else csv.")


def output_option(*names: str):
    """--output FILE (and ``names``, such as -o)."""
    return click.option(*names, "--output", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write the rows to this file instead of standard output.")


def resolve_format(fmt: str | None, output: Path | None) -> str:
    from tcps.output import choose_format

    return choose_format(fmt, output, terminal=output is None and sys.stdout.isatty())


def print_rows(result, fmt: str, output: Path | None, limit: int | None = None) -> None:
    """Write a QueryResult in format ``fmt`` to --output, or to standard output."""
    from tcps.output import write_file, write_result

    if output is None:
        write_result(result, fmt, sys.stdout, limit)
        return
    try:
        write_file(result, fmt, output, limit)
    except OSError as e:
        raise UsageError(f"{output}: cannot write it ({e.strerror})") from None


def limit_option(default: int | None, default_help: str, *names: str):
    """--limit N (and ``names``, such as -n): at most N rows in every format (0: all), for sql,
    search and runs alike."""
    return click.option(*names, "--limit", type=click.IntRange(min=0), default=default,
                        help=f"At most this many rows, in every format (0: all). Default: {default_help}.")


def row_limit(limit: int | None, fmt: str, table_default: int | None = None) -> int | None:
    """The rows to keep (None: all): --limit as given, else ``table_default`` on a table."""
    if limit is None:
        return table_default if fmt == "table" else None
    return limit or None
