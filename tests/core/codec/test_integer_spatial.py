"""Learned spatial features: the pooled planes, the integer conv net and its exactness bounds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ddm_sscc.codec.feature_network import FeatureNetworkConfig, SpatialNet
from ddm_sscc.codec.integer_spatial import (
    ACTIVATION_MAX, BIAS_LIMIT, MAX_WIDTH, WEIGHT_LIMIT, build_spatial, check_spatial, quantize_spatial,
)
from ddm_sscc.codec.spatial_features import PLANE_LIMIT, cell_index, cell_planes
from ddm_sscc.codec.tokens import MASK

CONFIG = FeatureNetworkConfig(spatial=8, spatial_width=12, spatial_layers=3)


def _canvas(height: int, width: int, channels: int = 3, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    canvas = torch.randint(0, 256, (channels, height, width), generator=g)
    hidden = torch.rand((height, width), generator=g) < 0.5
    canvas[:, hidden] = MASK
    return canvas


def test_cell_planes_pool_revealed_pixels_of_odd_sized_canvases():
    canvas = _canvas(5, 7)
    planes = cell_planes(canvas)
    assert planes.shape == (4, 3, 4)
    known = canvas[2] != MASK
    for cy in range(3):
        for cx in range(4):
            box = (slice(2 * cy, 2 * cy + 2), slice(2 * cx, 2 * cx + 2))
            assert int(planes[3, cy, cx]) == 255 * int(known[box].sum())
            for c in range(3):
                assert int(planes[c, cy, cx]) == int(torch.where(known[box], canvas[c][box], 0).sum())
    assert int(planes.max()) <= PLANE_LIMIT
    positions = torch.arange(35)
    assert torch.equal(cell_index(positions, 7), (positions // 7 // 2) * 4 + (positions % 7) // 2)


def test_integer_conv_is_exact_at_its_largest_values():
    """The float32 GEMMs of bytes and 8-bit weights equal int64 arithmetic at the format's limits."""
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, ACTIVATION_MAX + 1, (MAX_WIDTH, 9, 11), generator=g)
    x[:, :3] = ACTIVATION_MAX
    w = torch.randint(-WEIGHT_LIMIT, WEIGHT_LIMIT + 1, (5, MAX_WIDTH, 3, 3), generator=g)
    w[0] = WEIGHT_LIMIT
    bias = torch.randint(-BIAS_LIMIT + 1, BIAS_LIMIT, (5,), generator=g)
    shift = torch.randint(1, 22, (5,), generator=g)
    layer = build_spatial({"weight0": w, "bias0": bias, "shift0": shift}).layers[0]
    exact = torch.nn.functional.conv2d(x[None].double(), w.double(), padding=1)[0].to(torch.int64)  # < 2^53
    expected = ((exact + bias[:, None, None] + (1 << (shift - 1))[:, None, None]) >> shift[:, None, None]).clamp(0, ACTIVATION_MAX)
    assert torch.equal(layer(x.float()).to(torch.int64), expected)
    assert int(expected.max()) == ACTIVATION_MAX and int((expected > 0).sum()) > 100  # the limits were reached


def test_bands_do_not_change_a_value(monkeypatch):
    from ddm_sscc.codec import integer_spatial

    torch.manual_seed(0)
    planes = cell_planes(_canvas(45, 60))
    net = build_spatial(quantize_spatial(SpatialNet(3, CONFIG), planes[None]))
    whole = net.maps(planes)
    monkeypatch.setattr(integer_spatial, "BAND_ROWS", 4)
    assert torch.equal(net.maps(planes), whole)
    assert whole.shape == (23 * 30, CONFIG.spatial) and int(whole.min()) >= 0 and int(whole.max()) <= 255


def test_quantised_net_follows_the_float_net():
    torch.manual_seed(0)
    float_net = SpatialNet(3, CONFIG)
    planes = cell_planes(_canvas(64, 96))
    tensors = quantize_spatial(float_net, planes[None])
    check_spatial(tensors, 4, CONFIG.spatial_width, CONFIG.spatial, CONFIG.spatial_layers)
    integer = build_spatial(tensors).maps(planes).double()
    with torch.no_grad():
        reference = 256 * float_net(planes[None])[0].permute(1, 2, 0).reshape(-1, CONFIG.spatial).double()
    assert float((integer - reference).abs().mean()) < 0.5  # in 1/256 units: rounding only
    assert float(reference.mean()) > 1.0  # the comparison is not between two zero maps


@pytest.mark.parametrize("change, message", [
    (lambda t: t.__setitem__("weight0", t["weight0"][:, :-1]), "shape"),
    (lambda t: t["weight1"].__setitem__((0, 0, 0, 0), WEIGHT_LIMIT + 1), "integer ranges"),
    (lambda t: t["shift2"].__setitem__(0, 0), "integer ranges"),
    (lambda t: t["bias0"].__setitem__(0, 1 << 21), "integer ranges"),
])
def test_check_spatial_refuses_bad_tensors(change, message):
    tensors = quantize_spatial(SpatialNet(3, CONFIG), cell_planes(_canvas(8, 8))[None])
    tensors = {k: v.clone() for k, v in tensors.items()}
    change(tensors)
    with pytest.raises(ValueError, match=message):
        check_spatial(tensors, 4, CONFIG.spatial_width, CONFIG.spatial, CONFIG.spatial_layers)


def test_a_width_whose_sums_would_not_be_exact_is_refused():
    wide = FeatureNetworkConfig(spatial=4, spatial_width=MAX_WIDTH + 1, spatial_layers=2)
    tensors = quantize_spatial(SpatialNet(1, wide), cell_planes(_canvas(8, 8, channels=1))[None])
    with pytest.raises(ValueError, match="not be exact"):
        check_spatial(tensors, 2, wide.spatial_width, wide.spatial, wide.spatial_layers)


def test_a_spatial_model_round_trips_odd_images(tmp_path):
    """A small spatial model, trained a few steps and exported, codes tiny and odd images exactly."""
    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.training.feature_export import export
    from ddm_sscc.training.feature_loop import FeatureTrainConfig, train_features

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 48, 3), dtype=np.uint8) for _ in range(3)]
    run = tmp_path / "run"
    config = FeatureNetworkConfig(hidden=8, layers=1, components=2, spatial=4, spatial_width=6, spatial_layers=2)
    train_features(images, images[:1], run, FeatureTrainConfig(crop=32, crops_per_batch=2, per_step=64, total_steps=3,
                                                                 validation_crops=2), config, log=lambda line: None)
    weights = tmp_path / "spatial.safetensors"
    export(run / "network.safetensors", weights, "test-spatial", images, {}, crops=4)
    codec = load_codec(str(weights))
    for shape in [(1, 1, 3), (3, 5, 3), (1, 50, 1), (17, 9, 3)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(codec.decode(codec.encode(image, CodecSettings())), image), shape
