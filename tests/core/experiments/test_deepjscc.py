"""DeepJSCC baseline: shapes, power constraint, channel, determinism, weights files, training (tiny models)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError, ImageError, ModelMismatchError
from ddm_sscc.experiments.deepjscc import DEFAULT_WEIGHTS, DeepJscc, DeepJsccConfig, deepjscc_transmit, load_deepjscc
from ddm_sscc.experiments.deepjscc.channel_adapter import send_symbols
from ddm_sscc.experiments.deepjscc.checkpoint import save_deepjscc, sidecar_path
from ddm_sscc.experiments.deepjscc.symbols import latent_to_symbols, symbols_to_latent
from ddm_sscc.experiments.deepjscc.torch_channel import TrainingChannel
from ddm_sscc.experiments.deepjscc.training import train_deepjscc
from ddm_sscc.experiments.deepjscc.zoo import default_weights_path
from ddm_sscc.training.data import CropSet
from tests.conftest import random_image, real_image

TINY = DeepJsccConfig(channels=4, filters=4, kernel=3)


def tiny_model(seed: int = 0, config: DeepJsccConfig = TINY) -> DeepJscc:
    torch.manual_seed(seed)
    return DeepJscc(config).eval()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255.0**2 / max(mse, 1e-10))


def test_bandwidth_ratio_and_symbol_count():
    assert DeepJsccConfig(channels=16).bandwidth_ratio == Fraction(1, 6)
    assert DeepJsccConfig(channels=8).bandwidth_ratio == Fraction(1, 12)
    model = tiny_model(config=DeepJsccConfig(channels=16, filters=4, kernel=3))
    assert Fraction(model.n_symbols(64, 48), 64 * 48 * 3) == Fraction(1, 6)
    # Sizes not divisible by 4 are padded up: channels/2 · ⌈H/4⌉ · ⌈W/4⌉.
    assert model.n_symbols(13, 22) == 8 * 4 * 6
    assert model.n_symbols(1, 1) == 8


@pytest.mark.parametrize("bad", [{"channels": 3}, {"channels": 0}, {"filters": 0}, {"kernel": 4}, {"channels": 2.0}])
def test_config_refuses_bad_values(bad):
    with pytest.raises(ConfigError):
        DeepJsccConfig(**bad)


def test_power_is_normalised_per_image():
    model = tiny_model()
    images = torch.rand(3, 3, 20, 28) * torch.tensor([0.01, 1.0, 5.0])[:, None, None, None]
    symbols = model.encode(images)
    assert symbols.dtype == torch.complex64 and symbols.shape == (3, model.n_symbols(20, 28))
    power = symbols.abs().square().mean(dim=1)
    torch.testing.assert_close(power, torch.ones(3), atol=1e-5, rtol=0)


def test_symbols_round_trip_latent():
    latent = torch.randn(2, 4, 3, 5)
    symbols = latent_to_symbols(latent)
    assert symbols.shape == (2, 30)
    assert symbols[0, 0] == torch.complex(latent[0, 0, 0, 0], latent[0, 0, 0, 1])
    torch.testing.assert_close(symbols_to_latent(symbols, (4, 3, 5)), latent)


@pytest.mark.parametrize("shape", [(13, 22, 3), (1, 1, 3), (7, 5, 1), (16, 12, 3)])
def test_transmit_shapes_and_channel_uses(shape):
    model = tiny_model()
    image = random_image(*shape, seed=1)
    recon, n_cu = deepjscc_transmit(model, image, ChannelConfig(kind="awgn", snr_db=10.0, seed=3))
    assert recon.dtype == np.uint8 and recon.shape == image.shape
    h, w = shape[:2]
    assert n_cu == TINY.channels // 2 * math.ceil(h / 4) * math.ceil(w / 4) == model.n_symbols(h, w)


def test_transmit_is_deterministic_with_the_seed():
    model = tiny_model()
    image = random_image(24, 20, 3, seed=2)
    a, _ = deepjscc_transmit(model, image, ChannelConfig(kind="awgn", snr_db=0.0, seed=5))
    b, _ = deepjscc_transmit(model, image, ChannelConfig(kind="awgn", snr_db=0.0, seed=5))
    c, _ = deepjscc_transmit(model, image, ChannelConfig(kind="awgn", snr_db=0.0, seed=6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # Same seed → same initialisation → same output.
    d, _ = deepjscc_transmit(tiny_model(seed=0), image, ChannelConfig(kind="awgn", snr_db=0.0, seed=5))
    assert np.array_equal(a, d)


def test_greyscale_is_sent_as_rgb_and_averaged_back():
    model = tiny_model()
    grey = real_image(20, 24, 1)
    config = ChannelConfig(kind="awgn", snr_db=5.0, seed=1)
    recon, n_cu = deepjscc_transmit(model, grey, config)
    rgb, n_rgb = deepjscc_transmit(model, np.repeat(grey, 3, axis=2), config)
    assert recon.shape == grey.shape and n_cu == n_rgb
    # The grey output is the rounded mean of the three decoded channels (each rounded here): within 1.
    assert np.max(np.abs(recon[:, :, 0].astype(int) - np.rint(rgb.mean(axis=2)).astype(int))) <= 1


BAD_IMAGES = [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8)]


@pytest.mark.parametrize("bad", BAD_IMAGES)
def test_transmit_refuses_bad_images(bad):
    with pytest.raises(ImageError):
        deepjscc_transmit(tiny_model(), bad, ChannelConfig())


def test_channel_adapter_awgn_noise_and_noiseless():
    rng = np.random.default_rng(0)
    x = ((rng.standard_normal(40000) + 1j * rng.standard_normal(40000)) / np.sqrt(2)).astype(np.complex64)
    assert np.array_equal(send_symbols(x, ChannelConfig(kind="awgn", snr_db=None)), x)
    y = send_symbols(x, ChannelConfig(kind="awgn", snr_db=10.0, seed=1))
    assert y.dtype == np.complex64 and y.shape == x.shape
    assert np.mean(np.abs(y - x) ** 2) == pytest.approx(0.1, rel=0.03)


@pytest.mark.parametrize("block", [None, 7])
def test_channel_adapter_rayleigh_is_equalised_coherently(block):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(100) + 1j * rng.standard_normal(100)).astype(np.complex64)
    # Without noise an ideal coherent receiver gives the symbols back.
    y = send_symbols(x, ChannelConfig(kind="rayleigh", snr_db=None, block_samples=block, seed=2))
    np.testing.assert_allclose(y, x, rtol=1e-4, atol=1e-4)
    # With noise, per-block noise power is N0/|h|²: still unbiased, noisier in fades.
    y = send_symbols(x, ChannelConfig(kind="rayleigh", snr_db=20.0, block_samples=block, seed=2))
    assert not np.allclose(y, x)


def test_channel_adapter_refuses_selective_fading():
    with pytest.raises(ConfigError):
        send_symbols(np.ones(8, np.complex64), ChannelConfig(kind="selective", snr_db=10.0))


def test_training_channel_follows_the_snr_convention():
    x = torch.ones(4, 20000, dtype=torch.complex64)
    y = TrainingChannel([10.0], torch.Generator().manual_seed(0))(x)
    assert float((y - x).abs().square().mean()) == pytest.approx(0.1, rel=0.03)
    y = TrainingChannel([200.0], torch.Generator().manual_seed(0), fading=True)(x)
    torch.testing.assert_close(y, x, atol=1e-4, rtol=0)  # coherent: the gain is undone


def test_weights_file_hash_is_checked(tmp_path):
    model = tiny_model()
    path = tmp_path / "m.safetensors"
    sha = save_deepjscc(path, model, {"note": "test"})
    assert json.loads(sidecar_path(path).read_text())["sha256"] == sha
    loaded = load_deepjscc(path)
    image = random_image(8, 8, 3)
    config = ChannelConfig(kind="awgn", snr_db=3.0, seed=0)
    assert np.array_equal(deepjscc_transmit(loaded, image, config)[0], deepjscc_transmit(model, image, config)[0])
    with pytest.raises(ModelMismatchError):
        load_deepjscc(path, expected_sha256="00" * 32)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # flip one bit in the last weight
    path.write_bytes(bytes(data))
    with pytest.raises(ModelMismatchError, match="SHA-256"):
        load_deepjscc(path)
    sidecar_path(path).unlink()
    with pytest.raises(ModelMismatchError):
        load_deepjscc(path)  # no recorded hash: refused
    with pytest.raises(ModelMismatchError):
        load_deepjscc(tmp_path / "missing.safetensors", expected_sha256=sha)


def test_training_runs_and_writes_a_loadable_file(tmp_path):
    torch_threads = torch.get_num_threads()
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (10, 16, 16, 3), dtype=np.uint8)
    channels = np.array([3, 3, 1, 3, 3, 1, 3, 3, 3, 3], dtype=np.uint8)
    pixels[channels == 1, :, :, 1:] = 0
    crops = CropSet(pixels, channels)
    out = tmp_path / "dj.safetensors"
    facts = train_deepjscc(crops, out, minutes=1.0, steps=3, snrs_db=[0.0, 10.0], seed=1, batch=2, crop=8,
                           config=TINY, holdout=2)
    assert facts["steps"] == 3 and facts["n_holdout_crops"] == 2 and facts["bandwidth_ratio"] == "1/24"
    assert set(facts["val_psnr_db"]) == {"0", "10"}
    model = load_deepjscc(out)
    assert model.config == TINY
    log = [json.loads(line) for line in out.with_name("dj.train.log").read_text().splitlines()]
    assert log[0]["event"] == "start" and log[-1]["event"] == "end" and log[-1]["sha256"] == facts["sha256"]
    # The same seed reproduces the same weights (the file's hash also covers the wall time in its facts).
    again = train_deepjscc(crops, tmp_path / "dj2.safetensors", minutes=1.0, steps=3, snrs_db=[0.0, 10.0], seed=1,
                           batch=2, crop=8, config=TINY, holdout=2)
    assert again["val_psnr_db"] == facts["val_psnr_db"]
    first, second = load_file(str(out)), load_file(str(tmp_path / "dj2.safetensors"))
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
    assert torch.get_num_threads() == torch_threads


def test_shipped_weights_reconstruct_a_photo():
    path = default_weights_path()
    if not path.is_file() or DEFAULT_WEIGHTS[1] == "PENDING":
        pytest.skip(f"{path} not shipped in this checkout")
    model = load_deepjscc()
    assert model.config.bandwidth_ratio == Fraction(1, 6)
    image = real_image(64, 64, 3)
    quality = {}
    for snr in (0.0, 20.0):
        recon, n_cu = deepjscc_transmit(model, image, ChannelConfig(kind="awgn", snr_db=snr, seed=0))
        assert n_cu == 64 * 64 * 3 // 6
        quality[snr] = psnr(image, recon)
    assert quality[20.0] > 20.0
    assert quality[20.0] > quality[0.0]
