"""The GRC files: block definitions, flowgraphs that compile with grcc and run end to end.

Every ``flowgraphs/*.grc`` is compiled once per session (into a temporary directory, never
into the repository); the generated scripts then run as separate processes, as a user
would run them, and are stopped with SIGINT / SIGTERM like from a terminal.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import socket
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

GRC_FILES = sorted(FLOWGRAPHS.glob("*.grc"))
BLOCK_YMLS = sorted(BLOCKS_GRC.glob("*.block.yml"))

STARTUP_S = 30.0  # generous: a cold start imports GNU Radio, Qt and the codec
STOP_S = 10.0  # a stopped flowgraph must be gone within this


# ---- helpers ----------------------------------------------------------------------


def _env(tmp_path: Path, gui: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    if gui:
        env["QT_QPA_PLATFORM"] = "offscreen"
        runtime = tmp_path / "xdg-runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")  # Qt settings of the GUI stay here
    return env


class Flowgraph:
    """A generated flowgraph script running as a process, its output in a log file."""

    def __init__(self, script: Path, args: list[str], tmp_path: Path, gui: bool = False) -> None:
        self.name = script.stem
        self.log_path = tmp_path / f"{self.name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in reap()
        self.proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=_env(tmp_path, gui),
            cwd=tmp_path,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def handlers_installed(self) -> bool:
        """Whether the script has installed its SIGTERM handler (the generated main() does so
        together with SIGINT's, right before or after ``tb.start()``)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return True  # no procfs: assume so (the callers wait a few seconds anyway)
        caught = int(re.search(r"^SigCgt:\s*([0-9a-fA-F]+)$", status, re.M).group(1), 16)
        return bool(caught & (1 << (signal.SIGTERM - 1)))

    def wait_running(self, timeout: float = STARTUP_S) -> None:
        deadline = time.monotonic() + timeout
        while not self.handlers_installed():
            assert self.proc.poll() is None, f"{self.name} exited with {self.proc.returncode}:\n{self.log()}"
            assert time.monotonic() < deadline, f"{self.name} did not start within {timeout} s:\n{self.log()}"
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``sig``; the exit status and the seconds it took to exit."""
        assert self.proc.poll() is None, f"{self.name} already exited with {self.proc.returncode}:\n{self.log()}"
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} still running {STOP_S} s after {signal.Signals(sig).name}:\n{self.log()}")
        return rc, time.monotonic() - t0

    def reap(self) -> None:
        """Last resort: kill -9 if it is still running, and always reap it (no zombie)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(STOP_S)
        self._log.close()


def _read_stats(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _wait_done(stats_path: Path, procs: list[Flowgraph], timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = _read_stats(stats_path)
        if stats and stats.get("done"):
            return stats
        for p in procs:
            assert p.proc.poll() is None, f"{p.name} exited with {p.proc.returncode}:\n{p.log()}"
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.log()}" for p in procs)
            pytest.fail(f"no decoded image within {timeout} s; stats {stats}\n{logs}")
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_errors(fg: Flowgraph) -> None:
    """GNU Radio logs a block thread that died (e.g. 'Buffer too small') as ':error:'."""
    errors = [line for line in fg.log().splitlines() if ":error:" in line or "Traceback" in line]
    assert not errors, f"{fg.name} logged errors:\n{fg.log()}"


@pytest.fixture(scope="module")
def small_image(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """A 48x64 crop of a real photograph as a PNG (a few frames: quick to send)."""
    pixels = real_image(48, 64, 3)
    path = tmp_path_factory.mktemp("image") / "crop.png"
    Image.fromarray(pixels).save(path)
    return path, pixels


def _assert_same_pixels(path: Path, pixels: np.ndarray) -> None:
    assert path.exists(), f"{path} was not written"
    got = np.asarray(Image.open(path))
    assert got.shape == pixels.shape and np.array_equal(got, pixels)


# ---- compiling ----------------------------------------------------------------------------


def _known_block_ids() -> set[str]:
    """ids of every block definition grcc sees: ours and GNU Radio's."""
    dirs = [BLOCKS_GRC, Path(gr.prefix()) / "share" / "gnuradio" / "grc" / "blocks"]
    ids = set()
    for d in dirs:
        for f in d.glob("*.block.yml"):
            m = re.search(r"^id:\s*(\S+)", f.read_text(), re.M)
            if m:
                ids.add(m.group(1))
    return ids


@pytest.fixture(scope="session")
def compiled(tmp_path_factory) -> tuple[Path, str]:
    """All flowgraphs compiled by one grcc call: (output directory, grcc's output)."""
    if GRCC is None:
        pytest.skip("grcc (GNU Radio Companion's compiler) is not installed")
    out = tmp_path_factory.mktemp("flowgraphs")
    env = dict(os.environ, GRC_BLOCKS_PATH=str(BLOCKS_GRC))
    res = subprocess.run(
        [GRCC, "-o", str(out), *map(str, GRC_FILES)], capture_output=True, text=True, env=env, timeout=300
    )
    return out, res.stdout + res.stderr


def _script(compiled: tuple[Path, str], name: str) -> Path:
    out, log = compiled
    path = out / f"{name}.py"
    if not path.exists():
        pytest.fail(f"{name}.grc did not compile:\n{log}")
    return path


def test_flowgraphs_exist():
    names = {p.stem for p in GRC_FILES}
    assert {"loopback_sim", "loopback_sim_gui", "tx_zmq", "channel_zmq", "rx_zmq", "rx_zmq_gui"} <= names


@pytest.mark.parametrize("grc", GRC_FILES, ids=[p.stem for p in GRC_FILES])
def test_flowgraph_compiles(grc: Path, compiled, tmp_path):
    out, log = compiled
    script = out / f"{grc.stem}.py"
    if not script.exists():  # compile it alone to see its own error
        env = dict(os.environ, GRC_BLOCKS_PATH=str(BLOCKS_GRC))
        res = subprocess.run([GRCC, "-o", str(tmp_path), str(grc)], capture_output=True, text=True, env=env)
        pytest.fail(f"grcc failed on {grc.name}:\n{res.stdout}{res.stderr}")
    compile(script.read_text(), str(script), "exec")
    data = yaml.safe_load(grc.read_text())
    assert data["metadata"]["file_format"] == 1
    assert data["options"]["parameters"]["id"] == grc.stem, "the options id names the generated script"
    unknown = {b["id"] for b in data["blocks"]} - _known_block_ids()
    assert not unknown, f"{grc.name} uses blocks grcc does not know (it silently drops them): {unknown}"
    assert "Error" not in log


def test_flowgraph_parameters_are_command_line_options(compiled):
    """The parameters the docs promise, as options of the generated scripts."""
    expected = {
        "loopback_sim": "--image --output --kind --snr-db --cfo-hz --seed --mcs --stats-path",
        "tx_zmq": "--image --model --steps --calibration --mcs --max-payload --repeat --repair --carousel "
        "--frame-rate --stats-path --address",
        "channel_zmq": "--in-address --out-address --kind --snr-db --profile --doppler-hz --cfo-hz --sco-ppm "
        "--seed --sample-rate",
        "rx_zmq": "--address --output --overwrite --stats-path",
    }
    expected["loopback_sim_gui"] = expected["loopback_sim"]
    expected["rx_zmq_gui"] = expected["rx_zmq"]
    for name, options in expected.items():
        text = _script(compiled, name).read_text()
        found = set(re.findall(r'"(--[a-z0-9-]+)", dest=', text))
        assert found == set(options.split()), name


# ---- block definitions -------------------------------------------------------------------------


def _block_yml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_every_block_has_a_definition():
    ids = {_block_yml(p)["id"] for p in BLOCK_YMLS}
    assert ids == {"ddm_image_encoder", "ddm_ofdm_tx", "ddm_channel_model", "ddm_ofdm_rx", "ddm_image_decoder"}


def test_every_block_definition_is_used_by_a_flowgraph():
    used = {b["id"] for grc in GRC_FILES for b in yaml.safe_load(grc.read_text())["blocks"]}
    unused = {_block_yml(p)["id"] for p in BLOCK_YMLS} - used
    assert not unused, f"block definitions no flowgraph uses: {unused}"


@pytest.mark.parametrize("path", BLOCK_YMLS, ids=[p.name.split(".")[0] for p in BLOCK_YMLS])
def test_block_definition_matches_its_constructor(path: Path):
    import ddm_blocks

    d = _block_yml(path)
    assert d["file_format"] == 1
    assert d["category"] == "[DDM-SSCC]"
    assert d["documentation"].strip()
    assert d["templates"]["imports"].strip() == "import ddm_blocks"
    m = re.fullmatch(r"\s*ddm_blocks\.(\w+)\((.*)\)\s*", d["templates"]["make"], re.S)
    assert m, f"make: should call a ddm_blocks constructor: {d['templates']['make']!r}"
    cls = getattr(ddm_blocks, m.group(1), None)
    assert cls is not None, f"ddm_blocks has no {m.group(1)}"
    kwargs = dict(re.findall(r"(\w+)=\$\{\s*(\w+)\s*\}", m.group(2)))
    signature = set(inspect.signature(cls.__init__).parameters) - {"self"}
    params = {p["id"] for p in d.get("parameters", [])}
    assert set(kwargs) <= signature, f"unknown keyword arguments {set(kwargs) - signature}"
    assert set(kwargs.values()) == params, "every parameter is passed, by its own name"
    assert all(k == v for k, v in kwargs.items())
    for p in d.get("parameters", []):
        assert "default" in p, f"{p['id']} has no default"
    for port in d.get("inputs", []) + d.get("outputs", []):
        if port["domain"] == "message":
            assert port.get("id"), "message ports need an id"


def test_every_steps_default_is_the_codecs():
    """The encoder block, every flowgraph with a ``steps`` setting and the block's constructor
    default to 0, T by image size, as ``encode`` without ``--steps`` does."""
    import ddm_blocks

    block = _block_yml(BLOCKS_GRC / "ddm_image_encoder.block.yml")
    assert [p["default"] for p in block["parameters"] if p["id"] == "steps"] == ["0"]
    assert inspect.signature(ddm_blocks.image_encoder.__init__).parameters["steps"].default == 0
    found = []
    for grc in GRC_FILES:
        for b in yaml.safe_load(grc.read_text())["blocks"]:
            if b["id"] == "ddm_image_encoder" or (b["id"] == "parameter" and b["name"] == "steps"):
                value = b["parameters"]["value" if b["id"] == "parameter" else "steps"]
                found.append((grc.name, value))
    assert found and all(value in ("0", "steps") for _, value in found), found


# ---- running ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_loopback_sim_runs_headless(compiled, small_image, tmp_path):
    image, pixels = small_image
    output, stats_path = tmp_path / "received.png", tmp_path / "stats.json"
    args = ["--image", str(image), "--output", str(output), "--snr-db", "15", "--cfo-hz", "5000"]
    fg = Flowgraph(_script(compiled, "loopback_sim"), [*args, "--stats-path", str(stats_path)], tmp_path)
    try:
        fg.wait_running()
        stats = _wait_done(stats_path, [fg])
        rc, seconds = fg.stop(signal.SIGINT)
        assert rc == 0, fg.log()
    finally:
        fg.reap()
    assert stats["exact"] is True, stats
    assert stats["frames_lost"] == 0 and stats["frames_received"] == stats["source_symbols"] == stats["frames_needed"]
    assert abs(stats["cfo_hz"] - 5000) < 500, "the receiver estimated the channel's CFO"
    _assert_same_pixels(output, pixels)
    _no_errors(fg)


@pytest.mark.slow
def test_zmq_flowgraphs_run_as_three_processes(compiled, small_image, tmp_path):
    image, pixels = small_image
    port_tx, port_rx = _free_port(), _free_port()
    while port_rx == port_tx:
        port_rx = _free_port()
    a_tx, a_rx = f"tcp://127.0.0.1:{port_tx}", f"tcp://127.0.0.1:{port_rx}"
    output, stats_path = tmp_path / "received.png", tmp_path / "rx_stats.json"
    tx_stats = tmp_path / "tx_stats.json"
    procs: list[Flowgraph] = []
    try:
        # Consumers first: the channel publishes (PUB) what it pulls from the TX, and a PUB drops
        # what it sends before the RX's subscription arrives; the TX→channel PUSH/PULL waits.
        procs.append(
            Flowgraph(
                _script(compiled, "rx_zmq"),
                ["--address", a_rx, "--output", str(output), "--stats-path", str(stats_path)],
                tmp_path,
            )
        )
        procs.append(
            Flowgraph(
                _script(compiled, "channel_zmq"),
                ["--in-address", a_tx, "--out-address", a_rx, "--kind", "awgn", "--snr-db", "15", "--seed", "7"],
                tmp_path,
            )
        )
        for p in procs:
            p.wait_running()
        procs.append(
            Flowgraph(
                _script(compiled, "tx_zmq"),
                ["--image", str(image), "--address", a_tx, "--stats-path", str(tx_stats)],
                tmp_path,
            )
        )
        procs[-1].wait_running()
        stats = _wait_done(stats_path, procs)
        for p in reversed(procs):  # data order: TX first
            rc, _ = p.stop(signal.SIGTERM)
            assert rc == 0, f"{p.name} exited with {rc}:\n{p.log()}"
    finally:
        for p in procs:
            p.reap()
    assert stats["exact"] is True, stats
    sent = json.loads(tx_stats.read_text())  # the TX flowgraph's record of what it sent
    assert (stats["session_id"], stats["source_symbols"]) == (sent["session_id"], sent["frames"])
    assert stats["pixel_sha256"] == sent["pixel_sha256"]
    _assert_same_pixels(output, pixels)
    for p in procs:
        _no_errors(p)


@pytest.mark.slow
@pytest.mark.parametrize("name, sig", [("loopback_sim_gui", signal.SIGTERM), ("rx_zmq_gui", signal.SIGINT)])
def test_gui_flowgraph_starts_and_stops_offscreen(compiled, small_image, tmp_path, name, sig):
    image, pixels = small_image
    output, stats_path = tmp_path / "received.png", tmp_path / "stats.json"
    args = ["--output", str(output), "--stats-path", str(stats_path)]
    if name == "loopback_sim_gui":
        args += ["--image", str(image)]
    else:
        args += ["--address", f"tcp://127.0.0.1:{_free_port()}"]  # nothing sends: it waits for input
    fg = Flowgraph(_script(compiled, name), args, tmp_path, gui=True)
    try:
        fg.wait_running()
        if name == "loopback_sim_gui":
            stats = _wait_done(stats_path, [fg])
            assert stats["exact"] is True, stats
        time.sleep(3.0)  # the displays keep updating: it must not crash
        assert fg.proc.poll() is None, f"{name} exited with {fg.proc.returncode}:\n{fg.log()}"
        rc, _ = fg.stop(sig)
        assert rc == 0, fg.log()
    finally:
        fg.reap()
    if name == "loopback_sim_gui":
        _assert_same_pixels(output, pixels)
    _no_errors(fg)
