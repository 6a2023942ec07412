"""Training and validation images for the feature model, from a folder or a packed crop file.

Designs are chosen on held-out *training-set* photos, never on Kodak: by default
``wikipedia/045.png``, ``046`` and ``047`` of the shared training set, where
present.  A folder without them holds out its last image; a packed crop file
(``pack-crops``) holds out its last tenth of crops.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ddm_sscc.errors import ConfigError
from ddm_sscc.image_io import IMAGE_SUFFIXES
from ddm_sscc.training.data import gather_images, load_packed

DEFAULT_HOLDOUT = ("wikipedia/045.png", "wikipedia/046.png", "wikipedia/047.png")


def split_training_images(data: Path, holdout: str | None) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    """``(training images, validation images, names of the held-out ones)``.

    Args:
        data: a folder searched recursively, or a ``.npz`` from ``pack-crops``.
        holdout: comma-separated paths relative to ``data``; None for the default.

    Raises:
        ConfigError: no usable images, a named hold-out image that is not there, or
            nothing left to train on.
    """
    if data.is_file():
        crops = load_packed(data)
        images = [p[:, :, : int(c)] for p, c in zip(crops.pixels, crops.channels)]
        cut = len(images) - max(1, len(images) // 10)
        if cut < 1:
            raise ConfigError(f"{data}: {len(images)} crops are too few to hold any out for validation")
        return images[:cut], images[cut:], [f"crops {cut}..{len(images) - 1}"]
    if not data.is_dir():
        raise ConfigError(f"{data}: training data not found (a folder of images or a packed crop file)")
    names = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if holdout is not None:
        held = tuple(h.strip() for h in holdout.split(",") if h.strip())
        missing = [h for h in held if h not in names]
        if missing:
            raise ConfigError(f"--holdout: {', '.join(missing)} not found under {data}")
    else:
        held = tuple(h for h in DEFAULT_HOLDOUT if h in names) or tuple(names[-1:])
    validation = gather_images(data, include=held) if held else []
    images = gather_images(data, exclude=held)  # raises when nothing usable is left
    if not validation:
        raise ConfigError(f"{data}: no usable image to hold out for validation (needs at least two images)")
    return images, validation, list(held)
