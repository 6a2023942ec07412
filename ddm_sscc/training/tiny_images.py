"""Small JPEG-decoded images made from training photos: the 32×32 regime of the CIFAR proxy.

CIFAR-10's images are whole scenes shrunk to 32×32, and the proxy's copy of them
(``cifar10_jpeg75_test.npz``) was saved as JPEG at quality 75 and decoded, so it carries
8×8 block structure.  The training photos have neither property.  A tiny image here is a
random square of a training photo (its side drawn log-uniformly), area-shrunk to ``size``
and, with probability ``jpeg_share``, saved as JPEG at a quality drawn from ``qualities``
(Pillow, 4:2:0 chroma) and decoded.  Nothing here reads the proxy itself.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ddm_sscc.errors import ConfigError

TINY_PER_CROP = 4
"""Tiny images that stand in for one training crop where a mix is measured (the export, the tiny
validation set): a 32×32 image gives about a sixteenth of a 128×128 crop's examples at a step."""


@dataclass(frozen=True)
class TinyImageRecipe:
    """How tiny images are made: output side, smallest source square, JPEG qualities and share."""

    size: int = 32
    min_side: int = 48
    qualities: tuple[int, int] = (60, 90)
    jpeg_share: float = 0.8


def jpeg_round_trip(pixels: np.ndarray, quality: int) -> np.ndarray:
    """``pixels`` ``(H, W, C)`` uint8 (C = 1 or 3) saved as baseline JPEG at ``quality`` and decoded."""
    grey = pixels.shape[2] == 1
    buf = io.BytesIO()
    Image.fromarray(pixels[:, :, 0] if grey else pixels).save(buf, format="JPEG", quality=int(quality))
    with Image.open(io.BytesIO(buf.getvalue())) as decoded:
        out = np.asarray(decoded.convert("L" if grey else "RGB"))
    return out.reshape(pixels.shape)


def tiny_image(image: np.ndarray, rng: np.random.Generator, recipe: TinyImageRecipe = TinyImageRecipe(),
               jpeg_quality: int | None = None) -> np.ndarray:
    """One tiny image ``(size, size, C)`` uint8 from ``image`` ``(H, W, C)``.

    ``jpeg_quality`` forces the JPEG step at that quality (an evaluation set); otherwise the
    recipe draws whether and at which quality.
    """
    height, width, channels = image.shape
    largest = min(height, width)
    low = min(recipe.min_side, largest)
    side = round(math.exp(rng.uniform(math.log(low), math.log(largest))))
    y = int(rng.integers(0, height - side + 1))
    x = int(rng.integers(0, width - side + 1))
    region = image[y : y + side, x : x + side]
    shrunk = Image.fromarray(np.ascontiguousarray(region[:, :, 0] if channels == 1 else region)).resize(
        (recipe.size, recipe.size), Image.Resampling.BOX)
    pixels = np.asarray(shrunk).reshape(recipe.size, recipe.size, channels)
    if jpeg_quality is None and rng.random() < recipe.jpeg_share:
        jpeg_quality = int(rng.integers(recipe.qualities[0], recipe.qualities[1] + 1))
    return jpeg_round_trip(pixels, jpeg_quality) if jpeg_quality is not None else np.ascontiguousarray(pixels)


class TinyImageSource:
    """Tiny images from whole images, the source photo drawn in proportion to its area."""

    def __init__(self, images: list[np.ndarray], recipe: TinyImageRecipe = TinyImageRecipe()) -> None:
        self.images = [im for im in images if min(im.shape[:2]) >= recipe.size]
        if not self.images:
            raise ConfigError(f"no training image is at least {recipe.size}×{recipe.size} pixels (tiny images)")
        areas = np.array([im.shape[0] * im.shape[1] for im in self.images], dtype=np.float64)
        self.p = areas / areas.sum()
        self.recipe = recipe

    def draw(self, rng: np.random.Generator, count: int, jpeg_quality: int | None = None) -> list[np.ndarray]:
        return [tiny_image(self.images[k], rng, self.recipe, jpeg_quality)
                for k in rng.choice(len(self.images), size=count, p=self.p)]
