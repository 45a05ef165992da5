"""Every SQL query the README shows runs through `tcps sql`, as a reader, on both databases.

The queries are read out of the README: its ```sql blocks, the queries quoted in its
``$ tcps sql ...`` examples (with their ``-p`` values) and in its inline code. A block whose
first line is ``-- SQLite ...`` or ``-- PostgreSQL ...`` is in that database's own dialect and
runs on that one only.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from databases import empty_database
from golds import DATA, ROOT
from tcps.cli import cli


def readme_queries() -> dict[str, list[str]]:
    """Each query with the ``-p NAME VALUE`` arguments it is shown with."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    queries = {query: [] for query in re.findall(r"```sql\n(.*?)```", text, re.S)}
    for line in re.findall(r"^\$ tcps sql (.*)$", text, re.M):
        args = shlex.split(line)
        params = [arg for i, p in enumerate(args) if p == "-p" for arg in args[i:i + 3]]
        # (the one example that is not a query shows a DELETE being refused)
        for query in (a for a in args if a.startswith("SELECT ")):
            queries[query] = params
    for query in re.findall(r"[`\"](SELECT [^`\"]*)[`\"]", text):
        queries.setdefault(query, [])
    return queries


def dialect(query: str) -> str | None:
    first = query.lstrip().split("\n", 1)[0]
    match = re.match(r"-- (SQLite|PostgreSQL)\b", first)
    return match.group(1).lower() if match else None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reader_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The quick start's database (data/ loaded), and the URL a reader connects with."""
    with empty_database(request, request.param, tmp_path_factory.mktemp("readme")) as url:
        assert CliRunner().invoke(cli, ["load", "--db", url, str(DATA)]).exit_code == 0
        if request.param == "sqlite":
            yield url
            return
        assert CliRunner().invoke(cli, ["db", "grant-readonly", "readme_reader", "--db", url]).exit_code == 0
        yield sa.make_url(url).set(username="readme_reader").render_as_string(hide_password=False)


def test_the_readme_shows_full_text_queries_for_both_databases() -> None:
    queries = readme_queries()
    assert len(queries) >= 12
    assert any(dialect(q) == "sqlite" and "snippet(" in q and "MATCH" in q for q in queries)
    assert any(dialect(q) == "postgresql" and "ts_headline(" in q and "@@" in q for q in queries)


def test_every_readme_query_runs_through_tcps_sql(reader_url: str) -> None:
    backend = sa.make_url(reader_url).get_backend_name()
    for query, params in readme_queries().items():
        if dialect(query) not in (None, backend):
            continue
        # on standard input, as one runs a block copied from the README (`tcps sql - < query.sql`)
        result = CliRunner().invoke(cli, ["sql", "--db", reader_url, "--format", "csv", "-", *params],
                                    input=query)
        assert result.exit_code == 0, (query, result.stderr)
        if dialect(query):  # the full-text queries find the quick start's trafficking project
            assert len(result.output.splitlines()) > 1, (query, "no rows")
