"""Single-Pluto loopback: TX → cable + attenuator → RX of the same radio.

The bursts go into a cyclic TX buffer, so the radio repeats them with no timing to
keep; a capture of at least two cycles holds every burst whole at least once wherever
the capture starts in the cycle (a burst cut at the capture's start is whole one cycle
later).  The capture is pushed into an :class:`OfdmReceiver`.

Put at least 30 dB of attenuation between TX and RX: a Pluto's TX reaches about
+7 dBm and its receiver must stay well below its 2.5 dBm maximum input.  TX and RX
share one crystal, so the measured CFO is ≈ 0 Hz.
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver, RxFrame
from ddm_sscc.radio.burst_padding import pad_to_buffer
from ddm_sscc.radio.pluto import PlutoRadio

#: Zeros before the bursts in each cycle: the silence the receiver sees between cycles.
DEFAULT_GUARD = 512


def loopback_cycle(frames_samples: np.ndarray, buffer_size: int, guard: int = DEFAULT_GUARD) -> np.ndarray:
    """The cyclic TX buffer: ``guard`` zeros, the bursts, zeros up to a multiple of ``buffer_size``; complex64."""
    x = np.asarray(frames_samples)
    if x.ndim != 1 or x.size == 0:
        raise ConfigError(f"frames_samples must be a non-empty 1-D array, got shape {x.shape}")
    return pad_to_buffer(x, buffer_size, lead=guard)


def run_pluto_loopback(
    radio: PlutoRadio,
    frames_samples: np.ndarray,
    capture_samples: int,
    receiver: OfdmReceiver,
    *,
    guard: int = DEFAULT_GUARD,
    unique: bool = True,
) -> list[RxFrame]:
    """Loop ``frames_samples`` through the radio once and return the frames the receiver decodes.

    Args:
        radio: an open :class:`PlutoRadio`.
        frames_samples: (L,) complex, the concatenated bursts with their gaps (any level:
            :meth:`PlutoRadio.transmit` scales the peak to ``tx_scale``).
        capture_samples: samples to capture, at least two cycles: ``2 · len(cycle)`` where
            the cycle is :func:`loopback_cycle` (``guard`` + L padded to ``buffer_size``).
        receiver: the :class:`OfdmReceiver` to push the capture into (its stats keep counting).
        guard: zeros before the bursts in each cycle.
        unique: keep one frame per ``(session_id, seq)``: the first intact copy, else the
            first (lost) copy, sorted by ``(session_id, seq)`` (the capture starts anywhere
            in the cycle).  ``False`` returns every decoded burst in capture order, so a
            frame can appear once per captured cycle.

    Returns:
        The decoded frames (``RxFrame.ok`` False for a payload that failed its CRC).
    """
    cycle = loopback_cycle(frames_samples, radio.config.buffer_size, guard)
    minimum = 2 * cycle.size
    if isinstance(capture_samples, bool) or not isinstance(capture_samples, int | np.integer):
        raise ConfigError(f"capture_samples must be an integer, got {capture_samples!r}")
    if capture_samples < minimum:
        raise ConfigError(
            f"capture_samples {capture_samples} is below two cycles of the TX buffer ({minimum} samples)"
        )
    radio.transmit(cycle, cyclic=True)
    try:
        capture = radio.receive(int(capture_samples), flush=True)
    finally:
        radio.stop_transmit()
    frames = receiver.push(capture)
    return _first_copies(frames) if unique else frames


def _first_copies(frames: list[RxFrame]) -> list[RxFrame]:
    chosen: dict[tuple[int, int], RxFrame] = {}
    for frame in frames:
        key = (frame.header.session_id, frame.header.symbol_id)
        held = chosen.get(key)
        if held is None or (not held.ok and frame.ok):
            chosen[key] = frame
    return [chosen[key] for key in sorted(chosen)]
