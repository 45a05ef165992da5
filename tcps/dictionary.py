"""The data dictionary: comments on tables, views and columns, kept in the database.

Migrations call ``describe_table`` / ``describe_view`` for what they create, which writes the
comments as rows of ``data_dictionary`` (SQLite has no other place for them) and, for views on
PostgreSQL, as native comments too (tables get theirs from ``comment=`` in ``create_table``);
``redescribe_table`` for a table they reshape, ``describe_columns`` / ``forget_columns`` for
columns they add, recomment or drop; ``comment_natively`` sets PostgreSQL's own comments.
``data_dictionary(conn)`` reads them back with each column's type for ``tcps schema``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tcps.db import require_table

# A lightweight handle: migrations must not depend on today's models.
_TABLE = sa.table("data_dictionary", sa.column("object_name"), sa.column("column_name"),
                  sa.column("comment"))


def describe_table(op, table: sa.Table) -> None:
    """Record the comments a migration gave ``table`` and its columns."""
    rows = [{"object_name": table.name, "column_name": "", "comment": table.comment or ""}]
    rows += [{"object_name": table.name, "column_name": c.name, "comment": c.comment or ""}
             for c in table.columns]
    op.bulk_insert(_TABLE, rows)


def describe_view(op, name: str, comment: str, columns: dict[str, str]) -> None:
    """Record a view's comments (and set them natively where the database keeps them)."""
    rows = [{"object_name": name, "column_name": "", "comment": comment}]
    rows += [{"object_name": name, "column_name": c, "comment": text} for c, text in columns.items()]
    op.bulk_insert(_TABLE, rows)
    view = sa.Table(name, sa.MetaData(), *(sa.Column(c, comment=text) for c, text in columns.items()),
                    comment=comment)
    comment_natively(op, view, kind="VIEW")


def redescribe_table(op, table: sa.Table) -> None:
    """Replace the comments of an existing table with those of ``table`` (its new shape):
    the data_dictionary rows, and on PostgreSQL the native comments."""
    forget(op, table.name)
    describe_table(op, table)
    comment_natively(op, table)


def comment_natively(op, table: sa.Table, kind: str = "TABLE") -> None:
    """On PostgreSQL, set the comments of ``table`` (a TABLE or VIEW) and its columns as the
    database's own, where psql's \\d+ and other tools show them; SQLite has no such place."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"COMMENT ON {kind} {table.name} IS {_literal(table.comment or '')}")
    for column in table.columns:
        _comment_column(op, table.name, column)


def _comment_column(op, table_name: str, column: sa.Column) -> None:
    op.execute(f"COMMENT ON COLUMN {table_name}.{column.name} IS {_literal(column.comment or '')}")


def describe_columns(op, table_name: str, columns: list[sa.Column]) -> None:
    """Set the comments of these columns of an existing table (added or recommented): the
    data_dictionary rows, and on PostgreSQL the native comments."""
    forget_columns(op, table_name, [c.name for c in columns])
    op.bulk_insert(_TABLE, [{"object_name": table_name, "column_name": c.name, "comment": c.comment or ""}
                            for c in columns])
    if op.get_bind().dialect.name == "postgresql":
        for column in columns:
            _comment_column(op, table_name, column)


def forget_columns(op, table_name: str, names: list[str]) -> None:
    """Remove the data_dictionary rows of these columns (dropped, or about to be redescribed)."""
    op.execute(_TABLE.delete().where(_TABLE.c.object_name == table_name,
                                     _TABLE.c.column_name.in_(names)))


def forget(op, name: str) -> None:
    """Remove the comments of a dropped table or view."""
    op.execute(_TABLE.delete().where(_TABLE.c.object_name == name))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Column:
    name: str
    type: str
    comment: str


@dataclass
class Entry:
    name: str
    kind: str  # table | view
    comment: str
    columns: list[Column]


def data_dictionary(conn: Connection) -> list[Entry]:
    """Every described table and view, in name order, its columns in table order.

    ConfigError when the database has no schema yet."""
    require_table(conn, _TABLE.name)
    comments: dict[tuple[str, str], str] = {
        (o, c): text for o, c, text in conn.execute(
            sa.select(_TABLE.c.object_name, _TABLE.c.column_name, _TABLE.c.comment))}
    inspector = sa.inspect(conn)
    views = set(inspector.get_view_names())
    entries = []
    for name in sorted({o for o, _ in comments}):
        columns = [Column(c["name"], _type_name(c["type"]), comments.get((name, c["name"]), ""))
                   for c in inspector.get_columns(name)]
        entries.append(Entry(name, "view" if name in views else "table",
                             comments[(name, "")], columns))
    return entries


def _type_name(type_: sa.types.TypeEngine) -> str:
    """The column's type; '-' where the database does not say (SQLite's computed view columns)."""
    return "-" if isinstance(type_, sa.types.NullType) else str(type_)


def as_text(entries: list[Entry]) -> str:
    blocks = []
    for e in entries:
        lines = [f"{e.name} ({e.kind})", f"  {e.comment}"]
        width = max((len(c.name) for c in e.columns), default=0)
        lines += [f"  {c.name.ljust(width)}  {c.type:<12} {c.comment}" for c in e.columns]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def as_markdown(entries: list[Entry]) -> str:
    blocks = []
    for e in entries:
        rows = [f"### `{e.name}` ({e.kind})", "", e.comment, "",
                "| column | type | meaning |", "|---|---|---|"]
        rows += [f"| `{c.name}` | {c.type} | {_cell(c.comment)} |" for c in e.columns]
        blocks.append("\n".join(rows))
    return "# Data dictionary\n\n" + "\n\n".join(blocks) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
