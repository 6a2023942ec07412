"""Training crops with film-like grain: the noise of scanned film, which the training photos lack.

The training photos were downsampled from very large originals, so their noise was averaged
away; scanned film (and many camera images) keeps a grain that is spatially correlated (a
grain spans about a pixel), partly shared by the colour layers, and strongest in the
mid-tones. On held-out photos given such grain v9's lead over JPEG-XL shrinks from 4.9 % to
2.4 % (``benchmarks/heldout_degradations.py``); Kodak's grain is not this one (MODEL_CARD,
"Images with chroma history"). White Gaussian noise was a worse model of it
(``../shared/notes/model-levers.md``).

A grainy crop gets, per crop, a standard deviation ``sigma`` drawn from :data:`SIGMA` levels, a
grain size ``blur`` (the Gaussian blur of white noise, pixels) from :data:`BLUR` and the share
of the grain the three channels have in common from :data:`SHARED`; the grain's amplitude at a
pixel is ``0.5 + 2·v·(1 − v)`` of ``sigma`` (``v`` its value in 0..1: the mid-tones get twice
the extremes'). None of these ranges was fitted to an evaluation set.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

SIGMA = (0.5, 4.0)
"""Range of the grain's standard deviation at mid-tones (8-bit levels), drawn uniformly."""
BLUR = (0.4, 1.2)
"""Range of the grain size (standard deviation of the blur, pixels), drawn uniformly."""
SHARED = (0.3, 0.9)
"""Range of the share of the grain's variance the colour channels have in common."""


def grainy(image: np.ndarray, rng: np.random.Generator, sigma: float, blur: float, shared: float) -> np.ndarray:
    """``image`` ``(H, W, C)`` uint8 plus grain of ``sigma`` levels at mid-tones, rounded and clipped
    (``(H, W, C)`` uint8)."""
    def field(shape: tuple[int, ...]) -> np.ndarray:
        noise = gaussian_filter(rng.standard_normal(shape), (blur, blur, 0)[: len(shape)])
        return noise / max(float(noise.std()), 1e-12)

    common = field(image.shape[:2])[:, :, None]
    own = field(image.shape)
    noise = np.sqrt(shared) * common + np.sqrt(1.0 - shared) * own
    v = image / 255.0
    return np.clip(np.rint(image + sigma * (0.5 + 2.0 * v * (1.0 - v)) * noise), 0, 255).astype(np.uint8)


def with_grain(crops: list[np.ndarray], rng: np.random.Generator, share: float) -> list[np.ndarray]:
    """``crops`` with each one, with probability ``share``, given grain whose parameters are drawn
    from :data:`SIGMA`, :data:`BLUR` and :data:`SHARED`. Draws five numbers per crop from ``rng``
    whatever ``share`` (the noise comes from a generator seeded by the fifth)."""
    out = []
    for crop in crops:
        chosen, sigma, blur, shared = rng.random(), rng.uniform(*SIGMA), rng.uniform(*BLUR), rng.uniform(*SHARED)
        noise_rng = np.random.default_rng(int(rng.integers(1 << 62)))
        out.append(grainy(crop, noise_rng, sigma, blur, shared) if chosen < share else crop)
    return out
