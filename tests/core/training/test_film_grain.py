"""Training crops with film-like grain."""

import dataclasses

import numpy as np

from ddm_sscc.training.film_grain import grainy, with_grain
from tests.conftest import real_image
from tests.core.training.test_training import TINY, check_extra_validation


def test_grain_has_the_asked_strength_size_and_channel_share():
    flat = np.full((128, 128, 3), 128, np.uint8)  # mid-grey: the amplitude is sigma itself
    out = grainy(flat, np.random.default_rng(0), sigma=3.0, blur=1.0, shared=0.8).astype(float) - 128
    assert out.shape == flat.shape and abs(out.std() - 3.0) < 0.3
    channels = out.reshape(-1, 3).T
    assert 0.65 < np.corrcoef(channels)[0, 1] < 0.95  # 0.8 of the variance shared
    # spatially correlated: neighbours alike, unlike white noise
    assert np.corrcoef(out[:, :-1, 0].ravel(), out[:, 1:, 0].ravel())[0, 1] > 0.5
    white = grainy(flat, np.random.default_rng(0), sigma=3.0, blur=0.0, shared=0.0).astype(float) - 128
    assert abs(np.corrcoef(white[:, :-1, 0].ravel(), white[:, 1:, 0].ravel())[0, 1]) < 0.1


def test_grain_is_weaker_at_the_extremes_and_stays_in_range():
    rng = np.random.default_rng(1)
    dark = grainy(np.full((64, 64, 1), 8, np.uint8), rng, sigma=3.0, blur=0.7, shared=0.5).astype(float)
    mid = grainy(np.full((64, 64, 1), 128, np.uint8), rng, sigma=3.0, blur=0.7, shared=0.5).astype(float)
    assert dark.std() < 0.75 * mid.std()
    edge = grainy(np.zeros((32, 32, 3), np.uint8), rng, sigma=4.0, blur=0.5, shared=0.5)
    assert edge.dtype == np.uint8 and edge.min() == 0


def test_the_share_chooses_crops_and_the_stream_does_not_depend_on_it():
    crops = [real_image(16, 16, 3), real_image(16, 16, 1)]
    rngs = [np.random.default_rng(5) for _ in range(3)]
    none, some, every = (with_grain(crops, rng, share) for rng, share in zip(rngs, (0.0, 0.5, 1.0)))
    assert all(a is b for a, b in zip(none, crops))
    assert all(not np.array_equal(a, b) for a, b in zip(every, crops)) and len(some) == 2
    assert len({rng.integers(1 << 30) for rng in rngs}) == 1


def test_a_run_with_grain_resumes_exactly_and_logs_its_validation(tmp_path):
    check_extra_validation(tmp_path, dataclasses.replace(TINY, grain=0.5), "val_grain_bpsp")
