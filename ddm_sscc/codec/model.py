"""The interface between the codec engine and any denoising network.

A model sees the partly revealed canvas and returns, for each queried
position, logits over the 256 values of one channel.  The engine turns them
into integer tables (:mod:`ddm_sscc.codec.tables`) and never looks inside the
model, so any network plugs in as long as it is *deterministic*: the same
canvas, positions and step must give bit-identical logits in the encoder and
the decoder, whatever ``torch.set_num_threads`` says.  Models are always
called with exactly the same arguments on both sides (one image, the
positions of one step, in order), so batching across images or threads is
never part of the contract.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import torch

from ddm_sscc.codec.order import OrderKind

if TYPE_CHECKING:
    from ddm_sscc.codec.narrow_tables import NarrowTables


@dataclass(frozen=True)
class StepInfo:
    """Where a model call sits in the reverse-denoising process.

    Attributes:
        index: step ``t`` in ``0..steps-1``.
        steps: ``T``, the number of steps.
        mask_ratio: fraction of pixel positions still masked before this step,
            in ``(0, 1]`` (exactly ``masked / (H·W)``).
        channel: the channel being predicted, ``0..channels-1``.  Colour is
            coded channel-conditionally: when channel ``c`` is queried, channels
            ``< c`` of the queried positions are already revealed on the canvas.
        channels: ``C``, 1 or 3.
    """

    index: int
    steps: int
    mask_ratio: float
    channel: int
    channels: int


@runtime_checkable
class DenoisingModel(Protocol):
    """What the engine needs from a probability model.

    Attributes:
        model_id: short ASCII name stored in every ``.ddm`` header (≤ 64 chars).
        weights_sha256: SHA-256 (32 bytes) of the weights; the decoder refuses
            a file whose header names other weights.
    """

    model_id: str
    weights_sha256: bytes

    def logits(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo) -> torch.Tensor:
        """Predict one channel at the given positions.

        Args:
            canvas: int64 ``(C, H, W)``; values 0..255, or MASK (256) where unrevealed.
            positions: int64 ``(n,)`` flat indices ``y * W + x``, masked in ``step.channel``
                (the engine may split a step's positions into several calls).
            step: where in the process this call is.

        Returns:
            float32 or float64 logits ``(n, 256)``; finite.
        """
        ...


class CalibrationMode(enum.IntEnum):
    """How an adaptive model calibrates its tables (from the ``.ddm`` header's flags)."""

    OFF = 0
    OFFLINE = 1
    ONLINE = 2


@runtime_checkable
class ImageSession(Protocol):
    """One image's pass through an adaptive model (encoder and decoder each make one)."""

    def tables(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo,
               narrow: bool = False) -> np.ndarray | NarrowTables:
        """Integer frequency tables int64 ``(n, 256)`` (rows sum to ``2^20``, entries ≥ 1), or with
        ``narrow`` (only asked of models whose ``narrow_tables`` is true) their narrow form.

        Called in coding order, possibly several times (in chunks of positions) for one
        (step, channel); the values of every earlier (step, channel) are on ``canvas``, so
        the session may learn from them, and those of the current one are not yet.  The tables must come from a recipe in
        :mod:`ddm_sscc.codec.tables`, the choke point from model outputs to integers.
        """
        ...


@runtime_checkable
class AdaptiveModel(Protocol):
    """A model that makes its own integer tables and adapts to each image while coding."""

    model_id: str
    weights_sha256: bytes

    # ``narrow_tables = True`` (optional): the sessions' tables have a narrow form, which
    # encoders use (:func:`narrow_tables`)

    def start_image(self, channels: int, calibration: CalibrationMode) -> ImageSession:
        """A fresh per-image state."""
        ...


def narrow_tables(model: DenoisingModel) -> bool:
    """Whether ``model``'s sessions make narrow tables (:mod:`ddm_sscc.codec.narrow_tables`), which
    an encoder then uses unless told otherwise."""
    return bool(getattr(model, "narrow_tables", False))


def trained_order(model: DenoisingModel) -> OrderKind:
    """The order ``model`` was trained for (its ``trained_order``; Halton for models that do not say),
    which an encoder uses unless told otherwise."""
    return getattr(model, "trained_order", OrderKind.HALTON)
