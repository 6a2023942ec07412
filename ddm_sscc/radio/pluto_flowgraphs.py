"""``ddm-sscc tx|rx --radio pluto``: the gr-iio flowgraphs ``tx_pluto``/``rx_pluto`` as processes.

Settings come from a validated :class:`PlutoConfig` (and :class:`ModemConfig`), checked
before any radio is touched.  The radio is then opened once through pyadi-iio
(:class:`PlutoRadio`), which names the URI when no Pluto answers and applies what the
gr-iio blocks cannot (``xo_correction``, the FIR), and the flowgraph runs as its own
process, watched through the stats files of the encoder/decoder blocks.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ddm_sscc.codec.engine import CodecSettings
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.transfer import symbol_size_for_payload
from ddm_sscc.link.flowgraph_process import FlowgraphProcess, LinkError, read_json
from ddm_sscc.link.flowgraphs import compile_flowgraph, grc_env
from ddm_sscc.link.summary import LinkSummary
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.burst_format import BurstFormat
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.radio.config import ModemConfig, PlutoConfig
from ddm_sscc.radio.pluto import PlutoRadio
from ddm_sscc.radio.xo_correction import cfo_ppm, xo_correction_for


CODING_TIMEOUT_S = 300.0


def _filter_source(config: PlutoConfig) -> str:
    # gr-iio applies rf_bandwidth only with its filter Off; below 2.084 MS/s the FIR is needed
    return "Auto" if config.fir_enabled else "Off"


def _check_modem(modem: ModemConfig) -> None:
    if modem.ofdm_config() != OfdmConfig(sample_rate=modem.ofdm_config().sample_rate):
        raise ConfigError("the Pluto flowgraphs use the default OFDM layout; ofdm settings other than sample_rate differ")


def _radio_args(config: PlutoConfig) -> list[str]:
    return [
        "--uri", config.uri,
        f"--center-frequency={config.center_frequency!r}",
        f"--sample-rate={config.sample_rate!r}",
        f"--rf-bandwidth={config.rf_bandwidth!r}",
        "--buffer-size", str(config.buffer_size),
        "--filter-source", _filter_source(config),
    ]  # fmt: skip


def prepare_radio(config: PlutoConfig, adi_module=None) -> None:
    """Open the Pluto once: RadioError naming the URI if absent; applies xo_correction and the FIR."""
    with PlutoRadio(config, adi_module=adi_module):
        pass


def tx_argv(script: Path, config: PlutoConfig, modem: ModemConfig, image: str, *, repeat: int, interval: float,
            model: str, steps: int | None, stats_path: Path, repair: float = 0.0, carousel: bool = False,
            calibration: str = "online") -> list[str]:  # fmt: skip
    """Command line of the generated ``tx_pluto`` script (a carousel paces its frames at :func:`air_frame_rate`)."""
    frame_rate = air_frame_rate(config, modem) if carousel else 0.0
    return [
        sys.executable, str(script), "--image", image, "--mcs", modem.mcs, "--max-payload", str(modem.max_payload),
        "--steps", str(steps or 0), "--calibration", calibration, "--repeat", str(repeat), f"--interval={interval!r}",
        f"--repair={repair!r}", "--carousel", str(int(carousel)), f"--frame-rate={frame_rate!r}",
        f"--tx-attenuation={config.tx_attenuation_db!r}", f"--tx-scale={config.tx_scale!r}",
        "--stats-path", str(stats_path), *_radio_args(config),
    ] + (["--model", model] if model else [])  # fmt: skip


def rx_argv(script: Path, config: PlutoConfig, output: Path, stats_path: Path) -> list[str]:
    """Command line of the generated ``rx_pluto`` script."""
    gain = config.rx_gain_db if config.rx_gain_db is not None else 40.0
    return [
        sys.executable, str(script), "--output", str(output), "--stats-path", str(stats_path),
        "--gain-mode", config.rx_gain_mode, f"--rx-gain={gain!r}", *_radio_args(config),
    ]  # fmt: skip


def air_frame_rate(config: PlutoConfig, modem: ModemConfig, load: float = 0.9) -> float:
    """Frames per second a carousel publishes: ``load`` × what full-size bursts and gaps fit on air.

    Publishing faster would grow the TX block's queue without end.
    """
    fmt = BurstFormat()
    burst = fmt.burst_len(mcs_by_name(modem.mcs), symbol_size_for_payload(modem.max_payload)) + modem.gap_samples
    return load * config.sample_rate / burst


def airtime_s(record: dict, config: PlutoConfig, gap: int) -> float:
    """Seconds one transmission of the image takes on air at the radio's sample rate."""
    mcs = mcs_by_name(record["mcs"])
    fmt = BurstFormat()
    samples = sum(fmt.burst_len(mcs, n) + gap for n in record["payload_lengths"])
    return samples / config.sample_rate


def run_pluto_tx(
    config: PlutoConfig,
    modem: ModemConfig,
    image: str,
    *,
    repeat: int = 1,
    loop_interval: float | None = None,
    seconds: float | None = None,
    model: str = "",
    steps: int | None = None,
    repair: float = 0.0,
    carousel: bool = False,
    status: Callable[[str], None] | None = None,
    calibration: str = "online",
) -> dict:
    """Transmit ``image`` ``repeat`` times (or every ``loop_interval`` s until ``seconds`` or Ctrl-C).

    ``repair``: RaptorQ repair frames per source frame after the source frames.  ``carousel``:
    source frames, then fresh repair frames on air until ``seconds`` or Ctrl-C (one-way broadcast).
    ``model``, ``steps`` and ``calibration`` are the encoder's (``encode --calibration``).

    Returns the encoder's record (frames, bytes, bpsp, session id …) plus ``airtime_s``
    and ``transmissions``.
    """
    from ddm_sscc.image_io import load_image

    _check_modem(modem)
    CodecSettings.for_calibration(calibration, steps=steps)
    load_image(image)
    prepare_radio(config)
    script = compile_flowgraph("tx_pluto")
    work = Path(tempfile.mkdtemp(prefix="ddm-tx-"))
    stats = work / "tx_stats.json"
    loop = loop_interval is not None or carousel
    argv = tx_argv(script, config, modem, image, repeat=0 if loop else repeat, interval=loop_interval or 0.0,
                   model=model, steps=steps, stats_path=stats, repair=repair, carousel=carousel,
                   calibration=calibration)  # fmt: skip
    proc = FlowgraphProcess("tx_pluto", argv, work, grc_env())
    start = time.monotonic()
    record = None
    try:
        while True:
            time.sleep(0.1)
            if not proc.alive():
                raise LinkError(f"tx_pluto exited ({proc.proc.returncode}): {proc.last_line()} (log {proc.log})")
            if record is None and (record := read_json(stats)) is not None:
                air = airtime_s(record, config, modem.gap_samples)
                # the sink's buffers add latency; a few buffers of margin let the last burst out
                margin = 4 * config.buffer_size / config.sample_rate + 0.5
                if loop:
                    end = time.monotonic() + (seconds if seconds is not None else float("inf"))
                else:
                    end = time.monotonic() + repeat * air + margin
                if status:
                    status(f"{record['frames']} frames, {air:.2f} s on air per transmission")
            if record is not None and time.monotonic() >= end:
                break
            if record is None and time.monotonic() - start > CODING_TIMEOUT_S:
                raise LinkError(f"the transmitter did not code the image within {CODING_TIMEOUT_S:g} s")
    finally:
        proc.stop()
    shutil.rmtree(work, ignore_errors=True)
    return record | {"airtime_s": airtime_s(record, config, modem.gap_samples), "transmissions": repeat if not loop else None}


def run_pluto_rx(
    config: PlutoConfig,
    output: str,
    *,
    force: bool = False,
    timeout: float = 120.0,
    status: Callable[[dict], None] | None = None,
) -> LinkSummary:
    """Receive one image with ``rx_pluto`` until it is verified or ``timeout`` s pass."""
    from ddm_sscc.image_io import output_format
    from ddm_sscc.output_file import check_output

    check_output(output, force)
    output_format(output)
    prepare_radio(config)
    script = compile_flowgraph("rx_pluto")
    work = Path(tempfile.mkdtemp(prefix="ddm-rx-"))
    received = work / f"received{Path(output).suffix}"
    stats = work / "rx_stats.json"
    proc = FlowgraphProcess("rx_pluto", rx_argv(script, config, received, stats), work, grc_env())
    start = time.monotonic()
    rx: dict = {}
    try:
        while time.monotonic() - start < timeout:
            time.sleep(0.1)
            if not proc.alive():
                raise LinkError(f"rx_pluto exited ({proc.proc.returncode}): {proc.last_line()} (log {proc.log})")
            rx = read_json(stats) or rx
            if status:
                status(rx)
            if rx.get("done"):
                break
    finally:
        proc.stop()
    summary = summary_from_rx_stats(rx, output, time.monotonic() - start, center_frequency=config.center_frequency)
    if summary.exact:
        check_output(output, force)
        shutil.move(str(received), output)
    shutil.rmtree(work, ignore_errors=True)
    return summary


def summary_from_rx_stats(rx: dict, output: str, seconds: float, center_frequency: float | None = None) -> LinkSummary:
    """A :class:`LinkSummary` from a decoder's stats alone (a radio or a recording: no TX record).

    The SNR is unknown (None); the receiver's estimates, the measured CFO in ppm and the
    ``xo_correction`` that would remove it go into the extra fields.
    """
    k = int(rx.get("source_symbols") or 0)
    received = int(rx.get("frames_received", 0))
    seen = received + int(rx.get("frames_lost", 0))  # frames whose header arrived: what is known of those sent
    exact = bool(rx.get("exact"))
    extra: dict[str, object] = {
        "rx_snr_estimate_db": rx.get("snr_db"),
        "rx_cfo_estimate_hz": rx.get("cfo_hz"),
        "frames_corrupted": rx.get("frames_lost", 0),
        "session_id": rx.get("session_id"),
    }
    cfo = rx.get("cfo_hz")
    if cfo is not None and center_frequency:
        extra["cfo_ppm"] = cfo_ppm(cfo, center_frequency)
        extra["xo_correction_suggested"] = xo_correction_for(cfo, center_frequency)
    error = rx.get("error")
    if not exact and not error:
        error = "no frame received" if not k else f"{received} intact frames of K={k} is too few"
    return LinkSummary(
        exact=exact,
        frames_sent=seen,
        frames_received=received,
        frames_lost=seen - received,
        bpsp=float(rx.get("bpsp") or 0.0),
        snr_db=None,
        snr_unified_db=None,
        seconds=seconds,
        channel="pluto",
        source_symbols=k,
        frames_needed=rx.get("frames_needed"),
        missing=tuple(rx.get("missing", ())),
        output=output if exact else None,
        error=None if exact else error,
        extra=extra,
    )
