"""Design experiment: the residual regression with neighbours at the position's lattice spacing.

The regression (``ddm_sscc/codec/residual_regression.py``) regresses a row's normalised error on
the lower channels' errors and on its 8 neighbours' at distance 1. In the lattice order those
neighbours are unknown at every coarse level, where most of the bits are. This script runs
``heldout_bpsp.py`` with the 8 neighbours taken at the position's lattice spacing instead
(``LATREG=replace``, the same number of regressors) or in addition (``LATREG=add``); such files
decode only under the same replacement, so nothing here is shipped.

    LATREG=replace|add|off .venv/bin/python benchmarks/regression_lattice_neighbours.py \\
        --model ddm-featmlp-lattice-v9 --modes online --steps 64

Measured 2026-12-07 (MODEL_CARD, "What did not help"): held-out photos 3.0141 (off),
3.0125 (replace), 3.0123 (add).
"""

import os
import runpy
import sys
from pathlib import Path

import torch

from ddm_sscc.codec import residual_regression as rr
from ddm_sscc.codec.gather import gather
from ddm_sscc.codec.local_features import LATTICE_TOP, lattice_spacing

MODE = os.environ.get("LATREG", "replace")
_DY = torch.tensor([dy for dy, _ in rr._NEIGHBOURS])
_DX = torch.tensor([dx for _, dx in rr._NEIGHBOURS])
_init, _regressors = rr.ResidualRegression.__init__, rr.ResidualRegression.regressors


def _lattice_init(self, channels, height, width, reciprocals, buckets):
    _init(self, channels, height, width, reciprocals, buckets)
    self.height = height
    if MODE == "add":
        dims = [c + 2 * len(rr._NEIGHBOURS) for c in range(channels)]
        self.xx = [torch.zeros((buckets, d, d), dtype=torch.int64) for d in dims]
        self.xy = [torch.zeros((buckets, d), dtype=torch.int64) for d in dims]
        self.weights = [torch.zeros((buckets, d), dtype=torch.int64) for d in dims]


def _lattice_errors(self, channel, positions):
    ys = torch.div(positions, self.width, rounding_mode="floor")
    xs = positions - ys * self.width
    spacing = lattice_spacing(ys, xs).clamp(max=LATTICE_TOP)[:, None]
    y2, x2 = ys[:, None] + _DY * spacing, xs[:, None] + _DX * spacing
    inside = (y2 >= 0) & (y2 < self.height) & (x2 >= 0) & (x2 < self.width)
    index = (y2.clamp(0, self.height - 1) + 1) * (self.width + 2) + x2.clamp(0, self.width - 1) + 1
    return torch.where(inside, gather(self.errors[channel], index), 0)


def _lattice_regressors(self, channel, positions):
    base = _regressors(self, channel, positions)
    lattice = _lattice_errors(self, channel, positions)
    return torch.cat([base, lattice] if MODE == "add" else [base[:, :channel], lattice], dim=1)


if __name__ == "__main__":
    if MODE not in ("replace", "add", "off"):
        raise SystemExit(f"LATREG must be replace, add or off, not {MODE!r}")
    if MODE != "off":
        rr.ResidualRegression.__init__ = _lattice_init
        rr.ResidualRegression.regressors = _lattice_regressors
    sys.argv = ["heldout_bpsp.py", *sys.argv[1:]]
    runpy.run_path(str(Path(__file__).with_name("heldout_bpsp.py")), run_name="__main__")
