"""Receiving a recorded stream: resample to the modem rate, push through one OFDM receiver in chunks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.ofdm.burst_format import BurstFormat
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver, ReceiverStats, RxFrame
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.recording.rate import RateConversion, rate_conversion

DEFAULT_CHUNK = 1 << 16
"""Samples per ``push``: what a GNU Radio source would deliver in a few work calls."""


@dataclass(frozen=True)
class Reception:
    """What one receiver made of a stream.

    Attributes:
        frames: every burst whose header decoded, in stream order (``start`` in modem samples).
        conversion: recording rate → modem rate.
        format: the receiver's burst format (``burst_len`` of a frame).
        stats: the receiver's counters.
        modem_samples: samples pushed (at the modem rate).
    """

    frames: tuple[RxFrame, ...]
    conversion: RateConversion
    format: BurstFormat
    stats: ReceiverStats
    modem_samples: int


def default_receiver(modem_sample_rate: float = 2e6) -> OfdmReceiver:
    """The receiver of the default modem (802.11a numerology) reporting CFOs at ``modem_sample_rate``."""
    return OfdmReceiver(OfdmTransmitter(OfdmConfig(sample_rate=float(modem_sample_rate))))


def receive_samples(
    samples: np.ndarray,
    sample_rate: float,
    *,
    modem_sample_rate: float = 2e6,
    receiver_factory: Callable[[], OfdmReceiver] | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Reception:
    """Resample ``samples`` (complex, ``(n,)``, at ``sample_rate`` Hz) to the modem rate and receive them.

    The receiver is fed ``chunk`` samples per ``push``, as a stream would deliver them.
    """
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk <= 0:
        raise ConfigError(f"chunk must be a positive integer, got {chunk!r}")
    conversion = rate_conversion(sample_rate, modem_sample_rate)
    receiver = receiver_factory() if receiver_factory is not None else default_receiver(modem_sample_rate)
    if not isinstance(receiver, OfdmReceiver):
        raise ConfigError(f"receiver_factory must return an OfdmReceiver, got {type(receiver).__name__}")
    x = conversion.apply(np.asarray(samples).ravel())
    frames: list[RxFrame] = []
    for i in range(0, x.size, chunk):
        frames += receiver.push(x[i : i + chunk])
    return Reception(tuple(frames), conversion, receiver.format, receiver.stats, int(x.size))
