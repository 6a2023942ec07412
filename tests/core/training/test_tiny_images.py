"""Tiny JPEG-decoded training images: the CIFAR proxy's regime, made from training photos."""

import dataclasses
import json

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.training.tiny_images import TinyImageRecipe, TinyImageSource, jpeg_round_trip, tiny_image
from tests.conftest import real_image
from tests.core.training.test_training import TINY, check_extra_validation


def test_tiny_images_are_shrunk_squares_with_or_without_jpeg():
    photo = real_image(120, 150, 3)
    plain = tiny_image(photo, np.random.default_rng(4), TinyImageRecipe(jpeg_share=0.0))
    jpeg = tiny_image(photo, np.random.default_rng(4), TinyImageRecipe(jpeg_share=0.0), jpeg_quality=75)
    assert plain.shape == jpeg.shape == (32, 32, 3) and plain.dtype == jpeg.dtype == np.uint8
    # the same draw of the square; the JPEG step changes the pixels a little, not the picture
    assert np.array_equal(jpeg, jpeg_round_trip(plain, 75)) and not np.array_equal(jpeg, plain)
    assert np.abs(jpeg.astype(int) - plain).mean() < 8
    again = tiny_image(photo, np.random.default_rng(4), TinyImageRecipe(jpeg_share=0.0), jpeg_quality=75)
    assert np.array_equal(again, jpeg)


def test_greyscale_and_small_photos():
    grey = tiny_image(real_image(40, 36, 1), np.random.default_rng(0), jpeg_quality=90)
    assert grey.shape == (32, 32, 1)
    with pytest.raises(ConfigError, match="at least 32×32"):
        TinyImageSource([real_image(20, 40, 3)])


def test_the_recipe_draws_jpeg_at_its_share():
    source = TinyImageSource([real_image(64, 64, 3)], TinyImageRecipe(jpeg_share=1.0, qualities=(95, 95)))
    rng = np.random.default_rng(1)
    assert len(source.draw(rng, 3)) == 3


def test_training_with_tiny_crops_resumes_exactly_and_logs_their_validation(tmp_path):
    check_extra_validation(tmp_path, dataclasses.replace(TINY, tiny_crops=2), "val_tiny_bpsp")


def test_a_run_with_tiny_crops_is_exported_on_its_own_mix(tmp_path):
    """``export-model`` measures a run on the mix it trained on; the CLI takes --tiny-crops and keeps it."""
    from PIL import Image

    from ddm_sscc.training.feature_export import draw_examples
    from tests.conftest import run_cli

    images = [real_image(80, 90, 3)]
    plain = draw_examples(images, 8, 1, crop=32, per_step=64)
    mixed = draw_examples(images, 8, 1, crop=32, per_step=64, train={"tiny_crops": 3, "crops_per_batch": 1})
    assert sum(len(b.target) for b in plain.values()) != sum(len(b.target) for b in mixed.values())
    for i in range(2):
        Image.fromarray(real_image(64, 64, 3)).save(tmp_path / f"{i}.png")
    ok = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--steps", "2", "--crop", "32",
                 "--batch", "1", "--tiny-crops", "2", "--per-step", "32", "--hidden", "8", "--layers", "1", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["val_tiny_bpsp"] > 0
    ex = run_cli("export-model", "--run", str(tmp_path / "run"), "--data", str(tmp_path), "-o", str(tmp_path / "w.safetensors"),
                 "--crops", "4", "--json")
    assert ex.returncode == 0, ex.stderr
    bad = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "run2"), "--tiny-crops", "0")
    assert bad.returncode == 2 and "--tiny-crops" in bad.stderr and "Traceback" not in bad.stderr
