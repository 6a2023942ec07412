"""Temperature calibration: tables are ``softmax(logits / τ)``.

A calibration maps where the engine is in the denoising process, the mask
ratio and the step, to a temperature τ > 0: τ < 1 sharpens the tables, τ > 1
flattens them.  The trained module arrives with the trained network; until
then :class:`IdentityCalibration` (τ = 1) is the default.  The container
records whether calibration was on, and the table recipe quantises τ
(:func:`ddm_sscc.codec.tables.quantize_temperature`) so that both sides use
the same value.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Calibration(Protocol):
    """Anything that gives a temperature for a denoising step."""

    def temperature(self, mask_ratio: float, step: int, steps: int) -> float:
        """τ for step ``step`` of ``steps`` with ``mask_ratio`` of positions still masked."""
        ...


class IdentityCalibration:
    """τ = 1 everywhere: the model's own tables."""

    def temperature(self, mask_ratio: float, step: int, steps: int) -> float:
        return 1.0
