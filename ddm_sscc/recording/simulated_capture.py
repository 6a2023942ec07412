"""A simulated over-the-air capture of one image: bursts with random gaps through a channel, as a radio would record.

The stream, at the modem rate::

    | lead: noise only | burst symbol 0 | gap | burst symbol 1 | gap | … | last repair symbol | lead: noise only |

(``repeat`` times the whole session, back to back, gaps between all bursts).  The gaps
are drawn uniformly from ``gap`` (modem samples, inclusive).  When ``sample_rate``
differs from the modem's, the transmitted stream is resampled to it
(:mod:`ddm_sscc.recording.rate`) before the channel, as a radio running at another
rate would see it; the channel then runs at ``sample_rate`` (its ``sample_rate`` field is
replaced), so its SNR is per sample at that rate: over the modem's band the receiver
then sees ``10·log10(sample_rate / modem_sample_rate)`` dB more.

One seed drives everything: the channel is run with ``seed`` (its ``seed`` field is
replaced), and the gaps come from an independent child of the same seed.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from ddm_sscc.channel.model import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.transfer import check_repair
from ddm_sscc.link.image_frames import DEFAULT_MAX_PAYLOAD, ImageFrames, frames_from_ddm
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.recording.rate import rate_conversion

_GAP_STREAM = 100
"""Spawn key of the gaps' generator under the seed (the channel uses children 0–3)."""


def simulate_capture(
    image: str | np.ndarray,
    channel: ChannelConfig,
    *,
    mcs: str = "qpsk-1/2",
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    sample_rate: float = 2e6,
    gap: tuple[int, int] = (2000, 20000),
    lead: int = 20000,
    seed: int = 0,
    repeat: int = 1,
    repair: float = 0.0,
    model: str | None = None,
    steps: int | None = None,
    modem_sample_rate: float = 2e6,
) -> tuple[np.ndarray, dict[str, object]]:
    """Code ``image``, send its frames as bursts with random gaps through ``channel``; the received samples.

    Args:
        image: a path or ``builtin:NAME``, or uint8 pixels ``(H, W, C)`` / ``(H, W)``.
        channel: the channel (its ``sample_rate`` and ``seed`` are replaced, module docstring).
        mcs, max_payload: payload MCS and bytes per frame.
        sample_rate: the capture's rate (Hz).
        gap: (min, max) silent samples between bursts, at the modem rate.
        lead: noise-only samples before the first and after the last burst, at the modem rate.
        seed: the one seed of the gaps and the channel.
        repeat: how many times the whole session is sent (the same frames each time).
        repair: RaptorQ repair symbols per source symbol, sent after the source frames.
        model, steps: codec model id (None: default) and denoising steps (None: by image size).
        modem_sample_rate: the OFDM modem's rate (Hz).

    Returns:
        ``(samples, info)``: complex64 ``(n,)`` at ``sample_rate``; ``info`` holds
        ``image_sha256`` (pixels, hex), ``session_id``, ``frames`` (per transmission),
        ``source_symbols`` (K), ``repair``,
        ``bpsp``, ``subpixels``, ``n_channel_uses`` (modem samples of all bursts of one
        transmission), ``bursts`` (``{"symbol_id", "start", "count"}`` per burst sent, in capture
        samples), ``adc_clipped``, ``agc_steps`` and ``settings`` (everything needed to
        make it again: ``channel`` as ``ChannelConfig.to_dict()``, ``mcs``, ``max_payload``,
        ``sample_rate``, ``modem_sample_rate``, ``gap``, ``lead``, ``seed``, ``repeat``, ``repair``,
        ``model_id``, ``steps``, ``image`` when given by name).
    """
    if not isinstance(channel, ChannelConfig):
        raise ConfigError(f"channel must be a ChannelConfig, got {type(channel).__name__}")
    seed = _non_negative_int("seed", seed)
    repeat = _non_negative_int("repeat", repeat)
    lead = _non_negative_int("lead", lead)
    if repeat < 1:
        raise ConfigError("repeat must be >= 1")
    if not (isinstance(gap, (tuple, list)) and len(gap) == 2):
        raise ConfigError(f"gap must be a (min, max) pair of sample counts, got {gap!r}")
    gap_lo, gap_hi = (_non_negative_int("gap", g) for g in gap)
    if gap_lo > gap_hi:
        raise ConfigError(f"gap must have min <= max, got {gap!r}")
    mcs_by_name(mcs)  # refuse a bad MCS before coding for seconds
    config = dataclasses.replace(channel, sample_rate=float(sample_rate), seed=seed)
    conversion = rate_conversion(modem_sample_rate, sample_rate)

    repair = check_repair(repair)
    session, image_sha256 = _frames(image, mcs=mcs, max_payload=max_payload, model=model, steps=steps, repair=repair)
    tx = OfdmTransmitter(OfdmConfig(sample_rate=float(modem_sample_rate)))
    bursts = [tx.burst(frame) for frame in session.frames]

    gaps_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_GAP_STREAM,)))
    pieces: list[np.ndarray] = [np.zeros(lead, dtype=np.complex64)]
    placed: list[tuple[int, int, int]] = []  # (symbol id, start, length) at the modem rate
    position = lead
    order = [(frame.header.symbol_id, burst) for _ in range(repeat) for frame, burst in zip(session.frames, bursts)]
    for i, (symbol_id, burst) in enumerate(order):
        pieces.append(burst)
        placed.append((symbol_id, position, burst.size))
        position += burst.size
        silence = lead if i == len(order) - 1 else int(gaps_rng.integers(gap_lo, gap_hi, endpoint=True))
        pieces.append(np.zeros(silence, dtype=np.complex64))
        position += silence
    stream = conversion.apply(np.concatenate(pieces))

    link = Channel(config)
    samples = np.concatenate([link.process(stream), link.flush()]).astype(np.complex64)

    settings: dict[str, object] = {
        "channel": config.to_dict(),
        "mcs": session.mcs.name,
        "max_payload": int(max_payload),
        "sample_rate": float(sample_rate),
        "modem_sample_rate": float(modem_sample_rate),
        "gap": [gap_lo, gap_hi],
        "lead": lead,
        "seed": seed,
        "repeat": repeat,
        "repair": repair,
        "model_id": session.record()["model_id"],
        "steps": session.header.steps,  # the T used (None picks it by size)
    }
    if isinstance(image, str):
        settings["image"] = image
    info: dict[str, object] = {
        "image_sha256": image_sha256,
        "session_id": session.session_id,
        "frames": len(session.frames),
        "source_symbols": session.source_symbols,
        "repair": repair,
        "bpsp": session.bpsp,
        "subpixels": session.subpixels,
        "n_channel_uses": session.channel_uses(tx.format),
        "bursts": [
            {
                "symbol_id": symbol_id,
                "start": round(conversion.to_output_index(start)),
                "count": round(conversion.to_output_index(start + length)) - round(conversion.to_output_index(start)),
            }
            for symbol_id, start, length in placed
        ],
        "adc_clipped": link.adc.clipped if link.adc is not None else 0,
        "agc_steps": len(link.agc.events) if link.agc is not None else 0,
        "settings": settings,
    }
    return samples, info


def _frames(
    image: str | np.ndarray, *, mcs: str, max_payload: int, model: str | None, steps: int | None, repair: float
) -> tuple[ImageFrames, str]:
    """The image's frames and its full pixel SHA-256 (hex; the ``.ddm`` header may hold only a prefix)."""
    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.codec.tokens import check_image, pixel_sha256
    from ddm_sscc.image_io import load_image

    pixels = load_image(image).pixels if isinstance(image, str) else check_image(image)
    ddm = load_codec(model or None).encode(pixels, CodecSettings(steps=steps))
    return frames_from_ddm(ddm, mcs, max_payload, repair=repair), pixel_sha256(pixels).hex()


def _non_negative_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)
