"""Warm starts: a new run from another run's network, with the block-phase features added."""

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from ddm_sscc.codec.local_features import BLOCK_PHASE_COLUMNS
from ddm_sscc.errors import ConfigError
from ddm_sscc.training.coding_steps import batch_examples
from ddm_sscc.training.feature_loop import batch_bits, load_float_network, train_features
from ddm_sscc.training.warm_start import warm_start_config, warm_start_network, widened
from tests.conftest import real_image, run_cli
from tests.core.training.test_training import SMALL, TINY


@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("warm") / "source"
    images = [real_image(60, 70, 3), real_image(50, 40, 1)]
    train_features(images, images[:1], run, TINY, dataclasses.replace(SMALL, lattice=True), log=lambda _: None)
    return run


def test_the_widened_network_codes_as_its_source_did(source_run):
    """Zero weights on the added columns: the same code length on the same examples, to float rounding."""
    old, _ = load_float_network(source_run / "network.safetensors")
    config = warm_start_config(source_run, block_phase=True)
    assert config == dataclasses.replace(old.config, block_phase=True)
    new = warm_start_network(source_run, config)
    for head, (a, b) in enumerate(zip(old.heads, new.heads)):
        assert b[0].weight.shape[1] == a[0].weight.shape[1] + BLOCK_PHASE_COLUMNS, head
    images = [real_image(32, 32, 3), real_image(32, 32, 1)]
    with torch.no_grad():
        old_bits, n = batch_bits(old, batch_examples(images, np.random.default_rng(2), 64, old.config))
        new_bits, m = batch_bits(new, batch_examples(images, np.random.default_rng(2), 64, new.config))
    assert n == m and abs(float(old_bits) - float(new_bits)) < 1e-3 * float(old_bits)
    assert float(old_bits) > 0
    # unchanged settings are a plain copy
    same = widened(old, old.config)
    assert all(torch.equal(p, q) for p, q in zip(old.parameters(), same.parameters()))


def test_a_warm_start_may_only_add_features(source_run):
    old, _ = load_float_network(source_run / "network.safetensors")
    with pytest.raises(ConfigError, match="may only add block_phase"):
        widened(old, dataclasses.replace(old.config, hidden=old.config.hidden + 1))
    with pytest.raises(ConfigError, match="may only add block_phase"):
        widened(old, dataclasses.replace(old.config, lattice=False, block_phase=True))
    # the block phase's columns come before the block window's: it cannot be added after it
    windowed = widened(old, dataclasses.replace(old.config, block_window=True))
    with pytest.raises(ConfigError, match="in that order"):
        widened(windowed, dataclasses.replace(windowed.config, block_phase=True))
    with pytest.raises(ConfigError, match="no network.safetensors"):
        warm_start_config(source_run.parent / "missing")


def test_cli_trains_a_block_phase_run_from_another_run(tmp_path, source_run):
    for i in range(2):
        Image.fromarray(real_image(64, 64, 3)).save(tmp_path / f"{i}.png")
    common = ("--steps", "2", "--crop", "32", "--batch", "1", "--per-step", "32", "--tiny-crops", "1")
    ok = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--init-from", str(source_run),
                 "--block-phase", "--hidden", "99", *common)
    assert ok.returncode == 0, ok.stderr
    assert "started from" in ok.stderr
    net, _ = load_float_network(tmp_path / "run" / "network.safetensors")
    assert net.config.block_phase and net.config.hidden == SMALL.hidden  # the source's shape, not --hidden
    bad = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run2"), "--init-from",
                  str(tmp_path / "nothing"), *common)
    assert bad.returncode != 0 and "no network.safetensors" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_adding_the_block_window_to_a_block_phase_network_keeps_its_code_lengths(source_run):
    old, _ = load_float_network(source_run / "network.safetensors")
    phased = widened(old, dataclasses.replace(old.config, block_phase=True))
    with torch.no_grad():
        for p in phased.parameters():
            p.add_(0.01 * torch.randn_like(p))  # the block phase's inputs trained: not zero any more
    both = widened(phased, dataclasses.replace(phased.config, block_window=True))
    images = [real_image(32, 32, 3)]
    with torch.no_grad():
        a, _ = batch_bits(phased, batch_examples(images, np.random.default_rng(5), 64, phased.config))
        b, _ = batch_bits(both, batch_examples(images, np.random.default_rng(5), 64, both.config))
    assert abs(float(a) - float(b)) < 1e-3 * float(a)
