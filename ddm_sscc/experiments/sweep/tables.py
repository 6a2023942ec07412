"""CSV files derived from the rows: ``summary.csv`` (per point, with thresholds) and ``bounds.csv`` (per image)."""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

SUMMARY_FILE = "summary.csv"
BOUNDS_FILE = "bounds.csv"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def write_dataclass_csv(path: str | os.PathLike[str], items: Sequence[object], kind: type) -> Path:
    """One row per dataclass instance of ``kind`` (columns: its fields; None as empty, floats to 6 digits)."""
    fields = [f.name for f in dataclasses.fields(kind)]
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for item in items:
            writer.writerow([_cell(getattr(item, name)) for name in fields])
    os.replace(tmp, out)
    return out
