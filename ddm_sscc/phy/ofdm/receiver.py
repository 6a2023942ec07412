"""The streaming OFDM burst receiver: ``push(samples) -> frames``.

Feed it complex baseband samples in chunks of any size (GNU Radio work calls, file
replay, a simulated channel); it keeps what it needs between calls, so bursts split
across chunk boundaries are received exactly as if they came in one piece.  For each
burst it:

1. detects the STF plateau (:mod:`.sync`, Schmidl–Cox), estimates the coarse CFO;
2. finds the LTF by cross-correlation (which also confirms the detection), refines the
   CFO from the two LTF copies and derotates the burst;
3. estimates the channel from the LTF (:mod:`.channel_estimation`), tracks the pilot
   phase (:mod:`.phase_tracking`), equalises and soft-demaps the header, LDPC-decodes it
   and checks its CRC-16;
4. re-modulates the decoded header and re-estimates channel and noise from LTF plus
   header, then demodulates, soft-demaps and decodes the payload once all its samples
   are in, and checks the payload CRC-32.

A frame whose payload CRC fails comes back with ``payload=None``: it is reported lost,
never delivered.  Nothing a caller pushes raises: NaN/inf samples are zeroed (and
counted), silence and noise yield no frames, malformed headers are dropped and counted
in :class:`ReceiverStats`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.fec.framing import Frame, FrameHeader

from ..mcs import Mcs, mcs_by_id
from .burst_format import BurstFormat
from .channel_estimation import ChannelEstimate, ChannelEstimator
from .phase_tracking import phase_correction, track_phase
from .preamble import STF_PERIOD
from .sync import cfo_from_repeats, delay_correlation, derotate, first_plateau, ltf_timing, plateau_metric
from .transmitter import OfdmTransmitter

_CHUNK = 1 << 20  # bounded work per step, whatever a caller pushes


@dataclass(frozen=True)
class RxFrame:
    """One received burst whose header decoded.

    Attributes:
        header: the frame header (CRC-16 checked).
        payload: payload bytes (CRC-32 checked), or ``None`` when the payload failed: lost.
        start: absolute sample index of the burst's first STF sample in the pushed stream.
        cfo_hz: estimated carrier-frequency offset.
        snr_db: estimated SNR per used carrier after the FFT.
        iterations: most LDPC iterations any payload codeword needed.
        symbols: the equalised payload data symbols (complex64, ``(S·D,)``) when the
            receiver keeps them (``keep_symbols=True``, for constellation displays), else None.
    """

    header: FrameHeader
    payload: bytes | None
    start: int
    cfo_hz: float
    snr_db: float
    iterations: int
    symbols: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.payload is not None


@dataclass
class ReceiverStats:
    """Counters since the receiver was built."""

    samples: int = 0
    non_finite: int = 0
    detections: int = 0
    false_alarms: int = 0
    header_errors: int = 0
    payload_errors: int = 0
    delivered: int = 0


@dataclass
class _Pending:
    start: int  # relative to the buffer
    cfo: float
    header: FrameHeader
    mcs: Mcs
    estimate: ChannelEstimate
    end: int


class OfdmReceiver:
    """Receives the bursts of the paired :class:`OfdmTransmitter` (or :class:`BurstFormat`).

    Args:
        transmitter: the transmitter (or its burst format) whose settings to mirror.
        detect_threshold: STF plateau threshold on |P|/E (≈ SNR/(1+SNR) in a burst).
        ltf_threshold: minimum normalised LTF correlation confirming a burst.
        timing_backoff: samples the FFT window starts early inside the cyclic prefix
            (default CP/4).
        max_payload_len: headers announcing more payload bytes are dropped as malformed.
        keep_symbols: attach the equalised payload symbols to every frame (``RxFrame.symbols``).
    """

    def __init__(
        self,
        transmitter: OfdmTransmitter | BurstFormat,
        detect_threshold: float = 0.25,
        ltf_threshold: float = 0.35,
        timing_backoff: int | None = None,
        max_payload_len: int = 16384,
        demap_method: str = "maxlog",
        keep_symbols: bool = False,
    ) -> None:
        self.format = transmitter.format if isinstance(transmitter, OfdmTransmitter) else transmitter
        cfg = self.config = self.format.config
        for name, value in (("detect_threshold", detect_threshold), ("ltf_threshold", ltf_threshold)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                raise ConfigError(f"{name} must be a number in (0, 1), got {value!r}")  # NaN fails the comparison too
        self.detect_threshold = float(detect_threshold)
        self.ltf_threshold = float(ltf_threshold)
        self.backoff = cfg.cp_len // 4 if timing_backoff is None else timing_backoff
        self.max_payload_len = max_payload_len
        self.demap_method = demap_method
        self.keep_symbols = bool(keep_symbols)
        self.window = 6 * STF_PERIOD
        self.min_run = 2 * STF_PERIOD
        self.estimator = ChannelEstimator(cfg, pre_taps=self.backoff + 2)
        pre = self.format.preamble
        used = cfg.used_carriers
        self._used_bins = cfg.bins(tuple(used))
        self._data_idx = np.searchsorted(used, cfg.data_carriers)
        self._pilot_idx = np.searchsorted(used, cfg.pilot_carriers)
        self._ltf_x = pre.ltf_freq[self._used_bins][None, :].repeat(2, axis=0)
        # where a plateau can start relative to the burst: the window may begin before it
        self._early = self.window + STF_PERIOD
        self._late = self._early + len(pre.stf)
        self._header_end = pre.length + self.format.header_symbols * cfg.symbol_len
        self.stats = ReceiverStats()
        self._buf = np.zeros(0, dtype=np.complex64)
        self._base = 0  # absolute index of _buf[0]
        self._pos = 0  # where searching resumes, relative to _buf
        self._pending: _Pending | None = None

    # ---- public -------------------------------------------------------------------
    def push(self, samples: np.ndarray) -> list[RxFrame]:
        """Consume samples (any length, complex); return the frames completed by them."""
        try:
            x = np.asarray(samples, dtype=np.complex64).ravel()
        except (TypeError, ValueError):
            return []
        frames: list[RxFrame] = []
        for i in range(0, x.size, _CHUNK):
            frames += self._push_chunk(x[i : i + _CHUNK])
        return frames

    def reset(self) -> None:
        """Forget buffered samples and any burst in progress (keeps the stats)."""
        self._base += self._buf.size
        self._buf = np.zeros(0, dtype=np.complex64)
        self._pos = 0
        self._pending = None

    # ---- stream handling ----------------------------------------------------------
    def _push_chunk(self, x: np.ndarray) -> list[RxFrame]:
        bad = ~np.isfinite(x)
        if bad.any():
            self.stats.non_finite += int(bad.sum())
            x = np.where(bad, 0, x).astype(np.complex64)
        self.stats.samples += x.size
        self._buf = np.concatenate([self._buf, x]) if self._buf.size else x.copy()
        frames: list[RxFrame] = []
        while True:
            if self._pending is not None:
                if self._buf.size < self._pending.end:
                    break
                frames.append(self._finish(self._pending))
                self._pos = self._pending.end
                self._pending = None
                continue
            if not self._search(frames):
                break
        self._trim()
        return frames

    def _trim(self) -> None:
        keep_from = self._pos if self._pending is None else self._pending.start
        keep_from = max(0, min(keep_from, self._buf.size))
        if keep_from > 0:
            self._buf = self._buf[keep_from:]
            self._base += keep_from
            self._pos -= keep_from
            if self._pending is not None:
                self._pending.start -= keep_from
                self._pending.end -= keep_from

    def _search(self, frames: list[RxFrame]) -> bool:
        """Look for the next burst from ``_pos``; False when more samples are needed."""
        seg = self._buf[self._pos :]
        p, e = delay_correlation(seg, STF_PERIOD, self.window)
        c = first_plateau(plateau_metric(p, e), self.detect_threshold, self.min_run)
        if c is None:
            # keep enough history for a plateau that is still building up
            self._pos = max(self._pos, self._buf.size - (self.window + STF_PERIOD + self.min_run))
            return False
        cand = self._pos + c
        need = cand + self._late + self._header_end + 2 * self.config.cp_len
        if self._buf.size < need:
            self._pos = cand - 1 if cand > 0 else 0
            return False
        self.stats.detections += 1
        # the coarse CFO comes from the strongest plateau point up to where a late-detected
        # burst's STF ends: a noise excursion that triggered early (weaker than the STF that
        # follows it) must not set it, since its CFO can lie beyond the LTF's ±1/(2N) range
        run = plateau_metric(p[c : c + self._late], e[c : c + self._late])
        j = c + int(np.argmax(run))
        coarse = float(np.angle(p[j]) / (2 * np.pi * STF_PERIOD))
        outcome = self._acquire(cand, coarse)
        if outcome is None:
            self.stats.false_alarms += 1
            self._pos = cand + STF_PERIOD
        elif isinstance(outcome, int):
            self._pos = outcome
        else:
            self._pending = outcome
        return True

    # ---- burst processing ---------------------------------------------------------
    def _acquire(self, cand: int, coarse: float) -> _Pending | int | None:
        """Timing, CFO, channel and header of a candidate; a pending payload, a resume position, or None."""
        cfg, pre, fmt = self.config, self.format.preamble, self.format
        n = cfg.fft_size
        # the burst starts between a late detection (4 periods after its start, at
        # low SNR) and an early one (the window touches the STF ``_early`` before it)
        # a noise excursion just before the STF can trigger early: search a whole STF further
        guard = pre.ltf.size - 2 * n  # GI2: part of the timing template (sync.ltf_timing)
        search_lo = max(0, cand - 4 * STF_PERIOD) + pre.ltf_offset - 8 - guard
        search_hi = cand + self._late + pre.ltf_offset + 2 * n + 8
        region = derotate(self._buf[search_lo:search_hi], coarse, search_lo)
        m, score = ltf_timing(region, pre.ltf_symbol, guard)
        if score < self.ltf_threshold:
            return None
        ltf_start = search_lo + m
        start = ltf_start - pre.ltf_offset
        if start < 0:
            return None
        if cand < start - self._early - STF_PERIOD:
            # noise crossed the threshold before this burst's STF: the coarse CFO is noise's, so
            # decoding would fail; resume where this burst's own plateau can be detected
            self.stats.false_alarms += 1
            return start - self._early
        fine = cfo_from_repeats(region, m, n, n)
        cfo = coarse + fine
        head = derotate(self._buf[start : start + self._header_end], cfo, start)
        ltf_at = pre.ltf_offset - self.backoff
        y_ltf = np.stack([np.fft.fft(head[ltf_at + i * n : ltf_at + (i + 1) * n]) for i in range(2)])
        y_ltf = (y_ltf / cfg.scale)[:, self._used_bins]
        ltf_time = pre.ltf_offset + n  # centre of the two copies
        est0 = replace(self.estimator.estimate(y_ltf, self._ltf_x), time=float(ltf_time))
        y_h = fmt.modulator.demodulate(head[pre.length :], fmt.header_symbols, self.backoff)[:, self._used_bins]
        x_pil = fmt.modulator.pilots(0, fmt.header_symbols)
        y_h = self._derotate_pilots(y_h, est0, x_pil, 0)
        llr, _ = self._llr(y_h, est0, fmt.header_constellation)
        raw, dec = fmt.decode_header_llr(llr)
        try:
            if not dec.ok.all():
                raise DdmError("header LDPC did not converge")
            header = FrameHeader.unpack(raw)
            mcs = mcs_by_id(header.mcs)
            if header.payload_len > self.max_payload_len:
                raise DdmError("payload too long")
        except DdmError:
            self.stats.header_errors += 1
            return start + pre.length
        # the decoded header is known now: use it as more training
        x_h = np.zeros((fmt.header_symbols, self._used_bins.size), dtype=np.complex64)
        x_h[:, self._data_idx] = fmt.header_grid_from_bytes(raw)
        x_h[:, self._pilot_idx] = x_pil
        est1 = self.estimator.estimate(np.concatenate([y_ltf, y_h]), np.concatenate([self._ltf_x, x_h]))
        times = np.concatenate([[ltf_time - n / 2, ltf_time + n / 2], self._symbol_time(0, fmt.header_symbols)])
        est1 = replace(est1, time=float(np.mean(times)))
        end = start + fmt.burst_len(mcs, header.payload_len)
        return _Pending(start, cfo, header, mcs, est1, end)

    def _symbol_time(self, first: int, count: int) -> np.ndarray:
        """Centres (samples from the burst start) of the FFT windows of burst symbols first.. ."""
        cfg = self.config
        return self.format.preamble.length + (first + np.arange(count)) * cfg.symbol_len + cfg.cp_len + cfg.fft_size / 2

    def _derotate_pilots(self, y: np.ndarray, est: ChannelEstimate, x_pilots: np.ndarray, first: int) -> np.ndarray:
        """Undo the tracked common phase and slope on (S, U) used-carrier values of burst symbols ``first``.. ."""
        z = y[:, self._pilot_idx] * np.conj(est.h[self._pilot_idx][None, :] * x_pilots)
        times = self._symbol_time(first, y.shape[0])
        common, slope = track_phase(
            z, np.asarray(self.config.pilot_carriers), times, est.time, fft_size=self.config.fft_size
        )
        return y * phase_correction(common, slope, self.config.used_carriers.astype(np.float64))

    def _llr(self, y: np.ndarray, est: ChannelEstimate, constellation) -> tuple[np.ndarray, np.ndarray]:
        """LLRs of the data carriers of (S, U) used-carrier values, and the (S, D) equalised symbols."""
        h = est.h[self._data_idx]
        gain = np.maximum(np.abs(h) ** 2, 1e-12)
        y_eq = y[:, self._data_idx] / h[None, :]
        nv = ((est.noise_var + est.error_var) / gain)[None, :]
        llr = constellation.demap(y_eq, np.broadcast_to(nv, y_eq.shape), method=self.demap_method).ravel()
        return llr, y_eq

    def _finish(self, job: _Pending) -> RxFrame:
        cfg, fmt = self.config, self.format
        first = fmt.header_symbols
        n_sym = fmt.payload_symbols(job.mcs, job.header.payload_len)
        at = job.start + self._header_end
        seg = derotate(self._buf[at : at + n_sym * cfg.symbol_len], job.cfo, job.start + self._header_end)
        y = fmt.modulator.demodulate(seg, n_sym, self.backoff)[:, self._used_bins]
        y = self._derotate_pilots(y, job.estimate, fmt.modulator.pilots(first, n_sym), first)
        llr, y_eq = self._llr(y, job.estimate, fmt.constellation(job.mcs.modulation))
        raw, dec = fmt.decode_payload_llr(job.mcs, job.header.payload_len, llr)
        payload: bytes | None
        try:
            payload = Frame.from_payload_with_crc(job.header, raw).payload
            self.stats.delivered += 1
        except DdmError:
            payload = None
            self.stats.payload_errors += 1
        snr = 10 * np.log10(max(float(np.mean(np.abs(job.estimate.h) ** 2)), 1e-12) / job.estimate.noise_var)
        return RxFrame(
            header=job.header,
            payload=payload,
            start=self._base + job.start,
            cfo_hz=job.cfo * cfg.sample_rate,
            snr_db=float(snr),
            iterations=int(dec.iterations.max(initial=0)),
            symbols=y_eq.astype(np.complex64).ravel() if self.keep_symbols else None,
        )
