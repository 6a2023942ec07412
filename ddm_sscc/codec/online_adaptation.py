"""Per-image adaptation between steps, in integers, identical in encoder and decoder.

After a (step, channel) is coded, both sides know its values.  Before the next
prediction they update the same state from them:

* **online temperature** (the paper's calibration, fitted to this image while it is
  coded): for every context (channel × scale bucket) the code length that each
  candidate scale shift *would have* given the pixels revealed so far, with the
  older steps' share halved at every update (``DECAY_SHIFT``).  Each new prediction uses the
  shift with the smallest total (the first on ties).
* **bias correction** (SSE-style): per context, the shrunk mean of the residual
  between the revealed value and the predicted mean is added to every mean.
* **residual regression** (models whose weights file sets ``regression``): the error of each
  row predicted from the errors already known around it and in its lower channels
  (:mod:`ddm_sscc.codec.residual_regression`), added to the means after the bias correction.

A context is the channel, the scale bucket of the row's heaviest component and, for models
whose weights file lists ``offset_cuts`` (:class:`AdaptationConfig`), the bucket of that
component's mean offset from the local base prediction (how far the network moved away
from the neighbourhood's mean: edges and extremes have their own corrections).

Code lengths use an integer ``log2`` (exact ``frexp`` and a stored table), so
every comparison is made on integers and cannot differ between machines.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ddm_sscc.codec.gather import gather
from ddm_sscc.codec.residual_regression import ResidualRegression
from ddm_sscc.codec.tables import CDF_ONE, LogisticMixtureTables, TABLE_TOTAL, mixture_weights

SHIFT_CANDIDATES = torch.tensor([0, -1, 1, -2, 2, -3, 3, -4, 4, -6, 6, -8, 8], dtype=torch.int64)
"""Scale-index shifts tried (1/16 in ln s each).  0 comes first, so a context with no data
(all costs 0) keeps the model's scale."""
SCALE_BUCKETS = 12
"""Scale-index buckets of width ``BUCKET_WIDTH`` from ``BUCKET_FROM`` (clamped at both ends)."""
BUCKET_FROM, BUCKET_WIDTH = 32, 8
BIAS_PRIOR = 16
"""The bias correction is ``Σ residual / (count + BIAS_PRIOR)``: little data, little correction."""
DECAY_SHIFT = 1
"""Older steps' statistics keep 1 − 2^-DECAY_SHIFT of their weight at every update."""


@dataclass(frozen=True)
class AdaptationConfig:
    """The context set of a model's adaptation, stored in its weights file (metadata ``adaptation``).

    Attributes:
        offset_cuts: increasing bucket edges, in 1/16 pixel, of the heaviest component's mean
            offset from the base prediction; empty: scale buckets only (``ddm-featmlp-int-v1``).
        regression: whether the residual regression corrects the means (from ``ddm-featmlp-lattice-v6``).
    """

    offset_cuts: tuple[int, ...] = ()
    regression: bool = False

    def __post_init__(self) -> None:
        cuts = self.offset_cuts
        if len(cuts) > 15 or any(not isinstance(c, int) or abs(c) > 4096 for c in cuts) or list(cuts) != sorted(set(cuts)):
            raise ValueError(f"offset_cuts must be at most 15 increasing integers in [-4096, 4096], got {cuts!r}")
        if not isinstance(self.regression, bool):
            raise ValueError(f"regression must be true or false, got {self.regression!r}")  # noqa: TRY004 (a bad file)

    @property
    def contexts(self) -> int:
        """Contexts per channel."""
        return SCALE_BUCKETS * (len(self.offset_cuts) + 1)


SCALE_CONTEXTS = AdaptationConfig()
"""Scale buckets only: the context set of models whose weights file has no ``adaptation``."""


@dataclass
class Prediction:
    """What one (step, channel) predicted, kept until its values are known (all int64).

    ``means_q`` and ``scale_index`` are the model's (before adaptation); ``bias`` is the
    bias correction and ``delta`` the regression's that were added to each row's means;
    ``regressors`` are the regression's inputs ``(n, d)`` (``d`` = 0 without one).
    """

    channel: int
    positions: torch.Tensor
    means_q: torch.Tensor
    scale_index: torch.Tensor
    logits_q: torch.Tensor
    bucket: torch.Tensor
    bias: torch.Tensor
    delta: torch.Tensor
    regressors: torch.Tensor


_ROW_FIELDS = ("positions", "means_q", "scale_index", "logits_q", "bucket", "bias", "delta", "regressors")


class OnlineAdaptation:
    """The adaptive state of one image.

    Args:
        channels: C.
        tables: the model's mixture tables (for code lengths).
        log2_table: int64 (1024,) from the weights file.
        scale_limit: J, the number of scale indices.
        config: the model's context set.
    """

    def __init__(self, channels: int, tables: LogisticMixtureTables, log2_table: torch.Tensor, scale_limit: int,
                 config: AdaptationConfig = SCALE_CONTEXTS) -> None:
        self.config = config
        self._cuts = torch.tensor(config.offset_cuts, dtype=torch.int64)
        shape = (channels, config.contexts)
        self.cost = torch.zeros(shape + (len(SHIFT_CANDIDATES),), dtype=torch.int64)
        self.residual = torch.zeros(shape, dtype=torch.int64)
        self.count = torch.zeros(shape, dtype=torch.int64)
        self.tables = tables
        self.log2_table = log2_table
        self.scale_limit = scale_limit
        self.pending: list[Prediction] = []
        self.regression: ResidualRegression | None = None  # made at the first update, which knows the size

    def adapt(self, channel: int, positions: torch.Tensor, means_q: torch.Tensor, scale_index: torch.Tensor,
              logits_q: torch.Tensor, offsets_q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The adapted means and scale indices of rows the model predicted (int64 ``(n, K)`` each),
        remembered so that :meth:`update` learns from them once their values are known.

        Args:
            positions: int64 ``(n,)`` flat positions.
            means_q, scale_index, logits_q: the model's mixture (scales after the offline calibration).
            offsets_q: the means' offsets from the base prediction (1/16 pixel).
        """
        bucket = self.buckets(scale_index, logits_q, offsets_q)
        bias, shift = self.corrections(channel, bucket)
        if self.regression is not None:
            regressors = self.regression.regressors(channel, positions)
            delta = self.regression.corrections(channel, regressors, self._scale_bucket(bucket),
                                                _heaviest(scale_index, logits_q))
        else:
            regressors, delta = torch.zeros((len(positions), 0), dtype=torch.int64), torch.zeros_like(bias)
        self.remember(Prediction(channel, positions, means_q, scale_index, logits_q, bucket, bias, delta, regressors))
        return means_q + (bias + delta)[:, None], (scale_index + shift[:, None]).clamp(0, self.scale_limit - 1)

    def buckets(self, scale_index: torch.Tensor, logits_q: torch.Tensor, offsets_q: torch.Tensor) -> torch.Tensor:
        """Context of each row (int64 ``(n,)``) from its mixture and its mean offsets from the base (1/16 pixel)."""
        bucket = ((_heaviest(scale_index, logits_q) - BUCKET_FROM) // BUCKET_WIDTH).clamp(0, SCALE_BUCKETS - 1)
        if len(self._cuts):
            offset = _heaviest(offsets_q, logits_q)
            bucket = bucket * (len(self._cuts) + 1) + torch.bucketize(offset, self._cuts)
        return bucket

    def corrections(self, channel: int, bucket: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The current bias (1/16 pixel) and scale shift of each row's context: int64 ``(n,)`` each."""
        bias = torch.div(self.residual[channel], self.count[channel] + BIAS_PRIOR, rounding_mode="floor")
        shift = SHIFT_CANDIDATES[self.cost[channel].argmin(dim=1)]
        return gather(bias, bucket), gather(shift, bucket)

    def remember(self, prediction: Prediction) -> None:
        self.pending.append(prediction)

    def update(self, canvas: torch.Tensor) -> None:
        """Learn from every remembered prediction whose values are now on ``canvas``.

        The parts of one channel (a step the engine asked for in chunks) are learnt as one,
        so the state, and the bits, do not depend on the chunking.
        """
        if self.config.regression and self.regression is None:
            channels, height, width = canvas.shape
            self.regression = ResidualRegression(channels, height, width, self.tables.reciprocals, SCALE_BUCKETS)
        for channel in sorted({p.channel for p in self.pending}):
            parts = [p for p in self.pending if p.channel == channel]
            merged = Prediction(channel, *(torch.cat([getattr(p, f) for p in parts]) for f in _ROW_FIELDS))
            self._learn(merged, gather(canvas[channel], merged.positions))
        self.pending = []

    def _learn(self, p: Prediction, values: torch.Tensor) -> None:
        c = p.channel
        buckets = self.config.contexts
        # bias: residual of the heaviest component's mean, in 1/16 pixel
        residual = (16 * values - _heaviest(p.means_q, p.logits_q)).clamp(-256, 256)
        if self.regression is not None:
            self.regression.learn(c, p.positions, p.regressors, self._scale_bucket(p.bucket),
                                  (residual - p.bias).clamp(-256, 256), _heaviest(p.scale_index, p.logits_q))
        self.residual[c] = self.residual[c] - (self.residual[c] >> DECAY_SHIFT) + torch.bincount(p.bucket, residual, buckets).to(torch.int64)
        self.count[c] = self.count[c] - (self.count[c] >> DECAY_SHIFT) + torch.bincount(p.bucket, minlength=buckets)
        # scale: code length of the revealed values under each candidate shift, all at once
        weights = mixture_weights(p.logits_q)
        mass_total = CDF_ONE * weights.sum(dim=1)
        floor = mass_total // TABLE_TOTAL  # the tables' +1 floor
        total = self._log2(mass_total + floor * 256)
        scales = (p.scale_index[:, :, None] + SHIFT_CANDIDATES).clamp(0, self.scale_limit - 1)
        mass = self.tables.masses_at_scales(p.means_q + (p.bias + p.delta)[:, None], scales, weights, values) + floor[:, None]
        bits = total[:, None] - self._log2(mass)
        costs = torch.zeros((buckets, len(SHIFT_CANDIDATES)), dtype=torch.int64).index_add_(0, p.bucket, bits)
        self.cost[c] = self.cost[c] - (self.cost[c] >> DECAY_SHIFT) + costs

    def _scale_bucket(self, bucket: torch.Tensor) -> torch.Tensor:
        return torch.div(bucket, len(self._cuts) + 1, rounding_mode="floor")

    def _log2(self, x: torch.Tensor) -> torch.Tensor:
        """``log2 x`` in 1/256 bit for int64 ``x`` in [1, 2^53): exact frexp, table for the mantissa."""
        mantissa, exponent = torch.frexp(x.to(torch.float64))
        index = torch.floor((mantissa - 0.5) * 2048).to(torch.int64).clamp_(0, 1023)
        return exponent.to(torch.int64) * 256 + gather(self.log2_table, index)


def _heaviest(values: torch.Tensor, logits_q: torch.Tensor) -> torch.Tensor:
    """Each row's value (int64 ``(n, K)``) of its heaviest component: ``(n,)``."""
    return torch.gather(values, 1, logits_q.argmax(dim=1, keepdim=True))[:, 0]
