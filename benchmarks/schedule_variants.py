"""Design experiments on the schedule: step boundaries aligned with the lattice order's groups, and the cosine's shape.

The lattice order reveals coarse-to-fine groups (a level's cell centres, then its edge
midpoints); the cosine schedule's step boundaries ignore them, so a step may hold the end of one
group and the start of the next, whose positions then miss their lattice neighbours. This
script runs ``heldout_bpsp.py`` with each group boundary moved onto the nearest step boundary
(``SNAP=snap``, same T) or added as one more boundary (``SNAP=split``, T grows by up to the
number of groups); it applies to images of ``--crop``'s size (768×512 by default) only.
``COSINE_POWER=q`` reveals ``1 − cos(π/2 · (t/T)^q)`` of the positions after step t instead of the
cosine's ``q = 1`` (q > 1: smaller early steps). Such files decode only under the same
replacement, so nothing here ships.

    [SNAP=snap|split] [COSINE_POWER=q] .venv/bin/python benchmarks/schedule_variants.py \\
        --model ddm-featmlp-lattice-v9 --modes online --steps 64

Measured 2026-12-07 (MODEL_CARD, "What did not help"): held-out photos 3.0141 as shipped;
snap 3.0137, split 3.0121 (83 steps, as T = 96 gives 3.0122); q = 0.75, 1.5, 2, 3: 3.0198,
3.0135, 3.0149, 3.0181.
"""

import math
import os
import runpy
import sys
from pathlib import Path

import numpy as np

from ddm_sscc.codec import engine, order
from ddm_sscc.codec import schedule as schedule_module

MODE = os.environ.get("SNAP", "off")
POWER = float(os.environ.get("COSINE_POWER", "1"))
_revealed_fraction = schedule_module._revealed_fraction


def _powered_fraction(kind, t, steps):
    if kind == schedule_module.ScheduleKind.COSINE:
        return 1.0 - math.cos(math.pi / 2 * (t / steps) ** POWER)
    return _revealed_fraction(kind, t, steps)


def group_boundaries(height: int, width: int) -> np.ndarray:
    """Cumulative position counts at which the lattice order moves to its next group."""
    counts = np.bincount(order.lattice_groups(height, width))
    return np.cumsum(counts[counts > 0])[:-1]


def _aligned_counts(size: tuple[int, int]):
    height, width = size

    def counts(kind, positions, steps):
        plain = schedule_module.step_counts(kind, positions, steps)
        if positions != height * width:
            return plain
        cumulative = np.concatenate([[0], np.cumsum(plain)])
        groups = group_boundaries(height, width)
        if MODE == "split":
            return np.diff(np.unique(np.concatenate([cumulative, groups])))
        for g in groups:
            i = int(np.argmin(np.abs(cumulative[1:-1] - g))) + 1
            if cumulative[i - 1] < g < cumulative[i + 1]:
                cumulative[i] = g
        return np.diff(cumulative)

    return counts


if __name__ == "__main__":
    if MODE not in ("snap", "split", "off"):
        raise SystemExit(f"SNAP must be snap, split or off, not {MODE!r}")
    crop = next((a.split("=", 1)[1] if "=" in a else sys.argv[i + 2] for i, a in enumerate(sys.argv[1:])
                 if a.startswith("--crop")), "768x512")
    width, height = (int(v) for v in crop.split("x"))
    if MODE != "off":
        engine.step_counts = _aligned_counts((height, width))
    if POWER <= 0:
        raise SystemExit(f"COSINE_POWER must be positive, not {POWER}")
    schedule_module._revealed_fraction = _powered_fraction
    sys.argv = ["heldout_bpsp.py", *sys.argv[1:]]
    runpy.run_path(str(Path(__file__).with_name("heldout_bpsp.py")), run_name="__main__")
