"""The integer feature model: local features, an integer MLP per channel, a logistic mixture.

A masked discrete-diffusion denoiser built for CPUs and for bit-exact tables on
any machine.  Each step it summarises the canvas once (``O(H·W)`` prefix sums),
then for the positions the step reveals computes features of the revealed
neighbourhood on every side (:mod:`ddm_sscc.codec.local_features`), runs the
integer network of the channel (:mod:`ddm_sscc.codec.integer_network`), and
turns its mixture into tables (:class:`ddm_sscc.codec.tables.LogisticMixtureTables`).
Its cost per step is proportional to the positions the step reveals plus the
shared summary.

Calibration (the header's flags, see :class:`~ddm_sscc.codec.model.CalibrationMode`):
``offline`` adds the weights file's per-step scale shifts; ``online`` adds the
per-image adaptation of :mod:`ddm_sscc.codec.online_adaptation` on top.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from ddm_sscc.codec.feature_network import head_index
from ddm_sscc.codec.feature_weights import CALIBRATION_BUCKETS, FeatureWeights, load_feature_weights
from ddm_sscc.codec.integer_network import MEAN_STEPS, SCALE_INDICES, build_heads
from ddm_sscc.codec.local_features import VALUE_SCALE, features, step_quantities, summarise
from ddm_sscc.codec.model import CalibrationMode, StepInfo
from ddm_sscc.codec.narrow_tables import NarrowTables
from ddm_sscc.codec.online_adaptation import OnlineAdaptation
from ddm_sscc.codec.tables import LogisticMixtureTables


def calibration_bucket(mask_ratio_q: int) -> int:
    """Which of the offline calibration's 16 mask-ratio buckets a step falls in."""
    return min(mask_ratio_q * CALIBRATION_BUCKETS // 256, CALIBRATION_BUCKETS - 1)


class FeatureModel:
    """The zoo's integer feature model, loaded from a weights file.

    Args:
        weights: from :func:`load_feature_weights`.
    """

    narrow_tables = True
    """Its tables have a narrow form (:mod:`ddm_sscc.codec.narrow_tables`)."""

    def __init__(self, weights: FeatureWeights) -> None:
        self.weights = weights
        self.model_id = weights.model_id
        self.weights_sha256 = weights.sha256
        self.components = weights.config.components
        self.trained_order = weights.config.order_kind
        config = weights.config
        self.heads = build_heads(weights.heads, self.components, weights.arithmetic, **config.feature_groups())
        self.tables = LogisticMixtureTables(weights.reciprocals, weights.cdf_table)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], expected_sha256: bytes | None = None) -> FeatureModel:
        return cls(load_feature_weights(path, expected_sha256))

    def start_image(self, channels: int, calibration: CalibrationMode) -> FeatureSession:
        """A fresh per-image state; encoder and decoder each make one per image."""
        return FeatureSession(self, channels, calibration)

    def logits(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo) -> torch.Tensor:
        """Float logits of the (uncalibrated) tables, for tools that want logits (not used to code)."""
        freqs = self.start_image(canvas.shape[0], CalibrationMode.OFF).tables(canvas, positions, step)
        return torch.from_numpy(np.log(freqs.astype(np.float64)))


class FeatureSession:
    """One image's pass through the model: the step summary and the adaptive state."""

    def __init__(self, model: FeatureModel, channels: int, calibration: CalibrationMode) -> None:
        self.model = model
        self.channels = channels
        self.calibration = calibration
        self.adaptation = (
            OnlineAdaptation(channels, model.tables, model.weights.log2_table, SCALE_INDICES, model.weights.adaptation)
            if calibration == CalibrationMode.ONLINE else None
        )
        self._summary_key: tuple[int, int] | None = None
        self._adapted_at: tuple[int, int] | None = None
        self._summary = None

    def tables(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo,
               narrow: bool = False) -> np.ndarray | NarrowTables:
        """Integer frequency tables ``(n, 256)`` of ``step.channel`` at ``positions``, or their
        narrow form (:mod:`ddm_sscc.codec.narrow_tables`) when ``narrow``."""
        key = (step.index, step.steps)
        if key != self._summary_key:
            config = self.model.weights.config
            self._summary = summarise(canvas, **config.feature_groups())
            self._summary_key = key
        if self.adaptation is not None and (step.index, step.channel) != self._adapted_at:
            # learn once per (step, channel): the engine may ask for one in several chunks,
            # and writes their values only after the last
            self.adaptation.update(canvas)
            self._adapted_at = (step.index, step.channel)
        mask_q, step_q = step_quantities(step.mask_ratio, step.index, step.steps)
        index = head_index(self.channels, step.channel)
        head = self.model.heads[index]
        # the features are clamped to the head's column limits as they are written
        base, feats = features(canvas, self._summary, positions, step.channel, mask_q, step_q, head.input_dtype,
                               head.input_limits)
        means, scales, logits = head.mixture(feats, base, clamped=True)
        if self.calibration != CalibrationMode.OFF:
            scales = scales + int(self.model.weights.offline_shift[index, calibration_bucket(mask_q)])
        scales = scales.clamp(0, SCALE_INDICES - 1)
        if self.adaptation is not None:
            offsets = means - MEAN_STEPS // VALUE_SCALE * base[:, None]
            means, scales = self.adaptation.adapt(step.channel, positions, means, scales, logits, offsets)
        if narrow:
            return NarrowTables(self.model.tables, means, scales, logits)
        return self.model.tables.frequencies(means, scales, logits)

