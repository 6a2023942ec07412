"""Fixtures of the sweep tests: a folder of two tiny PNGs and quick settings."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ddm_sscc.experiments.sweep.settings import SweepSettings
from ddm_sscc.image_io import save_image
from tests.conftest import real_image


@pytest.fixture
def tiny_images() -> list[tuple[str, np.ndarray]]:
    """Two small real crops: 12×16 RGB and 10×10 greyscale."""
    return [("a.png", real_image(12, 16, 3)), ("b.png", real_image(10, 10, 1))]


@pytest.fixture
def tiny_dir(tmp_path: Path, tiny_images) -> Path:
    """A dataset folder holding the two tiny images as PNG files."""
    folder = tmp_path / "data"
    folder.mkdir()
    for label, pixels in tiny_images:
        save_image(folder / label, pixels)
    return folder


def quick_settings(dataset: str = "x", **overrides) -> SweepSettings:
    """Two SNR points (hopeless and clean), every digital system, one trial."""
    values = {
        "dataset": dataset,
        "snrs": (-8.0, 12.0),
        "systems": ("ddm", "jpegxl", "png", "raw"),
        "trials": 1,
        "steps": 4,
    }
    values.update(overrides)
    return SweepSettings(**values)


def make_legacy_rows_file(path: Path) -> None:
    """Rewrite the rows.csv at ``path`` as one of frame format 1 (without the paper's axis and repair columns)."""
    from ddm_sscc.experiments.sweep.rows import LEGACY_FIELDS

    with path.open(newline="") as handle:
        records = list(csv.DictReader(handle))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEGACY_FIELDS)
        writer.writerows([record[name] for name in LEGACY_FIELDS] for record in records)
