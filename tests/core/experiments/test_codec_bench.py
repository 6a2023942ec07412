import json

import numpy as np
import pytest
from PIL import Image

from ddm_sscc.codec import load_codec
from ddm_sscc.codec.model import trained_order
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.baselines import baselines, matches
from ddm_sscc.experiments.codec_bench import BenchSettings, center_crop, run_bench, to_markdown
from ddm_sscc.experiments.datasets import iter_dataset
from tests.conftest import real_image, require_data, run_cli

CODECS = ["ddm", "png", "webp", "jpegxl", "jpeg2k", "qoi"]


@pytest.fixture
def folder(tmp_path):
    Image.fromarray(real_image(40, 44, 3)).save(tmp_path / "a.png")
    Image.fromarray(real_image(36, 30, 1)[:, :, 0]).save(tmp_path / "b.png")
    (tmp_path / "notes.txt").write_text("ignored")
    return tmp_path


@pytest.mark.parametrize("channels", [1, 3])
def test_baselines_are_lossless(channels):
    image = real_image(17, 23, channels)
    for b in baselines():
        assert matches(image, b.decode(b.encode(image))), b.name


def test_bench_measures_every_codec_on_the_same_pixels(folder):
    result = run_bench(BenchSettings(str(folder), crop=32, steps=8, ablation=True, sweep_steps=True))
    assert result["images"] == 2
    assert [r["codec"] for r in result["rows"]] == CODECS
    per_image = result["per_image"]
    assert len(per_image) == 2 * len(CODECS)
    subpixels = {r["image"]: r["subpixels"] for r in per_image}
    assert subpixels == {"a.png": 32 * 32 * 3, "b.png": 32 * 30}  # cropped, same pixels for all codecs
    ddm = [r for r in per_image if r["codec"] == "ddm"]
    assert result["rows"][0]["bpsp"] == pytest.approx(sum(8 * r["bytes"] for r in ddm) / sum(subpixels.values()))
    assert [r["steps"] for r in result["sweep_steps"]] == [8, 16, 32, 64]
    ablation = {(r["order"], r["schedule"], r["calibration"]): r["bpsp"] for r in result["ablation"]}
    assert len(ablation) == 7 and all(v is not None for v in ablation.values())  # the default model has every mode
    own = trained_order(load_codec().model).name.lower()
    assert list(ablation)[0] == (own, "cosine", "online")  # the default model's own order first
    default = ablation[(own, "cosine", "online")]
    # each factor changes the file (offline and off may tie with each other: the payload is whole 32-bit
    # words; on these 32×32 images the Halton and lattice orders can tie, so that pair is not checked)
    assert all(bpsp != default for key, bpsp in ablation.items()
               if key[0] not in ("halton", "lattice") or key[1:] != ("cosine", "online"))
    table = to_markdown(result)
    assert "| jpegxl |" in table and "Ablation" in table and "T=8" in table


def test_bench_codes_with_the_calibration_asked_for(folder):
    """``--calibration`` reaches the encoder: offline coding matches the codec's own offline files."""
    from ddm_sscc.codec import CodecSettings

    result = run_bench(BenchSettings(str(folder), crop=24, steps=4, calibration="offline"))
    codec, images = load_codec(), dict(iter_dataset(str(folder)))
    expected = {label: len(codec.encode(center_crop(images[label], 24), CodecSettings(steps=4, adapt=False)))
                for label in images}
    assert {r["image"]: r["bytes"] for r in result["per_image"] if r["codec"] == "ddm"} == expected
    assert "calibration offline" in to_markdown(result)
    with pytest.raises(ConfigError, match="calibration"):
        BenchSettings(str(folder), calibration="sometimes")


def test_bench_json_and_files(folder, tmp_path):
    out = tmp_path / "results"
    result = run_cli("bench", "--dataset", str(folder), "--crop", "24", "--steps", "4", "--json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["dataset"] == str(folder) and record["images"] == 2
    assert [r["codec"] for r in record["rows"]] == CODECS
    assert all({"bpsp", "encode_s", "decode_s"} <= r.keys() for r in record["rows"])
    assert sorted(p.name for p in out.iterdir()) == ["bench.csv", "bench.md", "summary.csv"]
    again = run_cli("bench", "--dataset", str(folder), "--crop", "24", "--steps", "4", "-o", str(out))
    assert again.returncode == 1 and "exists" in again.stderr


def test_bad_datasets_are_refused(tmp_path):
    with pytest.raises(ConfigError):
        list(iter_dataset("no-such-dataset"))
    with pytest.raises(ConfigError, match="no usable images"):
        list(iter_dataset(str(tmp_path)))
    result = run_cli("bench", "--dataset", str(tmp_path / "missing"))
    assert result.returncode == 1 and result.stderr.count("\n") == 1


def test_center_crop():
    image = real_image(10, 20, 3)
    assert center_crop(image, 4).shape == (4, 4, 3)
    assert np.array_equal(center_crop(image, 4), image[3:7, 8:12])
    assert center_crop(image, 50).shape == image.shape


def test_cifar_arrays_load_without_pickle():
    require_data("cifar10_jpeg75_test.npz")
    images = list(iter_dataset("cifar-npz", limit=3))
    assert len(images) == 3 and images[0][1].shape == (32, 32, 3)
