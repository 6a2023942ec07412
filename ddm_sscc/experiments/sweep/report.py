"""Markdown for the docs: each system's exact-recovery threshold, its gaps to the baselines and to the bounds.

One table per (channel, MCS setting).  All gaps are differences of unified SNR in
dB (energy per source sub-pixel over N0), **system minus reference**: a negative gap
to ``jpegxl`` means the system needed less energy per sub-pixel than JPEG-XL to
arrive bit-exactly; the gaps to the bounds are ≥ 0 for any real system.  The
bounds are the means over the images (:mod:`.bounds`) for the MCS used at the
threshold; "n/a" where a threshold was not reached within the SNR points measured.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ddm_sscc.experiments.sweep.bounds import SystemBounds, pick_mean_bounds
from ddm_sscc.experiments.sweep.summary import SummaryPoint, Threshold

REFERENCES = ("jpegxl", "png", "raw")


def _db(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def markdown_report(
    points: Sequence[SummaryPoint],
    thresholds: Sequence[Threshold],
    means: Sequence[SystemBounds],
    heading: str | None = None,
) -> str:
    """The tables (module docstring) as one markdown string."""
    bpsp: dict[tuple[str, str, str], float | None] = {}
    for p in points:
        bpsp.setdefault((p.channel, p.system, p.mcs_setting), p.mean_bpsp)
    groups: dict[tuple[str, str], list[Threshold]] = defaultdict(list)
    for t in thresholds:
        groups[(t.channel, t.mcs_setting)].append(t)
    lines = [f"## {heading}", ""] if heading else []
    for (channel, setting), items in sorted(groups.items()):
        present = {t.system: t for t in items}
        refs = [r for r in REFERENCES if r in present]
        lines += [
            (
                f"Channel {channel}, MCS {setting}: exact-recovery threshold (lowest SNR point from which every "
                "trial at it and above arrived bit-exactly) and gaps in unified SNR (dB, system − reference)."
            ),
            "",
        ]
        head = ["system", "MCS", "bpsp", "threshold SNR dB", "threshold unified dB"]
        head += [f"gap to {r}" for r in refs]
        head += ["gap to FBL bound", "gap to Shannon (same n_cu)", "gap to Shannon limit"]
        if channel == "rayleigh":
            head.append("gap to outage bound")
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for t in sorted(items, key=lambda t: (t.unified_db is None, t.unified_db or 0.0, t.system)):
            bound = pick_mean_bounds(means, channel, t.system, t.mcs)
            value = bpsp.get((channel, t.system, setting))
            cells = [
                t.system,
                t.mcs or "n/a",
                "n/a" if value is None else f"{value:.4f}",
                _db(t.snr_db) if t.snr_db is not None else f"> {t.highest_snr_db:g}",
                _db(t.unified_db),
            ]
            cells += [_db(_diff(t.unified_db, present[r].unified_db), signed=True) for r in refs]
            cells += [
                _db(_diff(t.unified_db, bound and bound.fbl_unified_db), signed=True),
                _db(_diff(t.unified_db, bound and bound.shannon_min_unified_db), signed=True),
                _db(_diff(t.unified_db, bound and bound.shannon_limit_unified_db), signed=True),
            ]
            if channel == "rayleigh":
                cells.append(_db(_diff(t.unified_db, bound and bound.outage_unified_db), signed=True))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
