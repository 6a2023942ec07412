"""Shared fixtures: real and random test images, the shared data directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.experiments.datasets import data_root

REPO = Path(__file__).resolve().parent.parent


def _keep_hypothesis_out_of_the_checkout() -> None:
    """Hypothesis writes ``./.hypothesis`` even without an example database: put it in the temp dir."""
    import os
    import tempfile

    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"ddm-sscc-hypothesis-{os.getuid()}")


_keep_hypothesis_out_of_the_checkout()


def data_dir() -> Path | None:
    """``$DDM_DATA``, else ``../shared/datasets`` beside the repository, if it exists."""
    root = data_root()
    return root if root.is_dir() else None


def require_data(relative: str) -> Path:
    """A file under the data directory, or skip the test saying why."""
    root = data_dir()
    if root is None:
        pytest.skip("data directory not found (set DDM_DATA or provide ../shared/datasets)")
    path = root / relative
    if not path.exists():
        pytest.skip(f"{path} not present in the data directory")
    return path


def real_image(height: int, width: int, channels: int) -> np.ndarray:
    """A crop of a real photograph (scikit-image's astronaut / camera), uint8 ``(H, W, C)``."""
    import skimage.data

    photo = skimage.data.astronaut() if channels == 3 else skimage.data.camera()[:, :, None]
    return np.ascontiguousarray(photo[100 : 100 + height, 180 : 180 + width])


def random_image(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ddm_sscc ARGS`` in a subprocess and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "ddm_sscc", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


class OtherWeightsModel(ContextMeanModel):
    """The default model's id with other 'weights': a decoder must refuse its files."""

    def __init__(self) -> None:
        super().__init__()
        self.weights_sha256 = bytes(32)

    def logits(self, canvas, positions, step):
        return super().logits(canvas, positions, step).roll(1, dims=1)
