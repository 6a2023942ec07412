"""Reveal schedules: how many positions each denoising step reveals.

With ``T`` steps the *masked fraction after step t* follows a curve
``m(t)`` falling from 1 to 0:

``cosine`` (mask-ratio-aware)
    ``m(t) = cos(π/2 · t/T)``: few tokens early, while the canvas is nearly
    empty and every prediction is uncertain; many late, when context is rich
    and tables are sharp.
``linear``
    ``m(t) = 1 − t/T``, for ablation.

Integer counts: each step first gets one position, so every step reveals at
least one; the other ``N − T`` positions follow the curve, the cumulative
count after step ``t`` being ``t + round((N − T)·(1 − m(t)))``.  The counts
sum exactly to ``N``.  When ``N < T`` the schedule has ``N`` steps: use
:func:`effective_steps`, which the container records.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from ddm_sscc.errors import ConfigError

MAX_STEPS = 4096
DEFAULT_STEPS = 32
"""T when none is given, for images under :data:`LARGE_IMAGE_PIXELS` (:func:`default_steps`).  The
time goes with the revealed pixels, not with the steps, so T = 32 costs little more than 16 and
codes smaller (the measurements are in ``ddm_sscc/codec/weights/MODEL_CARD.md``)."""
LARGE_IMAGE_STEPS = 64
"""T when none is given, for images of at least :data:`LARGE_IMAGE_PIXELS` pixels."""
LARGE_IMAGE_PIXELS = 128 * 128
"""Where T = 64 starts to code smaller than T = 32: with the default model +0.07 % at 64 × 64,
−0.17 % at 128 × 128 and −0.31 % on 768 × 512 photos (MODEL_CARD, "T by image size")."""
DEFAULT_STEPS_HELP = (
    f"denoising steps T (default {DEFAULT_STEPS}, or {LARGE_IMAGE_STEPS} for images of "
    f"{LARGE_IMAGE_PIXELS} pixels, 128 x 128, or more)"
)
"""The ``--steps`` help of every command that codes an image."""


def default_steps(positions: int) -> int:
    """T for an image of ``positions`` = H·W pixels when the user gives none.

    Every command, block and flowgraph leaves ``steps`` as None to get it; the header records
    the T used, so the decoder needs no rule.
    """
    return LARGE_IMAGE_STEPS if positions >= LARGE_IMAGE_PIXELS else DEFAULT_STEPS


def steps_label(steps: int | None) -> str:
    """``steps`` as reports and result keys name it: the number, or the size rule for None."""
    return str(steps) if steps is not None else f"{DEFAULT_STEPS}/{LARGE_IMAGE_STEPS} by size"


class ScheduleKind(enum.IntEnum):
    """Schedule ids as stored in the ``.ddm`` header."""

    LINEAR = 0
    COSINE = 1


def effective_steps(positions: int, steps: int) -> int:
    """The number of steps actually run: ``min(steps, positions)``."""
    if not 1 <= steps <= MAX_STEPS:
        raise ConfigError(f"steps must be in 1..{MAX_STEPS}, got {steps}")
    if positions < 1:
        raise ConfigError(f"need at least one position, got {positions}")
    return min(steps, positions)


def _revealed_fraction(kind: ScheduleKind, t: int, steps: int) -> float:
    if kind == ScheduleKind.COSINE:
        return 1.0 - math.cos(math.pi / 2 * t / steps)
    if kind == ScheduleKind.LINEAR:
        return t / steps
    raise ConfigError(f"unknown schedule id {int(kind)}")


def step_counts(kind: ScheduleKind, positions: int, steps: int) -> np.ndarray:
    """Positions revealed per step.

    Args:
        kind: the schedule curve.
        positions: N, the number of pixel positions (H·W).
        steps: T, at most N (see :func:`effective_steps`).

    Returns:
        int64 array of shape ``(T,)``, every entry ≥ 1, summing to N.
    """
    if effective_steps(positions, steps) != steps:
        raise ConfigError(f"{steps} steps cannot each reveal one of {positions} positions")
    spare = positions - steps
    # The endpoints are pinned so float rounding can never break the sum.
    cumulative = [0] + [t + round(spare * _revealed_fraction(kind, t, steps)) for t in range(1, steps)]
    cumulative.append(positions)
    counts = np.diff(np.asarray(cumulative, dtype=np.int64))
    assert counts.min() >= 1 and int(counts.sum()) == positions
    return counts


def cosine_schedule(positions: int, steps: int) -> np.ndarray:
    """Mask-ratio-aware cosine schedule; see :func:`step_counts`."""
    return step_counts(ScheduleKind.COSINE, positions, steps)


def linear_schedule(positions: int, steps: int) -> np.ndarray:
    """Linear schedule (ablation); see :func:`step_counts`."""
    return step_counts(ScheduleKind.LINEAR, positions, steps)
