"""The command line, run as users run it: in a subprocess, judged by exit status and output."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ddm_sscc.codec import DEFAULT_MODEL, CodecSettings, DiffusionCodec
from ddm_sscc.codec.container import Header, pack, unpack
from tests.conftest import OtherWeightsModel, real_image, require_data, run_cli


def save(path: Path, pixels: np.ndarray, **kwargs) -> Path:
    Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(path, **kwargs)
    return path


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ddm-sscc: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("channels", [1, 3])
def test_encode_decode_json(tmp_path, channels):
    image = real_image(40, 30, channels)
    src = save(tmp_path / "in.png", image)
    enc = run_cli("encode", str(src), "-o", str(tmp_path / "a.ddm"), "--steps", "8", "--json")
    assert enc.returncode == 0, enc.stderr
    record = json.loads(enc.stdout)
    assert {"bpsp", "steps", "seconds", "sha256"} <= record.keys()
    assert record["steps"] == 8 and record["bytes"] == (tmp_path / "a.ddm").stat().st_size
    assert record["bpsp"] == pytest.approx(8 * record["bytes"] / image.size)
    dec = run_cli("decode", str(tmp_path / "a.ddm"), "-o", str(tmp_path / "out.png"), "--json")
    assert dec.returncode == 0, dec.stderr
    assert json.loads(dec.stdout)["sha256"] == record["sha256"]
    out = np.asarray(Image.open(tmp_path / "out.png"))
    assert np.array_equal(out.reshape(image.shape), image)


def test_human_summary_and_options(tmp_path):
    src = save(tmp_path / "in.bmp", real_image(16, 16, 3), format="BMP")
    enc = run_cli("encode", str(src), "-o", str(tmp_path / "a.ddm"), "--order", "random", "--seed", "5",
                  "--schedule", "linear", "--steps", "4")
    assert enc.returncode == 0, enc.stderr
    assert "bpsp" in enc.stdout and "4 steps (random/linear)" in enc.stdout and " s" in enc.stdout
    info = json.loads(run_cli("info", str(tmp_path / "a.ddm"), "--json").stdout)
    assert (info["order"], info["schedule"], info["order_seed"]) == ("random", "linear", 5)
    dec = run_cli("--threads", "1", "decode", str(tmp_path / "a.ddm"), "-o", str(tmp_path / "o.ppm"))
    assert dec.returncode == 0 and "pixels verified" in dec.stdout


def test_outputs_are_never_overwritten_without_force(tmp_path):
    src = save(tmp_path / "in.png", real_image(8, 8, 3))
    target = tmp_path / "a.ddm"
    target.write_bytes(b"precious")
    assert_one_line_error(run_cli("encode", str(src), "-o", str(target)), "exists", "--force")
    assert target.read_bytes() == b"precious"
    assert run_cli("encode", str(src), "-o", str(target), "--force").returncode == 0
    assert_one_line_error(run_cli("encode", str(src), "-o", str(tmp_path / "no" / "a.ddm")), "does not exist")
    (tmp_path / "o.png").write_bytes(b"precious")
    assert_one_line_error(run_cli("decode", str(target), "-o", str(tmp_path / "o.png")), "exists")
    assert (tmp_path / "o.png").read_bytes() == b"precious"


@pytest.fixture(scope="module")
def good_ddm(tmp_path_factory):
    path = tmp_path_factory.mktemp("ddm") / "good.ddm"
    src = save(path.with_suffix(".png"), real_image(20, 20, 3))
    assert run_cli("encode", str(src), "-o", str(path)).returncode == 0
    return path


def _variant(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_damaged_files_fail_with_one_line(tmp_path, good_ddm):
    data = good_ddm.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10
    header, _ = unpack(data)
    cases = {
        "truncated.ddm": (data[: len(data) - 9], "truncated"),
        "flipped.ddm": (bytes(flipped), "corrupted"),
        "magic.ddm": (b"XXXX" + data[4:], "not a .ddm file"),
        "empty.ddm": (b"", "not a .ddm file"),
        "wrong_model.ddm": (DiffusionCodec(OtherWeightsModel()).encode(real_image(20, 20, 3)), "weights"),
        "unknown_model.ddm": (pack(Header(**{**header.__dict__, "weights_sha256": b"\x42" * 32}), unpack(data)[1]),
                              "no installed model has (installed: "),
        "unknown_model_v2.ddm": (pack(Header(**{**header.__dict__, "model_id": "future-v9", "version": 2, "narrow": False,
                                                "weights_sha256": b"\x42" * 32}), unpack(data)[1]),
                                 "made with model future-v9, weights 4242"),
    }
    for name, (content, fragment) in cases.items():
        out = tmp_path / f"{name}.png"
        assert_one_line_error(run_cli("decode", str(_variant(tmp_path, name, content)), "-o", str(out)), fragment)
        assert not out.exists(), f"{name} left an output file"


def test_bad_images_fail_with_one_line(tmp_path):
    (tmp_path / "junk.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    save(tmp_path / "photo.jpg", real_image(8, 8, 3), format="JPEG")
    Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 999).save(tmp_path / "deep.png")
    Image.fromarray(real_image(8, 8, 3)).save(tmp_path / "cut.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "cut.png").read_bytes()[:60])
    for name, fragment in [("junk.png", "junk.png"), ("photo.jpg", "unsupported image format JPEG"),
                           ("deep.png", "16-bit"), ("cut.png", "cut.png"), ("missing.png", "no such image")]:
        assert_one_line_error(run_cli("encode", str(tmp_path / name), "-o", str(tmp_path / f"{name}.ddm")), fragment)
    assert_one_line_error(run_cli("encode", "builtin:nope", "-o", str(tmp_path / "n.ddm")), "built-in")
    assert_one_line_error(
        run_cli("decode", str(tmp_path / "junk.png"), "-o", str(tmp_path / "x.jpg")), "lossless format")


def test_conversions_are_announced(tmp_path):
    rgba = np.dstack([real_image(8, 8, 3), np.full((8, 8), 7, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(real_image(8, 8, 3)).convert("P").save(tmp_path / "pal.png")
    for name, note in [("rgba.png", "alpha channel discarded"), ("pal.png", "palette image converted to RGB")]:
        result = run_cli("encode", str(tmp_path / name), "-o", str(tmp_path / f"{name}.ddm"), "--json")
        assert result.returncode == 0, result.stderr
        assert note in result.stderr and note in json.loads(result.stdout)["notes"][0]
        assert json.loads(result.stdout)["channels"] == 3


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("encode", "x.png").returncode == 2
    assert run_cli("encode", "x.png", "-o", "y.ddm", "--steps", "0").returncode == 2
    assert run_cli("encode", "x.png", "-o", "y.ddm", "--order", "zigzag").returncode == 2


def test_every_steps_option_defaults_to_the_codecs():
    """Every coding command leaves T to the codec's size rule and says so in its help."""
    import argparse

    from ddm_sscc.cli import build_parser
    from ddm_sscc.codec.schedule import DEFAULT_STEPS_HELP

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    defaults = {name: next(a.default for a in sub._actions if a.dest == "steps")
                for name, sub in commands.items() if name != "train" and any(a.dest == "steps" for a in sub._actions)}
    assert {"encode", "link", "bench", "sweep"} <= set(defaults)
    assert set(defaults.values()) == {None}, defaults
    helps = {next(a.help for a in commands[name]._actions if a.dest == "steps") for name in defaults}
    assert helps == {DEFAULT_STEPS_HELP}, helps
    assert CodecSettings().steps is None


def test_models_lists_the_default():
    record = json.loads(run_cli("models", "--json").stdout)
    assert [m["model"] for m in record["models"] if m["default"]] == [DEFAULT_MODEL]
    assert {m["model"] for m in record["models"]} == {"context-mean-v1", "ddm-featmlp-int-v1", "ddm-featmlp-int-v2",
                                                      "ddm-featmlp-lattice-v3", "ddm-featmlp-lattice-v4",
                                                      "ddm-featmlp-lattice-v5", "ddm-featmlp-lattice-v6",
                                                      "ddm-featmlp-lattice-v7", "ddm-featmlp-lattice-v8",
                                                      "ddm-featmlp-lattice-v9", "ddm-featmlp-compact-v1",
                                                      "ddm-featmlp-tiny-v1", "ddm-featmlp-tiny-v3", "ddm-featmlp-tiny-v4",
                                                      "ddm-featmlp-tiny-v5"}
    assert [m["model"] for m in record["models"] if m["default_small_images"]] == ["ddm-featmlp-tiny-v5"]
    orders = {m["model"]: m["order"] for m in record["models"]}
    assert orders["ddm-featmlp-int-v2"] == "halton" and orders["ddm-featmlp-lattice-v3"] == "lattice"


def test_encode_calibration_modes_are_recorded_and_decode(tmp_path):
    src = save(tmp_path / "in.png", real_image(24, 20, 3))
    for mode, calibrated, adaptive in (("off", False, False), ("offline", True, False), ("online", True, True)):
        out = tmp_path / f"{mode}.ddm"
        result = run_cli("encode", str(src), "-o", str(out), "--calibration", mode, "--json")
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        assert (record["calibrated"], record["adaptive"]) == (calibrated, adaptive)
        assert run_cli("decode", str(out), "-o", str(tmp_path / f"{mode}.png")).returncode == 0


def test_decode_in_another_process_with_other_thread_counts(tmp_path):
    """Encoder with 2 GEMM threads, decoder with 1 (and the reverse): identical pixels and bytes."""
    image = real_image(64, 48, 3)
    src = save(tmp_path / "in.png", image)
    for enc_threads, dec_threads in [("2", "1"), ("1", "2")]:
        ddm, out = tmp_path / f"{enc_threads}.ddm", tmp_path / f"{enc_threads}.png"
        assert run_cli("--threads", enc_threads, "encode", str(src), "-o", str(ddm)).returncode == 0
        dec = run_cli("--threads", dec_threads, "decode", str(ddm), "-o", str(out))
        assert dec.returncode == 0, dec.stderr
        assert np.array_equal(np.asarray(Image.open(out)), image)
    assert (tmp_path / "1.ddm").read_bytes() == (tmp_path / "2.ddm").read_bytes()


def test_kodak_image_round_trip(tmp_path):
    """Acceptance: a 768×512 Kodak image coded whole, decoded bit-exactly."""
    src = require_data("kodak/kodim23.png")
    enc = run_cli("encode", str(src), "-o", str(tmp_path / "k.ddm"), "--json")
    assert enc.returncode == 0, enc.stderr
    assert run_cli("decode", str(tmp_path / "k.ddm"), "-o", str(tmp_path / "k.png")).returncode == 0
    assert np.array_equal(np.asarray(Image.open(tmp_path / "k.png")), np.asarray(Image.open(src)))


def test_cli_modules_keep_functions_short():
    """Each subcommand group owns its parser section and handler; none grows past 80 lines."""
    import ast

    from ddm_sscc import cli

    folder = Path(cli.__file__).parent
    long = []
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 80:
                long.append(f"{path.name}:{node.name}")
    assert not long, long
    assert set(cli.ORDER) == set(cli.COMMANDS)


@pytest.mark.parametrize("args,flag", [
    (["capture", "--radio", "sim", "--image", "builtin:camera", "-o", "x", "--seconds", "nan"], "--seconds"),
    (["capture", "--radio", "sim", "--image", "builtin:camera", "-o", "x", "--seconds", "inf"], "--seconds"),
    (["capture", "--radio", "zmq", "-o", "x", "--sample-rate", "nan"], "--sample-rate"),
    (["capture", "--radio", "zmq", "-o", "x", "--sample-rate", "1e-300"], "--sample-rate"),
    (["per", "--cfo", "1e400"], "--cfo"),
    (["per", "--doppler", "-1"], "--doppler"),
    (["link", "builtin:camera", "-o", "x.png", "--cfo-hz", "nan"], "--cfo-hz"),
    (["link", "builtin:camera", "-o", "x.png", "--snr", "-1e300"], "--snr"),
    (["link", "builtin:camera", "-o", "x.png", "--timeout", "0"], "--timeout"),
    (["tx", "builtin:camera", "--loop", "inf"], "--loop"),
    (["sweep", "--dataset", "kodak", "--snr", "1", "-o", "x", "--mcs-margin", "nan"], "--mcs-margin"),
    (["sweep", "--dataset", "kodak", "--snr", "1", "-o", "x", "--calibration", "auto"], "--calibration"),
])
def test_non_finite_and_absurd_numbers_name_their_flag(tmp_path, args, flag):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ddm-sscc") and "error: argument" in lines[0] and flag in lines[0]


def test_absurd_snr_ranges_are_refused(tmp_path):
    result = run_cli("per", "--snr=-1e300", cwd=tmp_path)
    assert result.returncode == 1 and "--snr" in result.stderr and "Traceback" not in result.stderr
