"""``ddm-sscc link``: TX, channel and RX flowgraphs as three processes joined by ZeroMQ on 127.0.0.1.

The three scripts are compiled from ``flowgraphs/{tx,channel,rx}_zmq.grc`` and started as
separate OS processes, as two radios and the air between them would be.  The runner
watches the stats files the encoder and decoder blocks write, stops everything once the
decoder has verified the image (or no more frames arrive, or the time is up), and
returns a :class:`LinkSummary`.  Processes are always stopped: SIGINT first (the scripts
stop their flowgraph on it), then SIGKILL after a grace period.
"""

from __future__ import annotations

import math
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ddm_sscc.channel.model import ChannelConfig
from ddm_sscc.channel.snr import unified_snr_db
from ddm_sscc.codec.engine import CodecSettings
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.transfer import check_max_payload, check_repair
from ddm_sscc.link.flowgraph_process import FlowgraphProcess, LinkError, read_json, stop_all
from ddm_sscc.link.flowgraphs import compile_flowgraph, grc_env
from ddm_sscc.link.image_frames import DEFAULT_MAX_PAYLOAD, channel_uses_sent
from ddm_sscc.link.summary import LinkSummary
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.burst_format import BurstFormat

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class LinkSettings:
    """One run of the simulated over-the-air link.

    ``snr_db`` None means no noise.  ``idle_timeout`` ends a run whose frames stopped
    arriving (lost frames are not resent); ``timeout`` bounds the whole run.  ``repair``
    RaptorQ repair frames per source frame follow the source frames; with ``carousel`` the
    TX sends fresh repair frames at ``frame_rate`` until the receiver has the image (one-way
    broadcast).  ``rx_delay`` starts the receiver that many seconds after the transmitter
    began to send (its image coded): the channel publishes like the air, so what was sent
    before the receiver listens is lost to it.
    """

    image: str
    output: str
    channel: str = "awgn"
    snr_db: float | None = 20.0
    mcs: str = "qpsk-1/2"
    cfo_hz: float = 0.0
    seed: int = 0
    profile: str = "EPA"
    doppler_hz: float = 0.0
    model: str = ""
    steps: int | None = None
    calibration: str = "online"
    max_payload: int = DEFAULT_MAX_PAYLOAD
    timeout: float = 300.0
    idle_timeout: float = 8.0
    force: bool = False
    repair: float = 0.0
    carousel: bool = False
    frame_rate: float = 0.0
    rx_delay: float = 0.0

    def __post_init__(self) -> None:
        mcs_by_name(self.mcs)
        self.channel_config()  # ConfigError naming the bad channel setting
        check_max_payload(self.max_payload)  # what the TX's image encoder accepts: refused here, not by its flowgraph
        CodecSettings.for_calibration(self.calibration, steps=self.steps)
        if not self.timeout > 0 or not self.idle_timeout > 0:
            raise ConfigError("timeouts must be positive")
        check_repair(self.repair)
        for name, value, high in (("frame_rate", self.frame_rate, 1e5), ("rx_delay", self.rx_delay, 3600.0)):
            if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= high):
                raise ConfigError(f"{name} must be a number in [0, {high:g}], got {value!r}")
        if self.carousel and self.frame_rate == 0:
            raise ConfigError("a carousel needs a frame rate (frames per second), or it floods the channel")

    def channel_config(self) -> ChannelConfig:
        return ChannelConfig(
            kind=self.channel,
            snr_db=self.snr_db,
            profile=self.profile,
            doppler_hz=self.doppler_hz,
            cfo_hz=self.cfo_hz,
            seed=self.seed,
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def run_zmq_link(settings: LinkSettings, progress: Callable[[dict], None] | None = None) -> LinkSummary:
    """Send ``settings.image`` over the three-process ZeroMQ link; the summary of what arrived.

    The output image is written (atomically, never over an existing file without ``force``)
    only if the decoder verified it bit-exact.
    """
    from ddm_sscc.image_io import load_image, output_format
    from ddm_sscc.output_file import check_output

    check_output(settings.output, settings.force)
    output_format(settings.output)
    load_image(settings.image)  # refuse a bad image before starting anything
    scripts = {name: compile_flowgraph(f"{name}_zmq") for name in ("tx", "channel", "rx")}
    work = Path(tempfile.mkdtemp(prefix="ddm-link-"))
    suffix = Path(settings.output).suffix
    received = work / f"received{suffix}"
    tx_stats, rx_stats = work / "tx_stats.json", work / "rx_stats.json"
    a = f"tcp://{LOCALHOST}:{free_port()}"
    b = f"tcp://{LOCALHOST}:{free_port()}"
    snr_arg = "inf" if settings.snr_db is None else repr(float(settings.snr_db))
    py = sys.executable
    argv = {
        "rx": [py, str(scripts["rx"]), "--address", b, "--output", str(received), "--stats-path", str(rx_stats)],
        "channel": [
            py, str(scripts["channel"]), "--in-address", a, "--out-address", b,
            "--kind", settings.channel, f"--snr-db={snr_arg}", "--profile", settings.profile,
            f"--doppler-hz={settings.doppler_hz!r}", f"--cfo-hz={settings.cfo_hz!r}", "--seed", str(settings.seed),
        ],
        "tx": [
            py, str(scripts["tx"]), "--image", settings.image, "--mcs", settings.mcs,
            "--max-payload", str(settings.max_payload), "--steps", str(settings.steps or 0),  # 0: by image size
            "--calibration", settings.calibration,
            "--stats-path", str(tx_stats), "--address", a, f"--repair={settings.repair!r}",
            "--carousel", str(int(settings.carousel)), f"--frame-rate={settings.frame_rate!r}",
        ]
        + (["--model", settings.model] if settings.model else []),
    }  # fmt: skip
    env = grc_env() | {"PYTHONUNBUFFERED": "1"}
    procs: list[FlowgraphProcess] = []
    start = time.monotonic()
    try:
        # receivers first: nothing sent before anyone listens (unless the RX is told to start late)
        for name in ("channel", "tx") if settings.rx_delay else ("rx", "channel", "tx"):
            procs.append(FlowgraphProcess(name, argv[name], work, env))
        rx, tx_info, last_count, last_change = {}, None, -1, time.monotonic()
        rx_due = math.inf if settings.rx_delay else None  # set once the TX starts sending
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            if rx_due is not None and now >= rx_due:
                procs.append(FlowgraphProcess("rx", argv["rx"], work, env))
                rx_due, last_change = None, now
            for p in procs:
                if not p.alive():
                    raise LinkError(f"{p.name} flowgraph exited ({p.proc.returncode}): {p.last_line()} (log {p.log})")
            if tx_info is None and (tx_info := read_json(tx_stats)) is not None and rx_due is not None:
                rx_due = now + settings.rx_delay
            rx = read_json(rx_stats) or rx
            if progress is not None:
                progress({"tx": tx_info, "rx": rx, "seconds": now - start})
            if rx.get("done"):
                break
            count = rx.get("frames_received", 0) + rx.get("frames_lost", 0)
            if count != last_count or tx_info is None:
                last_count, last_change = count, now
            waiting = rx_due is not None or rx.get("complete")  # RX not started yet, or decoding
            if tx_info is not None and not waiting and now - last_change > settings.idle_timeout:
                break  # frames stopped arriving: the rest were lost
            if now - start > settings.timeout:
                if tx_info is None:
                    raise LinkError(f"timed out after {settings.timeout:g} s before the transmitter had coded the image")
                rx["error"] = rx.get("error") or f"timed out after {settings.timeout:g} s"
                break
    finally:
        stop_all(procs)  # a failed run keeps its logs in `work` for the error message's sake
    seconds = time.monotonic() - start
    tx_info = read_json(tx_stats) or tx_info  # the TX's last word: how many frames it published
    if tx_info is None:
        raise LinkError(f"the transmitter never coded the image: {procs[-1].last_line()} (logs in {work})")
    summary = _summary(settings, tx_info, rx, seconds)
    if summary.exact:
        shutil.move(str(received), _final_path(settings))
    shutil.rmtree(work, ignore_errors=True)
    return summary


def _final_path(settings: LinkSettings) -> str:
    from ddm_sscc.output_file import check_output

    check_output(settings.output, settings.force)  # nothing appeared there meanwhile
    return settings.output


def _summary(settings: LinkSettings, tx: dict, rx: dict, seconds: float) -> LinkSummary:
    mcs = mcs_by_name(tx["mcs"])
    frames_sent = int(tx.get("frames_published", tx["frames"]))
    n_cu = channel_uses_sent(tx, frames_sent, BurstFormat())
    received = int(rx.get("frames_received", 0)) if rx.get("session_id") == tx["session_id"] else 0
    missing = tuple(rx.get("missing", ())) if received else tuple(range(int(tx["source_symbols"])))
    snr = settings.snr_db
    unified = None if snr is None else unified_snr_db(snr, n_cu, int(tx["subpixels"]))
    exact = bool(rx.get("exact")) and rx.get("pixel_sha256") == tx["pixel_sha256"]
    error = rx.get("error")
    if not exact and not error:
        error = f"{frames_sent - received} of {frames_sent} frames lost, {received} of K={tx['source_symbols']} is too few"
    return LinkSummary(
        exact=exact,
        frames_sent=frames_sent,
        frames_received=received,
        frames_lost=frames_sent - received,
        bpsp=float(tx["bpsp"]),
        snr_db=snr,
        snr_unified_db=unified,
        seconds=seconds,
        channel=settings.channel,
        mcs=mcs.name,
        n_channel_uses=n_cu,
        subpixels=int(tx["subpixels"]),
        source_symbols=int(tx["source_symbols"]),
        repair=float(tx["repair"]),
        carousel=settings.carousel,
        frames_needed=rx.get("frames_needed") if received else None,
        missing=missing,
        output=settings.output if exact else None,
        error=None if exact else error,
        extra={
            "cfo_hz": settings.cfo_hz,
            "seed": settings.seed,
            "image": settings.image,
            "session_id": tx["session_id"],
            "rx_snr_estimate_db": rx.get("snr_db"),
            "rx_cfo_estimate_hz": rx.get("cfo_hz"),
            "frames_corrupted": rx.get("frames_lost", 0),
            "rx_delay": settings.rx_delay,
        },
    )




