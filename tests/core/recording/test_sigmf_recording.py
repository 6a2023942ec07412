"""SigMF write → read round trips, the metadata written, and every bad file a one-line RecordingError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sigmf
from sigmf import sigmffile

from ddm_sscc.errors import ConfigError, OutputExistsError, RecordingError
from ddm_sscc.recording import Annotation, read_recording, recording_paths, write_recording


def twelve_bit(n: int, seed: int = 0) -> np.ndarray:
    """Samples on the 12-bit grid (multiples of 1/2048 within ±1): ci16_le stores them exactly."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(-2048, 2048, size=(n, 2))
    return ((codes[:, 0] + 1j * codes[:, 1]) / 2048).astype(np.complex64)


NOTES = [
    Annotation(100, 50, "ddm symbol 1 (source, K=2)", fields={"ddm_sscc:symbol_id": 1, "ddm_sscc:payload_ok": True}),
    Annotation(
        10,
        40,
        "ddm symbol 0 (source, K=2)",
        comment="first",
        fields={"ddm_sscc:symbol_id": 0, "ddm_sscc:cfo_hz": 123.5},
    ),
]


def write(tmp_path: Path, samples: np.ndarray, name: str = "rec", **kwargs) -> Path:
    kwargs.setdefault("annotations", NOTES)
    meta, data = write_recording(tmp_path / name, samples, 2e6, frequency=2.45e9, **kwargs)
    assert meta == tmp_path / f"{name}.sigmf-meta" and data == tmp_path / f"{name}.sigmf-data"
    return meta


@pytest.mark.parametrize("datatype, full_scale", [("ci16_le", 2048.0), ("cf32_le", 1.0)])
def test_round_trip(tmp_path, datatype, full_scale):
    x = twelve_bit(1000)
    when = datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    meta = write(
        tmp_path,
        x,
        datatype=datatype,
        hw="ADALM-PLUTO",
        author="tester",
        description="a test",
        datetime_utc=when,
        extra_global={"ddm_sscc:image_sha256": "ab" * 32, "ddm_sscc:settings": {"seed": 3, "gap": (1, 2)}},
    )
    rec = read_recording(meta)
    np.testing.assert_array_equal(rec.samples, x)  # exact: the grid fits int16, and float32 as is
    assert rec.samples.dtype == np.complex64
    assert (rec.sample_rate, rec.frequency, rec.datatype, rec.full_scale) == (2e6, 2.45e9, datatype, full_scale)
    assert rec.duration == pytest.approx(1000 / 2e6)
    g = rec.global_info
    assert g["core:datatype"] == datatype and g["core:sample_rate"] == 2e6
    assert g["core:hw"] == "ADALM-PLUTO" and g["core:author"] == "tester" and g["core:recorder"] == "ddm-sscc"
    assert g["core:description"] == "a test" and g["core:version"] == sigmf.__specification__
    assert g["ddm_sscc:full_scale"] == full_scale and g["ddm_sscc:sample_count"] == 1000
    assert g["ddm_sscc:image_sha256"] == "ab" * 32 and rec.settings == {"seed": 3, "gap": [1, 2]}
    assert {"name": "ddm_sscc", "version": "1.0.0", "optional": True} in g["core:extensions"]
    assert len(g["core:sha512"]) == 128
    assert rec.captures[0]["core:datetime"] == "2025-03-04T05:06:07.890000Z"
    assert rec.captures[0]["core:frequency"] == 2.45e9
    # annotations come back sorted, with their fields
    assert [a.sample_start for a in rec.annotations] == [10, 100]
    first = rec.annotations[0]
    assert (first.sample_count, first.label, first.comment) == (40, "ddm symbol 0 (source, K=2)", "first")
    assert first.get("ddm_sscc:cfo_hz") == 123.5 and rec.annotations[1].get("ddm_sscc:payload_ok") is True
    # sigmf-python reads and validates it against its bundled schema
    handle = sigmffile.fromfile(meta)
    handle.validate()
    sigmf.validate.validate(json.loads(meta.read_text()), sigmf.schema.get_schema())
    assert handle.sample_count == 1000


def test_ci16_stores_12_bit_codes_lsb_aligned(tmp_path):
    x = np.array([1.0 - 1.0j, 0.5 + 0.25j, -2047 / 2048, 3.0j], np.complex64)
    meta = write(tmp_path, x, annotations=())
    raw = np.fromfile(recording_paths(meta)[1], dtype="<i2")
    np.testing.assert_array_equal(raw, [2048, -2048, 1024, 512, -2047, 0, 0, 6144])
    # sigmf-python's autoscale reads SigMF's own convention (÷ 32768); ours divides by the recorded 2048
    auto = sigmffile.fromfile(meta).read_samples()
    np.testing.assert_allclose(auto * 16, x)
    np.testing.assert_array_equal(read_recording(meta).samples, x)
    # a foreign ci16 file without ddm_sscc:full_scale is read with SigMF's convention
    data = json.loads(meta.read_text())
    del data["global"]["ddm_sscc:full_scale"]
    meta.write_text(json.dumps(data))
    np.testing.assert_allclose(read_recording(meta).samples, auto)


def test_custom_full_scale_and_rounding(tmp_path):
    x = np.array([0.1 + 0.2j, -0.3], np.complex64)
    meta = write(tmp_path, x, full_scale=32767.0, annotations=())
    rec = read_recording(meta)
    assert rec.full_scale == 32767.0
    np.testing.assert_allclose(rec.samples, x, atol=0.5 / 32767)


def test_accepts_any_name_form(tmp_path):
    x = twelve_bit(300)
    write_recording(tmp_path / "a.sigmf-meta", x, 1e6)
    for name in ("a", "a.sigmf-meta", "a.sigmf-data"):
        np.testing.assert_array_equal(read_recording(tmp_path / name).samples, x)


def test_never_overwrites_without_force(tmp_path):
    x = twelve_bit(200)
    meta = write(tmp_path, x)
    data = recording_paths(meta)[1]
    before = (meta.read_bytes(), data.read_bytes())
    with pytest.raises(OutputExistsError, match="exists"):
        write(tmp_path, twelve_bit(200, seed=1))
    assert (meta.read_bytes(), data.read_bytes()) == before
    # a lone data file is protected too, and nothing else is written
    meta.unlink()
    with pytest.raises(OutputExistsError, match="sigmf-data"):
        write(tmp_path, twelve_bit(200, seed=1))
    assert not meta.exists() and data.read_bytes() == before[1]
    write(tmp_path, twelve_bit(200, seed=1), force=True)
    np.testing.assert_array_equal(read_recording(meta).samples, twelve_bit(200, seed=1))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"datatype": "ci8"}, "datatype"),
        ({"sample_rate": 0.0}, "sample_rate"),
        ({"sample_rate": float("nan")}, "sample_rate"),
        ({"samples": np.array([np.nan + 0j])}, "finite"),
        ({"samples": np.zeros((2, 2), np.complex64)}, "1-D"),
        ({"samples": np.zeros(0, np.complex64), "annotations": ()}, "empty"),
        ({"samples": np.array([20.0 + 0j])}, "ci16_le"),
        ({"extra_global": {"seed": 1}}, "namespaced"),
        ({"extra_global": {"core:hw": "x"}}, "namespaced"),
        ({"extra_global": {"ddm_sscc:x": float("inf")}}, "JSON"),
        ({"extra_global": {"ddm_sscc:x": object()}}, "JSON"),
        ({"annotations": [Annotation(150, 100)]}, "beyond"),
        ({"frequency": "2.4e9"}, "frequency"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path, kwargs, match):
    args = {"samples": twelve_bit(200), "sample_rate": 2e6} | kwargs
    with pytest.raises(ConfigError, match=match) as info:
        write_recording(tmp_path / "bad", **args)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_schema_invalid_metadata_is_refused_before_writing(tmp_path):
    with pytest.raises(RecordingError, match="SigMF schema.*frequency") as info:
        write_recording(tmp_path / "bad", twelve_bit(10), 2e6, frequency=5e12)  # the schema's limit is 1e12
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


# ---- bad files --------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path, twelve_bit(1000))


def edit_meta(meta: Path, change) -> None:
    data = json.loads(meta.read_text())
    change(data)
    meta.write_text(json.dumps(data))


def without(key: str):
    return lambda d: d["global"].pop(key)


def setting(key: str, value: object):
    return lambda d: d["global"].__setitem__(key, value)


def annotate(key: str, value: object):
    return lambda d: d["annotations"][0].__setitem__(key, value)


def expect_error(meta: Path, match: str) -> None:
    with pytest.raises(RecordingError, match=match) as info:
        read_recording(meta)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    assert str(meta) in message


def test_missing_files(tmp_path, good):
    expect_error(tmp_path / "nothing.sigmf-meta", "no such SigMF metadata file")
    recording_paths(good)[1].unlink()
    expect_error(good, r"data file .*rec\.sigmf-data not found")


@pytest.mark.parametrize(
    "change, match",
    [
        (without("core:sample_rate"), "no core:sample_rate"),
        (setting("core:sample_rate", 0), "core:sample_rate must be > 0"),
        (setting("core:sample_rate", -2e6), "core:sample_rate must be > 0"),
        (setting("core:sample_rate", "2e6"), "core:sample_rate must be a number"),
        (setting("core:datatype", "rf32_le"), "unsupported core:datatype 'rf32_le'"),
        (setting("core:datatype", "cu8"), "unsupported core:datatype 'cu8'"),
        (setting("core:datatype", "zz"), "unsupported core:datatype 'zz'"),
        (without("core:datatype"), "core:datatype missing"),
        (setting("core:num_channels", 2), "single-channel"),
        (without("core:version"), "SigMF schema.*core:version"),
        (lambda d: d["annotations"].append({"core:label": "no start"}), "SigMF schema.*annotations/2.*sample_start"),
        (lambda d: d["captures"][0].__setitem__("core:frequency", "high"), "SigMF schema.*captures/0/core:frequency"),
        (setting("ddm_sscc:full_scale", -1), "full_scale must be a positive number"),
        # frame format 1's annotation keys are gone; format 2's are range-checked
        (annotate("ddm_sscc:seq", 0), "annotations/0/ddm_sscc:seq is not a ddm_sscc key"),
        (annotate("ddm_sscc:total", 2), "annotations/0/ddm_sscc:total is not a ddm_sscc key"),
        (annotate("ddm_sscc:symbol_id", 1 << 24), "annotations/0/ddm_sscc:symbol_id must be an integer"),
        (annotate("ddm_sscc:symbol_id", -1), "annotations/0/ddm_sscc:symbol_id must be an integer"),
        (annotate("ddm_sscc:source_symbols", 0), "annotations/0/ddm_sscc:source_symbols must be an integer"),
        (annotate("ddm_sscc:source_symbols", 56404), "annotations/0/ddm_sscc:source_symbols must be an integer"),
    ],
)
def test_bad_metadata(good, change, match):
    edit_meta(good, change)
    expect_error(good, match)


def test_meta_not_json(good):
    good.write_text('{"global": {"core:datatype": "ci16_le",')
    expect_error(good, r"invalid JSON")
    good.write_bytes(b"\xff\xfe\x00binary")
    expect_error(good, "not UTF-8")
    good.write_text("[1, 2]")
    expect_error(good, "no 'global' object")


def test_truncated_data(good):
    data = recording_paths(good)[1]
    raw = data.read_bytes()
    data.write_bytes(raw[:-1])  # half a sample short
    expect_error(good, r"truncated: 3999 bytes is not a whole number of 4-byte samples")
    data.write_bytes(raw[:-400])  # whole samples, fewer than recorded
    expect_error(good, r"truncated: 900 samples, the metadata says 1000")
    # without ddm_sscc:sample_count, the annotations and captures still bound it
    edit_meta(good, without("ddm_sscc:sample_count"))
    data.write_bytes(raw[:400])
    expect_error(good, r"truncated: 100 samples, but an annotation ends at sample 150")
    edit_meta(good, lambda d: d["captures"].append({"core:sample_start": 500}))
    edit_meta(good, lambda d: d.__setitem__("annotations", []))
    expect_error(good, r"truncated: 100 samples, but a capture segment starts at sample 500")
    data.write_bytes(b"")
    expect_error(good, "holds no samples")


def test_modified_data_fails_the_hash(good):
    data = recording_paths(good)[1]
    raw = bytearray(data.read_bytes())
    raw[10] ^= 1
    data.write_bytes(bytes(raw))
    expect_error(good, "does not match the core:sha512")
    # without a recorded hash there is nothing to check
    edit_meta(good, without("core:sha512"))
    assert read_recording(good).samples.size == 1000


def test_foreign_cf32_file_from_sigmf_python(tmp_path):
    x = (np.arange(64) * (1 + 1j) / 100).astype(np.complex64)
    handle = sigmf.fromarray(x)
    handle.sample_rate = 1e6
    handle.tofile(tmp_path / "foreign")
    rec = read_recording(tmp_path / "foreign.sigmf-meta")
    np.testing.assert_array_equal(rec.samples, x)
    assert rec.frequency is None and rec.annotations == () and rec.settings == {}
