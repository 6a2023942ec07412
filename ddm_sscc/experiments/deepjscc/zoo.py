"""The shipped DeepJSCC weights (``weights/MODEL_CARD.md``) and loading any other DeepJSCC file.

The default file's SHA-256 is pinned here (and in its sidecar JSON and model
card); a file that does not match is refused, never used.
"""

from __future__ import annotations

import os
from pathlib import Path

from ddm_sscc.experiments.deepjscc.checkpoint import load_deepjscc_file, recorded_sha256
from ddm_sscc.experiments.deepjscc.model import DeepJscc
from ddm_sscc.experiments.deepjscc.transmit import deepjscc_transmit

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

DEFAULT_WEIGHTS = ("deepjscc-c16.safetensors", "6449798749d405cdc86e0baf2da7fe68f86310fc3533d63bc337c1e9349724e0")
"""``(file in WEIGHTS_DIR, its SHA-256 hex)`` of the shipped model: 16 latent channels, bandwidth ratio 1/6."""

__all__ = ["DEFAULT_WEIGHTS", "WEIGHTS_DIR", "deepjscc_transmit", "default_weights_path", "load_deepjscc"]


def default_weights_path() -> Path:
    """Where the shipped weights live (the file may be absent in a stripped install)."""
    return WEIGHTS_DIR / DEFAULT_WEIGHTS[0]


def load_deepjscc(path: str | os.PathLike[str] | None = None, expected_sha256: str | None = None) -> DeepJscc:
    """A DeepJSCC network on CPU in eval mode, its file's SHA-256 checked first.

    Args:
        path: a ``.safetensors`` file; None = the shipped default (hash pinned in :data:`DEFAULT_WEIGHTS`).
        expected_sha256: hex SHA-256 the file must have; None = the default's pinned hash, or for
            another ``path`` the one its sidecar ``NAME.json`` records (written by training).

    Raises:
        ModelMismatchError: missing file, no recorded hash, hash mismatch, or not a DeepJSCC checkpoint.
    """
    if path is None:
        path = default_weights_path()
        expected_sha256 = expected_sha256 or DEFAULT_WEIGHTS[1]
    if expected_sha256 is None:
        expected_sha256 = recorded_sha256(path)
    model, _ = load_deepjscc_file(path, expected_sha256)
    return model
