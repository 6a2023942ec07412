"""``ddm-sscc loopback --radio pluto``: an image through one Pluto's TX → cable → RX (pyadi-iio).

The image is coded and framed, all bursts (with the modem's gaps) go into the cyclic TX
buffer (:func:`~ddm_sscc.radio.loopback.run_pluto_loopback`), two cycles are captured,
and the frames are reassembled and decoded; the image is written only if bit-exact.
"""

from __future__ import annotations

import time

import numpy as np

from ddm_sscc.codec.engine import CodecSettings
from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.link.image_assembly import ImageAssembler
from ddm_sscc.link.image_frames import encode_image_frames
from ddm_sscc.link.summary import LinkSummary
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.radio.config import ModemConfig, PlutoConfig
from ddm_sscc.radio.loopback import DEFAULT_GUARD, loopback_cycle, run_pluto_loopback
from ddm_sscc.radio.pluto import PlutoRadio
from ddm_sscc.radio.xo_correction import cfo_ppm

#: Cyclic TX buffers live in the Pluto's memory: keep an image's cycle well below it.
MAX_CYCLE_SAMPLES = 1 << 24


def run_image_loopback(
    config: PlutoConfig,
    modem: ModemConfig,
    image: str,
    output: str,
    *,
    force: bool = False,
    model: str = "",
    steps: int | None = None,
    repair: float = 0.0,
    adi_module=None,
    calibration: str = "online",
) -> LinkSummary:
    """Send ``image`` through the radio's own TX → RX loop; the summary of what came back.

    ``repair`` RaptorQ repair frames per source frame go into the cycle after the source frames;
    ``model``, ``steps`` and ``calibration`` are the encoder's (``encode --calibration``).
    """
    from ddm_sscc.image_io import output_format
    from ddm_sscc.output_file import check_output

    check_output(output, force)
    output_format(output)
    CodecSettings.for_calibration(calibration, steps=steps)  # refused before the radio is touched
    start = time.monotonic()
    with PlutoRadio(config, adi_module=adi_module) as radio:  # a missing radio fails before seconds of coding
        coded, frames, tx = _code_and_loop(radio, config, modem, image, model, steps, repair, calibration)
    return _summarise(coded, frames, tx, config, output, force, start)


def _code_and_loop(
    radio: PlutoRadio, config: PlutoConfig, modem: ModemConfig, image: str, model: str, steps: int, repair: float,
    calibration: str,
):
    coded = encode_image_frames(
        image, model=model or None, steps=steps, mcs=modem.mcs, max_payload=modem.max_payload, repair=repair,
        calibration=calibration,
    )
    tx = OfdmTransmitter(modem.ofdm_config())
    gap = np.zeros(modem.gap_samples, dtype=np.complex64)
    samples = np.concatenate([np.concatenate([tx.burst(f), gap]) for f in coded.frames])
    cycle = loopback_cycle(samples, config.buffer_size, DEFAULT_GUARD)
    if cycle.size > MAX_CYCLE_SAMPLES:
        raise ConfigError(
            f"the image needs {cycle.size} samples per cycle, more than the {MAX_CYCLE_SAMPLES} a cyclic buffer holds; "
            "use a smaller image or a faster MCS"
        )
    frames = run_pluto_loopback(radio, samples, 2 * cycle.size + config.buffer_size, OfdmReceiver(tx))
    return coded, frames, tx


def _summarise(coded, frames, tx, config: PlutoConfig, output: str, force: bool, start: float) -> LinkSummary:
    from ddm_sscc.image_io import save_image
    from ddm_sscc.output_file import check_output

    assembler = ImageAssembler()
    for f in frames:
        assembler.add_received(f)
    sid = coded.session_id
    cfos = [f.cfo_hz for f in frames]
    snrs = [f.snr_db for f in frames]
    error = None
    exact = False
    if assembler.reassembler.complete(sid):
        try:
            received = assembler.decode(sid)
            check_output(output, force)
            save_image(output, received.pixels, force=force)
            exact = True
        except DdmError as exc:
            error = str(exc)
    report = assembler.report(sid) if sid in assembler.reassembler.sessions() else None
    got = report.received if report else 0
    total = len(coded.frames)
    if not exact and error is None:
        error = f"{total - got} of {total} frames lost, {got} of K={coded.source_symbols} is too few"
    extra: dict[str, object] = {
        "rx_snr_estimate_db": float(np.mean(snrs)) if snrs else None,
        "rx_cfo_estimate_hz": float(np.mean(cfos)) if cfos else None,
        "session_id": sid,
    }
    if cfos:
        extra["cfo_ppm"] = cfo_ppm(float(np.mean(cfos)), config.center_frequency)
    return LinkSummary(
        exact=exact,
        frames_sent=total,
        frames_received=got,
        frames_lost=total - got,
        bpsp=coded.bpsp,
        snr_db=None,
        snr_unified_db=None,
        seconds=time.monotonic() - start,
        channel="pluto-loopback",
        mcs=coded.mcs.name,
        n_channel_uses=coded.channel_uses(tx.format),
        subpixels=coded.subpixels,
        source_symbols=coded.source_symbols,
        repair=coded.repair,
        frames_needed=report.needed if report else None,
        output=output if exact else None,
        error=None if exact else error,
        extra=extra,
    )

