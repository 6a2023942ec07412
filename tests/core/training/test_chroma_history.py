"""Training crops with a 4:2:0 chroma history (the colour structure of JPEG-decoded images)."""

import dataclasses

import numpy as np
from PIL import Image

from ddm_sscc.training.chroma_history import chroma_subsampled, with_chroma_history
from tests.conftest import real_image
from tests.core.training.test_training import TINY, check_extra_validation


def _chroma(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image).convert("YCbCr"), dtype=int)


def test_chroma_history_keeps_luma_and_makes_chroma_blockwise():
    photo = real_image(40, 50, 3)
    for upsampling in (Image.Resampling.NEAREST, Image.Resampling.BILINEAR):
        out = chroma_subsampled(photo, upsampling)
        assert out.shape == photo.shape and out.dtype == np.uint8 and not np.array_equal(out, photo)
        # luma survives up to the 8-bit roundings of the two conversions
        assert np.abs(_chroma(out)[..., 0] - _chroma(photo)[..., 0]).max() <= 3
    blocks = _chroma(chroma_subsampled(photo, Image.Resampling.NEAREST))[..., 1:].reshape(20, 2, 25, 2, 2)
    # replicated chroma: each 2x2 block has one Cb and one Cr, up to the RGB round trip's rounding
    assert (blocks.max(axis=(1, 3)) - blocks.min(axis=(1, 3))).max() <= 3
    assert (np.abs(_chroma(photo)[..., 1:].reshape(20, 2, 25, 2, 2) - blocks.mean(axis=(1, 3), keepdims=True))).max() > 3


def test_greyscale_and_odd_sizes():
    grey = real_image(7, 9, 1)
    assert chroma_subsampled(grey) is grey
    assert chroma_subsampled(real_image(7, 9, 3)).shape == (7, 9, 3)


def test_the_share_chooses_crops_and_the_stream_does_not_depend_on_it():
    crops = [real_image(16, 16, 3), real_image(16, 16, 1), real_image(16, 16, 3)]
    rngs = [np.random.default_rng(5) for _ in range(3)]
    none, some, every = (with_chroma_history(crops, rng, share) for rng, share in zip(rngs, (0.0, 0.5, 1.0)))
    assert all(a is b for a, b in zip(none, crops))
    assert every[1] is crops[1] and not np.array_equal(every[0], crops[0]) and not np.array_equal(every[2], crops[2])
    assert len(some) == 3
    assert len({rng.integers(1 << 30) for rng in rngs}) == 1  # each share drew the same numbers


def test_a_run_with_chroma_history_resumes_exactly_and_logs_its_validation(tmp_path):
    check_extra_validation(tmp_path, dataclasses.replace(TINY, chroma_history=0.5), "val_chroma_bpsp")
