"""The integer feature model: exact integer parts, the mixture table recipe, its weights file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from ddm_sscc.codec import CodecSettings, DiffusionCodec, load_codec
from ddm_sscc.codec.container import Header, unpack
from ddm_sscc.codec.feature_model import FeatureModel
from ddm_sscc.codec.feature_network import FeatureNetwork, FeatureNetworkConfig, mixture_nll_bits
from ddm_sscc.codec.feature_weights import load_feature_weights, reciprocal_table
from ddm_sscc.codec.integer_network import (
    ACTIVATION_LIMIT,
    FLOAT32,
    FLOAT32_COLUMN_LIMITS,
    FLOAT64,
    WEIGHT_LIMIT,
    Arithmetic,
    IntegerLayer,
)
from ddm_sscc.codec.local_features import FEATURE_LIMIT, feature_count, feature_limits, features, summarise
from ddm_sscc.codec.tables import (
    CDF_ONE,
    TABLE_TOTAL,
    LogisticMixtureTables,
    _interpolate,
    logistic_cdf_table,
    mixture_weights,
)
from ddm_sscc.codec.tokens import MASK
from ddm_sscc.codec.zoo import DEFAULT_MODEL, WEIGHTS_DIR
from ddm_sscc.errors import ContainerError, ModelMismatchError
from tests.conftest import real_image

RECIPROCALS = torch.from_numpy(reciprocal_table())
CDF = torch.from_numpy(logistic_cdf_table())


@pytest.fixture(scope="module")
def tables() -> LogisticMixtureTables:
    return LogisticMixtureTables(RECIPROCALS, CDF)


def _params(n: int, k: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    means = torch.randint(-64 * 16, 320 * 16, (n, k), generator=g)
    scales = torch.randint(0, len(RECIPROCALS), (n, k), generator=g)
    logits = torch.randint(-200, 200, (n, k), generator=g)
    return means, scales, logits


def test_mixture_tables_are_valid(tables):
    freqs = tables.frequencies(*_params(3000))
    assert freqs.shape == (3000, 256) and freqs.min() >= 1
    assert (freqs.sum(axis=1) == TABLE_TOTAL).all()


def test_cached_masses_equal_the_recipe_computed_directly(tables):
    """The (j, f, k) cache is the recipe: compare with steps 1–4 evaluated per row."""
    means, scales, logits = _params(200, seed=1)
    edges = torch.arange(255) * 16 + 8
    z = (edges[None, None, :] - means.clamp(-64 * 16, 320 * 16 - 1)[:, :, None]) * RECIPROCALS[scales][:, :, None]
    cdf = _interpolate(z, CDF)
    cdf = torch.cat([torch.zeros(200, 2, 1, dtype=torch.int64), cdf, torch.full((200, 2, 1), CDF_ONE)], dim=2)
    direct = ((cdf[:, :, 1:] - cdf[:, :, :-1]) * mixture_weights(logits)[:, :, None]).sum(dim=1)
    assert torch.equal(tables.masses(means, scales, logits).to(torch.int64), direct)
    values = torch.randint(0, 256, (200,))
    values[:30], values[30:60] = 0, 255  # the end values hold the tails
    assert torch.equal(tables.masses_at(means, scales, logits, values), direct[torch.arange(200), values])


def test_masses_under_several_scales_are_masses_at_each(tables):
    """The adaptation's batched candidates give what one call per candidate gives."""
    means, scales, logits = _params(300, seed=2)
    values = torch.randint(0, 256, (300,))
    shifts = torch.tensor([0, -3, 5, -40, 200])
    candidates = (scales[:, :, None] + shifts).clamp(0, tables.scales - 1)
    batched = tables.masses_at_scales(means, candidates, mixture_weights(logits), values)
    for d in range(len(shifts)):
        assert torch.equal(batched[:, d], tables.masses_at(means, candidates[:, :, d], logits, values))


def test_frequencies_of_a_chunked_batch_equal_each_row_alone(tables):
    """Tables are computed in chunks of rows with shared buffers: a row never depends on its batch."""
    means, scales, logits = _params(1300, seed=3)
    batch = tables.frequencies(means, scales, logits)
    for row in (0, 511, 512, 1299):
        assert (tables.frequencies(means[row : row + 1], scales[row : row + 1], logits[row : row + 1])[0] == batch[row]).all()


def test_mixture_tables_follow_the_mean_and_scale(tables):
    narrow = tables.frequencies(torch.tensor([[100 * 16, 100 * 16]]), torch.tensor([[40, 40]]), torch.tensor([[0, 0]]))[0]
    wide = tables.frequencies(torch.tensor([[100 * 16, 100 * 16]]), torch.tensor([[110, 110]]), torch.tensor([[0, 0]]))[0]
    assert narrow.argmax() == 100 and narrow[100] > wide[100] > wide[1]
    assert wide[0] > wide[1]  # the first bin holds the whole lower tail
    assert wide[1:255].argmax() + 1 in (99, 100, 101)


def test_mixture_weights_sum_to_4096_at_most():
    w = mixture_weights(torch.tensor([[0, 0], [0, -10_000], [5, 3]]))
    assert w[0].tolist() == [2048, 2048] and w[1].tolist() == [4096, 0] and int(w[2].sum()) <= 4096


def test_integer_layer_is_exact_at_its_largest_values():
    """float64 GEMM of integers at the format's limits equals int64 arithmetic exactly."""
    g = torch.Generator().manual_seed(2)
    x = torch.randint(-FEATURE_LIMIT, FEATURE_LIMIT + 1, (64, 512), generator=g)
    x[0] = ACTIVATION_LIMIT
    w = torch.randint(-WEIGHT_LIMIT, WEIGHT_LIMIT + 1, (32, 512), generator=g)
    w[0] = WEIGHT_LIMIT
    b = torch.randint(-(1 << 30), 1 << 30, (32,), generator=g)
    shift = torch.randint(0, 20, (32,), generator=g)
    layer = IntegerLayer(w.double(), b.double(), torch.pow(2.0, -shift.double()), relu=False)
    exact = x @ w.T + b  # int64
    rounded = torch.div(exact + (1 << shift) // 2, 1 << shift, rounding_mode="floor")
    rounded = torch.where(shift == 0, exact, rounded)
    assert torch.equal(layer(x.double()).to(torch.int64), rounded)


def test_features_are_bounded_and_see_lower_channels():
    image = torch.from_numpy(real_image(24, 20, 3).transpose(2, 0, 1).astype(np.int64))
    canvas = torch.full_like(image, MASK)
    before = torch.arange(0, 480, 3)
    canvas.view(3, -1)[:, before] = image.view(3, -1)[:, before]
    positions = torch.tensor([1, 50, 100])
    summary = summarise(canvas)
    _, f0 = features(canvas, summary, positions, 0, 128, 100)
    assert f0.shape == (3, feature_count(0, 3)) and int(f0.abs().max()) <= FEATURE_LIMIT
    canvas.view(3, -1)[0, positions] = image.view(3, -1)[0, positions]
    base, f1 = features(canvas, summary, positions, 1, 128, 100)
    assert f1.shape == (3, feature_count(1, 3))
    # the base of channel 1 follows the co-located channel 0
    shifted = canvas.clone()
    shifted.view(3, -1)[0, positions] += 1
    base_shifted, _ = features(shifted, summary, positions, 1, 128, 100)
    assert torch.equal(base_shifted - base, torch.full((3,), 4))


def test_empty_canvas_gives_a_valid_first_step():
    model = load_codec(DEFAULT_MODEL).model
    session = model.start_image(3, 0)
    from ddm_sscc.codec.model import StepInfo

    freqs = session.tables(torch.full((3, 5, 5), MASK), torch.tensor([0, 7]), StepInfo(0, 4, 1.0, 0, 3))
    assert freqs.shape == (2, 256) and (freqs.sum(axis=1) == TABLE_TOTAL).all()


def test_calibration_modes_change_the_bits_and_all_decode():
    codec = load_codec(DEFAULT_MODEL)
    image = real_image(40, 36, 3)
    files = {}
    for name, settings in {"off": CodecSettings(calibrate=False), "offline": CodecSettings(adapt=False),
                           "online": CodecSettings()}.items():
        files[name] = codec.encode(image, settings)
        header = unpack(files[name])[0]
        assert (header.calibrated, header.adaptive) == (name != "off", name == "online")
        assert np.array_equal(codec.decode(files[name]), image)
    assert len({files[n] for n in files}) == 3


def test_adaptive_files_need_an_adaptive_model():
    data = load_codec(DEFAULT_MODEL).encode(real_image(8, 8, 3))
    header, payload = unpack(data)
    from ddm_sscc.codec.container import pack

    context_mean = load_codec("context-mean-v1")
    forged = Header(**{**header.__dict__, "weights_sha256": context_mean.model.weights_sha256})
    assert forged.narrow
    with pytest.raises(ModelMismatchError, match="narrow tables"):
        context_mean.decode(pack(forged, payload))
    with pytest.raises(ModelMismatchError, match="online adaptation"):
        context_mean.decode(pack(Header(**{**forged.__dict__, "narrow": False}), payload))
    with pytest.raises(ContainerError, match="calibrated"):
        Header(**{**header.__dict__, "calibrated": False})


def test_float_and_integer_networks_agree():
    """Post-training quantisation keeps the code length: the shipped file against its float twin."""
    from ddm_sscc.codec.integer_network import build_heads, quantize

    torch.manual_seed(0)
    net = FeatureNetwork(FeatureNetworkConfig(hidden=32, layers=2, components=2))
    for mlp in net.heads:
        torch.nn.init.normal_(mlp[-1].weight, std=0.05)
    feats = torch.randint(-600, 600, (500, feature_count(1, 3)))
    base = torch.randint(0, 1020, (500,))
    target = (base // 4 + torch.randint(-5, 6, (500,))).clamp(0, 255)
    heads = build_heads(quantize(net, {h: feats[:, : feature_count(*hc[::-1])] for h, hc in
                                       enumerate([(1, 0), (3, 0), (3, 1), (3, 2)]) if h == 2}
                                 | {h: torch.zeros((1, feature_count(c, C)), dtype=torch.int64)
                                    for h, (C, c) in enumerate([(1, 0), (3, 0), (3, 1), (3, 2)]) if h != 2}), 2)
    out = heads[2](feats)
    tables = LogisticMixtureTables(RECIPROCALS, CDF)
    means = 4 * base[:, None] + out[:, :2]
    mass = tables.masses_at(means, out[:, 2:4], out[:, 4:], target).double()
    total = CDF_ONE * mixture_weights(out[:, 4:]).sum(dim=1).double()
    integer_bits = float(-torch.log2(mass / total).mean())
    with torch.no_grad():
        float_bits = float(mixture_nll_bits(net(2, feats), base, target, 2).mean())
    assert abs(integer_bits - float_bits) < 0.02, (integer_bits, float_bits)


def test_a_head_that_saw_no_examples_still_quantises_within_range():
    """A fresh network's output layers are all zero (as a head no training example reached keeps
    them): quantisation must still give shifts and biases the weights loader accepts."""
    from ddm_sscc.codec.integer_network import quantize

    torch.manual_seed(0)
    net = FeatureNetwork(FeatureNetworkConfig(hidden=8, layers=1, components=2))
    with torch.no_grad():
        net.heads[0][-1].bias.fill_(0.004)  # a nudged bias on zero weights
    calibration = {h: torch.zeros((1, feature_count(c, C)), dtype=torch.int64)
                   for h, (C, c) in enumerate([(1, 0), (3, 0), (3, 1), (3, 2)])}
    for head in quantize(net, calibration):
        for i in range(2):
            assert 0 <= int(head[f"shift{i}"].min()) and int(head[f"shift{i}"].max()) <= 62
            assert int(head[f"bias{i}"].abs().max()) < 1 << 40
            assert int(head[f"weight{i}"].abs().max()) <= WEIGHT_LIMIT


def test_weights_file_problems_name_the_file(tmp_path):
    shipped = WEIGHTS_DIR / "ddm-featmlp-int-v1.safetensors"
    with pytest.raises(ModelMismatchError, match="corrupted or replaced"):
        load_feature_weights(shipped, bytes(32))
    tensors = load_file(str(shipped))
    tensors["head1.weight0"] = tensors["head1.weight0"][:, :-1].contiguous()
    bad = tmp_path / "bad.safetensors"
    from safetensors import safe_open

    with safe_open(str(shipped), framework="pt") as handle:
        metadata = handle.metadata()
    save_file(tensors, str(bad), metadata=metadata)
    with pytest.raises(ModelMismatchError, match="bad.safetensors.*shape"):
        FeatureModel.from_file(bad)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(ModelMismatchError, match="junk.safetensors"):
        FeatureModel.from_file(junk)
    with pytest.raises(ModelMismatchError, match="not found"):
        FeatureModel.from_file(tmp_path / "missing.safetensors")


def test_adaptation_contexts_come_from_the_weights_file(tmp_path):
    """v2 adapts per scale × mean-offset context, v1 per scale only; each file keeps its own."""
    from ddm_sscc.codec.online_adaptation import SCALE_CONTEXTS, AdaptationConfig

    v1 = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-int-v1.safetensors")
    v2 = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-int-v2.safetensors")
    assert v1.adaptation == SCALE_CONTEXTS and v2.adaptation.offset_cuts == (-32, -8, 8, 32)
    image = real_image(40, 48, 3)
    coded = DiffusionCodec(FeatureModel(v2)).encode(image)
    v2.adaptation = SCALE_CONTEXTS
    scale_only = DiffusionCodec(FeatureModel(v2))
    assert scale_only.encode(image) != coded  # the contexts reach the bits
    assert np.array_equal(scale_only.decode(scale_only.encode(image)), image)
    for cuts in [(8, -8), (1.5,), tuple(range(16))]:
        with pytest.raises(ValueError, match="offset_cuts"):
            AdaptationConfig(offset_cuts=cuts)


def test_regression_flag_round_trips_through_the_weights_file(tmp_path):
    from ddm_sscc.codec.feature_weights import save_feature_weights
    from ddm_sscc.codec.online_adaptation import AdaptationConfig

    w = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-lattice-v5.safetensors")
    for regression in (False, True):
        path = tmp_path / f"r{regression}.safetensors"
        adaptation = AdaptationConfig(offset_cuts=(-32, -8, 8, 32), regression=regression)
        save_feature_weights(path, "x", w.config, w.heads, w.offline_shift, {}, adaptation)
        assert load_feature_weights(path).adaptation == adaptation
    with pytest.raises(ValueError, match="regression"):
        AdaptationConfig(regression=1)


@pytest.mark.parametrize("adaptation", ['{"offset_cuts": [8, -8]}', '{"cuts": []}', '[1, 2]', 'not json',
                                        '{"offset_cuts": [], "regression": 1}', '{"offset_cuts": [], "regression": true, "x": 1}'])
def test_malformed_adaptation_metadata_names_the_file(tmp_path, adaptation):
    from safetensors import safe_open

    shipped = WEIGHTS_DIR / "ddm-featmlp-int-v2.safetensors"
    with safe_open(str(shipped), framework="pt") as handle:
        metadata = handle.metadata()
    bad = tmp_path / "bad_adaptation.safetensors"
    save_file(load_file(str(shipped)), str(bad), metadata=metadata | {"adaptation": adaptation})
    with pytest.raises(ModelMismatchError, match="bad_adaptation.safetensors"):
        FeatureModel.from_file(bad)


def _within(arithmetic, w, layer, bias=None, shift=None, last=False, limits=None):
    """Halve the rows of ``w`` until they keep the arithmetic's bound."""
    bias = torch.zeros(len(w), dtype=torch.int64) if bias is None else bias
    shift = torch.zeros(len(w), dtype=torch.int64) if shift is None else shift
    while not (ok := arithmetic.exact_rows(w, bias, shift, layer, last, limits)).all():
        assert w[~ok].any(), "rows that no weights fit"
        w[~ok] = torch.div(w[~ok], 2, rounding_mode="trunc")
    return w


@pytest.mark.parametrize("layer", ["features", "hidden", "output"])
def test_float32_layer_is_exact_at_its_bound(layer):
    """float32 GEMMs (two limbs for the features; the bias remainder in the hidden layers' GEMM)
    equal int64 arithmetic at the inputs that push every partial sum to the bound: the largest
    magnitudes, signed to match a row."""
    from ddm_sscc.codec.integer_network import Float32Layer

    g = torch.Generator().manual_seed(len(layer))
    index, width, top, low = (0, 195, FEATURE_LIMIT, -FEATURE_LIMIT) if layer == "features" else (1, 128, FLOAT32.activation_limit, 0)
    shift = torch.randint(10, 23, (64,), generator=g)
    shift[:2] = torch.tensor([7, 8] if layer == "features" else [0, 1])  # the first layer's limbs need s ≥ 7
    # biases that keep most outputs inside the clamp, and two beyond float32's integers
    b = ((torch.rand(64, generator=g, dtype=torch.float64) * 2 - 1) * torch.pow(2.0, shift + 12)).to(torch.int64)
    b[2:4] = torch.tensor([1 << 38, -(1 << 38)])
    w = _within(FLOAT32, torch.randint(-WEIGHT_LIMIT, WEIGHT_LIMIT + 1, (64, width), generator=g), index, b, shift,
                last=layer == "output")
    x = torch.randint(low, top + 1, (300, width), generator=g)
    x[:64] = torch.where(w > 0, top, low)  # row i's worst case
    x[64:128] = torch.where(w > 0, low, top)
    # the features' sums leave float32's exact range (hence the limbs); the activations' come near it
    assert int(((x[:64] * w).abs().sum(dim=1)).max()) > (1 << 24 if layer == "features" else 1 << 23)
    f32 = Float32Layer(w, b, shift, relu=layer != "output", limit=FLOAT32.activation_limit,
                       limb_bits=FLOAT32.input_limb_bits if layer == "features" else 0)
    exact = x @ w.T + b
    rounded = torch.div(exact + (1 << shift) // 2, 1 << shift, rounding_mode="floor")
    if layer != "output":
        rounded = rounded.clamp(0, FLOAT32.activation_limit)
    if layer == "hidden":  # and near the clamp's edges, where the quotient and the remainder meet
        x[128:] = torch.randint(0, 40, (172, width), generator=g)
        exact = x @ w.T + b
        rounded = torch.div(exact + (1 << shift) // 2, 1 << shift, rounding_mode="floor").clamp(0, FLOAT32.activation_limit)
    assert torch.equal(f32(x.to(torch.float32)).to(torch.int64), rounded)
    if layer != "output":
        assert ((rounded > 0) & (rounded < FLOAT32.activation_limit)).float().mean() > 0.3


def test_column_limited_first_layer_is_exact_at_its_bound_and_clamps_beyond_it():
    """FLOAT32_COLUMN_LIMITS: the features in one float32 GEMM, each clamped to its column's limit,
    equal int64 arithmetic on the clamped features, at each row's worst case and beyond the limits."""
    from ddm_sscc.codec.integer_network import Float32Layer

    g = torch.Generator().manual_seed(5)
    a = FLOAT32_COLUMN_LIMITS
    limits = a.input_limits(3, 2, False, True)
    width = len(limits)
    shift = torch.randint(0, 23, (64,), generator=g)
    b = ((torch.rand(64, generator=g, dtype=torch.float64) * 2 - 1) * torch.pow(2.0, shift + 12)).to(torch.int64)
    b[2:4] = torch.tensor([1 << 38, -(1 << 38)])
    w = _within(a, torch.randint(-WEIGHT_LIMIT, WEIGHT_LIMIT + 1, (64, width), generator=g), 0, b, shift, limits=limits)
    x = torch.randint(-FEATURE_LIMIT, FEATURE_LIMIT + 1, (300, width), generator=g)  # many beyond their limit
    x[:64] = torch.where(w > 0, limits, -limits)  # row i's worst case
    x[64:128] = torch.where(w > 0, -FEATURE_LIMIT, FEATURE_LIMIT)  # its worst case once clamped
    clamped = torch.clamp(x, -limits, limits)
    assert not torch.equal(clamped, x)
    # without the column limits these sums would leave float32's exact range
    assert int(((clamped[:64] * w).abs().sum(dim=1)).max()) > 1 << 23
    assert int(((x[64:128] * w).abs().sum(dim=1)).max()) > 1 << 24
    layer = Float32Layer(w, b, shift, relu=True, limit=a.activation_limit, input_limits=limits)
    exact = clamped @ w.T + b
    rounded = torch.div(exact + (1 << shift) // 2, 1 << shift, rounding_mode="floor").clamp(0, a.activation_limit)
    assert torch.equal(layer(x.to(torch.float32)).to(torch.int64), rounded)
    with pytest.raises(ValueError, match="one limit per feature"):
        a.exact_rows(w, b, shift, 0, False)
    for bad in ({"input_limb_bits": 7}, {"gemm": "float64", "activation_limit": ACTIVATION_LIMIT}, {"value_limit": 5000}):
        with pytest.raises(ValueError, match="value_limit"):
            Arithmetic(**({"gemm": "float32", "activation_limit": 4095, "value_limit": 1023} | bad))


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("channel", [0, 1, 2])
def test_feature_limits_bound_every_feature_but_the_values(channel, compact):
    """Densities, flags, spreads and the step conditioning never exceed their column's limit, on a
    canvas of extremes (0 and 255 at random, half revealed); only value columns have a clamp."""
    g = torch.Generator().manual_seed(channel)
    image = torch.randint(0, 2, (3, 40, 48), generator=g) * 255
    canvas = image.clone()
    hidden = torch.rand((40, 48), generator=g) < 0.5
    canvas[:, hidden] = MASK
    positions = torch.nonzero(hidden.reshape(-1))[:, 0]
    canvas.view(3, -1)[:channel, positions] = image.view(3, -1)[:channel, positions]
    summary = summarise(canvas, lattice=True, compact=compact)
    _, feats = features(canvas, summary, positions, channel, 256, 255)
    plain = feature_limits(channel, 3, False, True, compact=compact)
    tight = feature_limits(channel, 3, False, True, 1023, compact)
    assert len(plain) == feats.shape[1] == feature_count(channel, 3, False, True, compact)
    assert (feats.abs() <= plain).all()
    values = plain == FEATURE_LIMIT  # the value columns (and the lattice level, which has no clamp below)
    assert torch.equal(tight[~values], plain[~values])
    assert int((tight == FEATURE_LIMIT).sum()) == 1 and int((tight == 1023).sum()) == int(values.sum()) - 1
    assert int(feats[:, ~values].abs().max()) > 500  # the extremes reach the spreads' bounds


@pytest.mark.parametrize("arithmetic", [FLOAT32, FLOAT32_COLUMN_LIMITS], ids=["limbs", "column-limits"])
def test_float32_quantisation_keeps_the_bound_and_the_code_length(arithmetic):
    """quantize(FLOAT32…) gives rows the loader accepts and nearly the float64 network's outputs."""
    from ddm_sscc.codec.integer_network import build_heads, quantize

    torch.manual_seed(0)
    net = FeatureNetwork(FeatureNetworkConfig(hidden=32, layers=2, components=2))
    shapes = [(1, 0), (3, 0), (3, 1), (3, 2)]
    feats = torch.randint(-2000, 2000, (400, feature_count(2, 3)))
    calibration = {h: feats[:, : feature_count(c, C)] for h, (C, c) in enumerate(shapes)}
    wide, narrow = (build_heads(quantize(net, calibration, a), 2, a) for a in (FLOAT64, arithmetic))
    for (C, c), head in zip(shapes, quantize(net, calibration, arithmetic)):
        for i in range(3):
            limits = arithmetic.input_limits(C, c, False, False) if i == 0 else None
            assert arithmetic.exact_rows(head[f"weight{i}"], head[f"bias{i}"], head[f"shift{i}"], i, i == 2, limits).all()
            assert int(head[f"shift{i}"].min()) >= 0
    out64, out32 = wide[3](feats), narrow[3](feats)
    assert (out64 - out32).abs().float().mean() < 1.0  # the same network, on a coarser grid


def test_arithmetic_round_trips_and_inexact_rows_are_refused(tmp_path):
    from safetensors import safe_open

    from ddm_sscc.codec.feature_weights import save_feature_weights

    w = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-lattice-v6.safetensors")
    assert w.arithmetic == FLOAT64
    with pytest.raises(ModelMismatchError, match="f32.safetensors.*exactness bound"):
        save_feature_weights(tmp_path / "f32.safetensors", "x", w.config, w.heads, w.offline_shift, {}, w.adaptation, FLOAT32)
        load_feature_weights(tmp_path / "f32.safetensors")  # v6's 15-bit rows are far outside float32's bound
    heads = [{k: (_within(FLOAT32, v.clone(), int(k[-1]), h[f"bias{k[-1]}"], h[f"shift{k[-1]}"], k[-1] == "3")
                  if k.startswith("weight") else v) for k, v in h.items()} for h in w.heads]
    path = tmp_path / "ok.safetensors"
    save_feature_weights(path, "x", w.config, heads, w.offline_shift, {}, w.adaptation, FLOAT32)
    assert load_feature_weights(path).arithmetic == FLOAT32
    first = heads[1]
    assert not FLOAT32.exact_rows(first["weight0"], first["bias0"], torch.full_like(first["shift0"], 6), 0, False).any()
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    heads = [{k: (_within(FLOAT32_COLUMN_LIMITS, v.clone(), 0, h["bias0"], h["shift0"],
                          limits=FLOAT32_COLUMN_LIMITS.input_limits(C, c, w.config.planes, w.config.lattice))
                  if k == "weight0" else v) for k, v in h.items()} for (C, c), h in zip(((1, 0), (3, 0), (3, 1), (3, 2)), heads)]
    save_feature_weights(tmp_path / "cols.safetensors", "x", w.config, heads, w.offline_shift, {}, w.adaptation,
                         FLOAT32_COLUMN_LIMITS)
    assert load_feature_weights(tmp_path / "cols.safetensors").arithmetic == FLOAT32_COLUMN_LIMITS
    for bad in ['{"gemm": "float16", "activation_limit": 4095, "input_limb_bits": 7}',
                '{"gemm": "float32", "activation_limit": 4095, "input_limb_bits": 7, "value_limit": 1023}',
                '{"gemm": "float32", "activation_limit": 4095, "input_limb_bits": 0, "value_limit": 1023, "x": 1}',
                '{"gemm": "float32", "activation_limit": 4095}', '{"gemm": "float32", "activation_limit": 99999, "input_limb_bits": 7}',
                '{"gemm": "float64", "activation_limit": 4095, "input_limb_bits": 0}', "[]"]:
        save_file(load_file(str(path)), str(tmp_path / "bad_arith.safetensors"), metadata=metadata | {"arithmetic": bad})
        with pytest.raises(ModelMismatchError, match="bad_arith.safetensors"):
            load_feature_weights(tmp_path / "bad_arith.safetensors")


def test_float32_products_stay_ieee_whatever_the_process_asked_for():
    """set_float32_matmul_precision("medium") lets oneDNN use bfloat16: the heads switch it off
    while they run, and give it back."""
    from ddm_sscc.codec.integer_network import _ieee_float32

    before = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("medium")
        asked = torch.backends.mkldnn.matmul.fp32_precision
        with _ieee_float32():
            assert torch.backends.mkldnn.matmul.fp32_precision in ("ieee", "none")
        assert torch.backends.mkldnn.matmul.fp32_precision == asked != "ieee"
    finally:
        torch.set_float32_matmul_precision(before)
