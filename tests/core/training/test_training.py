import json

import numpy as np
import pytest
import torch
from PIL import Image

from ddm_sscc.codec.checkpoint import load_network
from ddm_sscc.codec.network import NetworkConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.training.data import CropSet, area_downsample, gather_images, load_packed, sample_crops, save_packed
from ddm_sscc.training.loop import TrainConfig, train
from ddm_sscc.training.objective import MaskSampler
from tests.conftest import real_image, run_cli

SMALL = NetworkConfig(dim=32, depth=2, heads=2, window=4, pixel_dim=8, feature_dim=16, head_hidden=32, local_dim=8)


@pytest.fixture(scope="module")
def crops() -> CropSet:
    images = [real_image(80, 90, 3), real_image(70, 60, 1)]
    return sample_crops(images, 32, 12, seed=3)


def test_pack_round_trip_is_exact(tmp_path, crops):
    assert set(crops.channels.tolist()) == {1, 3}
    save_packed(tmp_path / "c.npz", crops)
    again = load_packed(tmp_path / "c.npz")
    assert np.array_equal(again.pixels, crops.pixels) and np.array_equal(again.channels, crops.channels)
    with pytest.raises(ConfigError):
        load_packed(tmp_path / "missing.npz")


def test_area_downsample():
    image = np.arange(4 * 6 * 1, dtype=np.uint8).reshape(4, 6, 1)
    out = area_downsample(image, 2)
    assert out.shape == (2, 3, 1) and out[0, 0, 0] == round((0 + 1 + 6 + 7) / 4)


def test_gathering_needs_usable_images(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ConfigError, match="no usable training images"):
        gather_images(tmp_path)
    Image.fromarray(real_image(40, 50, 3)).save(tmp_path / "a.png")
    (tmp_path / "bsd200").mkdir()
    Image.fromarray(real_image(40, 50, 3)).save(tmp_path / "bsd200" / "b.png")
    shapes = sorted(im.shape for im in gather_images(tmp_path))
    assert shapes == [(20, 25, 3), (40, 50, 3)]  # the JPEG-history folder is halved


def test_mask_sampler_covers_ratios():
    sampler = MaskSampler(16, torch.device("cpu"))
    masks = sampler(400, torch.Generator().manual_seed(0))
    ratios = masks.flatten(1).float().mean(1)
    assert ratios.min() > 0 and ratios.max() <= 1
    assert abs(float(ratios.mean()) - 0.5) < 0.05


def test_training_resumes_exactly(tmp_path, crops):
    """A run stopped after 3 of 6 steps and resumed ends bit-identical to an unbroken one."""
    cfg = TrainConfig(crop=32, batch=3, total_steps=6, warmup=2, log_every=1)
    straight = train(crops, tmp_path / "a", cfg, SMALL, progress=False)
    stopped = train(crops, tmp_path / "b", cfg, SMALL, progress=False, stop_after=3)
    resumed = train(crops, tmp_path / "b", cfg, SMALL, progress=False)
    assert stopped["step"] == 3 and resumed["step"] == straight["step"] == 6
    a, _, _ = load_network(tmp_path / "a" / "model.safetensors")
    b, facts, _ = load_network(tmp_path / "b" / "model.safetensors")
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), name
    assert facts["step"] == 6
    log = [json.loads(line) for line in (tmp_path / "b" / "train.log").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5, 6] and all(np.isfinite(r["bpsp"]) for r in log)


def test_cli_train_refuses_empty_folder(tmp_path):
    result = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"))
    assert result.returncode == 1 and "no usable training images" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_train_small_run_and_bad_device(tmp_path):
    Image.fromarray(real_image(64, 64, 3)).save(tmp_path / "a.png")
    if not torch.cuda.is_available():
        bad = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--device", "cuda")
        assert bad.returncode == 1 and "CUDA is not available" in bad.stderr
    ok = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--small", "--steps", "2",
                 "--crop", "32", "--batch", "2", "--holdout", "10", "--json", "--device", "cpu")
    assert ok.returncode == 0, ok.stderr
    record = json.loads(ok.stdout)
    assert record["step"] == 2 and (tmp_path / "run" / "model.safetensors").is_file()
