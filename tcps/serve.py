"""`tcps serve`: Datasette over the database, for looking, searching and charting in a browser.

Read-only by construction: Datasette opens the SQLite file in its immutable mode (``immutable=1``:
no connection that could write, no lock taken). A PostgreSQL database is first copied, as one
consistent snapshot (a REPEATABLE READ, READ ONLY transaction), into a temporary SQLite file
built by our own migrations, which is then served the same way; so every page, chart and canned
query is written once, in SQLite's SQL. Datasette and its dashboard plugin are the optional
extra ``tcps[serve]``; what they are told about the database is ``tcps.browse``, the pages'
own additions ``tcps.serve_plugin`` and ``tcps/templates``.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import tempfile
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tcps import SCHEMA_HEAD
from tcps.browse import DASHBOARD_PATH
from tcps.db import current_revision, make_engine, open_database, upgrade_to_head
from tcps.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING_EXTRA = "tcps serve needs the serve extra: pip install 'tcps[serve]'"
# Rows copied from PostgreSQL per INSERT batch: bounded memory whatever the database's size.
BATCH = 5000


@dataclass(frozen=True)
class Served:
    """The SQLite file Datasette reads, and what to say about it on start."""
    path: Path
    note: str


def require_extra() -> None:
    """ConfigError when Datasette or datasette-dashboards is not installed."""
    try:
        import datasette  # type: ignore[import-untyped]  # noqa: F401
        import datasette_dashboards  # noqa: F401
    except ImportError as e:
        raise ConfigError(MISSING_EXTRA) from e


def loopback_warning(host: str) -> str | None:
    """What to say when ``host`` lets other machines in; None for a loopback address."""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:   # a host name: it may resolve to anything
        pass
    return (f"warning: listening on {host}: anyone who can reach this machine can read the "
            "whole database (the default, 127.0.0.1, is this machine only)")


@contextmanager
def served_file(url: str | None) -> Iterator[Served]:
    """The SQLite file to serve for ``url`` (--db; None: $TCPS_DATABASE_URL, else tcps.db):
    the file itself, or a snapshot of a PostgreSQL database in a temporary folder removed
    afterwards."""
    with open_database(url, read_only=True) as engine:
        revision = current_revision(engine)
        if revision is None:
            raise ConfigError("the database has no tables yet: run `tcps load` or `tcps db upgrade`")
        if engine.dialect.name == "sqlite":
            path = Path(engine.url.database or "")
            yield Served(path, f"serving {path} read-only (immutable: restart tcps serve after "
                               "a load or refresh to see its changes)")
            return
        if revision != SCHEMA_HEAD:
            raise ConfigError("the database's schema is older than this tcps: run `tcps db upgrade`")
        with tempfile.TemporaryDirectory(prefix="tcps-serve-") as folder:
            path = Path(folder) / f"{engine.url.database or 'tcps'}.db"
            copy_snapshot(engine, path)
            yield Served(path, f"serving a snapshot of {engine.url.render_as_string()} taken now, "
                               f"copied into {path} (restart tcps serve to take a new one)")


def copy_snapshot(source: sa.Engine, path: Path) -> None:
    """Copy every table of ``source`` into a new SQLite file at ``path``, from one snapshot.

    The file gets its schema (views, search index, data dictionary) from our migrations; the
    rows come from a single read-only REPEATABLE READ transaction, so they are consistent
    even while a refresh writes; the search index is then rebuilt from them."""
    from tcps.models import metadata
    from tcps.search import reindex

    target = make_engine(f"sqlite:///{path}")
    upgrade_to_head(target)
    tables = [t for t in metadata.sorted_tables if t.name != "data_dictionary"]
    try:
        with source.connect().execution_options(isolation_level="REPEATABLE READ") as src, \
                target.begin() as dst:
            src.exec_driver_sql("SET TRANSACTION READ ONLY")
            for table in tables:
                rows = src.execute(sa.select(table)).mappings().yield_per(BATCH)
                for batch in rows.partitions():
                    dst.execute(table.insert(), [dict(row) for row in batch])
            reindex(dst)
    finally:
        target.dispose()


def build_datasette(served: Served):
    """A Datasette over the served file, with our metadata, templates and plugin hooks."""
    from datasette.app import Datasette  # type: ignore[import-untyped]
    from datasette.plugins import pm  # type: ignore[import-untyped]

    from tcps import serve_plugin
    from tcps.browse import metadata
    from tcps.dictionary import data_dictionary

    engine = make_engine(f"sqlite:///{served.path}", read_only=True)
    try:
        with engine.connect() as conn:
            entries = data_dictionary(conn)
    finally:
        engine.dispose()
    if not pm.is_registered(serve_plugin):
        pm.register(serve_plugin, name="tcps")
    # No suggested facets: they cost a query per column on every table page.
    return Datasette(immutables=[str(served.path)], metadata=metadata(served.path.stem, entries),
                     template_dir=str(TEMPLATES),
                     settings={"sql_time_limit_ms": 3000, "suggest_facets": False})


def serve(url: str | None, host: str, port: int, open_browser: bool, say: Callable[[str], None]) -> None:
    """Serve the database at ``url`` on ``host:port`` until interrupted; ``say`` prints a line."""
    require_extra()
    import uvicorn

    warning = loopback_warning(host)
    if warning:
        say(warning)
    with listen(host, port) as sock, served_file(url) as served:
        say(served.note)
        datasette = build_datasette(served)
        asyncio.run(datasette.invoke_startup())
        address = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        say(f"open {address}{DASHBOARD_PATH} (Ctrl-C to stop)")
        if open_browser:
            webbrowser.open(address + DASHBOARD_PATH)
        config = uvicorn.Config(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])


def listen(host: str, port: int) -> socket.socket:
    """The socket the server will answer on, bound before anything is announced: a port in use
    is a ConfigError (one line, exit 2), where uvicorn would log it and exit 3."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as e:
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
