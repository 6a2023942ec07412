"""Per-point summaries of the trial rows and each system's exact-recovery threshold.

A point is (channel, system, MCS setting, SNR): its trials over all images and trial
numbers.  The **threshold** of a (channel, system, MCS setting) is the lowest
SNR point from which the exact-recovery rate is 100 % at that point and every
higher one measured; None when the highest point is not at 100 %.  It is given in
SNR, in unified SNR (the mean unified SNR of the rows at that point) and in the paper's
unified SNR (their mean ``snr_paper_db``, :mod:`.paper`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ddm_sscc.experiments.sweep.rows import TrialRow


@dataclass(frozen=True)
class SummaryPoint:
    """One SNR point of one system.

    Attributes:
        channel, system, mcs_setting, snr_db: the point.
        mcs: the MCS(s) used there (``auto`` may differ between points), joined with ``+``.
        trials: rows at the point (images × trials).
        exact_rate: fraction of them recovered bit-exactly.
        mean_snr_unified_db: mean unified SNR of the rows (dB).
        mean_snr_paper_db: mean of the rows' unified SNR on the paper's axis (dB, :mod:`.paper`).
        mean_bpsp: mean source bits per sub-pixel (None for analog systems).
        frame_loss_rate: frames lost over frames sent (None for analog systems).
        mean_psnr: mean PSNR (dB) of the rows that have one (analog systems, not exact); None if none.
        threshold_snr_db, threshold_unified_db, threshold_paper_db: the system's threshold (module
            docstring) in SNR, unified SNR and the paper's unified SNR, repeated on each of its points.
    """

    channel: str
    system: str
    mcs_setting: str
    snr_db: float
    mcs: str
    trials: int
    exact_rate: float
    mean_snr_unified_db: float
    mean_snr_paper_db: float
    mean_bpsp: float | None
    frame_loss_rate: float | None
    mean_psnr: float | None
    threshold_snr_db: float | None
    threshold_unified_db: float | None
    threshold_paper_db: float | None


@dataclass(frozen=True)
class Threshold:
    """The exact-recovery threshold of one (channel, system, MCS setting); None values: not reached.

    ``unified_db`` is on our axis, ``paper_db`` on the paper's (:mod:`.paper`), both dB.
    """

    channel: str
    system: str
    mcs_setting: str
    snr_db: float | None
    unified_db: float | None
    paper_db: float | None
    mcs: str | None
    highest_snr_db: float
    highest_rate: float


def exact_threshold(points: Sequence[tuple[float, float]]) -> float | None:
    """Lowest SNR from which every point ``(snr_db, exact_rate)`` at or above it has rate 1; None if none."""
    result = None
    for snr, rate in sorted(points, reverse=True):
        if rate < 1.0:
            break
        result = snr
    return result


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(rows: Iterable[TrialRow]) -> list[SummaryPoint]:
    """One :class:`SummaryPoint` per (channel, system, MCS setting, SNR), sorted by those."""
    groups: dict[tuple[str, str, str, float], list[TrialRow]] = defaultdict(list)
    for row in rows:
        groups[(row.channel, row.system, row.mcs_setting, row.snr_db)].append(row)
    base = {}
    for key, items in groups.items():
        sent = sum(r.frames_sent for r in items)
        digital = [r for r in items if r.bpsp is not None]
        base[key] = {
            "mcs": "+".join(sorted({r.mcs for r in items if r.mcs})),
            "trials": len(items),
            "exact_rate": sum(r.exact for r in items) / len(items),
            "mean_snr_unified_db": _mean([r.snr_unified_db for r in items]),
            "mean_snr_paper_db": _mean([r.snr_paper_db for r in items]),
            "mean_bpsp": _mean([r.bpsp for r in digital]),  # type: ignore[misc]
            "frame_loss_rate": (sum(r.frames_lost for r in items) / sent) if sent else None,
            "mean_psnr": _mean([r.psnr for r in items if r.psnr is not None]),  # type: ignore[misc]
        }
    limits = {(t.channel, t.system, t.mcs_setting): t for t in _thresholds(base)}
    out = []
    for key in sorted(base):
        channel, system, mcs_setting, snr = key
        t = limits[(channel, system, mcs_setting)]
        out.append(
            SummaryPoint(
                channel=channel,
                system=system,
                mcs_setting=mcs_setting,
                snr_db=snr,
                threshold_snr_db=t.snr_db,
                threshold_unified_db=t.unified_db,
                threshold_paper_db=t.paper_db,
                **base[key],
            )
        )
    return out


def thresholds(points: Iterable[SummaryPoint]) -> list[Threshold]:
    """The threshold of every (channel, system, MCS setting) in ``points``."""
    base = {
        (p.channel, p.system, p.mcs_setting, p.snr_db): {
            "exact_rate": p.exact_rate,
            "mean_snr_unified_db": p.mean_snr_unified_db,
            "mean_snr_paper_db": p.mean_snr_paper_db,
            "mcs": p.mcs,
        }
        for p in points
    }
    return _thresholds(base)


def _thresholds(base: dict) -> list[Threshold]:
    series: dict[tuple[str, str, str], list[tuple[float, dict]]] = defaultdict(list)
    for (channel, system, mcs_setting, snr), values in base.items():
        series[(channel, system, mcs_setting)].append((snr, values))
    out = []
    for (channel, system, mcs_setting), items in sorted(series.items()):
        items.sort(key=lambda t: t[0])
        snr = exact_threshold([(s, v["exact_rate"]) for s, v in items])
        at = dict(items)[snr] if snr is not None else None
        out.append(
            Threshold(
                channel=channel,
                system=system,
                mcs_setting=mcs_setting,
                snr_db=snr,
                unified_db=None if at is None else at["mean_snr_unified_db"],
                paper_db=None if at is None else at["mean_snr_paper_db"],
                mcs=None if at is None else at["mcs"],
                highest_snr_db=items[-1][0],
                highest_rate=items[-1][1]["exact_rate"],
            )
        )
    return out
