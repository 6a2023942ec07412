"""``fast-rayleigh``: i.i.d. Rayleigh fading per OFDM resource element with perfect CSI and sync.

The paper's idealised setting, for comparison with its results; the realistic channels
of the sweep are ``rayleigh`` (one gain per frame) and ``selective`` (EPA/EVA/ETU).  It is
applied to the frequency-domain grid of each burst, not to samples, so it exists only in
the sweep (``ChannelConfig`` refuses the kind).

Per burst (as :meth:`OfdmTransmitter.burst` builds it), every data resource element
``x[s, d]`` (OFDM symbol ``s`` of the header and the payload, data carrier ``d``) becomes

    ``y = h·x + w``,  ``h ~ CN(0, 1)`` i.i.d. per element,  ``w ~ CN(0, N0_re)``,

and the receiver, given ``h`` (perfect CSI) and the burst's position and frequency
(perfect timing and frequency sync: no preamble processing, no CFO, no pilots needed),
equalises ``z = y / h`` and demaps with the per-element noise variance ``N0_re / |h|²``.

**SNR.**  As everywhere (:mod:`ddm_sscc.channel.snr`), ``SNR`` is Es/N0 per complex
time-domain sample of unit mean power, ``N0 = 10**(−SNR/10)``.  On the real link the
receiver's FFT (:class:`~ddm_sscc.phy.ofdm.modulation.OfdmModulator`) turns that white
noise into ``N0_re = N0 · n_used / N_fft`` per carrier while each used carrier keeps unit
power, so the per-element Es/N0 is ``SNR + 10·log10(N_fft / n_used)`` (+0.90 dB for the
802.11a layout: the guard carriers carry no power).  The idealised channel uses exactly
that ``N0_re``, so at equal SNR it and AWGN differ only by the fading.  Its channel uses are
those of the real bursts (preamble, cyclic prefixes, pilots and guards included, though
here they carry nothing): the caller records ``n_cu = Σ burst lengths`` as for the other
channels, so unified SNRs stay comparable.  Pilot elements would get their own gains too;
they are not drawn, since with perfect CSI the receiver does not use them.

**Decoding** is the real receiver's: the header LLRs go through
``BurstFormat.decode_header_llr`` and ``FrameHeader.unpack`` (LDPC, then CRC-16); a frame
whose header fails is not returned (as :class:`OfdmReceiver` drops it); the payload's LLRs,
from the decoded header's MCS and length, are LDPC-decoded in batches across frames and
CRC-32-checked (:func:`.batched_receiver.decode_payloads`).  A header that passes its CRC but
announces another burst size than the one sent counts as a lost payload.

Randomness: per burst, in order, the gains then the noise of its ``(S, D)`` data grid
(``S`` = header + payload symbols, ``D`` = data carriers), from the caller's generator.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from ddm_sscc.channel.model import SNR_DB_MAX, SNR_DB_MIN
from ddm_sscc.channel.snr import noise_variance
from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.experiments.sweep.batched_receiver import BATCH_CODEWORDS, decode_payloads
from ddm_sscc.fec.framing import FrameHeader
from ddm_sscc.phy.mcs import Mcs, mcs_by_id
from ddm_sscc.phy.ofdm.receiver import RxFrame
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter


def data_grid(burst: np.ndarray, transmitter: OfdmTransmitter) -> np.ndarray:
    """The data resource elements of one burst: complex64 ``(S, D)``, header symbols first.

    ``S = header_symbols + payload symbols``, ``D = n_data``; read back from the burst's samples
    with the transmitter's own demodulator (so nothing about the header or payload coding is
    assumed here).  :class:`ConfigError` if ``burst`` is not a burst of this transmitter's format.
    """
    fmt = transmitter.format
    cfg = fmt.config
    x = np.asarray(burst)
    body = x.size - fmt.preamble.length
    if x.ndim != 1 or body <= 0 or body % cfg.symbol_len or body // cfg.symbol_len <= fmt.header_symbols:
        raise ConfigError(f"a burst of {x.shape} samples is not a burst of this OFDM format")
    symbols = fmt.modulator.demodulate(x[fmt.preamble.length :].astype(np.complex64), body // cfg.symbol_len)
    return symbols[:, fmt.modulator.data_bins]


def resource_elements(bursts: Sequence[np.ndarray], transmitter: OfdmTransmitter) -> int:
    """Data resource elements of ``bursts`` (header and payload): the independent gains they meet."""
    fmt = transmitter.format
    return sum((np.asarray(b).size - fmt.preamble.length) // fmt.config.symbol_len * fmt.config.n_data for b in bursts)


def _check_snr(snr_db: float) -> float:
    if isinstance(snr_db, bool) or not isinstance(snr_db, int | float) or not math.isfinite(snr_db):
        raise ConfigError(f"fast-rayleigh SNR must be a finite number of dB, got {snr_db!r}")
    if not SNR_DB_MIN <= snr_db <= SNR_DB_MAX:
        raise ConfigError(f"fast-rayleigh SNR must lie in [{SNR_DB_MIN:g}, {SNR_DB_MAX:g}] dB, got {snr_db:g}")
    return float(snr_db)


def fast_fading_frames(
    bursts: Sequence[np.ndarray],
    transmitter: OfdmTransmitter,
    snr_db: float,
    rng: np.random.Generator,
    batch_codewords: int = BATCH_CODEWORDS,
) -> list[RxFrame]:
    """Send each burst over its own i.i.d. per-element Rayleigh channel (module docstring) and receive it.

    Args:
        bursts: complex ``(L_i,)`` bursts as ``transmitter.burst(frame)`` made them, in sending order.
        transmitter: the transmitter that made them (its format decodes them).
        snr_db: Es/N0 per complex sample (:mod:`ddm_sscc.channel.snr`), −200 … 200 dB.
        rng: the generator of the gains and the noise.
        batch_codewords: decode the payloads once this many codewords wait (results do not depend on it).

    Returns:
        One :class:`RxFrame` per burst whose header decoded, in order, like ``OfdmReceiver``:
        ``payload`` CRC-32-checked or None (lost); ``start`` the burst's first sample in the
        bursts laid end to end; ``cfo_hz`` 0 (perfect sync); ``snr_db`` the burst's per-element
        Es/N0 ``10·log10(mean|h|² / N0_re)``; ``iterations`` 0 (not kept by batched decoding).
    """
    snr = _check_snr(snr_db)
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    if isinstance(batch_codewords, bool) or not isinstance(batch_codewords, int) or batch_codewords < 1:
        raise ConfigError(f"batch_codewords must be a positive integer, got {batch_codewords!r}")
    fmt = transmitter.format
    cfg = fmt.config
    n0_re = noise_variance(snr) * cfg.n_used / cfg.fft_size
    out: list[RxFrame] = []
    records: list[tuple[Mcs, int, np.ndarray]] = []
    waiting: list[RxFrame] = []
    waiting_codewords = 0.0

    def flush() -> None:
        nonlocal waiting_codewords
        payloads = decode_payloads(records, [f.header for f in waiting], fmt.max_iter)
        out.extend(dataclasses.replace(f, payload=p) for f, p in zip(waiting, payloads))
        records.clear()
        waiting.clear()
        waiting_codewords = 0.0

    start = 0
    for burst in bursts:
        x = data_grid(burst, transmitter)
        gain = (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)) * math.sqrt(0.5)
        noise = (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)) * math.sqrt(n0_re / 2)
        z = (gain * x + noise) / gain  # perfect CSI: zero-forcing with the true gains
        noise_var = n0_re / np.abs(gain) ** 2
        frame_start, start = start, start + np.asarray(burst).size
        h = fmt.header_symbols
        llr = fmt.header_constellation.demap(z[:h], noise_var[:h]).ravel()
        raw, decoded = fmt.decode_header_llr(llr)
        try:
            if not decoded.ok.all():
                continue  # header LDPC did not converge: the receiver drops the burst
            header = FrameHeader.unpack(raw)
            mcs = mcs_by_id(header.mcs)
        except DdmError:
            continue
        frame = RxFrame(
            header=header,
            payload=None,
            start=frame_start,
            cfo_hz=0.0,
            snr_db=10.0 * math.log10(float(np.mean(np.abs(gain) ** 2)) / n0_re),
            iterations=0,
        )
        if h + fmt.payload_symbols(mcs, header.payload_len) != x.shape[0]:
            if waiting:
                flush()
            out.append(frame)  # a header that passed its CRC but is not this burst's: payload lost
            continue
        llr = fmt.constellation(mcs.modulation).demap(z[h:], noise_var[h:]).ravel()
        records.append((mcs, header.payload_len, llr))
        waiting.append(frame)
        waiting_codewords += llr.size / mcs.n
        if waiting_codewords >= batch_codewords:
            flush()
    if waiting:
        flush()
    return out
