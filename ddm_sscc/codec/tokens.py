"""Sub-pixel tokens: the vocabulary the diffusion model works on.

An ``H×W×C`` uint8 image (C = 1 or 3) becomes a *canvas*: an int64 tensor of
shape ``(C, H, W)`` whose entries are sub-pixel values 0..255, or
:data:`MASK` (256) where the value is not yet revealed.  Positions are flat
pixel indices ``y * W + x``; the C sub-pixels of one position are revealed in
the same denoising step (see :mod:`ddm_sscc.codec.engine`).
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from ddm_sscc.errors import ImageError

VOCAB_SIZE = 256
"""Number of sub-pixel values a probability table covers."""

MASK = 256
"""Token of a masked (not yet revealed) sub-pixel."""

MAX_PIXELS = 1 << 28
"""Largest H·W accepted, a guard against absurd headers and inputs."""


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an image array and return it as contiguous ``(H, W, C)`` uint8.

    Accepts ``(H, W)`` greyscale (returned as ``(H, W, 1)``) and ``(H, W, 1|3)``.
    """
    if not isinstance(image, np.ndarray):
        raise ImageError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ImageError(f"image must be uint8, got {image.dtype}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ImageError(f"image must be H×W, H×W×1 or H×W×3, got shape {image.shape}")
    height, width, _ = image.shape
    if height < 1 or width < 1:
        raise ImageError(f"image must be at least 1×1, got {height}×{width}")
    if height * width > MAX_PIXELS:
        raise ImageError(f"image of {height}×{width} pixels exceeds the limit of {MAX_PIXELS}")
    return np.ascontiguousarray(image)


def pixel_sha256(image: np.ndarray) -> bytes:
    """SHA-256 of the pixels: shape ``(H, W, C)`` as three little-endian u32, then the raw bytes.

    Binding the shape in means a transposed or re-shaped image never matches.
    """
    image = check_image(image)
    digest = hashlib.sha256()
    digest.update(np.asarray(image.shape, dtype="<u4").tobytes())
    digest.update(image.tobytes())
    return digest.digest()


def masked_canvas(height: int, width: int, channels: int) -> torch.Tensor:
    """The all-MASK canvas every encode and decode starts from: int64 ``(C, H, W)``."""
    return torch.full((channels, height, width), MASK, dtype=torch.int64)


def image_to_tokens(image: np.ndarray) -> torch.Tensor:
    """``(H, W, C)`` uint8 image → int64 tokens ``(C, H, W)`` with values 0..255."""
    image = check_image(image)
    return torch.from_numpy(image.transpose(2, 0, 1).astype(np.int64))


def tokens_to_image(canvas: torch.Tensor) -> np.ndarray:
    """Fully revealed canvas ``(C, H, W)`` → uint8 image ``(H, W, C)``."""
    if bool((canvas == MASK).any()):
        raise ImageError("canvas still holds masked tokens")
    return np.ascontiguousarray(canvas.numpy().transpose(1, 2, 0).astype(np.uint8))
