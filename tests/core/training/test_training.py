import hashlib
import json

import numpy as np
import pytest
import torch
from PIL import Image

from ddm_sscc.errors import ConfigError
from ddm_sscc.training.data import CropSet, area_downsample, gather_images, load_packed, sample_crops, save_packed
from ddm_sscc.codec import CodecSettings, DiffusionCodec
from ddm_sscc.codec.feature_network import FeatureNetworkConfig, head_index
from ddm_sscc.codec.local_features import features, step_quantities, summarise
from ddm_sscc.codec.model import StepInfo
from ddm_sscc.training.coding_steps import augment, batch_examples, crop_examples
from ddm_sscc.training.feature_loop import FeatureTrainConfig, load_float_network, train_features
from ddm_sscc.training.training_images import split_training_images
from tests.conftest import real_image, run_cli

SMALL = FeatureNetworkConfig(hidden=16, layers=1, components=2)
TINY = FeatureTrainConfig(crop=32, crops_per_batch=2, per_step=64, total_steps=6, warmup=2, log_every=1, validation_crops=2)


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


class Recorder:
    """Wraps the default model and records the features the codec computes at every call."""

    def __init__(self, codec):
        self.inner = codec.model
        self.model_id, self.weights_sha256 = self.inner.model_id, self.inner.weights_sha256
        self.trained_order = self.inner.trained_order
        self.seen = []

    def start_image(self, channels, calibration):
        session = self.inner.start_image(channels, calibration)
        outer = self

        class Session:
            def tables(self, canvas, positions, step, narrow=False):
                config = outer.inner.weights.config
                summary = summarise(canvas, config.planes, config.lattice)
                mask_q, step_q = step_quantities(step.mask_ratio, step.index, step.steps)
                outer.seen.append((step.index, step.steps, step.channel, positions.clone(),
                                   features(canvas, summary, positions, step.channel, mask_q, step_q)))
                return session.tables(canvas, positions, step, narrow)

        return Session()


def test_training_examples_are_the_features_coding_computes(monkeypatch):
    """The sampler rebuilds a step's canvas as the codec does: identical features and bases."""
    from ddm_sscc.codec import load_codec
    from ddm_sscc.training import coding_steps

    image = real_image(32, 32, 3)
    codec = load_codec()
    recorder = Recorder(codec)
    DiffusionCodec(recorder).encode(image, CodecSettings(steps=16))
    monkeypatch.setattr(coding_steps, "STEP_CHOICES", (16,))
    checked = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        # every position of the drawn step, in the order and with the features of the model
        examples = crop_examples(image, rng, per_step=10_000, config=codec.model.weights.config)
        for index, steps, channel, positions, (base, feats) in recorder.seen:
            batch = examples[head_index(3, channel)]
            order = torch.argsort(positions)  # the sampler takes a step's positions sorted
            positions, base, feats = positions[order], base[order], feats[order]
            if steps == 16 and len(positions) == len(batch.target) and torch.equal(batch.feats, feats):
                assert torch.equal(batch.base, base)
                assert torch.equal(batch.target, torch.from_numpy(image[:, :, channel].reshape(-1)[positions.numpy()]))
                checked += 1
    assert checked >= 6 * 3, checked


@pytest.mark.parametrize("config", [FeatureNetworkConfig(), FeatureNetworkConfig(order="lattice", lattice=True),
                                    FeatureNetworkConfig(planes=True, lattice=True)], ids=["plain", "lattice", "planes"])
def test_a_batch_is_its_crops_examples(config):
    """Crops of one shape get their features together, on one canvas of tiles: each must get
    exactly what it gets alone, in the same order and from the same random draws."""
    photo = real_image(200, 200, 3)
    crops = [photo[30 * i : 30 * i + 40, 20 * i : 20 * i + 40] for i in range(5)] + [photo[:24, :40]]
    crops.insert(2, real_image(40, 40, 1))  # a greyscale crop between colour ones, and one of another shape
    batch = batch_examples(crops, np.random.default_rng(11), 60, config)
    rng = np.random.default_rng(11)
    alone = [crop_examples(augment(crop, rng), rng, 60, config) for crop in crops]
    assert list(batch) == list(dict.fromkeys(head for part in alone for head in part))
    for head, examples in batch.items():
        for field in ("feats", "base", "target"):
            expected = torch.cat([getattr(part[head], field) for part in alone if head in part])
            assert torch.equal(getattr(examples, field), expected), (head, field)


def test_training_resumes_exactly(tmp_path):
    """A run stopped after 3 of 6 steps and resumed ends bit-identical to an unbroken one."""
    images = [real_image(60, 70, 3), real_image(50, 40, 1)]
    straight = train_features(images, images[:1], tmp_path / "a", TINY, SMALL, log=lambda _: None)
    stopped = train_features(images, images[:1], tmp_path / "b", TINY, SMALL, log=lambda _: None, stop_after=3)
    resumed = train_features(images, images[:1], tmp_path / "b", TINY, SMALL, log=lambda _: None)
    assert stopped["step"] == 3 and resumed["step"] == straight["step"] == 6
    a, _ = load_float_network(tmp_path / "a" / "network.safetensors")
    b, facts = load_float_network(tmp_path / "b" / "network.safetensors")
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), name
    assert facts["step"] == 6
    log = [json.loads(line) for line in (tmp_path / "b" / "train.log").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5, 6] and all(np.isfinite(r["val_bpsp"]) for r in log)


def check_extra_validation(tmp_path, cfg: FeatureTrainConfig, key: str) -> None:
    """A run of ``cfg`` logs the validation ``key`` on every line, resumes to the same values as
    an unbroken run, and learns something else than a run of TINY (which logs no ``key``)."""
    images = [real_image(60, 70, 3), real_image(50, 40, 1)]
    straight = train_features(images, images[:1], tmp_path / "a", cfg, SMALL, log=lambda _: None)
    train_features(images, images[:1], tmp_path / "b", cfg, SMALL, log=lambda _: None, stop_after=3)
    resumed = train_features(images, images[:1], tmp_path / "b", cfg, SMALL, log=lambda _: None)
    assert resumed["val_bpsp"] == straight["val_bpsp"] and resumed[key] == straight[key]
    log = [json.loads(line) for line in (tmp_path / "b" / "train.log").read_text().splitlines()]
    assert all(np.isfinite(r[key]) for r in log)
    plain = train_features(images, images[:1], tmp_path / "c", TINY, SMALL, log=lambda _: None)
    assert key not in plain and plain["val_bpsp"] != straight["val_bpsp"]


@pytest.mark.parametrize("field,name", [("chroma_history", "chroma-history"), ("grain", "grain")])
@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_an_augmentation_share_outside_0_to_1_is_refused(field, name, share):
    with pytest.raises(ConfigError, match=f"the {name} share must be in 0..1"):
        FeatureTrainConfig(**{field: share})


@pytest.mark.parametrize("option,field,name", [("--chroma-history", "chroma_history", "chroma-history"),
                                               ("--grain", "grain", "grain")])
def test_the_cli_takes_an_augmentation_share_and_a_run_is_exported_on_its_own_mix(tmp_path, option, field, name):
    from ddm_sscc.training.feature_export import draw_examples

    images = [real_image(80, 90, 3)]
    plain = draw_examples(images, 4, 1, crop=32, per_step=64)
    mixed = draw_examples(images, 4, 1, crop=32, per_step=64, train={field: 1.0})
    assert plain.keys() == mixed.keys()
    assert any(not np.array_equal(plain[h].target, mixed[h].target) for h in plain)
    for i in range(2):
        Image.fromarray(real_image(64, 64, 3)).save(tmp_path / f"{i}.png")
    common = ["train", "--data", str(tmp_path), "--steps", "1", "--crop", "32", "--batch", "1", "--per-step", "32",
              "--hidden", "8", "--layers", "1", "--json"]
    ok = run_cli(*common, "--out", str(tmp_path / "run"), option, "0.5")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[f"val_{name.split('-')[0]}_bpsp"] > 0
    bad = run_cli(*common, "--out", str(tmp_path / "run2"), option, "2")
    assert bad.returncode == 1 and f"{name} share" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "run2").exists()


def test_holdout_defaults_and_errors(tmp_path):
    for name in ("a.png", "b.png"):
        Image.fromarray(real_image(40, 40, 3)).save(tmp_path / name)
    images, validation, held = split_training_images(tmp_path, None)
    assert held == ["b.png"] and len(images) == len(validation) == 1
    with pytest.raises(ConfigError, match="c.png not found"):
        split_training_images(tmp_path, "c.png")
    with pytest.raises(ConfigError, match="no usable training images"):
        split_training_images(tmp_path, "a.png,b.png")


def test_cli_train_refuses_empty_folder(tmp_path):
    result = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"))
    assert result.returncode == 1 and "no usable training images" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("options", [[], ["--planes"], ["--order", "lattice"], ["--block-phase", "--block-window"]])
def test_cli_train_export_encode(tmp_path, options):
    """A tiny run, exported to an integer weights file that encode and decode take with --model."""
    for i in range(2):
        Image.fromarray(real_image(64, 64, 3 - 2 * i).squeeze()).save(tmp_path / f"{i}.png")
    ok = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--steps", "2", "--crop", "32",
                 "--batch", "2", "--per-step", "64", "--hidden", "8", "--layers", "1", "--json", *options)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["step"] == 2 and (tmp_path / "run" / "network.safetensors").is_file()
    weights = tmp_path / "w.safetensors"
    ex = run_cli("export-model", "--run", str(tmp_path / "run"), "--data", str(tmp_path), "-o", str(weights),
                 "--model-id", "tiny-test", "--crops", "4", "--json")
    assert ex.returncode == 0, ex.stderr
    Image.fromarray(real_image(20, 24, 3)).save(tmp_path / "img.png")
    enc = run_cli("encode", str(tmp_path / "img.png"), "-o", str(tmp_path / "img.ddm"), "--model", str(weights))
    assert enc.returncode == 0, enc.stderr
    refused = run_cli("decode", str(tmp_path / "img.ddm"), "-o", str(tmp_path / "out.png"))
    weights_hash = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]  # format 3 names a model by its hash
    assert refused.returncode == 1 and weights_hash in refused.stderr and "--model" in refused.stderr
    assert "Traceback" not in refused.stderr
    dec = run_cli("decode", str(tmp_path / "img.ddm"), "-o", str(tmp_path / "out.png"), "--model", str(weights))
    assert dec.returncode == 0, dec.stderr
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out.png")), real_image(20, 24, 3))
    config = json.loads(safe_open_metadata(weights)["config"])
    assert config["planes"] is ("--planes" in options)
    assert config["block_phase"] is ("--block-phase" in options) and config["block_window"] is ("--block-window" in options)
    # the encoder takes the order the model was trained for
    info = run_cli("info", str(tmp_path / "img.ddm"), "--json")
    assert json.loads(info.stdout)["order"] == config["order"] == ("lattice" if "lattice" in options else "halton")


def test_cli_train_resume_keeps_the_runs_batch_shape(tmp_path):
    """Resuming without --batch/--per-step goes on with the shape the run started with."""
    Image.fromarray(real_image(64, 64, 3)).save(tmp_path / "0.png")
    Image.fromarray(real_image(64, 64, 3)).save(tmp_path / "1.png")
    common = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--hidden", "8", "--layers", "1"]
    first = run_cli(*common, "--steps", "1", "--crop", "32", "--batch", "3", "--per-step", "16", "--seed", "5")
    assert first.returncode == 0, first.stderr
    resumed = run_cli(*common, "--steps", "2", "--lr", "0.001")
    assert resumed.returncode == 0, resumed.stderr
    assert "settings kept from the run's checkpoint" in resumed.stderr
    facts = json.loads(safe_open_metadata(tmp_path / "run" / "network.safetensors")["facts"])
    assert facts["step"] == 2
    assert {k: facts["train"][k] for k in ("crop", "crops_per_batch", "per_step", "seed", "lr")} == {
        "crop": 32, "crops_per_batch": 3, "per_step": 16, "seed": 5, "lr": 0.001}


def safe_open_metadata(path):
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return f.metadata()
