"""Frame error rate versus SNR: the full OFDM link against an ideal reference.

For every SNR point, ``frames`` random payloads are framed, sent as bursts with random
gaps (random timing), each through its own realisation of the channel (random CFO
within ±``cfo_max_hz``, a random fractional timing offset, fresh fading), and the bursts
are pushed into one streaming :class:`~ddm_sscc.phy.ofdm.receiver.OfdmReceiver` in
chunks of ``chunk`` samples, as a radio would deliver them.

The **reference** sends the same payload with the same LDPC code, modulation, rate
matching and scrambling over the ideal symbol-level channel: no OFDM, no preamble,
perfect synchronisation and perfect channel knowledge (the same fading realisation).
It is run at the same energy per data symbol: the OFDM receiver's data carriers see
Es/N0 = SNR + 10·log10(N/n_used) (the guard carriers carry no power), so the reference
is run at that value and ``reference_snr_db`` says so.  The gap between the curves is
then the receiver's implementation loss (sync, estimation, tracking), not a bandwidth
effect.

A frame counts as an error when it is not delivered (no detection, header or payload
CRC failure); ``undetected`` counts delivered payloads that differ from what was sent.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.mcs import Mcs
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter


@dataclass(frozen=True)
class PerPoint:
    snr_db: float | None
    frames: int
    fer: float
    fer_reference: float
    undetected: int
    reference_snr_db: float | None
    header_errors: int
    false_alarms: int


@dataclass(frozen=True)
class PerSettings:
    mcs: Mcs
    channel: str
    payload_len: int = 1024
    profile: str = "EPA"
    doppler_hz: float = 0.0
    cfo_max_hz: float = 20e3
    chunk: int = 4096
    seed: int = 1
    max_iter: int = 20


def parse_snr_range(text: str) -> list[float | None]:
    """``A:B:STEP`` (inclusive), a single value, or ``inf`` (no noise) → SNR list."""
    if text.strip().lower() in ("inf", "none"):
        return [None]
    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"--snr must be A:B:STEP, a number or inf, got {text!r}") from None
    if not all(math.isfinite(v) and abs(v) <= 200 for v in values[:2]) or not math.isfinite(values[-1]):
        raise ConfigError(f"--snr values must be finite and within ±200 dB, got {text!r}")
    if len(values) == 1:
        return [values[0]]
    if len(values) != 3 or values[2] <= 0 or values[1] < values[0]:
        raise ConfigError(f"--snr must be A:B:STEP with A ≤ B and STEP > 0, got {text!r}")
    a, b, step = values
    count = int(math.floor((b - a) / step + 1e-9)) + 1
    if count > 200:
        raise ConfigError(f"--snr {text!r} gives {count} points (at most 200)")
    return [round(a + i * step, 6) for i in range(count)]


def run_per(settings: PerSettings, snrs: list[float | None], frames: int, progress=None) -> list[PerPoint]:
    """Measure one FER curve; ``progress(done_frames)`` is called after each frame if given."""
    if frames < 1:
        raise ConfigError("--frames must be at least 1")
    tx = OfdmTransmitter(OfdmConfig(), max_iter=settings.max_iter)
    cfg = tx.config
    fmt = tx.format
    es_gain_db = 10 * math.log10(cfg.fft_size / cfg.n_used)
    points = []
    for snr_index, snr in enumerate(snrs):
        rng = np.random.default_rng([settings.seed, snr_index])
        rx = OfdmReceiver(tx)
        errors = ref_errors = undetected = 0
        for i in range(frames):
            payload = rng.integers(0, 256, settings.payload_len, dtype=np.uint8).tobytes()
            frame = Frame(single_symbol_header(snr_index, len(payload), settings.mcs.id), payload)
            channel = Channel(
                ChannelConfig(
                    kind=settings.channel,
                    snr_db=snr,
                    profile=settings.profile,
                    doppler_hz=settings.doppler_hz,
                    cfo_hz=float(rng.uniform(-settings.cfo_max_hz, settings.cfo_max_hz)),
                    timing_offset=float(rng.uniform(0, 1)),
                    sample_rate=cfg.sample_rate,
                    seed=int(rng.integers(2**63)),
                )
            )
            channel.new_block()
            response = channel.frequency_response(cfg.fft_size)
            gap = np.zeros(int(rng.integers(64, 1024)), dtype=np.complex64)
            stream = channel.process_burst(np.concatenate([gap, tx.burst(frame), np.zeros(400, np.complex64)]))
            got = []
            for at in range(0, stream.size, settings.chunk):
                got += rx.push(stream[at : at + settings.chunk])
            delivered = [f for f in got if f.ok]
            if not any(f.payload == payload for f in delivered):
                errors += 1
            undetected += sum(f.payload != payload for f in delivered)
            ref_snr = None if snr is None else snr + es_gain_db
            ref_errors += not _reference_ok(fmt, settings.mcs, frame, response[fmt.modulator.data_bins], ref_snr, rng)
            if progress:
                progress(1)
        points.append(
            PerPoint(
                snr_db=snr,
                frames=frames,
                fer=errors / frames,
                fer_reference=ref_errors / frames,
                undetected=undetected,
                reference_snr_db=None if snr is None else round(snr + es_gain_db, 3),
                header_errors=rx.stats.header_errors,
                false_alarms=rx.stats.false_alarms,
            )
        )
    return points


def _reference_ok(fmt, mcs: Mcs, frame: Frame, h: np.ndarray, snr_db: float | None, rng) -> bool:
    """Same code, modulation and rate matching over y = h·x + n with perfect sync and CSI."""
    x = fmt.payload_grid(mcs, frame.payload_with_crc())
    y = x * h[None, :]
    nv = 1e-6 if snr_db is None else 10 ** (-snr_db / 10)
    if snr_db is not None:
        y = y + np.sqrt(nv / 2) * (rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape))
    gain = np.maximum(np.abs(h) ** 2, 1e-12)
    llr = fmt.constellation(mcs.modulation).demap(y / h[None, :], np.broadcast_to(nv / gain, y.shape)).ravel()
    raw, _ = fmt.decode_payload_llr(mcs, frame.header.payload_len, llr)
    try:
        return Frame.from_payload_with_crc(frame.header, raw) == frame
    except DdmError:
        return False


def to_json(settings: PerSettings, points: list[PerPoint]) -> dict:
    return {
        "mcs": settings.mcs.name,
        "channel": settings.channel,
        "payload_len": settings.payload_len,
        "cfo_max_hz": settings.cfo_max_hz,
        "points": [asdict(p) for p in points],
    }


def to_markdown(settings: PerSettings, points: list[PerPoint]) -> str:
    lines = [
        f"FER, {settings.mcs.name}, {settings.channel} channel"
        + (f" ({settings.profile})" if settings.channel == "selective" else "")
        + f", {settings.payload_len}-byte payloads, CFO uniform ±{settings.cfo_max_hz / 1e3:g} kHz",
        "",
        "| SNR dB | frames | FER OFDM | FER reference | reference Es/N0 dB | undetected | header errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in points:
        snr = "∞" if p.snr_db is None else f"{p.snr_db:g}"
        ref = "∞" if p.reference_snr_db is None else f"{p.reference_snr_db:g}"
        lines.append(
            f"| {snr} | {p.frames} | {p.fer:.4f} | {p.fer_reference:.4f} | {ref} | {p.undetected} | {p.header_errors} |"
        )
    return "\n".join(lines)
