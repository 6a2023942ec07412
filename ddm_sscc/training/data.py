"""Training crops: gathered from image folders, packed into one compact file.

Images with JPEG history (the BSD set, see the data README) are area-averaged
down by 2 first so the model does not learn block artefacts.  A packed crop
file (``.npz``: lossless-WebP bytes, offsets, channel counts) carries a
large, fixed sample of crops to a training machine in a few tens of MiB.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ddm_sscc.errors import ConfigError, ImageError
from ddm_sscc.image_io import IMAGE_SUFFIXES, load_image

DEFAULT_DOWNSAMPLE = {"bsd200": 2}
"""Sub-folders whose images have JPEG history, and the factor to shrink them by."""


@dataclass
class CropSet:
    """Crops ``(N, S, S, 3)`` uint8 and their channel counts ``(N,)`` (1: greyscale in channel 0)."""

    pixels: np.ndarray
    channels: np.ndarray

    def __len__(self) -> int:
        return len(self.pixels)

    def split(self, holdout: int) -> tuple[CropSet, CropSet]:
        """The last ``holdout`` crops apart (for calibration), the rest for training."""
        cut = len(self) - holdout
        return CropSet(self.pixels[:cut], self.channels[:cut]), CropSet(self.pixels[cut:], self.channels[cut:])


def area_downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor × factor`` blocks, rounded: ``(H, W, C)`` uint8 → ``(H//f, W//f, C)``."""
    h, w, c = image.shape
    h, w = h // factor * factor, w // factor * factor
    blocks = image[:h, :w].reshape(h // factor, factor, w // factor, factor, c).astype(np.float32)
    return np.rint(blocks.mean(axis=(1, 3))).astype(np.uint8)


def gather_images(root: Path, downsample: dict[str, int] | None = None, exclude: tuple[str, ...] = (),
                  include: tuple[str, ...] | None = None) -> list[np.ndarray]:
    """Every readable PNG/TIFF/PPM/BMP image under ``root`` as uint8 ``(H, W, C)``.

    ``exclude`` names files (paths relative to ``root``, ``/``-separated) to leave out;
    ``include``, when given, names the only files to take.
    """
    downsample = DEFAULT_DOWNSAMPLE if downsample is None else downsample
    if not root.is_dir():
        raise ConfigError(f"{root}: training data directory does not exist")
    images = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        name = path.relative_to(root).as_posix()
        if name in exclude or (include is not None and name not in include):
            continue
        try:
            pixels = load_image(path).pixels
        except ImageError:
            continue
        factor = next((f for part, f in downsample.items() if part in path.parts), 1)
        if factor > 1:
            pixels = area_downsample(pixels, factor)
        images.append(pixels)
    if not images:
        raise ConfigError(f"{root}: no usable training images (PNG, TIFF, PPM or BMP, 8-bit)")
    return images


def sample_crops(images: list[np.ndarray], size: int, count: int, seed: int) -> CropSet:
    """``count`` random crops, images drawn in proportion to their area (smaller ones padded by reflection)."""
    rng = np.random.default_rng(seed)
    areas = np.array([im.shape[0] * im.shape[1] for im in images], dtype=np.float64)
    picks = rng.choice(len(images), size=count, p=areas / areas.sum())
    pixels = np.zeros((count, size, size, 3), dtype=np.uint8)
    channels = np.zeros(count, dtype=np.uint8)
    for i, k in enumerate(picks):
        im = images[k]
        if im.shape[0] < size or im.shape[1] < size:
            im = np.pad(im, ((0, max(0, size - im.shape[0])), (0, max(0, size - im.shape[1])), (0, 0)), mode="reflect")
        y = rng.integers(0, im.shape[0] - size + 1)
        x = rng.integers(0, im.shape[1] - size + 1)
        crop = im[y : y + size, x : x + size]
        pixels[i, :, :, : crop.shape[2]] = crop
        channels[i] = crop.shape[2]
    return CropSet(pixels, channels)


def save_packed(path: Path, crops: CropSet) -> None:
    """Write crops as lossless WebP inside one ``.npz`` (no pickled objects)."""
    blobs = []
    for pixels, channels in zip(crops.pixels, crops.channels):
        buf = io.BytesIO()
        Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels).save(buf, format="WEBP", lossless=True, quality=100, method=4)
        blobs.append(np.frombuffer(buf.getvalue(), dtype=np.uint8))
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    np.savez(path, data=np.concatenate(blobs), offsets=offsets, channels=crops.channels, size=np.int64(crops.pixels.shape[1]))


def load_packed(path: Path) -> CropSet:
    """Read a file written by :func:`save_packed`; every crop is checked to decode exactly."""
    try:
        with np.load(path, allow_pickle=False) as z:
            data, offsets, channels, size = z["data"], z["offsets"], z["channels"], int(z["size"])
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: not a packed crop file ({exc})") from None
    pixels = np.zeros((len(channels), size, size, 3), dtype=np.uint8)
    for i in range(len(channels)):
        with Image.open(io.BytesIO(data[offsets[i] : offsets[i + 1]].tobytes())) as im:
            arr = np.asarray(im.convert("L" if channels[i] == 1 else "RGB"))
        pixels[i, :, :, : int(channels[i])] = arr.reshape(size, size, -1)
    return CropSet(pixels, channels.astype(np.uint8))
