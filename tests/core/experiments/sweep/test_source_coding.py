"""Source streams: every system decodes exactly, the raw format, and the disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.errors import CodecError
from ddm_sscc.experiments.sweep import source_coding
from ddm_sscc.experiments.sweep.runner import SerialExecutor, run_sweep
from ddm_sscc.experiments.sweep.source_coding import (
    SourceCache,
    decode_source,
    encode_source,
    make_source,
    pixel_sha256_hex,
    settings_key,
)
from tests.core.experiments.sweep.conftest import quick_settings


@pytest.mark.parametrize("system", ["ddm", "jpegxl", "png", "raw"])
def test_every_system_round_trips_rgb_and_grey(system, tiny_images):
    settings = quick_settings()
    for _, pixels in tiny_images:
        source = make_source(pixels, system, settings)
        assert source.bits == 8 * len(source.stream) and source.subpixels == pixels.size
        assert source.pixel_sha256 == pixel_sha256_hex(pixels)
        out = decode_source(source.stream, system, pixels.shape, settings.model)
        assert out.shape == pixels.shape and np.array_equal(out, pixels)


def test_raw_stream_is_a_tiny_header_and_the_pixels(tiny_images):
    _, pixels = tiny_images[0]
    stream = encode_source(pixels, "raw", quick_settings())
    assert stream[:5] == bytes([0, 12, 0, 16, 3]) and stream[5:] == pixels.tobytes()
    with pytest.raises(CodecError):
        decode_source(stream[:-1], "raw", pixels.shape)
    with pytest.raises(CodecError):
        decode_source(b"\x89PNG garbage", "png", pixels.shape)


def test_a_system_whose_decode_is_not_exact_is_an_error(monkeypatch, tiny_images):
    _, pixels = tiny_images[0]
    real = source_coding.decode_source

    def off_by_one(stream, system, shape, model=None):
        out = real(stream, system, shape, model)
        out.flat[0] ^= 1
        return out

    monkeypatch.setattr(source_coding, "decode_source", off_by_one)
    with pytest.raises(CodecError, match="not decode its own stream exactly"):
        make_source(pixels, "png", quick_settings())


def test_cache_keys_follow_the_settings_that_matter():
    a = quick_settings(steps=4)
    assert settings_key("ddm", a) != settings_key("ddm", quick_settings(steps=8))
    assert settings_key("png", a) == settings_key("png", quick_settings(steps=8))  # steps do not touch PNG
    assert "effort 9" in settings_key("jpegxl", a) and "level 9" in settings_key("png", a)
    # calibration changes DDM's stream only; online keeps the key sweeps had before --calibration
    keys = {settings_key("ddm", quick_settings(steps=4, calibration=c)) for c in ("off", "offline", "online")}
    assert len(keys) == 3 and "calibration" not in settings_key("ddm", a)
    assert settings_key("png", quick_settings(calibration="off")) == settings_key("png", a)


def test_ddm_stream_follows_the_calibration(tiny_images):
    from ddm_sscc.codec import CodecSettings, load_codec

    _, pixels = tiny_images[0]
    codec = load_codec(None)
    for choice in ("off", "offline", "online"):
        settings = quick_settings(calibration=choice)
        stream = encode_source(pixels, "ddm", settings)
        assert stream == codec.encode(pixels, CodecSettings.for_calibration(choice, steps=settings.steps))
        assert np.array_equal(decode_source(stream, "ddm", pixels.shape), pixels)


def test_cache_round_trip_and_damage(tmp_path, tiny_images):
    settings = quick_settings()
    source = make_source(tiny_images[0][1], "jpegxl", settings)
    cache = SourceCache(tmp_path)
    assert cache.get(source.pixel_sha256, "jpegxl", source.settings_key) is None
    cache.put(source)
    assert cache.get(source.pixel_sha256, "jpegxl", source.settings_key) == source
    assert cache.get(source.pixel_sha256, "jpegxl", source.settings_key + "x") is None
    (data,) = (tmp_path / "source_cache").glob("*.bin")
    data.write_bytes(data.read_bytes()[:-1])  # damaged: redone, never used
    assert cache.get(source.pixel_sha256, "jpegxl", source.settings_key) is None


def test_sweep_codes_each_image_once_and_reuses_the_cache(monkeypatch, tmp_path, tiny_images):
    calls = []
    real = source_coding.encode_source

    def counting(pixels, system, settings):
        calls.append(system)
        return real(pixels, system, settings)

    monkeypatch.setattr(source_coding, "encode_source", counting)
    settings = quick_settings(snrs=(12.0, 20.0), trials=2)
    run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    assert sorted(calls) == sorted(["ddm", "jpegxl", "png", "raw"] * 2)  # once per (image, system)
    calls.clear()
    # new SNR points need the streams again: all come from source_cache/
    more = quick_settings(snrs=(12.0, 20.0, 6.0), trials=2)
    result = run_sweep(more, tiny_images, tmp_path, executor=SerialExecutor())
    assert calls == [] and result.new_rows == 2 * 4 * 2
    assert len(list((tmp_path / "source_cache").glob("*.json"))) == 8

