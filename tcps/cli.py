"""The command line: a thin layer over tcps.parse, tcps.load and friends.

Every command that reports on several files keeps going after a bad one, prints one line per
problem on stderr (``<file>: <reason>``) and says in its exit code whether anything failed.
"""
from __future__ import annotations

import gc

import click

from tcps import __version__
from tcps.cli_db import db_group
from tcps.cli_files import fetch, load, parse, refresh
from tcps.cli_query import export, runs, schema, search, serve, sql
from tcps.errors import TcpsError


class _Commands(click.Group):
    """The one place where an error a command meets becomes a message and an exit status (as
    alembic's CommandLine.run_cmd does): the commands themselves only print what they got."""
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TcpsError as e:
            click.echo(f"{e.label}: {e}", err=True)
            ctx.exit(e.exit_status)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tcps")
def cli() -> None:
    """Turn ILAB Technical Cooperation Project Summaries into a database you query with SQL."""


for command in (parse, load, refresh, fetch, sql, search, export, schema, runs, serve, db_group):
    cli.add_command(command)


def main() -> None:
    # Nearly all a run allocates lives to its end (the modules it imports, then a row per
    # file); collecting the youngest objects every 700 allocations walks them over and over.
    # Cyclic garbage is still collected, only less often (docs/performance.md: no-op refresh).
    gc.set_threshold(10_000, 10, 10)
    cli()


if __name__ == "__main__":
    main()
