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
from tcps.errors import UsageError

# Lightweight handles: migrations must not depend on today's models. The type column came later
# (a view column's type, for SQLite): the migrations before it write only the comments.
_TABLE = sa.table("data_dictionary", sa.column("object_name"), sa.column("column_name"),
                  sa.column("comment"))
_TYPES = sa.table("data_dictionary", sa.column("object_name"), sa.column("column_name"),
                  sa.column("comment"), sa.column("type"))


def describe_table(op, table: sa.Table) -> None:
    """Record the comments a migration gave ``table`` and its columns."""
    rows = [{"object_name": table.name, "column_name": "", "comment": table.comment or ""}]
    rows += [{"object_name": table.name, "column_name": c.name, "comment": c.comment or ""}
             for c in table.columns]
    op.bulk_insert(_TABLE, rows)


def describe_view(op, name: str, comment: str, columns: dict[str, str],
                  types: dict[str, str] | None = None) -> None:
    """Record a view's comments (and set them natively where the database keeps them), and the
    types of its columns (``types``: from the migrations that come after the type column)."""
    rows = [{"object_name": name, "column_name": "", "comment": comment}]
    rows += [{"object_name": name, "column_name": c, "comment": text} for c, text in columns.items()]
    op.bulk_insert(_TABLE, rows)
    view = sa.Table(name, sa.MetaData(), *(sa.Column(c, comment=text) for c, text in columns.items()),
                    comment=comment)
    comment_natively(op, view, kind="VIEW")
    if types:
        set_types(op, name, types)


def set_types(op, view_name: str, types: dict[str, str]) -> None:
    """Record the types of a view's columns: SQLite reports none for a computed column."""
    for column, type_name in types.items():
        op.execute(_TYPES.update().where(_TYPES.c.object_name == view_name,
                                         _TYPES.c.column_name == column).values(type=type_name))


def redescribe_table(op, table: sa.Table) -> None:
    """Replace the comments of an existing table with those of ``table`` (its new shape):
    the data_dictionary rows, and on PostgreSQL the native comments."""
    forget(op, table.name)
    describe_table(op, table)
    comment_natively(op, table)


def recomment(op, table_name: str, comment: str) -> None:
    """Replace the comment of a table itself (not of its columns), in data_dictionary and, on
    PostgreSQL, natively."""
    op.execute(_TABLE.update().where(_TABLE.c.object_name == table_name, _TABLE.c.column_name == "")
               .values(comment=comment))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"COMMENT ON TABLE {table_name} IS {_literal(comment)}")


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


def data_dictionary(conn: Connection, names: list[str] | None = None) -> list[Entry]:
    """Every described table and view (or those ``names``), in name order, its columns in table
    order. ConfigError when the database has no schema yet; UsageError for a name it lacks."""
    require_table(conn, _TABLE.name)
    inspector = sa.inspect(conn)
    typed = any(c["name"] == "type" for c in inspector.get_columns(_TABLE.name))
    described: dict[tuple[str, str], tuple[str, str | None]] = {
        (o, c): (text, type_name) for o, c, text, type_name in conn.execute(
            sa.select(_TYPES) if typed else sa.select(_TABLE, sa.null()))}
    known = sorted({o for o, _ in described})
    if unknown := sorted(set(names or ()) - set(known)):
        raise UsageError(f"no table or view named {unknown[0]}: `tcps schema` lists them all")
    views = set(inspector.get_view_names())
    entries = []
    for name in (n for n in known if not names or n in names):
        columns = []
        for c in inspector.get_columns(name):
            text, declared = described.get((name, c["name"]), ("", None))
            columns.append(Column(c["name"], _type_name(c["type"], declared), text))
        entries.append(Entry(name, "view" if name in views else "table",
                             described[(name, "")][0], columns))
    return entries


def _type_name(type_: sa.types.TypeEngine, declared: str | None) -> str:
    """The column's type as the database reports it; else as the migration declared it (SQLite
    reports none for a view's computed column); else '-'."""
    if not isinstance(type_, sa.types.NullType):
        return str(type_)
    return declared or "-"


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
