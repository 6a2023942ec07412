import numpy as np
import pytest
from PIL import Image

from ddm_sscc.errors import ImageError, OutputExistsError
from ddm_sscc.image_io import BUILTIN_IMAGES, DEFAULT_IMAGE, load_image, save_image
from tests.conftest import real_image, require_data


@pytest.mark.parametrize("suffix", [".png", ".tif", ".ppm", ".bmp"])
@pytest.mark.parametrize("channels", [1, 3])
def test_lossless_formats_round_trip(tmp_path, suffix, channels):
    image = real_image(13, 17, channels)
    path = tmp_path / f"x{suffix}"
    save_image(path, image)
    loaded = load_image(path)
    assert loaded.notes == [] and np.array_equal(loaded.pixels, image)


def test_builtin_images_are_real_photographs():
    loaded = load_image(DEFAULT_IMAGE)
    assert loaded.pixels.shape == (512, 512, 3)
    assert loaded.pixels.std() > 40  # a photograph, not a flat test pattern
    assert "camera" in BUILTIN_IMAGES


def test_conversions(tmp_path):
    Image.fromarray(np.dstack([real_image(6, 6, 1)[:, :, 0]] * 2), "LA").save(tmp_path / "la.png")
    Image.fromarray(real_image(6, 6, 1)[:, :, 0] > 100).save(tmp_path / "bw.png")
    la, bw = load_image(tmp_path / "la.png"), load_image(tmp_path / "bw.png")
    assert la.pixels.shape == (6, 6, 1) and "alpha" in la.notes[0]
    assert set(np.unique(bw.pixels)) <= {0, 255} and "bilevel" in bw.notes[0]


def test_sixteen_bit_files_are_refused(tmp_path):
    (tmp_path / "rgb16.ppm").write_bytes(b"P6\n2 2\n65535\n" + bytes(24))
    (tmp_path / "g16.pgm").write_bytes(b"P5\n2 2\n65535\n" + bytes(8))
    Image.fromarray(np.zeros((4, 4), np.uint16)).save(tmp_path / "g16.tif")
    for name in ("rgb16.ppm", "g16.pgm", "g16.tif"):
        with pytest.raises(ImageError, match="16-bit"):
            load_image(tmp_path / name)


def test_waterloo_palette_and_greyscale_inputs():
    grey = load_image(require_data("train/waterloo/camera.png"))
    assert grey.pixels.shape[2] == 1 and grey.notes == []
    palettes = [p for p in sorted(require_data("train/waterloo").glob("*.png")) if Image.open(p).mode == "P"]
    if not palettes:
        pytest.skip("no palette image in train/waterloo")
    loaded = load_image(palettes[0])
    assert loaded.pixels.shape[2] == 3 and "palette" in loaded.notes[0]


def test_save_refuses_to_overwrite_and_lossy_formats(tmp_path):
    image = real_image(4, 4, 3)
    save_image(tmp_path / "a.png", image)
    with pytest.raises(OutputExistsError):
        save_image(tmp_path / "a.png", image)
    save_image(tmp_path / "a.png", image, force=True)
    with pytest.raises(ImageError, match="lossless"):
        save_image(tmp_path / "a.jpg", image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]  # no temporary files left


def test_netpbm_suffix_must_match_the_channels(tmp_path):
    from ddm_sscc.errors import ImageError
    from ddm_sscc.image_io import save_image

    rgb, grey = np.zeros((4, 5, 3), np.uint8), np.zeros((4, 5, 1), np.uint8)
    with pytest.raises(ImageError, match=r"\.pgm cannot hold a colour image; use \.ppm"):
        save_image(tmp_path / "a.pgm", rgb)
    save_image(tmp_path / "a.pgm", grey)
    save_image(tmp_path / "a.ppm", rgb)
    assert (tmp_path / "a.pgm").read_bytes()[:2] == b"P5" and (tmp_path / "a.ppm").read_bytes()[:2] == b"P6"
