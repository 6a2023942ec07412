"""Classical lossless codecs through imagecodecs, with the settings the benchmark promises.

WebP and QOI have no greyscale mode: greyscale images go to them as three equal
channels (bits are still counted per original sub-pixel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Baseline:
    name: str
    encode: Callable[[np.ndarray], bytes]
    decode: Callable[[bytes], np.ndarray]
    settings: str


def _rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


def _plain(image: np.ndarray) -> np.ndarray:
    return image[:, :, 0] if image.shape[2] == 1 else image


def baselines() -> list[Baseline]:
    """PNG (level 9), WebP lossless (method 6), JPEG-XL lossless (effort 9), JPEG 2000 (reversible), QOI."""
    import imagecodecs as ic

    return [
        Baseline("png", lambda im: ic.png_encode(_plain(im), level=9), ic.png_decode, "zlib level 9"),
        Baseline("webp", lambda im: ic.webp_encode(_rgb(im), lossless=True, method=6), ic.webp_decode,
                 "lossless, method 6"),
        Baseline("jpegxl", lambda im: ic.jpegxl_encode(_plain(im), lossless=True, effort=9), ic.jpegxl_decode,
                 "lossless, effort 9"),
        Baseline("jpeg2k", lambda im: ic.jpeg2k_encode(_plain(im), reversible=True), ic.jpeg2k_decode,
                 "reversible 5/3 wavelet"),
        Baseline("qoi", lambda im: ic.qoi_encode(_rgb(im)), ic.qoi_decode, "default"),
    ]


def matches(image: np.ndarray, decoded: np.ndarray) -> bool:
    """Whether a baseline's output equals the input (greyscale sent as RGB compares channel 0)."""
    decoded = decoded.reshape(decoded.shape[0], decoded.shape[1], -1)
    if image.shape[2] == 1 and decoded.shape[2] == 3:
        decoded = decoded[:, :, :1]
    return decoded.shape == image.shape and np.array_equal(decoded, image)
