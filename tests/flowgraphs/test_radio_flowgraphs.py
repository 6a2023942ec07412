"""The radio flowgraphs: ``tx_pluto``, ``rx_pluto``, ``rx_pluto_gui`` (gr-iio) and ``replay_sigmf``.

They are compiled with grcc into a temporary directory (never into the repository) and
run as their own processes.  Without a radio the Pluto flowgraphs run on a stand-in for
``gnuradio.iio`` (:data:`FAKE_IIO`, installed by a small driver before the generated
script's ``main()``): its blocks record every setting the script makes and pace the
stream at the sample rate like the hardware, the sink keeps what the TX sends, the
source plays a recording.  ``replay_sigmf`` ends by itself at the end of the file and
must have written the image by then.  The ``pluto``-marked test needs a real radio.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gnuradio

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed (run `make install`)")
yaml = pytest.importorskip("yaml", reason="PyYAML (a GNU Radio Companion dependency) is not installed")

from PIL import Image  # noqa: E402

from tests.conftest import REPO, real_image  # noqa: E402
from tests.flowgraphs.grc_paths import BLOCKS_GRC, FLOWGRAPHS, GRCC  # noqa: E402

NAMES = ("tx_pluto", "rx_pluto", "rx_pluto_gui", "replay_sigmf")

STARTUP_S = 30.0
STOP_S = 10.0

RADIO_OPTIONS = "--uri --center-frequency --sample-rate --rf-bandwidth --buffer-size --filter-source"
OPTIONS = {
    "tx_pluto": "--image --model --steps --calibration --mcs --max-payload --repeat --interval --repair --carousel "
    "--frame-rate "
    "--gap --tx-attenuation --tx-scale --stats-path " + RADIO_OPTIONS,
    "rx_pluto": "--gain-mode --rx-gain --output --overwrite --stats-path " + RADIO_OPTIONS,
    "replay_sigmf": "--data-file --datatype --full-scale --interp --decim --output --overwrite --stats-path",
}
OPTIONS["rx_pluto_gui"] = OPTIONS["rx_pluto"]


# ---- helpers ----------------------------------------------------------------------------------


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    env["QT_QPA_PLATFORM"] = "offscreen"  # only the GUI flowgraph uses Qt
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env.update(extra)
    return env


class Proc:
    """A flowgraph script running as a process, its output in a log file."""

    def __init__(self, name: str, argv: list[str], tmp_path: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = tmp_path / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in reap()
        self.proc = subprocess.Popen(
            [sys.executable, *argv], stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env,
            cwd=tmp_path,
        )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_running(self, timeout: float = STARTUP_S) -> None:
        """Until the generated main() has installed its SIGTERM handler (right before tb.start())."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"{self.name} exited with {self.proc.returncode}:\n{self.log()}"
            try:
                status = Path(f"/proc/{self.proc.pid}/status").read_text()
            except OSError:
                time.sleep(3.0)  # no procfs: give it time
                return
            caught = int(re.search(r"^SigCgt:\s*([0-9a-fA-F]+)$", status, re.M).group(1), 16)
            if caught & (1 << (signal.SIGTERM - 1)):
                return
            assert time.monotonic() < deadline, f"{self.name} did not start within {timeout} s:\n{self.log()}"
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc.poll() is None, f"{self.name} already exited with {self.proc.returncode}:\n{self.log()}"
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} still running {STOP_S} s after {signal.Signals(sig).name}:\n{self.log()}")

    def reap(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(STOP_S)
        self._log.close()

    def assert_no_errors(self) -> None:
        errors = [line for line in self.log().splitlines() if ":error:" in line or "Traceback" in line]
        assert not errors, f"{self.name} logged errors:\n{self.log()}"


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _wait_for(what: str, check, procs: list[Proc], timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        for p in procs:
            assert p.proc.poll() is None, f"{p.name} exited with {p.proc.returncode}:\n{p.log()}"
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.log()}" for p in procs)
            pytest.fail(f"{what}: not within {timeout} s\n{logs}")
        time.sleep(0.1)


def _decoded(stats_path: Path):
    return lambda: (s := _read_json(stats_path)) and s.get("done") and s


def _assert_same_pixels(path: Path, pixels: np.ndarray) -> None:
    assert path.exists(), f"{path} was not written"
    got = np.asarray(Image.open(path))
    assert got.shape == pixels.shape and np.array_equal(got, pixels)


def _grc(name: str) -> dict:
    return yaml.safe_load((FLOWGRAPHS / f"{name}.grc").read_text())


def _blocks(name: str, block_id: str) -> list[dict]:
    return [b for b in _grc(name)["blocks"] if b["id"] == block_id]


def _one(name: str, block_id: str) -> dict:
    found = _blocks(name, block_id)
    assert len(found) == 1, f"{name}: {len(found)} blocks {block_id}"
    return found[0]


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    """The four flowgraphs compiled by one grcc call; the directory of the generated scripts."""
    if GRCC is None:
        pytest.skip("grcc (GNU Radio Companion's compiler) is not installed")
    out = tmp_path_factory.mktemp("radio_flowgraphs")
    env = dict(os.environ, GRC_BLOCKS_PATH=str(BLOCKS_GRC))
    files = [str(FLOWGRAPHS / f"{n}.grc") for n in NAMES]
    res = subprocess.run([GRCC, "-o", str(out), *files], capture_output=True, text=True, env=env, timeout=300)
    missing = [n for n in NAMES if not (out / f"{n}.py").exists()]
    assert not missing and "Error" not in res.stdout + res.stderr, f"grcc failed ({missing}):\n{res.stdout}{res.stderr}"
    return out


@pytest.fixture(scope="module")
def helps(compiled, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """``SCRIPT --help`` of every generated script, run side by side."""
    pytest.importorskip("gnuradio.iio", reason="gr-iio is not installed")
    tmp = tmp_path_factory.mktemp("helps")
    procs = {
        n: subprocess.Popen([sys.executable, str(compiled / f"{n}.py"), "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=_env(tmp), cwd=tmp)
        for n in NAMES
    }  # fmt: skip
    out = {n: p.communicate(timeout=60)[0] for n, p in procs.items()}
    return {n: subprocess.CompletedProcess(p.args, p.returncode, out[n], "") for n, p in procs.items()}


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A received image at 2 MS/s: bursts with zero gaps through an AWGN channel (20 dB, 5 kHz CFO).

    Returns (pixels, the PNG's path, complex64 samples (unit burst power), the encoder's record).
    """
    from ddm_sscc.channel import Channel, ChannelConfig
    from ddm_sscc.link.image_frames import encode_image_frames
    from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

    pixels = real_image(48, 64, 3)
    path = tmp_path_factory.mktemp("image") / "crop.png"
    Image.fromarray(pixels).save(path)
    coded = encode_image_frames(str(path))
    tx = OfdmTransmitter()
    parts = [np.zeros(1000, np.complex64)]
    for i, frame in enumerate(coded.frames):
        parts += [tx.burst(frame), np.zeros(300 + 50 * i, np.complex64)]
    parts.append(np.zeros(4000, np.complex64))  # the receiver looks a little past a burst's end
    channel = Channel(ChannelConfig(snr_db=20, cfo_hz=5000, seed=1))
    x = np.concatenate(parts)
    y = np.concatenate([channel.process(x), channel.flush()]).astype(np.complex64)
    return pixels, path, y, coded.record()


# ---- compiling and settings ---------------------------------------------------------------------


def test_radio_flowgraphs_exist():
    for n in NAMES:
        data = _grc(n)
        assert data["options"]["parameters"]["id"] == n
        gui = n.endswith("_gui")
        assert data["options"]["parameters"]["generate_options"] == ("qt_gui" if gui else "no_gui")
        if not gui:
            assert data["options"]["parameters"]["run_options"] == "run"


@pytest.mark.parametrize("name", NAMES)
def test_generated_script_options(helps, name):
    res = helps[name]
    assert res.returncode == 0, res.stdout
    found = set(re.findall(r"^\s+(--[a-z0-9-]+)", res.stdout, re.M)) - {"--help"}
    assert found == set(OPTIONS[name].split()), name


def test_cli_arguments_are_options():
    """The options ``ddm_sscc/radio/pluto_flowgraphs.py`` (``ddm-sscc tx|rx --radio pluto``) passes exist."""
    path = REPO / "ddm_sscc" / "radio" / "pluto_flowgraphs.py"
    if not path.exists():
        pytest.skip(f"{path.name} is not there")
    text = path.read_text()
    used = set(re.findall(r'"(--[a-z0-9-]+)', text))
    tx_rx = set(OPTIONS["tx_pluto"].split()) | set(OPTIONS["rx_pluto"].split())
    assert used <= tx_rx, f"options the CLI passes that the flowgraphs lack: {used - tx_rx}"


def test_tx_pluto_settings():
    sink = _one("tx_pluto", "iio_pluto_sink")["parameters"]
    assert ast.literal_eval(sink["len_tag_key"]) == "", "an empty length tag key: a continuous stream"
    assert sink["type"] == "fc32" and sink["cyclic"] == "False"
    assert sink["uri"] == "uri" and sink["buffer_size"] == "buffer_size" and sink["attenuation1"] == "tx_attenuation"
    assert sink["frequency"] == "int(center_frequency)" and sink["samplerate"] == "int(sample_rate)"
    assert sink["bandwidth"] == "int(rf_bandwidth)"
    tx = _one("tx_pluto", "ddm_ofdm_tx")["parameters"]
    assert tx["idle"] == "'zeros'", "a continuous stream: the sink's buffers always fill"
    assert tx["length_tag_key"] != sink["len_tag_key"] and "tx_scale" in tx["amplitude"] and tx["gap"] == "gap"
    enc = _one("tx_pluto", "ddm_image_encoder")["parameters"]
    for key in ("image", "model", "steps", "mcs", "max_payload", "repeat", "interval", "stats_path"):
        assert enc[key] == key
    snippets = {b["parameters"]["section"]: b["parameters"]["code"] for b in _blocks("tx_pluto", "snippet")}
    after = snippets["main_after_init"]
    assert "self.pluto_sink.set_filter_params(self.filter_source" in after
    assert after.rstrip().endswith("self.pluto_sink.set_bandwidth(int(self.rf_bandwidth))"), "rf_bandwidth last"
    assert "self.filter_source not in" in snippets["init_before_blocks"]


@pytest.mark.parametrize("name", ["rx_pluto", "rx_pluto_gui"])
def test_rx_pluto_settings(name):
    src = _one(name, "iio_pluto_source")["parameters"]
    assert src["len_tag_key"] == "packet_len", "gr-iio's own key for its buffer tags"
    assert src["len_tag_key"] != _one("tx_pluto", "ddm_ofdm_tx")["parameters"]["length_tag_key"]
    assert src["type"] == "fc32" and src["manual_gain1"] == "rx_gain"
    assert src["frequency"] == "int(center_frequency)" and src["samplerate"] == "int(sample_rate)"
    snippets = {b["parameters"]["section"]: b["parameters"]["code"] for b in _blocks(name, "snippet")}
    after = snippets["main_after_init"]
    assert after.count("self.pluto_source.set_gain_mode(0, self.gain_mode)") == 2, "gnuradio#6401"
    assert "set_filter_params(self.filter_source" in after and "set_gain(0, self.rx_gain)" in after
    assert after.rstrip().endswith("rx.attrs['rf_bandwidth'].value = str(int(self.rf_bandwidth))")
    assert "self.gain_mode not in" in snippets["init_before_blocks"]
    dec = _one(name, "ddm_image_decoder")["parameters"]
    assert dec["output"] == "output" and dec["stats_path"] == "stats_path" and dec["finish_on_stop"] == "False"
    if name.endswith("_gui"):
        assert _one(name, "pdu_pdu_to_tagged_stream")["parameters"]["minoutbuf"] == "65536"
        for sink in ("qtgui_const_sink_x", "qtgui_freq_sink_x", "qtgui_waterfall_sink_x"):
            _one(name, sink)


def test_replay_sigmf_settings():
    dec = _one("replay_sigmf", "ddm_image_decoder")["parameters"]
    assert dec["finish_on_stop"] == "True", "the file's end stops the flowgraph right after the last frame"
    for src in _blocks("replay_sigmf", "blocks_file_source"):
        assert src["parameters"]["repeat"] == "False"
    res = _one("replay_sigmf", "rational_resampler_xxx")["parameters"]
    assert res["interp"] == "interp" and res["decim"] == "decim"


# ---- replay ------------------------------------------------------------------------------------


def _write_ci16(path: Path, y: np.ndarray, full_scale: float) -> None:
    iq = np.empty(2 * y.size, dtype="<i2")
    iq[0::2] = np.round(y.real * full_scale)
    iq[1::2] = np.round(y.imag * full_scale)
    assert np.abs(iq.astype(np.int64)).max() < 32767
    iq.tofile(path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "datatype, rate_factor, full_scale",
    [("ci16_le", 1, None), ("cf32_le", 1, None), ("ci16_le", 2, 4096.0)],
    ids=["ci16", "cf32", "ci16-4MSps-decim2"],
)
def test_replay_sigmf_recovers_the_image(compiled, recording, tmp_path, datatype, rate_factor, full_scale):
    from scipy.signal import resample_poly

    pixels, _, y, record = recording
    if rate_factor != 1:
        y = resample_poly(y, rate_factor, 1).astype(np.complex64)  # recorded at 4 MS/s
    data = tmp_path / "capture.sigmf-data"
    if datatype == "ci16_le":
        _write_ci16(data, y, full_scale or 2048.0)  # 2048: the core's default for ci16_le
    else:
        y.astype("<c8").tofile(data)
    output, stats_path = tmp_path / "received.png", tmp_path / "stats.json"
    # the metadata file's name is accepted too (the flowgraph reads NAME.sigmf-data)
    name = tmp_path / "capture.sigmf-meta" if datatype == "ci16_le" and rate_factor == 1 else data
    args = ["--data-file", str(name), "--datatype", datatype, "--decim", str(rate_factor),
            "--output", str(output), "--stats-path", str(stats_path)]  # fmt: skip
    if full_scale:
        args += ["--full-scale", str(full_scale)]
    res = subprocess.run(
        [sys.executable, str(compiled / "replay_sigmf.py"), *args], capture_output=True, text=True,
        env=_env(tmp_path), cwd=tmp_path, timeout=120,
    )  # fmt: skip
    log = res.stdout + res.stderr
    assert res.returncode == 0, log
    stats = _read_json(stats_path)
    assert stats and stats["exact"] is True and stats["done"] is True, f"{stats}\n{log}"
    assert stats["frames_received"] == stats["source_symbols"] == record["frames"] and stats["frames_lost"] == 0
    assert stats["pixel_sha256"] == record["pixel_sha256"]
    assert abs(stats["cfo_hz"] - 5000) < 500
    _assert_same_pixels(output, pixels)
    assert ":error:" not in log and "Traceback" not in log, log


# ---- the Pluto flowgraphs on a stand-in for gr-iio --------------------------------------------

FAKE_IIO = r'''
"""A stand-in for gnuradio.iio: Pluto blocks without a radio.

Every call is appended to the JSON file $FAKE_IIO_LOG.  The sink paces its input at the
sample rate (like the hardware) and keeps the non-zero samples it got in $FAKE_IIO_LOG.npz;
the source plays $FAKE_IIO_RX_FILE (complex64) in a loop at the sample rate.
"""
import json
import os
import threading
import time

import numpy as np
from gnuradio import blocks, gr

_LOG = os.environ["FAKE_IIO_LOG"]
_calls = []
_lock = threading.Lock()


def _record(*call):
    with _lock:
        _calls.append(list(call))
        with open(_LOG + ".tmp", "w") as f:
            json.dump(_calls, f)
        os.replace(_LOG + ".tmp", _LOG)


def get_pluto_uri():
    _record("get_pluto_uri")
    return "fake:"


class _Settings:
    def _throttle_rate(self, rate):
        self.throttle.set_sample_rate(float(rate))

    def set_len_tag_key(self, key):
        _record("set_len_tag_key", key)

    def set_bandwidth(self, bandwidth):
        _record("set_bandwidth", bandwidth)

    def set_frequency(self, frequency):
        _record("set_frequency", frequency)

    def set_samplerate(self, rate):
        _record("set_samplerate", rate)
        self._throttle_rate(rate)

    def set_filter_params(self, source, filename="", fpass=0.0, fstop=0.0):
        _record("set_filter_params", source, filename, fpass, fstop)


class _Keeper(gr.sync_block):
    """Keeps the indices and values of the non-zero samples; saves them now and then and at stop."""

    def __init__(self):
        gr.sync_block.__init__(self, name="fake pluto sink", in_sig=[np.complex64], out_sig=None)
        self.index, self.value, self.saved = [], [], 0.0

    def work(self, input_items, output_items):
        x = input_items[0]
        nz = np.flatnonzero(x)
        if nz.size:
            self.index.append(nz + self.nitems_read(0))
            self.value.append(x[nz].copy())
        if time.monotonic() - self.saved > 0.2:
            self.save()
        return len(x)

    def save(self):
        self.saved = time.monotonic()
        index = np.concatenate(self.index) if self.index else np.zeros(0, np.int64)
        value = np.concatenate(self.value) if self.value else np.zeros(0, np.complex64)
        np.savez(_LOG + ".tmp.npz", index=index, value=value, total=self.nitems_read(0))
        os.replace(_LOG + ".tmp.npz", _LOG + ".npz")

    def stop(self):
        self.save()
        return True


class fmcomms2_sink_fc32(gr.hier_block2, _Settings):
    def __init__(self, uri, ch_en, buffer_size, cyclic):
        gr.hier_block2.__init__(self, "fake_pluto_sink", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(0, 0, 0))
        _record("fmcomms2_sink_fc32", uri, list(ch_en), buffer_size, cyclic)
        self.throttle = blocks.throttle(gr.sizeof_gr_complex, 2e6, True)
        self.keeper = _Keeper()
        self.connect(self, self.throttle, self.keeper)

    def set_attenuation(self, chan, attenuation):
        _record("set_attenuation", chan, attenuation)


class _Attr:
    def __init__(self, where, name):
        self.where, self.name = where, name

    @property
    def value(self):
        raise OSError("the fake libiio reads nothing")

    @value.setter
    def value(self, value):
        _record("libiio.write", *self.where, self.name, value)


class _Channel:
    def __init__(self, device, name, output):
        self.attrs = {a: _Attr((device, name, output), a) for a in ("rf_bandwidth", "hardwaregain")}


class _Device:
    def __init__(self, name):
        self.name = name

    def find_channel(self, name, is_output=False):
        return _Channel(self.name, name, is_output)


class LibiioContext:
    """libiio's (python3-libiio) Context, for the snippet that writes the RX RF bandwidth."""

    def __init__(self, uri):
        _record("libiio.Context", uri)

    def find_device(self, name):
        return _Device(name)


class fmcomms2_source_fc32(gr.hier_block2, _Settings):
    def __init__(self, uri, ch_en, buffer_size):
        gr.hier_block2.__init__(self, "fake_pluto_source", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        _record("fmcomms2_source_fc32", uri, list(ch_en), buffer_size)
        samples = np.fromfile(os.environ["FAKE_IIO_RX_FILE"], dtype=np.complex64)
        self.src = blocks.vector_source_c(samples, True)
        self.throttle = blocks.throttle(gr.sizeof_gr_complex, 2e6, True)
        self.connect(self.src, self.throttle, self)

    def set_gain_mode(self, chan, mode):
        _record("set_gain_mode", chan, mode)

    def set_gain(self, chan, gain):
        _record("set_gain", chan, gain)

    def set_quadrature(self, on):
        _record("set_quadrature", on)

    def set_rfdc(self, on):
        _record("set_rfdc", on)

    def set_bbdc(self, on):
        _record("set_bbdc", on)
'''

DRIVER = r'''
"""Runs a generated flowgraph script (argv[1], its options after it) with fake_iio as gnuradio.iio
(and its LibiioContext as libiio's iio.Context)."""
import runpy
import sys
import types

import gnuradio
import fake_iio

sys.modules["gnuradio.iio"] = fake_iio
gnuradio.iio = fake_iio
sys.modules["iio"] = types.ModuleType("iio")
sys.modules["iio"].Context = fake_iio.LibiioContext
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
'''


@pytest.fixture
def fake_iio(tmp_path) -> tuple[Path, Path]:
    """(driver script, call log path) of the gr-iio stand-in."""
    (tmp_path / "fake_iio.py").write_text(FAKE_IIO)
    driver = tmp_path / "fake_iio_driver.py"
    driver.write_text(DRIVER)
    return driver, tmp_path / "iio_calls.json"


def _calls(log: Path) -> list[list]:
    return _read_json(log) or []


@pytest.mark.slow
def test_tx_pluto_sends_the_bursts_continuously(compiled, recording, fake_iio, tmp_path):
    from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
    from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

    _, image, _, record = recording
    driver, log = fake_iio
    stats_path = tmp_path / "tx_stats.json"
    args = ["--image", str(image), "--stats-path", str(stats_path), "--tx-scale", "0.5", "--tx-attenuation", "12.5",
            "--center-frequency", "915e6", "--sample-rate", "2.5e6", "--rf-bandwidth", "3e6", "--filter-source", "Off",
            "--uri", "ip:10.0.0.2", "--buffer-size", "16384"]  # fmt: skip
    fg = Proc("tx_pluto", [str(driver), str(compiled / "tx_pluto.py"), *args], tmp_path,
              _env(tmp_path, FAKE_IIO_LOG=str(log)))  # fmt: skip
    kept = Path(str(log) + ".npz")

    def all_bursts_out():
        try:
            with np.load(kept) as z:
                index, total = z["index"], int(z["total"])
        except (OSError, ValueError, KeyError):
            return False
        # every burst out, and the zeros after the last one (idle: the stream goes on)
        bursts = np.count_nonzero(np.diff(index) > 200) + 1 if index.size else 0
        return bursts == record["frames"] and total > index[-1] + 8000

    try:
        fg.wait_running()
        sent = _wait_for("encoder stats", lambda: _read_json(stats_path), [fg])
        _wait_for("all bursts at the sink", all_bursts_out, [fg])
        assert fg.stop(signal.SIGTERM) == 0, fg.log()
    finally:
        fg.reap()
    fg.assert_no_errors()
    assert (sent["frames"], sent["pixel_sha256"]) == (record["frames"], record["pixel_sha256"])

    calls = _calls(log)
    assert calls[0] == ["fmcomms2_sink_fc32", "ip:10.0.0.2", [True, True], 16384, False]
    assert ["set_len_tag_key", ""] in calls, "no length tag: a continuous stream"
    assert ["set_frequency", 915_000_000] in calls and ["set_samplerate", 2_500_000] in calls
    assert ["set_attenuation", 0, 12.5] in calls
    settings = [c for c in calls if c[0] in ("set_filter_params", "set_bandwidth")]
    # the block's own (fixed 'Auto') settings, then the snippet's: filter_source, rf_bandwidth last
    assert settings == [["set_bandwidth", 3_000_000], ["set_filter_params", "Auto", "", 0, 0],
                        ["set_filter_params", "Off", "", 0.0, 0.0], ["set_bandwidth", 3_000_000]]  # fmt: skip
    assert all(type(c[1]) is int for c in calls if c[0] in ("set_frequency", "set_samplerate", "set_bandwidth"))

    with np.load(kept) as z:
        index, value = z["index"], z["value"]
    stream = np.zeros(index[-1] + 4000, np.complex64)
    stream[index] = value
    peak = max(np.abs(value.real).max(), np.abs(value.imag).max())
    assert 0.25 < peak <= 0.5, "tx_scale is the bursts' rail peak: no sample beyond it"
    starts = np.concatenate([[0], np.flatnonzero(np.diff(index) > 200) + 1])
    gaps = index[starts[1:]] - index[starts[1:] - 1] - 1
    assert gaps.min() >= 400 - 8, "gap zeros between bursts (a burst may end in a few exact zeros)"
    frames = OfdmReceiver(OfdmTransmitter()).push(stream)
    assert [f.header.symbol_id for f in frames] == list(range(record["frames"]))
    assert all(f.ok for f in frames) and {f.header.session_id for f in frames} == {sent["session_id"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rx_pluto", "rx_pluto_gui"])
def test_rx_pluto_receives_the_image(compiled, recording, fake_iio, tmp_path, name):
    pixels, _, y, record = recording
    driver, log = fake_iio
    rx_file = tmp_path / "air.c64"
    (0.2 * y).astype(np.complex64).tofile(rx_file)  # received level: peaks below ADC full scale
    output, stats_path = tmp_path / "received.png", tmp_path / "rx_stats.json"
    args = ["--output", str(output), "--stats-path", str(stats_path), "--gain-mode", "manual", "--rx-gain", "30",
            "--sample-rate", "2e6", "--rf-bandwidth", "1.5e6"]  # fmt: skip
    env = _env(tmp_path, FAKE_IIO_LOG=str(log), FAKE_IIO_RX_FILE=str(rx_file))
    fg = Proc(name, [str(driver), str(compiled / f"{name}.py"), *args], tmp_path, env)
    try:
        fg.wait_running()
        stats = _wait_for("decoded image", _decoded(stats_path), [fg])
        if name.endswith("_gui"):
            time.sleep(1.0)  # the displays keep updating: they must not crash
        assert fg.stop(signal.SIGINT if name.endswith("_gui") else signal.SIGTERM) == 0, fg.log()
    finally:
        fg.reap()
    fg.assert_no_errors()
    assert stats["exact"] is True and stats["source_symbols"] == record["frames"], stats
    assert stats["pixel_sha256"] == record["pixel_sha256"]
    _assert_same_pixels(output, pixels)

    calls = _calls(log)
    assert calls[0] == ["fmcomms2_source_fc32", "ip:192.168.2.1", [True, True], 32768]
    assert ["set_len_tag_key", "packet_len"] in calls
    gains = [c for c in calls if c[0] in ("set_gain_mode", "set_gain")]
    # the block's own (fixed) settings, then the snippet's: the mode twice (gnuradio#6401), then the gain
    assert gains == [["set_gain_mode", 0, "slow_attack"], ["set_gain", 0, 30.0], ["set_gain_mode", 0, "manual"],
                     ["set_gain_mode", 0, "manual"], ["set_gain", 0, 30.0]]  # fmt: skip
    assert [c for c in calls if c[0] == "set_filter_params"] == [["set_filter_params", "Auto", "", 0, 0]]
    # no bandwidth setter in gr-iio 3.10.5's source: the snippet writes it through libiio, after the filter
    assert calls[-2:] == [["libiio.Context", "ip:192.168.2.1"],
                          ["libiio.write", "ad9361-phy", "voltage0", False, "rf_bandwidth", "1500000"]]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, args, message",
    [
        ("tx_pluto", ["--filter-source", "Off"], "filter_source 'Off' needs sample_rate >= 2.084e6"),
        ("rx_pluto", ["--gain-mode", "agc"], "gain_mode must be slow_attack, manual, fast_attack or hybrid"),
    ],
    ids=["tx-filter-off-below-2.084MSps", "rx-unknown-gain-mode"],
)
def test_pluto_settings_are_checked_before_the_radio_is_touched(compiled, fake_iio, tmp_path, name, args, message):
    driver, log = fake_iio
    res = subprocess.run(
        [sys.executable, str(driver), str(compiled / f"{name}.py"), *args], capture_output=True, text=True,
        env=_env(tmp_path, FAKE_IIO_LOG=str(log), FAKE_IIO_RX_FILE=os.devnull), cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert res.returncode != 0 and message in res.stderr, res.stdout + res.stderr
    assert not log.exists(), f"the radio was touched: {_calls(log)}"


# ---- a real radio ---------------------------------------------------------------------------


@pytest.mark.pluto
@pytest.mark.slow
def test_real_pluto_loopback(compiled, recording, tmp_path):
    """tx_pluto and rx_pluto on one Pluto, TX1 cabled to RX1 through >= 30 dB of attenuation.

    PLUTO_URI names the radio (e.g. ip:192.168.2.1); both flowgraphs open it at once
    (separate IIO contexts: TX and RX are separate devices behind the same ad9361-phy,
    and both set the same LO frequency, sample rate and filter).  The RX starts first,
    the TX sends the image every second until the RX has it.
    """
    uri = os.environ.get("PLUTO_URI")
    if not uri:
        pytest.skip("no Pluto: set PLUTO_URI (e.g. ip:192.168.2.1) to run the hardware loopback")
    pytest.importorskip("gnuradio.iio", reason="gr-iio is not installed")
    pixels, image, _, record = recording
    radio = ["--uri", uri, "--center-frequency", os.environ.get("PLUTO_CENTER_FREQUENCY", "2.42e9"),
             "--sample-rate", "2e6", "--rf-bandwidth", "2e6", "--buffer-size", "32768",
             "--filter-source", "Auto"]  # fmt: skip
    output, rx_stats, tx_stats = tmp_path / "received.png", tmp_path / "rx_stats.json", tmp_path / "tx_stats.json"
    env = _env(tmp_path)
    procs: list[Proc] = []
    try:
        rx_args = ["--output", str(output), "--stats-path", str(rx_stats), "--gain-mode", "manual", "--rx-gain", "40"]
        procs.append(Proc("rx_pluto", [str(compiled / "rx_pluto.py"), *rx_args, *radio], tmp_path, env))
        procs[0].wait_running()
        time.sleep(2.0)  # the RX buffers are streaming before the first burst goes out
        tx_args = ["--image", str(image), "--repeat", "0", "--interval", "1.0", "--tx-attenuation", "10",
                   "--tx-scale", "0.5", "--stats-path", str(tx_stats)]  # fmt: skip
        procs.append(Proc("tx_pluto", [str(compiled / "tx_pluto.py"), *tx_args, *radio], tmp_path, env))
        procs[1].wait_running()
        stats = _wait_for("image over the cable", _decoded(rx_stats), procs, timeout=120.0)
        for p in reversed(procs):  # TX first
            assert p.stop(signal.SIGTERM) == 0, p.log()
    finally:
        for p in reversed(procs):
            p.reap()
    sent = _read_json(tx_stats)
    assert stats["exact"] is True, stats
    assert (stats["session_id"], stats["source_symbols"], stats["pixel_sha256"]) == (
        sent["session_id"], sent["frames"], record["pixel_sha256"]
    )  # fmt: skip
    _assert_same_pixels(output, pixels)
