"""ISO 3166-1 country names and codes, from the data file of the country_converter package.

The file is read with the csv module rather than by importing country_converter: that module
imports pandas at import time (slow, and broken with pandas 3), and only its table is needed.
Even ``importlib.resources.files("country_converter")`` imports the package, so the file is
found through the package's import spec, which locates it without running it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path


@dataclass(frozen=True)
class Country:
    alpha3: str
    alpha2: str
    name: str


@cache
def countries_by_alpha3() -> dict[str, Country]:
    """Every country of the data file, keyed by its ISO alpha-3 code."""
    spec = find_spec("country_converter")
    if spec is None or spec.origin is None:
        raise RuntimeError("the country_converter package (a dependency of tcps) is not installed")
    with (Path(spec.origin).parent / "country_data.tsv").open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {row["ISO3"]: Country(row["ISO3"], row["ISO2"], row["name_short"])
                for row in rows if row["ISO3"]}
