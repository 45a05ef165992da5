"""Text printed column by column: every label of a page first, then every value.

Plain ``pdftotext`` (without ``-layout``) prints a table whose rows are set tight one column
at a time. Nothing in that text says where one prose field ends and the next begins (the
problem runs straight into the objectives), so it cannot be read exactly, and a wrong record
is worse than none: such a text is refused with what to do instead. Its mark is a run of
labels with nothing between them; one empty field makes a run of two, so it takes three.
"""
from __future__ import annotations

from pathlib import Path

from tcps.errors import ParseError
from tcps.parse.sections import Sections

LABELS_IN_A_ROW = 3
REASON = ("labels printed apart from their values (plain pdftotext of a table?): parse the PDF "
          "itself, or extract its text with pdftotext -layout")


def refuse_columns(sections: Sections, name: str | Path) -> None:
    """Raise ParseError where LABELS_IN_A_ROW labels follow each other with no value between."""
    run = 1
    for value in sections.values.values():
        run = run + 1 if not value.strip() else 1
        if run >= LABELS_IN_A_ROW:
            raise ParseError(name, REASON)
