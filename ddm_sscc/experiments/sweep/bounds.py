"""Information-theoretic reference points for each (image, system, MCS), in unified SNR.

All values are unified SNR (dB): transmitted energy per source sub-pixel over N0,
``SNR_u = SNR + 10·log10(n_cu / N_sp)`` (:mod:`ddm_sscc.channel.snr`), with the
system's **real** ``n_cu`` (every burst sample of the transmission), so a bound and
the measured threshold of the same row are compared at the same bandwidth
expenditure.  ``B`` is the stream's bits (header included), ``N_sp = H·W·C``.

* ``shannon_limit_unified_db``: ``10·log10(B/N_sp · ln 2)``, B bits with unlimited
  bandwidth (n → ∞) and unlimited block length.
* ``shannon_min_unified_db``: B bits in the same ``n_cu`` complex AWGN uses, unlimited
  block length (every sample may carry information: no preamble, pilot or guard
  overhead).
* ``fbl_unified_db``: what an ideal code with the **LDPC code's block size and rate** would
  need on the same OFDM link.  One LDPC codeword of the MCS is ``k = 1944·rate``
  information bits in ``n = 1944 / bits_per_symbol`` complex data symbols; the image
  needs ``blocks = ceil(B / k)`` of them, all decoded, with probability ≥ 0.99, so each
  may fail with ``ε = 1 − 0.99^(1/blocks)``.  The normal approximation
  (:func:`ddm_sscc.channel.finite_blocklength.fbl_min_snr_db`) gives the least Es/N0 per data
  symbol (``fbl_data_snr_db``).  The data carriers see SNR + 10·log10(64/52) (guard carriers
  carry no power), so the sweep SNR is ``fbl_snr_db = fbl_data_snr_db − 0.90 dB``, and with the
  system's ``n_cu`` it becomes ``fbl_unified_db``.  The gap from this bound to the measured
  threshold is the LDPC code's distance from an ideal code of its size plus the receiver's
  implementation loss (sync, estimation); the gap from ``shannon_min`` to it is the price
  of the block length and of the OFDM overhead (preamble, CP, pilots, guards, headers).
  CRC, frame headers and codeword shortening are not counted in ``k``: the bound is slightly
  optimistic.
* **With RaptorQ repair frames** (``repair`` R > 0: ``N = K + ⌈R·K⌉`` frames for ``K`` source
  frames) the image needs only any ``K`` of the ``N`` frames, so each frame may fail with
  the probability ``1 − q*`` at which ``P(Binomial(N, q*) ≥ K) = 0.99`` (an ideal erasure code
  across frames; R = 0 gives ``q* = 0.99^(1/K)``, the rule above), and a frame of
  ``c = blocks/K`` codewords succeeds with ``(1 − ε)^c = q*``.  Both bounds below follow the
  row's own repair fraction and ``n_cu`` (repair frames included).
* ``outage_unified_db`` (``rayleigh`` only): block Rayleigh fading with one independent
  CN(0, 1) gain per frame (``fading_blocks`` = frames), ideal codes of rate ``R = B/n_cu`` per
  channel use and unlimited length within each block: every block must avoid outage,
  ``P(log2(1 + |h|²·s) ≥ R)^F ≥ 0.99``, i.e. ``s ≥ (2^R − 1)·F / (−ln 0.99)``.  No code without
  diversity across frames does better (no retransmission, no cross-frame interleaving).
  With repair frames, any ``K`` of the ``N`` blocks must avoid outage: ``P(|h|²·s ≥ 2^R − 1) = q*``,
  ``s = (2^R − 1) / (−ln q*)``, with ``R`` the rate per channel use within a frame.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ddm_sscc.channel import shannon_limit_unified_snr_db, shannon_min_unified_snr_db
from ddm_sscc.channel.finite_blocklength import fbl_min_snr_db
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.fec.transfer import repair_symbols
from ddm_sscc.phy.mcs import Mcs, mcs_by_name
from ddm_sscc.phy.ofdm.config import OfdmConfig

IMAGE_SUCCESS = 0.99
"""Probability with which the whole image must arrive, for the finite-length and outage bounds."""


@dataclass(frozen=True)
class ImageBounds:
    """The bounds of one (image, system, channel, MCS); dB values are unified SNR unless named otherwise."""

    image: str
    system: str
    channel: str
    mcs: str
    repair: float
    source_bits: int
    subpixels: int
    n_cu: int
    fading_blocks: int
    frames: int
    source_frames: int
    shannon_limit_unified_db: float
    shannon_min_unified_db: float
    fbl_n: float
    fbl_k: float
    fbl_blocks: int
    fbl_epsilon: float
    fbl_data_snr_db: float
    fbl_snr_db: float
    fbl_unified_db: float
    outage_unified_db: float | None


def ldpc_block(mcs: Mcs) -> tuple[float, float]:
    """``(n complex data symbols, k information bits)`` of one LDPC codeword of ``mcs``."""
    from fractions import Fraction

    return mcs.n / mcs.bits_per_symbol, float(mcs.n * Fraction(mcs.rate))


def data_carrier_gain_db(config: OfdmConfig | None = None) -> float:
    """``10·log10(N_fft / N_used)``: Es/N0 on the data carriers minus the per-sample SNR (0.90 dB)."""
    cfg = config or OfdmConfig()
    return 10.0 * math.log10(cfg.fft_size / cfg.n_used)


def frame_success_needed(frames: int, source_frames: int, success: float = IMAGE_SUCCESS) -> float:
    """``q*``: the per-frame success probability at which any ``source_frames`` of ``frames`` i.i.d.
    frames arrive with probability ``success`` (``success^(1/K)`` without repair frames)."""
    if not 1 <= source_frames <= frames or not 0 < success < 1:
        raise ConfigError("need 1 ≤ source frames ≤ frames and 0 < success < 1")
    if frames == source_frames:
        return math.exp(math.log(success) / frames)
    from scipy.optimize import brentq
    from scipy.stats import binom

    return float(brentq(lambda q: binom.sf(source_frames - 1, frames, q) - success, 1e-12, 1 - 1e-15, xtol=1e-15))


def source_frames_of(frames: int, repair: float) -> int:
    """``K`` such that ``K + ⌈repair·K⌉ = frames`` (the sender's split into source and repair frames)."""
    k = max(1, round(frames / (1 + repair)))
    for candidate in (k, k - 1, k + 1, k - 2, k + 2):
        if candidate >= 1 and candidate + repair_symbols(candidate, repair) == frames:
            return candidate
    raise ConfigError(f"{frames} frames are not K source frames plus ⌈{repair:g}·K⌉ repair frames")


def rayleigh_outage_min_snr_db(
    bits: float, n_channel_uses: float, blocks: int, success: float = IMAGE_SUCCESS, source_blocks: int | None = None
) -> float:
    """Least mean SNR (dB per use) for ``bits`` in ``n`` uses over ``blocks`` i.i.d. Rayleigh blocks, any
    ``source_blocks`` of which (default: all) must avoid outage (module docstring)."""
    k = blocks if source_blocks is None else source_blocks
    if bits <= 0 or n_channel_uses <= 0 or not 1 <= k <= blocks or not 0 < success < 1:
        raise ConfigError("outage bound needs bits > 0, channel uses > 0, 1 ≤ source blocks ≤ blocks, 0 < success < 1")
    rate = bits / n_channel_uses * blocks / k  # per channel use within a block: the repair blocks carry no new bits
    q = frame_success_needed(blocks, k, success)
    return 10.0 * math.log10(math.expm1(rate * math.log(2.0)) / -math.log(q))


def image_bounds(
    *,
    image: str,
    system: str,
    channel: str,
    mcs: str,
    source_bits: int,
    subpixels: int,
    n_cu: int,
    fading_blocks: int,
    frames: int = 1,
    repair: float = 0.0,
    success: float = IMAGE_SUCCESS,
) -> ImageBounds:
    """Every bound of the module docstring for one stream of ``source_bits`` sent in ``n_cu`` uses at ``mcs``,
    in ``frames`` frames of which a fraction ``repair`` per source frame are RaptorQ repair frames."""
    scheme = mcs_by_name(mcs)
    n, k = ldpc_block(scheme)
    blocks = max(1, math.ceil(source_bits / k))
    frames = max(1, int(frames))
    source_frames = source_frames_of(frames, repair) if repair else frames
    if source_frames == frames:
        eps = -math.expm1(math.log(success) / blocks)  # 1 − success^(1/blocks), accurate for many blocks
    else:  # a frame of blocks/K codewords must succeed with q*
        eps = -math.expm1(math.log(frame_success_needed(frames, source_frames, success)) * source_frames / blocks)
    data_snr = fbl_min_snr_db(k, n, eps)
    snr = data_snr - data_carrier_gain_db()
    spend = 10.0 * math.log10(n_cu / subpixels)
    outage = None
    if channel == "rayleigh" and fading_blocks >= 1:
        fading_source = source_frames if fading_blocks == frames else fading_blocks
        outage = rayleigh_outage_min_snr_db(source_bits, n_cu, fading_blocks, success, fading_source) + spend
    return ImageBounds(
        image=image,
        system=system,
        channel=channel,
        mcs=scheme.name,
        repair=float(repair),
        source_bits=int(source_bits),
        subpixels=int(subpixels),
        n_cu=int(n_cu),
        fading_blocks=int(fading_blocks),
        frames=frames,
        source_frames=source_frames,
        shannon_limit_unified_db=shannon_limit_unified_snr_db(source_bits, subpixels),
        shannon_min_unified_db=shannon_min_unified_snr_db(source_bits, n_cu, subpixels),
        fbl_n=n,
        fbl_k=k,
        fbl_blocks=blocks,
        fbl_epsilon=eps,
        fbl_data_snr_db=data_snr,
        fbl_snr_db=snr,
        fbl_unified_db=snr + spend,
        outage_unified_db=outage,
    )


def bounds_from_rows(rows: Iterable[TrialRow]) -> list[ImageBounds]:
    """One :class:`ImageBounds` per distinct (image, system, channel, MCS, repair) among the digital rows, sorted."""
    seen: dict[tuple[str, str, str, str, float], TrialRow] = {}
    for row in rows:
        if row.source_bits is None or not row.mcs:
            continue
        seen.setdefault((row.image, row.system, row.channel, row.mcs, row.repair), row)
    return [
        image_bounds(
            image=r.image,
            system=r.system,
            channel=r.channel,
            mcs=r.mcs,
            source_bits=r.source_bits,  # type: ignore[arg-type]
            subpixels=r.subpixels,
            n_cu=r.n_cu,
            fading_blocks=r.fading_blocks,
            frames=r.frames_sent,
            repair=r.repair,
        )
        for key, r in sorted(
            seen.items(), key=lambda item: (item[0][2], item[0][1], item[1].image_index, item[0][3], item[0][4])
        )
    ]


@dataclass(frozen=True)
class SystemBounds:
    """Means over images (in dB) of one (channel, system, MCS)'s bounds, for plots and reports."""

    channel: str
    system: str
    mcs: str
    repair: float
    images: int
    shannon_limit_unified_db: float
    shannon_min_unified_db: float
    fbl_unified_db: float
    outage_unified_db: float | None


def mean_bounds(bounds: Iterable[ImageBounds]) -> list[SystemBounds]:
    """Average the per-image bounds (dB) per (channel, system, MCS, repair fraction)."""
    groups: dict[tuple[str, str, str, float], list[ImageBounds]] = defaultdict(list)
    for b in bounds:
        groups[(b.channel, b.system, b.mcs, b.repair)].append(b)
    out = []
    for (channel, system, mcs, repair), items in sorted(groups.items()):
        outages = [b.outage_unified_db for b in items if b.outage_unified_db is not None]
        out.append(
            SystemBounds(
                channel=channel,
                system=system,
                mcs=mcs,
                repair=repair,
                images=len(items),
                shannon_limit_unified_db=_mean(b.shannon_limit_unified_db for b in items),
                shannon_min_unified_db=_mean(b.shannon_min_unified_db for b in items),
                fbl_unified_db=_mean(b.fbl_unified_db for b in items),
                outage_unified_db=_mean(outages) if len(outages) == len(items) else None,
            )
        )
    return out


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


def pick_mean_bounds(
    means: Iterable[SystemBounds], channel: str, system: str, mcs: str | None, repair: float = 0.0
) -> SystemBounds | None:
    """The mean bounds of (channel, system, MCS, repair) (``mcs`` may be a single name), or None."""
    if not mcs or "+" in mcs:
        return None
    for b in means:
        if (b.channel, b.system, b.mcs, b.repair) == (channel, system, mcs, float(repair)):
            return b
    return None
