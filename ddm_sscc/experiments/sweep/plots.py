"""Figure of a sweep: exact-recovery rate against unified SNR, one panel per channel (matplotlib, Agg).

Each (system, MCS setting) is one line through its SNR points, placed at the mean
unified SNR of the point's rows.  Its bounds (:mod:`.bounds`, means over the images,
for the MCS used at the threshold, or at the highest point when there is none) are
vertical lines in the line's colour: finite-blocklength (dashed), Shannon with the
same channel uses (dotted) and, for Rayleigh, the block-fading outage bound (dash-dot).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ddm_sscc.experiments.sweep.bounds import SystemBounds, pick_mean_bounds
from ddm_sscc.experiments.sweep.summary import SummaryPoint, Threshold

PLOT_FILE = "exact_rate.png"


def line_mcs(points: Sequence[SummaryPoint], threshold: Threshold | None) -> str | None:
    """The MCS whose bounds a line shows: the threshold point's, else the highest point's."""
    if threshold is not None and threshold.mcs:
        return threshold.mcs
    return max(points, key=lambda p: p.snr_db).mcs if points else None


def plot_exact_rate(
    points: Sequence[SummaryPoint],
    thresholds: Sequence[Threshold],
    means: Sequence[SystemBounds],
    path: str | os.PathLike[str],
    title: str | None = None,
) -> Path:
    """Write the figure to ``path`` (PNG) and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    channels = sorted({p.channel for p in points})
    if not channels:
        channels = ["awgn"]
    # each panel keeps its legend to its right, off the curves
    fig, axes = plt.subplots(1, len(channels), figsize=(8.6 * len(channels), 4.6), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    lines: dict[tuple[str, str, str], list[SummaryPoint]] = defaultdict(list)
    for p in points:
        lines[(p.channel, p.system, p.mcs_setting)].append(p)
    limits = {(t.channel, t.system, t.mcs_setting): t for t in thresholds}
    line_keys = sorted({(system, setting) for (_, system, setting) in lines})
    colour_of = {key: colours[i % len(colours)] for i, key in enumerate(line_keys)}
    for ax, channel in zip(axes[0], channels):
        for (ch, system, setting), items in sorted(lines.items()):
            if ch != channel:
                continue
            items = sorted(items, key=lambda p: p.snr_db)
            colour = colour_of[(system, setting)]
            label = system if len({s for s, _ in line_keys}) == len(line_keys) else f"{system} (--mcs {setting})"
            ax.plot(
                [p.mean_snr_unified_db for p in items],
                [p.exact_rate for p in items],
                marker="o",
                color=colour,
                label=label,
            )
            bound = pick_mean_bounds(means, channel, system, line_mcs(items, limits.get((ch, system, setting))))
            if bound is not None:
                ax.axvline(bound.fbl_unified_db, color=colour, linestyle="--", linewidth=1)
                ax.axvline(bound.shannon_min_unified_db, color=colour, linestyle=":", linewidth=1)
                if bound.outage_unified_db is not None:
                    ax.axvline(bound.outage_unified_db, color=colour, linestyle="-.", linewidth=1)
        ax.set_title(channel if title is None else f"{title}: {channel}")
        ax.set_xlabel("unified SNR (dB): energy per sub-pixel / N0")
        ax.set_ylabel("exact-recovery rate")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        from matplotlib.lines import Line2D

        handles += [
            Line2D([], [], color="grey", linestyle="--", linewidth=1),
            Line2D([], [], color="grey", linestyle=":", linewidth=1),
        ]
        labels += ["finite-blocklength bound", "Shannon, same n_cu"]
        if channel == "rayleigh":
            handles.append(Line2D([], [], color="grey", linestyle="-.", linewidth=1))
            labels.append("block-fading outage bound")
        ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
