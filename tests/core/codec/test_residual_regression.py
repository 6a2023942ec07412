"""The per-image residual regression: exact integer state, regressors, solve and corrections."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ddm_sscc.codec.engine import DiffusionCodec
from ddm_sscc.codec.feature_model import FeatureModel
from ddm_sscc.codec.feature_weights import load_feature_weights, reciprocal_table
from ddm_sscc.codec.residual_regression import RIDGE, W_ONE, Z_ONE, ResidualRegression, _products
from ddm_sscc.codec.zoo import WEIGHTS_DIR
from tests.conftest import real_image

RECIPROCALS = torch.from_numpy(reciprocal_table())
UNIT_SCALE = 48  # ln s = -3 + 48/16 = 0: s = 1 pixel, reciprocal 2^16


def test_unit_scale_index():
    assert int(RECIPROCALS[UNIT_SCALE]) == 65536


def test_regressors_are_lower_errors_then_the_eight_neighbours():
    r = ResidualRegression(3, 3, 4, RECIPROCALS, buckets=1)
    one = torch.zeros(3, dtype=torch.int64)
    # channel 0 knows positions 0, 1 and 5 with errors 1, 2 and 4 scales (residual 16·k at s = 1)
    r.learn(0, torch.tensor([0, 1, 5]), torch.zeros((3, 8), dtype=torch.int64), one,
            torch.tensor([16, 32, 64]), torch.full((3,), UNIT_SCALE))
    x = r.regressors(0, torch.tensor([4, 6, 11]))
    # neighbours in the order (-1,-1), (-1,0), (-1,1), (0,-1), (0,1), (1,-1), (1,0), (1,1); 0 outside or unknown
    assert torch.equal(x, Z_ONE * torch.tensor([[0, 1, 2, 0, 4, 0, 0, 0], [2, 0, 0, 4, 0, 0, 0, 0], [0] * 8]))
    x1 = r.regressors(1, torch.tensor([5, 2]))
    assert x1.shape == (2, 9) and x1[:, 0].tolist() == [4 * Z_ONE, 0]  # channel 0's error at the same position


def test_sweeps_reach_the_ridge_solution():
    gen = torch.Generator().manual_seed(3)
    r = ResidualRegression(3, 4, 4, RECIPROCALS, buckets=1)
    x = torch.randint(-300, 300, (500, 10), generator=gen)
    x[:, 1] = x[:, 0] // 2 + x[:, 1] // 4  # correlated regressors, as neighbours are
    y = (x.double() @ torch.linspace(-0.7, 0.9, 10, dtype=torch.float64)).round().long()
    r.xx[2] = (x[:, :, None] * x[:, None, :]).sum(0)[None]
    r.xy[2] = (x * y[:, None]).sum(0)[None]
    for _ in range(20):
        r._sweep(2)
    exact = torch.linalg.solve(r.xx[2][0].double() + RIDGE * torch.eye(10, dtype=torch.float64), r.xy[2][0].double())
    assert torch.allclose(r.weights[2][0].double() / W_ONE, exact, atol=4 / W_ONE)  # integer steps stop within a few units


def test_learns_an_images_channel_coupling_and_corrects_the_means():
    """G's error is half R's: after one step of data the correction predicts it."""
    gen = torch.Generator().manual_seed(0)
    r = ResidualRegression(3, 64, 64, RECIPROCALS, buckets=2)
    pos = torch.randperm(64 * 64, generator=gen)[:2000]
    bucket = torch.ones(2000, dtype=torch.int64)
    scale = torch.full((2000,), UNIT_SCALE)
    red = torch.randint(-64, 65, (2000,), generator=gen)
    r.learn(0, pos, r.regressors(0, pos), bucket, red, scale)
    x = r.regressors(1, pos)
    assert torch.equal(x[:, 0], red * Z_ONE // 16)
    r.learn(1, pos, x, bucket, red // 2, scale)
    w = r.weights[1][1]
    assert abs(int(w[0]) - W_ONE // 2) < W_ONE // 20 and r.weights[1][0].abs().sum() == 0  # bucket 0 saw nothing
    delta = r.corrections(1, x, bucket, scale)
    assert (delta - red // 2).abs().max() <= 2


def test_state_is_integers_only():
    r = ResidualRegression(1, 8, 8, RECIPROCALS, buckets=3)
    assert all(t.dtype == torch.int64 for t in [r.errors, *r.xx, *r.xy, *r.weights])


def test_products_are_exact_at_the_limits():
    x = torch.full((4096, 3), -512, dtype=torch.int64)
    x[::2] = 511
    assert torch.equal(_products(x, x), (x[:, :, None] * x[:, None, :]).sum(0))


@pytest.fixture(scope="module")
def regression_codec():
    w = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-lattice-v5.safetensors")
    return DiffusionCodec(FeatureModel(dataclasses.replace(w, adaptation=dataclasses.replace(w.adaptation, regression=True))))


@pytest.mark.parametrize("shape", [(40, 48, 3), (33, 17, 1), (1, 5, 3), (5, 3, 1)])
def test_regression_round_trips_and_reaches_the_bits(regression_codec, shape):
    image = real_image(*shape)
    data = regression_codec.encode(image)
    assert np.array_equal(regression_codec.decode(data), image)
    if shape[0] * shape[1] > 100:
        plain = DiffusionCodec(FeatureModel(load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-lattice-v5.safetensors")))
        assert plain.encode(image)[-64:] != data[-64:]
