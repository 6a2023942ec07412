"""Training crops with 4:2:0 chroma history: the colour structure of JPEG-decoded images.

Most colour images users have were stored at some point with their chroma at half resolution in
each direction (JPEG 4:2:0, PhotoCD, video) and upsampled again when decoded. Their colour then
varies smoothly between 2×2 blocks, so once the first channel is known the other two are nearly
determined (Kodak, though scanned to PhotoCD, does not show it: MODEL_CARD, "Images with chroma
history"). The training photos have no such history (they were downsampled from very large
originals), and on held-out photos given that history the model codes 13 % longer than JPEG-XL
where it codes 5 % shorter on the clean ones (``benchmarks/heldout_degradations.py``).

A crop with chroma history is converted to YCbCr (JFIF, as Pillow converts, rounded to 8 bits as
a JPEG codec does), its Cb and Cr averaged over the 2×2 blocks of the crop's grid and upsampled
back with a filter drawn from :data:`UPSAMPLING` (bilinear is libjpeg's "fancy" upsampling, nearest
is plain replication), and converted back to RGB. Greyscale crops are left as they are.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

UPSAMPLING = (Image.Resampling.BILINEAR, Image.Resampling.NEAREST)
"""The chroma upsampling filters a decoder may have used, drawn with equal probability."""


def chroma_subsampled(image: np.ndarray, upsampling: Image.Resampling = Image.Resampling.BILINEAR) -> np.ndarray:
    """``image`` ``(H, W, 3)`` uint8 after 4:2:0 chroma subsampling and ``upsampling`` back
    (``(H, W, 3)`` uint8; a greyscale ``(H, W, 1)`` image is returned unchanged)."""
    if image.shape[2] != 3:
        return image
    y, cb, cr = Image.fromarray(np.ascontiguousarray(image)).convert("YCbCr").split()
    size = (image.shape[1], image.shape[0])
    half = ((size[0] + 1) // 2, (size[1] + 1) // 2)
    cb, cr = (c.resize(half, Image.Resampling.BOX).resize(size, upsampling) for c in (cb, cr))
    return np.asarray(Image.merge("YCbCr", (y, cb, cr)).convert("RGB"))


def with_chroma_history(crops: list[np.ndarray], rng: np.random.Generator, share: float) -> list[np.ndarray]:
    """``crops`` with each colour crop, with probability ``share``, given a 4:2:0 chroma history
    (the filter drawn from :data:`UPSAMPLING`). Draws two numbers per crop whatever ``share``."""
    out = []
    for crop in crops:
        chosen, which = rng.random(), int(rng.integers(len(UPSAMPLING)))
        out.append(chroma_subsampled(crop, UPSAMPLING[which]) if chosen < share else crop)
    return out
