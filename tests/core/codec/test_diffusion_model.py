"""The shipped transformer checkpoint behind the codec."""

import shutil

import numpy as np
import pytest
from PIL import Image

from ddm_sscc.codec import CodecSettings, load_codec, zoo
from ddm_sscc.errors import ModelMismatchError
from tests.conftest import random_image, real_image, run_cli

MODEL = "ddm-transformer-t1"


@pytest.fixture(scope="module")
def codec():
    return load_codec(MODEL)


@pytest.mark.parametrize("height,width", [(1, 1), (3, 5), (20, 36)])
@pytest.mark.parametrize("channels", [1, 3])
def test_round_trip_smaller_than_a_window(codec, height, width, channels):
    for image in (real_image(height, width, channels), random_image(height, width, channels)):
        assert np.array_equal(codec.decode(codec.encode(image, CodecSettings(steps=8))), image)


def test_learned_model_codes_a_photo_well(codec):
    image = real_image(48, 48, 3)
    learned = len(codec.encode(image))
    assert 8 * learned / image.size < 5.0


def test_decode_in_another_process_with_one_thread(tmp_path, codec):
    image = real_image(24, 40, 3)
    (tmp_path / "a.ddm").write_bytes(codec.encode(image, CodecSettings(steps=6)))
    result = run_cli("--threads", "1", "decode", str(tmp_path / "a.ddm"), "-o", str(tmp_path / "a.png"))
    assert result.returncode == 0, result.stderr
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), image)


def test_corrupted_checkpoint_is_refused_naming_the_file(tmp_path, monkeypatch):
    name, _ = zoo._CHECKPOINTS[MODEL]
    shutil.copy(zoo.WEIGHTS_DIR / name, tmp_path / name)
    with open(tmp_path / name, "r+b") as handle:
        handle.seek(-3, 2)
        handle.write(b"\x00\x01\x02")
    monkeypatch.setattr(zoo, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(ModelMismatchError, match=f"{name}: checkpoint is corrupted"):
        load_codec(MODEL)
    (tmp_path / name).unlink()
    with pytest.raises(ModelMismatchError, match="not found"):
        load_codec(MODEL)
