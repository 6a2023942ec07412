"""The integer features: the plane option (``FeatureNetworkConfig.planes``)."""

import numpy as np
import torch

from ddm_sscc.codec.local_features import GRADIENT_STEPS, PLANE_RADII, VALUE_SCALE, feature_count, features, summarise
from ddm_sscc.codec.tokens import MASK


def sparse_canvas(image: np.ndarray, seed: int = 0, revealed: float = 0.3) -> torch.Tensor:
    canvas = torch.from_numpy(image.astype(np.int64).copy())
    hidden = torch.from_numpy(np.random.default_rng(seed).random(image.shape[1:]) > revealed)
    canvas[:, hidden] = MASK
    return canvas


def test_planes_recover_a_linear_image():
    """On v = 20 + 2x + y (≤ 237) the fitted planes give the value within a quarter step and the
    gradients within 1/64 (the moments are floored once), in boxes with enough revealed pixels."""
    height, width = 60, 80
    ys, xs = np.mgrid[0:height, 0:width]
    image = (20 + 2 * xs + ys)[None]
    canvas = sparse_canvas(image)
    queried = [(30, 40), (12, 9), (50, 70)]
    for y, x in queried:
        canvas[:, y, x] = MASK
    positions = torch.tensor([y * width + x for y, x in queried])
    summary = summarise(canvas, planes=True)
    base, feats = features(canvas, summary, positions, 0, 200, 50)
    plain = feature_count(0, 1)
    assert feats.shape[1] == feature_count(0, 1, planes=True) == plain + 3 * len(PLANE_RADII)
    planes = feats[:, plain - 2 : -2].reshape(len(queried), len(PLANE_RADII), 3)  # before the two step columns
    truth = torch.tensor([VALUE_SCALE * int(image[0, y, x]) for y, x in queried])
    for r in range(1, len(PLANE_RADII)):  # the 5×5 box holds too few revealed pixels for this
        assert (base + planes[:, r, 0] - truth).abs().max() <= 1
        assert (planes[:, r, 1] - 2 * GRADIENT_STEPS).abs().max() <= 1
        assert (planes[:, r, 2] - GRADIENT_STEPS).abs().max() <= 1


def test_plane_features_extend_the_plain_ones():
    """Models without planes (v1, v2) see exactly the features they were trained on."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(3, 40, 50))
    canvas = sparse_canvas(image, seed=1, revealed=0.5)
    positions = torch.nonzero(canvas[0].reshape(-1) == MASK)[:, 0][:200]
    for channel in range(3):
        plain = features(canvas, summarise(canvas), positions, channel, 100, 30)
        extended = features(canvas, summarise(canvas, planes=True), positions, channel, 100, 30)
        assert torch.equal(plain[0], extended[0])
        width = plain[1].shape[1]
        assert torch.equal(plain[1][:, :-2], extended[1][:, : width - 2])
        assert torch.equal(plain[1][:, -2:], extended[1][:, -2:])
        assert extended[1].shape[1] == feature_count(channel, 3, planes=True)
        canvas[channel].reshape(-1)[positions] = torch.from_numpy(image[channel].reshape(-1)[positions.numpy()])
