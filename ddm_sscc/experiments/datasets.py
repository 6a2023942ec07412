"""Evaluation image sets: Kodak, the CIFAR-10 (JPEG-75 proxy) arrays, or any folder.

``$DDM_DATA`` (default: ``shared/datasets`` beside the working directory or
beside the repository) holds the shared data; nothing is copied into the
repository.  Arrays load with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ddm_sscc.errors import ConfigError, ImageError
from ddm_sscc.image_io import IMAGE_SUFFIXES, load_image

CIFAR_NPZ = "cifar10_jpeg75_test.npz"


def data_root() -> Path:
    """``$DDM_DATA``, else ``../shared/datasets`` next to the working directory's repository."""
    if "DDM_DATA" in os.environ:
        return Path(os.environ["DDM_DATA"])
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = base.parent / "shared" / "datasets"
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "datasets"


def iter_dataset(name: str, limit: int | None = None) -> Iterator[tuple[str, np.ndarray]]:
    """``(label, uint8 (H, W, C) pixels)`` for ``kodak``, ``cifar-npz`` or a folder path."""
    if name == "kodak":
        folder = data_root() / "kodak"
        if not folder.is_dir():
            raise ConfigError(f"{folder}: Kodak not found (set DDM_DATA)")
        yield from _folder(folder, limit)
    elif name == "cifar-npz":
        path = data_root() / CIFAR_NPZ
        if not path.is_file():
            raise ConfigError(f"{path}: CIFAR arrays not found (set DDM_DATA)")
        try:
            with np.load(path, allow_pickle=False) as z:
                x = z["x"]
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"{path}: unreadable ({exc})") from None
        if x.dtype != np.uint8 or x.ndim != 4 or x.shape[3] != 3:
            raise ConfigError(f"{path}: expected x as (N, H, W, 3) uint8, got {x.shape} {x.dtype}")
        for i in range(len(x) if limit is None else min(limit, len(x))):
            yield f"cifar{i:05d}", x[i]
    else:
        folder = Path(name)
        if not folder.is_dir():
            raise ConfigError(f"dataset must be kodak, cifar-npz or a folder; {name!r} is none of these")
        yield from _folder(folder, limit)


def _folder(folder: Path, limit: int | None) -> Iterator[tuple[str, np.ndarray]]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    count = 0
    for path in files:
        if limit is not None and count >= limit:
            return
        try:
            pixels = load_image(path).pixels
        except ImageError:
            continue
        count += 1
        yield path.name, pixels
    if count == 0:
        raise ConfigError(f"{folder}: no usable images")
