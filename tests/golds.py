"""Inputs shared by the database tests: the corpus's gold records and a migrated database."""
from __future__ import annotations

import json

import sqlalchemy as sa
from corpus import CORPUS, DATA, ROOT  # noqa: F401  (re-exported for the database tests)

from tcps.load import Loader, SourceFile
from tcps.models import Base
from tcps.record import Record


def gold_records() -> list[tuple[Record, SourceFile]]:
    """Every gold record of the corpus with the text file it describes."""
    out = []
    for gold in sorted(CORPUS.glob("*.json")):
        text_file = gold.with_suffix(".txt")
        data = text_file.read_bytes()
        out.append((Record.from_dict(json.loads(gold.read_text(encoding="utf-8"))),
                    SourceFile(text_file.as_posix(), data, data.decode("utf-8-sig"))))
    return out


def load_golds(engine: sa.Engine) -> list[str]:
    """Load every gold record; return the outcomes in corpus order."""
    with Loader(engine) as loader:
        return [loader.load(record, source) for record, source in gold_records()]


def row_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows per table of the models."""
    return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()}
