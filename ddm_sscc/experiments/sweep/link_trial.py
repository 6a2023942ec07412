"""One trial of a digital system: a source stream over the simulated OFDM link, and whether it arrived exactly.

The stream is coded into frames (:class:`ddm_sscc.fec.transfer.TransferEncoder`: ``K``
RaptorQ source symbols of ``max_payload`` bytes, then ``⌈repair·K⌉`` repair symbols; session
id from the stream's SHA-256) at the trial's MCS, and each frame becomes one burst
(:class:`OfdmTransmitter`).  The bursts do not depend on
the SNR, so every worker process keeps the bursts of its last few streams in memory
(:func:`link_bursts`).

Each burst then crosses its own channel realisation, as in ``ddm-sscc per``: a
random gap of 64–1023 zero samples before it, a fractional timing offset uniform
in [0, 1) samples, a CFO uniform in ±``cfo_max_hz`` and a fresh
:class:`~ddm_sscc.channel.Channel` (AWGN at the SNR; for ``rayleigh`` one fading
gain per frame, ``new_block()`` per burst; for ``selective`` one tapped-delay-line
realisation per frame).  All of it is pushed, in ``chunk``-sample pieces, into
**one** streaming :class:`OfdmReceiver` (with its payload LDPC decoding batched across
frames, :mod:`.batched_receiver`: the same frames, several times faster at low SNR),
whose frames go to a :class:`~ddm_sscc.fec.reassembly.Reassembler`: the image arrives
when any ``K`` (rarely a few more) of the frames do.  Every frame is sent and received,
also after the stream became decodable, so ``frames_lost`` counts the channel's losses.

``fast-rayleigh`` (the paper's idealised channel) skips the sample-level path: each burst's
resource elements fade independently and the receiver has perfect CSI and sync
(:func:`.fast_fading.fast_fading_frames`).

The fractional timing offset is applied to the clean burst, with the same
Kaiser-windowed sinc (``channel.interp.fractional_delay_taps``, 16 taps each side)
that the channel's own resampler uses, as one FIR (``np.convolve``), and the
channel is then built with ``timing_offset=0``.  The channel's resampler is written
for sampling-clock offsets (a per-sample gather through a 2049-phase table built
per channel): it costs about 10 ms per 1024-byte burst, twice what the receiver spends
on it at a good SNR, and would make a Kodak sweep about three times slower.  The two agree to < 1e-5 on a noiseless
burst (tested); the only difference is that the noise is not interpolated, which
is what a receiver sampling at its own clock sees anyway.

**Exact recovery.**  The image counts as recovered exactly when the stream was rebuilt
and is byte-identical to the one sent: every
system's decoder is deterministic and was verified on that very stream when it
was made (:func:`ddm_sscc.experiments.sweep.source_coding.make_source`), so the
decode is known to be exact and is skipped (it would cost seconds per DDM trial).
A stream that is complete but different (an error the CRC-32s missed) is actually
decoded and its pixel SHA-256 compared; a failing decode counts as not exact.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ddm_sscc.channel import FAST_RAYLEIGH, Channel, ChannelConfig
from ddm_sscc.channel.interp import fractional_delay_taps
from ddm_sscc.errors import DdmError
from ddm_sscc.experiments.sweep.batched_receiver import BatchedReceiver
from ddm_sscc.experiments.sweep.fast_fading import fast_fading_frames, resource_elements
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.experiments.sweep.settings import SweepSettings
from ddm_sscc.experiments.sweep.source_coding import SourceStream, decode_source, pixel_sha256_hex
from ddm_sscc.experiments.sweep.tasks import TrialTask, trial_seed
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.fec.transfer import TransferEncoder, symbol_size_for_payload
from ddm_sscc.link.image_frames import session_id_for
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

GAP_MIN, GAP_MAX = 64, 1024
"""Zero samples before each burst: uniform integers in [GAP_MIN, GAP_MAX)."""

TAIL = 400
"""Zero samples (through the channel, so noise) after the last burst, so the receiver sees its end."""

HALF_WIDTH = 16
"""Taps each side of the fractional-delay kernel (the channel resampler's)."""

BURST_CACHE_SIZE = 4
"""Streams whose bursts a worker keeps (the raw Kodak image at BPSK is about 150 MB of samples)."""


@dataclass(frozen=True)
class LinkBursts:
    """The transmit side of one stream at one MCS.

    Attributes:
        session_id: the frames' session id.
        source_symbols: ``K``.
        frames: the ``K`` source frames, then the repair frames.
        bursts: one complex64 ``(L_i,)`` array per frame, unit mean power (read-only).
        n_cu: ``Σ L_i``, the complex channel uses of one transmission.
    """

    session_id: int
    source_symbols: int
    frames: tuple[Frame, ...]
    bursts: tuple[np.ndarray, ...]
    n_cu: int


_BURSTS: OrderedDict[tuple[str, str, int, float], LinkBursts] = OrderedDict()
_BURSTS_LOCK = threading.Lock()  # Dask workers may run several trials in threads of one process


@lru_cache(maxsize=1)
def transmitter() -> OfdmTransmitter:
    """The worker's OFDM transmitter (802.11a numerology, the default of ``ddm-sscc per``)."""
    return OfdmTransmitter()


def link_bursts(source: SourceStream, mcs: str, max_payload: int, repair: float = 0.0) -> LinkBursts:
    """Frames and bursts of ``source`` at ``mcs`` (cached per process, by stream hash, MCS, payload size
    and repair fraction)."""
    key = (source.stream_sha256, mcs, max_payload, repair)
    with _BURSTS_LOCK:
        hit = _BURSTS.get(key)
        if hit is not None:
            _BURSTS.move_to_end(key)
            return hit
    scheme = mcs_by_name(mcs)
    sid = session_id_for(source.stream)
    transfer = TransferEncoder(source.stream, sid, scheme.id, symbol_size_for_payload(max_payload))
    frames = tuple(transfer.frames(repair))
    tx = transmitter()
    bursts = []
    for frame in frames:
        burst = tx.burst(frame)
        burst.setflags(write=False)
        bursts.append(burst)
    made = LinkBursts(sid, transfer.source_symbols, frames, tuple(bursts), int(sum(b.size for b in bursts)))
    with _BURSTS_LOCK:
        _BURSTS[key] = made
        while len(_BURSTS) > BURST_CACHE_SIZE:
            _BURSTS.popitem(last=False)
    return made


def fractional_delay(x: np.ndarray, delay: float) -> np.ndarray:
    """``y[n] = x(n − delay)`` by the windowed-sinc FIR of the channel's resampler; complex64, ``x``'s length.

    Samples before ``x[0]`` and after its end count as zero; pad ``x`` with ``HALF_WIDTH`` zeros
    at the end to keep the whole tail.
    """
    lags, taps = fractional_delay_taps(float(delay), HALF_WIDTH)
    full = np.convolve(np.asarray(x, dtype=np.complex64), taps)
    first = -int(lags[0])  # y[n] = full[n − lags[0]]
    if first < 0:
        return np.concatenate([np.zeros(-first, np.complex64), full[: x.size + first].astype(np.complex64)])
    return full[first : first + x.size].astype(np.complex64)


@dataclass(frozen=True)
class BurstDraw:
    """The random part of one burst's trip (module docstring), drawn by :func:`burst_draws`.

    Attributes:
        index: the frame's index in :attr:`LinkBursts.frames`.
        cfo_hz: carrier frequency offset.
        timing: fractional timing offset in samples, [0, 1).
        seed: the channel's noise/fading seed.
        segment: complex64 ``(gap + L + tail,)``: ``gap`` zeros, the burst, then ``HALF_WIDTH``
            zeros (plus ``TAIL`` after the last burst).
    """

    index: int
    cfo_hz: float
    timing: float
    seed: int
    segment: np.ndarray


def burst_draws(link: LinkBursts, rng: np.random.Generator, cfo_max_hz: float) -> Iterator[BurstDraw]:
    """Each burst's draws, in the one order the sweep uses (CFO, timing, gap, seed per burst).

    Tools that replay a trial (``benchmarks/replay_lost_frames.py``) call this with the trial's
    generator, so they see the very channels the sweep drew.
    """
    last = len(link.bursts) - 1
    for index, burst in enumerate(link.bursts):
        cfo = float(rng.uniform(-cfo_max_hz, cfo_max_hz))
        timing = float(rng.uniform(0.0, 1.0))
        gap = int(rng.integers(GAP_MIN, GAP_MAX))
        seed = int(rng.integers(2**63))
        tail = HALF_WIDTH + (TAIL if index == last else 0)
        segment = np.zeros(gap + burst.size + tail, dtype=np.complex64)
        segment[gap : gap + burst.size] = burst
        yield BurstDraw(index, cfo, timing, seed, segment)


def through_channel(draw: BurstDraw, kind: str, snr_db: float, profile: str = "EPA") -> np.ndarray:
    """``draw.segment`` delayed by ``draw.timing`` and through a fresh channel; complex64, the segment's length."""
    channel = Channel(ChannelConfig(kind=kind, snr_db=snr_db, profile=profile, cfo_hz=draw.cfo_hz, seed=draw.seed))
    channel.new_block()
    return channel.process_burst(fractional_delay(draw.segment, draw.timing))


def run_digital_trial(
    task: TrialTask, source: SourceStream, settings: SweepSettings, batched: bool = True
) -> TrialRow:
    """Send ``source`` once over the link of ``task`` (module docstring); the row of the trial.

    ``batched``: decode the payloads in batches (:mod:`.batched_receiver`, the same frames, faster)
    instead of frame by frame in :class:`OfdmReceiver`.
    """
    start = time.perf_counter()
    link = link_bursts(source, task.mcs, settings.max_payload, settings.repair)
    rng = np.random.default_rng(trial_seed(settings.seed, task.image_index, task.system, task.snr_db, task.trial))
    if task.channel == FAST_RAYLEIGH:
        received = fast_fading_frames(link.bursts, transmitter(), task.snr_db, rng)
    else:
        received = _received_frames(link, rng, task, settings, batched)

    reassembler = Reassembler()
    for frame in received:
        if frame.ok:
            reassembler.add(Frame(frame.header, frame.payload))
        else:
            reassembler.add_corrupted(frame.header)
    report = reassembler.report(link.session_id) if link.session_id in reassembler.sessions() else None
    delivered = report.received if report else 0
    exact = False
    if reassembler.complete(link.session_id):
        stream = reassembler.data(link.session_id)
        if stream == source.stream:
            exact = True  # deterministic decoder, verified on this stream (module docstring)
        else:
            try:
                pixels = decode_source(stream, source.system, source.shape, settings.model)
                exact = pixels.shape == source.shape and pixel_sha256_hex(pixels) == source.pixel_sha256
            except DdmError:
                exact = False
    frames_sent = len(link.frames)
    return TrialRow.of_trial(
        task,
        mcs=task.mcs,
        subpixels=source.subpixels,
        n_cu=link.n_cu,
        source_bits=source.bits,
        bpsp=source.bpsp,
        repair=settings.repair,
        frames_sent=frames_sent,
        frames_lost=frames_sent - delivered,
        frames_needed=report.needed if report else None,
        fading_blocks=_fading_blocks(task.channel, link),
        exact=exact,
        psnr=None,
        seconds=time.perf_counter() - start,
    )


def _received_frames(
    link: LinkBursts, rng: np.random.Generator, task: TrialTask, settings: SweepSettings, batched: bool
) -> list:
    """Every burst through its own channel realisation into one streaming receiver; what it delivered."""
    rx = BatchedReceiver(transmitter()) if batched else OfdmReceiver(transmitter())
    received = []
    for draw in burst_draws(link, rng, settings.cfo_max_hz):
        samples = through_channel(draw, task.channel, task.snr_db, settings.profile)
        for at in range(0, samples.size, settings.chunk):
            got = rx.push(samples[at : at + settings.chunk])
            if got:
                received += got
    return rx.finish() if isinstance(rx, BatchedReceiver) else received


def _fading_blocks(channel: str, link: LinkBursts) -> int:
    """Independent fading realisations the image met (see :class:`TrialRow`)."""
    if channel == "awgn":
        return 0
    if channel == FAST_RAYLEIGH:
        return resource_elements(link.bursts, transmitter())
    return len(link.frames)
