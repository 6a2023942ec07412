"""Per-image regression of each prediction's error on errors already known, in integers.

The network predicts a sub-pixel from features of its neighbourhood, with weights learned over
many photos.  How one image's errors relate to each other is that image's own: grain shared by
the colour channels, a texture the network keeps mispredicting the same way.  After every
(step, channel) encoder and decoder both know the revealed values, so both fit the same
least-squares regression of a row's *normalised error* on

* the normalised errors of the lower channels at the same position (G: R's; B: R's and G's),
  known because a step codes its channels in order;
* the normalised errors of its 8 neighbours in the same channel (0 where not yet revealed);

and add its prediction, times the row's scale, to the next rows' means.  A normalised error is
the residual from the bias-corrected heaviest component's mean divided by that component's
logistic scale, in 1/``Z_ONE`` clamped to ±``Z_LIMIT``.  Fits are per channel and scale bucket;
the older steps' sums shrink by 2^-``DECAY_SHIFT`` at every update; the ridge is ``RIDGE``.

Every quantity is an integer: the sums ``Σ x xᵀ`` and ``Σ x z`` are float64 GEMMs of integers
whose sums stay below 2^53 (exact in any order, :func:`_products`), and the weights follow the
normal equations by an integer Gauss-Seidel sweep per update from the previous
weights, so weights and corrections are the same on every machine.

Measured on the held-out photos with ``ddm-featmlp-lattice-v5`` (MODEL_CARD.md).
"""

from __future__ import annotations

import torch

from ddm_sscc.codec.gather import gather

Z_ONE = 64
"""Normalised errors are stored in 1/64 of a scale."""
Z_LIMIT = 8 * Z_ONE
W_ONE = 4096
"""Regression weights are stored in 1/4096."""
W_LIMIT = 4 * W_ONE
RIDGE = 100 * Z_ONE * Z_ONE
"""Added to the diagonal of ``Σ x xᵀ``: the weight of 100 rows of unit error pulling towards 0."""
DECAY_SHIFT = 3
"""Older steps' sums keep 1 − 2^-DECAY_SHIFT of their weight at every update."""
DELTA_LIMIT = 256
"""Largest correction, in 1/16 pixel (16 pixels)."""
_RECIPROCAL_SHIFT = 14
"""``residual (1/16 px) · reciprocal (2^16/s) >> 14`` is the error in 1/64 of a scale."""
SWEEPS = 1
"""Gauss-Seidel sweeps over the weights at every update.  The sums change little from one update to
the next, so one sweep from the previous weights tracks the solution: 4 sweeps gave the same
held-out bpsp (3.0379 with v5) at more cost."""
SUM_LIMIT = 1 << 40
"""Sums are halved (all of a bucket's together) while a diagonal entry is above this, which keeps
``Σ x xᵀ · w`` below 2^63 whatever the image size."""
_NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


class ResidualRegression:
    """The regression state of one image.

    Args:
        channels: C.
        height, width: the image's size.
        reciprocals: int64 ``(J,)``, ``round(2^16 / s_j)`` for every scale index (the weights file's).
        buckets: contexts per channel (scale buckets).
    """

    def __init__(self, channels: int, height: int, width: int, reciprocals: torch.Tensor, buckets: int) -> None:
        self.width = width
        padded = (height + 2) * (width + 2)
        # errors on a canvas with a one-pixel border; 0 where nothing is known yet
        self.errors = torch.zeros((channels, padded), dtype=torch.int64)
        self._offsets = torch.tensor([dy * (width + 2) + dx for dy, dx in _NEIGHBOURS], dtype=torch.int64)
        self.reciprocals = reciprocals
        dims = [c + len(_NEIGHBOURS) for c in range(channels)]
        self.xx = [torch.zeros((buckets, d, d), dtype=torch.int64) for d in dims]
        self.xy = [torch.zeros((buckets, d), dtype=torch.int64) for d in dims]
        self.weights = [torch.zeros((buckets, d), dtype=torch.int64) for d in dims]

    def regressors(self, channel: int, positions: torch.Tensor) -> torch.Tensor:
        """The rows' regressors: int64 ``(n, channel + 8)``, the lower channels' errors then the neighbours'."""
        padded = self._padded(positions)
        lower = [gather(self.errors[c], padded)[:, None] for c in range(channel)]
        around = gather(self.errors[channel], padded[:, None] + self._offsets)
        return torch.cat([*lower, around], dim=1)

    def corrections(self, channel: int, regressors: torch.Tensor, bucket: torch.Tensor,
                    scale_index: torch.Tensor) -> torch.Tensor:
        """Each row's mean correction in 1/16 pixel: int64 ``(n,)``.

        Args:
            regressors: from :meth:`regressors`.
            bucket: int64 ``(n,)`` scale bucket.
            scale_index: int64 ``(n,)`` of the heaviest component.
        """
        predicted = (regressors * self.weights[channel][bucket]).sum(dim=1)  # 1/(Z_ONE·W_ONE) of a scale
        reciprocal = gather(self.reciprocals, scale_index)
        # predicted · s · 16 / (Z_ONE · W_ONE) with s = 2^16 / reciprocal, rounded to nearest
        factor = 16 * 65536 // (Z_ONE * W_ONE)
        delta = torch.div(2 * factor * predicted + reciprocal, 2 * reciprocal, rounding_mode="floor")
        return delta.clamp_(-DELTA_LIMIT, DELTA_LIMIT)

    def learn(self, channel: int, positions: torch.Tensor, regressors: torch.Tensor, bucket: torch.Tensor,
              residual: torch.Tensor, scale_index: torch.Tensor) -> None:
        """Add revealed rows: their regressors, residual (1/16 pixel) and heaviest scale index (int64)."""
        error = ((residual * gather(self.reciprocals, scale_index)) >> _RECIPROCAL_SHIFT).clamp_(-Z_LIMIT, Z_LIMIT)
        xx, xy = self.xx[channel], self.xy[channel]
        xx -= xx >> DECAY_SHIFT
        xy -= xy >> DECAY_SHIFT
        for b, rows in _rows_by_bucket(bucket):
            x = regressors[rows]
            products = _products(x, torch.cat([x, error[rows, None]], dim=1))
            xx[b] += products[:, :-1]
            xy[b] += products[:, -1]
        while bool((big := (torch.diagonal(xx, dim1=1, dim2=2) > SUM_LIMIT).any(dim=1)).any()):
            xx[big] >>= 1
            xy[big] >>= 1
        padded = self._padded(positions)
        self.errors[channel].index_copy_(0, padded, error)
        self._sweep(channel)

    def _sweep(self, channel: int) -> None:
        """Gauss-Seidel on ``(Σ x xᵀ + RIDGE·I) w = W_ONE · Σ x z``, every bucket at once, in integers."""
        a = self.xx[channel] + RIDGE * torch.eye(self.xx[channel].shape[1], dtype=torch.int64)
        target = W_ONE * self.xy[channel]
        w = self.weights[channel]
        for _ in range(SWEEPS):
            for i in range(w.shape[1]):
                pivot = a[:, i, i]
                step = torch.div(2 * (target[:, i] - (a[:, i, :] * w).sum(dim=1)) + pivot, 2 * pivot, rounding_mode="floor")
                w[:, i] = (w[:, i] + step).clamp_(-W_LIMIT, W_LIMIT)

    def _padded(self, positions: torch.Tensor) -> torch.Tensor:
        # y·W + x → (y + 1)·(W + 2) + x + 1
        return positions + 2 * torch.div(positions, self.width, rounding_mode="floor") + self.width + 3


def _rows_by_bucket(bucket: torch.Tensor) -> list[tuple[int, torch.Tensor]]:
    """``(bucket, its row indices)`` for every bucket present, in increasing order."""
    order = torch.argsort(bucket, stable=True)
    present, counts = torch.unique_consecutive(bucket[order], return_counts=True)
    return list(zip(present.tolist(), torch.split(order, counts.tolist())))


def _products(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``xᵀ y`` of int64 matrices whose entries are at most ``Z_LIMIT``: int64, exact.

    Each product is at most 2^18 and a sum has fewer than 2^35 of them, so the float64 GEMM
    adds integers below 2^53 and its result does not depend on the order or the kernel.
    """
    if len(x) >= 1 << 35:
        raise ValueError("too many rows for an exact float64 sum")
    return (x.T.to(torch.float64) @ y.to(torch.float64)).to(torch.int64)
