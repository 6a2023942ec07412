"""Figure of a sweep: exact-recovery rate against SNR, one panel per channel and MCS setting (matplotlib, Agg).

Panels: one row per channel, one column per ``--mcs`` setting (``qpsk-1/2``, ``auto``,
``auto+1dB`` …), so every panel has one line per system, in that system's colour in every
panel.  Each line runs through the system's SNR points, placed on the x axis
``snr_axis`` (:data:`SNR_AXES`): ``unified`` (default) the mean unified SNR of the point's rows,
``paper`` their mean unified SNR on the paper's axis (:mod:`.paper`), ``snr`` the SNR itself.  Its bounds (:mod:`.bounds`, means over the images, for the MCS used at
the threshold, or at the highest point when there is none) are vertical lines in the
line's colour: finite-blocklength (dashed), Shannon with the same channel uses (dotted)
and, for Rayleigh, the block-fading outage bound (dash-dot); on the ``snr`` and ``paper``
axes they are moved by the mean offset between that axis and ours at the line's points of
that MCS.  On the ``paper`` axis a black line marks the paper's "100 % exact above 2 dB".
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.bounds import SystemBounds, pick_mean_bounds
from ddm_sscc.experiments.sweep.paper import PAPER_CHANNEL, PAPER_EXACT_FROM_DB
from ddm_sscc.experiments.sweep.settings import SYSTEMS, repair_of_setting
from ddm_sscc.experiments.sweep.summary import SummaryPoint, Threshold

PLOT_FILE = "exact_rate.png"
SNR_AXES = ("unified", "paper", "snr")
"""x axes of the figure: our unified SNR, the paper's unified SNR, or the SNR (Es/N0 per sample)."""
_AXIS_LABEL = {
    "unified": "unified SNR (dB): energy per sub-pixel / N0",
    "paper": "paper's unified SNR (dB): SNR + 10·log10(n_cu / 32·H·W)",
    "snr": "SNR (dB): Es/N0 per complex sample",
}


def check_snr_axis(axis: object) -> str:
    """``axis`` if it is one of :data:`SNR_AXES`, else :class:`ConfigError`."""
    if axis not in SNR_AXES:
        raise ConfigError(f"--snr-axis must be one of {', '.join(SNR_AXES)}, got {axis!r}")
    return str(axis)


def axis_value(point: SummaryPoint, axis: str) -> float:
    """Where ``point`` lies on the x axis ``axis`` (dB)."""
    return {"unified": point.mean_snr_unified_db, "paper": point.mean_snr_paper_db, "snr": point.snr_db}[axis]


def bound_offset(points: Sequence[SummaryPoint], axis: str, mcs: str | None) -> float:
    """What to add to a unified-SNR bound to place it on ``axis``: the mean of axis − unified at the
    points of ``mcs`` (all points when none used it)."""
    chosen = [p for p in points if p.mcs == mcs] or list(points)
    return sum(axis_value(p, axis) - p.mean_snr_unified_db for p in chosen) / len(chosen)


def line_mcs(points: Sequence[SummaryPoint], threshold: Threshold | None) -> str | None:
    """The MCS whose bounds a line shows: the threshold point's, else the highest point's."""
    if threshold is not None and threshold.mcs:
        return threshold.mcs
    return max(points, key=lambda p: p.snr_db).mcs if points else None


def panel_layout(points: Sequence[SummaryPoint]) -> tuple[list[str], list[str]]:
    """(rows, columns) of the figure: the channels and the MCS settings present (fixed MCSs first)."""
    channels = sorted({p.channel for p in points}) or ["awgn"]
    settings = sorted({p.mcs_setting for p in points}, key=lambda s: (s.startswith("auto"), s)) or [""]
    return channels, settings


def system_colours(systems: Sequence[str]) -> dict[str, str]:
    """One colour per system, fixed by the system's place in :data:`.settings.SYSTEMS` (same in every figure)."""
    import matplotlib

    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    known = sorted(set(SYSTEMS) | set(systems), key=_system_order)
    return {name: cycle[known.index(name) % len(cycle)] for name in systems}


def _system_order(name: str) -> tuple[int, str]:
    return (SYSTEMS.index(name), "") if name in SYSTEMS else (len(SYSTEMS), name)


def plot_exact_rate(
    points: Sequence[SummaryPoint],
    thresholds: Sequence[Threshold],
    means: Sequence[SystemBounds],
    path: str | os.PathLike[str],
    title: str | None = None,
    snr_axis: str = "unified",
) -> Path:
    """Write the figure to ``path`` (PNG) on the x axis ``snr_axis`` (:data:`SNR_AXES`); return the path."""
    axis = check_snr_axis(snr_axis)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    channels, settings = panel_layout(points)
    fig, axes = plt.subplots(
        len(channels), len(settings), figsize=(1.4 + 6.4 * len(settings), 4.4 * len(channels)), squeeze=False
    )
    lines: dict[tuple[str, str, str], list[SummaryPoint]] = defaultdict(list)
    for p in points:
        lines[(p.channel, p.mcs_setting, p.system)].append(p)
    limits = {(t.channel, t.mcs_setting, t.system): t for t in thresholds}
    colour_of = system_colours(sorted({system for (_, _, system) in lines}))
    legend: dict[str, Line2D] = {}
    for row, channel in enumerate(channels):
        for column, setting in enumerate(settings):
            ax = axes[row][column]
            if points and not any((ch, st) == (channel, setting) for ch, st, _ in lines):
                ax.set_visible(False)  # e.g. a Rayleigh run with a fixed MCS beside AWGN runs with auto
                continue
            for (ch, st, system), items in sorted(lines.items()):
                if (ch, st) != (channel, setting):
                    continue
                items = sorted(items, key=lambda p: p.snr_db)
                colour = colour_of[system]
                (handle,) = ax.plot(
                    [axis_value(p, axis) for p in items], [p.exact_rate for p in items], marker="o", color=colour
                )
                legend.setdefault(system, handle)
                mcs = line_mcs(items, limits.get((ch, st, system)))
                bound = pick_mean_bounds(means, channel, system, mcs, repair_of_setting(setting))
                if bound is not None:
                    shift = bound_offset(items, axis, mcs)
                    ax.axvline(bound.fbl_unified_db + shift, color=colour, linestyle="--", linewidth=1)
                    ax.axvline(bound.shannon_min_unified_db + shift, color=colour, linestyle=":", linewidth=1)
                    if bound.outage_unified_db is not None:
                        ax.axvline(bound.outage_unified_db + shift, color=colour, linestyle="-.", linewidth=1)
            if axis == "paper":
                ax.axvline(PAPER_EXACT_FROM_DB, color="black", linestyle="-", linewidth=1.5)
            name = f"{channel}, --mcs {setting}" if setting else channel
            ax.set_title(name if title is None else f"{title}: {name}")
            ax.set_xlabel(_AXIS_LABEL[axis])
            ax.set_ylabel("exact-recovery rate")
            ax.set_ylim(-0.03, 1.03)
            ax.grid(True, alpha=0.3)
    labels = sorted(legend, key=_system_order)
    handles = [legend[name] for name in labels]
    handles += [
        Line2D([], [], color="grey", linestyle="--", linewidth=1),
        Line2D([], [], color="grey", linestyle=":", linewidth=1),
    ]
    labels += ["finite-blocklength bound", "Shannon, same n_cu"]
    if "rayleigh" in channels:
        handles.append(Line2D([], [], color="grey", linestyle="-.", linewidth=1))
        labels.append("block-fading outage bound")
    if axis == "paper":
        handles.append(Line2D([], [], color="black", linestyle="-", linewidth=1.5))
        labels.append(f"paper: 100% exact above {PAPER_EXACT_FROM_DB:g} dB ({PAPER_CHANNEL}, perfect CSI)")
    # one legend for the figure, right of the panels, off the curves
    fig.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 0.98), borderaxespad=0.0)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out
