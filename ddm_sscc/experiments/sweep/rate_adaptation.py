"""``--mcs auto``: the highest-rate MCS whose frame error rate is below 1 % at the SNR, from a PER table.

The table holds, per channel (``awgn``, ``rayleigh``) and MCS, the SNR at which the
OFDM receiver's FER falls to 1 %, measured with ``ddm-sscc per --json``
(:func:`fer_threshold_db` interpolates it at the first crossing; :func:`monotone_thresholds`
keeps a faster MCS from claiming a lower threshold than a slower one).  ``selective`` uses the ``rayleigh``
column (one fading realisation per frame in both).  The shipped table
``per_thresholds.json`` is made by ``benchmarks/per_thresholds.py`` from the runs in
``runs/per_table/``; MCSs without a measured crossing are left out of it.

Rule: among the MCSs in the table whose threshold plus the margin is at most the SNR,
the one of highest spectral efficiency; below every such threshold, the one with the
lowest threshold (the most robust: the image will likely not arrive, but the sweep
records that honestly).

Why a margin (``--mcs-margin DB``, default 0 dB, the plain 1 % rule): an image spans
hundreds of frames and arrives only if every one does, so a 1 % frame error rate loses
nearly every image; just above a threshold the sweep measured a frame loss of 5.8e-3 and
2 of 24 Kodak images (docs/results.md).  The LDPC waterfall is steep (qpsk-1/2 in the
Kodak sweep: frame loss 3.6e-3, 3.5e-4, 1.5e-5 at 1.0, 1.25, 1.5 dB, a decade per
0.25 dB), so a margin of a fraction of a dB to a dB buys the orders of magnitude an image
needs, at the price of stepping down an MCS sooner.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.mcs import MCS_TABLE, mcs_by_name

TARGET_FER = 0.01
MAX_MARGIN_DB = 20.0
"""The largest ``--mcs-margin``: beyond it every MCS of the table is out of reach at any sensible SNR."""
SHIPPED_TABLE = Path(__file__).resolve().parent / "per_thresholds.json"
TABLE_CHANNEL = {"awgn": "awgn", "rayleigh": "rayleigh", "selective": "rayleigh"}
"""Which measured channel's thresholds each sweep channel uses."""


@dataclass(frozen=True)
class PerTable:
    """FER-1 % thresholds: ``thresholds[channel][mcs name] = SNR dB`` (Es/N0 per sample)."""

    thresholds: Mapping[str, Mapping[str, float]]
    target_fer: float = TARGET_FER
    notes: tuple[str, ...] = field(default=(), compare=False)

    def for_channel(self, channel: str) -> dict[str, float]:
        """The thresholds the sweep channel ``channel`` uses (:data:`TABLE_CHANNEL`); ConfigError if none."""
        measured = TABLE_CHANNEL.get(channel)
        if measured is None:
            raise ConfigError(f"no PER table for channel {channel!r}")
        column = dict(self.thresholds.get(measured, {}))
        if not column:
            raise ConfigError(f"--mcs auto: the PER table has no {measured} thresholds")
        return column

    def to_json(self) -> dict:
        return {
            "target_fer": self.target_fer,
            "thresholds_db": {ch: dict(sorted(col.items(), key=_by_rate)) for ch, col in self.thresholds.items()},
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> PerTable:
        try:
            raw = data["thresholds_db"]
            table = {str(ch): {str(m): float(v) for m, v in col.items()} for ch, col in raw.items()}
            target = float(data.get("target_fer", TARGET_FER))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"malformed PER table ({exc})") from None
        for col in table.values():
            for name, value in col.items():
                mcs_by_name(name)
                if not math.isfinite(value):
                    raise ConfigError(f"PER table threshold of {name} is not finite")
        return cls(table, target, tuple(str(n) for n in data.get("notes", ())))


def _by_rate(item: tuple[str, float]) -> float:
    return float(mcs_by_name(item[0]).spectral_efficiency)


def fer_threshold_db(points: Sequence[Mapping], target: float = TARGET_FER) -> float | None:
    """SNR (dB) where a measured FER curve falls to ``target``, or None if it never does.

    ``points`` are ``{"snr_db": …, "fer": …, "frames": …}`` (``ddm-sscc per --json``).  The
    crossing is the first one: the lowest SNR point with FER ≤ target; between it and the
    point below, log10(FER) is interpolated linearly in SNR (a FER of 0 counts as half a frame
    error, 0.5/frames, for the logarithm).  Later excursions above the target are ignored: with
    200 frames per point, 1 % is two frames, and under fading one unlucky frame at a high SNR
    would otherwise move the threshold by 10 dB.  If even the lowest point is at or below the
    target, its SNR is returned (an upper bound on the threshold).
    """
    curve = sorted(
        ((float(p["snr_db"]), float(p["fer"]), int(p.get("frames", 0))) for p in points if p.get("snr_db") is not None),
        key=lambda t: t[0],
    )
    below = [i for i, (_, fer, _) in enumerate(curve) if fer <= target]
    if not below:
        return None
    i = below[0]
    if i == 0:
        return curve[0][0]
    (s0, f0, _), (s1, f1, n1) = curve[i - 1], curve[i]
    if f1 == 0:
        f1 = min(0.5 / n1 if n1 > 0 else 1e-6, target)
    l0, l1, lt = math.log10(f0), math.log10(f1), math.log10(target)
    if l0 == l1:
        return s1
    return s0 + (lt - l0) * (s1 - s0) / (l1 - l0)


def monotone_thresholds(column: Mapping[str, float]) -> dict[str, float]:
    """Each MCS's threshold raised to at least that of every MCS of lower spectral efficiency.

    A faster MCS never works where a slower one does not; short PER runs can say otherwise by
    chance, and ``--mcs auto`` must not pick the faster one there.
    """
    out: dict[str, float] = {}
    floor = -math.inf
    for name, value in sorted(column.items(), key=_by_rate):
        floor = max(floor, value)
        out[name] = floor
    return out


def table_from_runs(folder: str | os.PathLike[str], target: float = TARGET_FER) -> PerTable:
    """Build a table from ``folder/{awgn,rayleigh}_<mcs with / as _>.json`` (``ddm-sscc per --json`` outputs).

    Missing, unreadable or never-crossing runs leave that MCS out; ``notes`` says which and why.
    Thresholds are made non-decreasing in spectral efficiency (:func:`monotone_thresholds`); a
    note names every one that was raised.
    """
    folder = Path(folder)
    table: dict[str, dict[str, float]] = {}
    notes = []
    for channel in ("awgn", "rayleigh"):
        column = {}
        for mcs in MCS_TABLE:
            path = folder / f"{channel}_{mcs.name.replace('/', '_')}.json"
            try:
                record = json.loads(path.read_text())
                points = record["points"]
                if record.get("mcs") != mcs.name or record.get("channel") != channel:
                    raise ValueError(f"it is a {record.get('channel')} run of {record.get('mcs')}")
            except FileNotFoundError:
                notes.append(f"{channel} {mcs.name}: no run ({path.name} missing)")
                continue
            except (OSError, ValueError, KeyError, TypeError) as exc:
                notes.append(f"{channel} {mcs.name}: unreadable run {path.name} ({exc})")
                continue
            threshold = fer_threshold_db(points, target)
            if threshold is None:
                notes.append(f"{channel} {mcs.name}: FER never falls to {target:g} in {path.name}")
                continue
            column[mcs.name] = round(threshold, 3)
        raised = monotone_thresholds(column)
        for name, measured in column.items():
            if raised[name] != measured:
                notes.append(f"{channel} {name}: measured {measured:g} dB, raised to {raised[name]:g} dB "
                             "(a lower-rate MCS needs that much)")
        if raised:
            table[channel] = raised
    return PerTable(table, target, tuple(notes))


def load_table(path: str | os.PathLike[str] | None = None) -> PerTable:
    """The PER table in ``path`` (default: the shipped ``per_thresholds.json``)."""
    path = Path(path) if path is not None else SHIPPED_TABLE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: PER table unreadable ({exc})") from None
    return PerTable.from_json(data)


def check_margin_db(margin_db: object) -> float:
    """``margin_db`` as a float if it is a number of dB in [0, :data:`MAX_MARGIN_DB`]; ConfigError otherwise."""
    if isinstance(margin_db, bool) or not isinstance(margin_db, numbers.Real) or not 0 <= margin_db <= MAX_MARGIN_DB:
        raise ConfigError(f"--mcs-margin must be a number of dB in [0, {MAX_MARGIN_DB:g}], got {margin_db!r}")
    return float(margin_db)


def choose_mcs(snr_db: float, channel: str, table: PerTable, margin_db: float = 0.0) -> str:
    """The MCS name ``--mcs auto`` uses at ``snr_db`` on ``channel`` (rule in the module docstring).

    ``margin_db`` (≥ 0): an MCS is usable only if its threshold plus the margin is at most ``snr_db``.
    """
    margin_db = check_margin_db(margin_db)
    column = table.for_channel(channel)
    usable = [name for name, threshold in column.items() if threshold + margin_db <= snr_db]
    if usable:
        return max(usable, key=lambda name: (mcs_by_name(name).spectral_efficiency, -column[name]))
    return min(column, key=lambda name: column[name])
