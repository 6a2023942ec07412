"""Reading and writing image files (Pillow), and the built-in sample images.

Greyscale (``L``) and RGB load natively.  Palette, alpha, bilevel and
CMYK/YCbCr images are converted explicitly and each conversion is reported
as a note; 16- and 32-bit images are refused until the codec supports them.
Only lossless formats are read and written: PNG, TIFF, PPM/PGM and BMP.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ddm_sscc.codec.tokens import check_image
from ddm_sscc.errors import ImageError
from ddm_sscc.output_file import write_atomic

INPUT_FORMATS = ("PNG", "TIFF", "PPM", "BMP")
OUTPUT_SUFFIXES = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".ppm": "PPM", ".pgm": "PPM", ".bmp": "BMP"}
IMAGE_SUFFIXES = tuple(OUTPUT_SUFFIXES)
"""File suffixes of the lossless formats read and written (what folder scans pick up)."""
BUILTIN_PREFIX = "builtin:"
# Real photographs shipped inside scikit-image's wheel: present offline.
BUILTIN_IMAGES = ("astronaut", "camera", "chelsea", "coffee")
DEFAULT_IMAGE = BUILTIN_PREFIX + "astronaut"

_CONVERSIONS = {
    "P": ("RGB", "palette image converted to RGB"),
    "PA": ("RGB", "palette image with alpha converted to RGB; alpha discarded"),
    "RGBA": ("RGB", "RGBA image: alpha channel discarded, coding RGB"),
    "RGBX": ("RGB", "RGBX image: padding channel discarded, coding RGB"),
    "LA": ("L", "greyscale+alpha image: alpha channel discarded, coding greyscale"),
    "1": ("L", "bilevel image converted to 8-bit greyscale (0/255)"),
    "CMYK": ("RGB", "CMYK image converted to RGB"),
    "YCbCr": ("RGB", "YCbCr image converted to RGB"),
}
_WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


@dataclass
class LoadedImage:
    """Pixels as uint8 ``(H, W, C)``, where they came from, and any conversions applied."""

    pixels: np.ndarray
    source: str
    notes: list[str] = field(default_factory=list)


def load_image(source: str | os.PathLike[str]) -> LoadedImage:
    """Read an image file, or a built-in image named ``builtin:NAME``."""
    text = os.fspath(source)
    if text.startswith(BUILTIN_PREFIX):
        return LoadedImage(builtin_image(text[len(BUILTIN_PREFIX) :]), text)
    path = Path(text)
    if not path.is_file():
        raise ImageError(f"{path}: no such image file")
    try:
        with Image.open(path) as im:
            if im.format not in INPUT_FORMATS:
                raise ImageError(f"{path}: unsupported image format {im.format} (supported: {', '.join(INPUT_FORMATS)})")
            if getattr(im, "n_frames", 1) > 1:
                raise ImageError(f"{path}: holds {im.n_frames} frames; only single images are supported")
            depth = _bit_depth(im)
            if depth > 8:
                raise ImageError(f"{path}: {depth}-bit images are not supported yet (8-bit greyscale or RGB only)")
            notes = []
            if im.mode in _CONVERSIONS:
                mode, note = _CONVERSIONS[im.mode]
                im = im.convert(mode)
                notes.append(note)
            elif im.mode not in ("L", "RGB"):
                raise ImageError(f"{path}: unsupported image mode {im.mode}")
            pixels = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow reports broken files these ways
        raise ImageError(f"{path}: corrupt or truncated image ({exc})") from None
    return LoadedImage(check_image(pixels), text, notes)


def _bit_depth(im: Image.Image) -> int:
    """Bits per sample of an opened image, from its mode and its decoder's raw mode."""
    if im.mode in _WIDE_MODES:
        return 32 if im.mode in ("I", "F") and im.format != "PPM" else 16
    bits = getattr(im, "tag_v2", {}).get(258) if im.format == "TIFF" else None
    if bits:
        return max(bits) if isinstance(bits, tuple) else int(bits)
    for tile in im.tile:
        args = tile.args if isinstance(tile.args, tuple) else (tile.args,)
        if args and isinstance(args[0], str) and ";16" in args[0]:
            return 16
        if im.format == "PPM" and len(args) > 1 and isinstance(args[1], int) and args[1] > 255:
            return 16
    return 8


def builtin_image(name: str) -> np.ndarray:
    """One of :data:`BUILTIN_IMAGES` as uint8 ``(H, W, C)``."""
    if name not in BUILTIN_IMAGES:
        raise ImageError(f"unknown built-in image {name!r} (available: {', '.join(BUILTIN_IMAGES)})")
    import skimage.data  # lazy: scikit-image is only needed for the built-in images

    return check_image(np.asarray(getattr(skimage.data, name)(), dtype=np.uint8))


_GREY_ONLY = (".pgm",)
"""A .pgm file is greyscale (P5) by definition; .ppm ("portable pixmap") takes both kinds."""


def output_format(path: str | os.PathLike[str], channels: int | None = None) -> str:
    """The Pillow format an output path asks for; only lossless ones are allowed.

    With ``channels`` (1 or 3), also refuse ``.pgm`` for a colour image (Pillow would write
    a colour P6 file under the greyscale name).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = OUTPUT_SUFFIXES.get(suffix)
    if fmt is None:
        raise ImageError(f"{path}: output must be a lossless format ({', '.join(sorted(OUTPUT_SUFFIXES))})")
    if channels is not None and channels != 1 and suffix in _GREY_ONLY:
        raise ImageError(f"{path}: {suffix} cannot hold a colour image; use .ppm or .png")
    return fmt


def save_image(path: str | os.PathLike[str], pixels: np.ndarray, force: bool = False) -> None:
    """Write uint8 ``(H, W, C)`` pixels losslessly; the format follows the suffix."""
    path = Path(path)
    pixels = check_image(pixels)
    fmt = output_format(path, pixels.shape[2])
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    write_atomic(path, lambda handle: image.save(handle, format=fmt), force)
