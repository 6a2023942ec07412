"""Temperature calibration: tables are ``softmax(logits / τ)``.

A calibration maps where the engine is in the denoising process, the mask
ratio and the step, to a temperature τ > 0: τ < 1 sharpens the tables, τ > 1
flattens them.  A model without a calibration (``None`` in
:class:`~ddm_sscc.codec.engine.DiffusionCodec`) codes with τ = 1; a trained
:class:`TemperatureCalibration` is stored in the model's checkpoint.  The container
records whether calibration was on, and the table recipe quantises τ
(:func:`ddm_sscc.codec.tables.quantize_temperature`) so that both sides use
the same value.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class Calibration(Protocol):
    """Anything that gives a temperature for a denoising step."""

    def temperature(self, mask_ratio: float, step: int, steps: int) -> float:
        """τ for step ``step`` of ``steps`` with ``mask_ratio`` of positions still masked."""
        ...


class TemperatureCalibration(torch.nn.Module):
    """A tiny network (81 parameters) mapping (mask ratio, step) to τ.

    Input features ``[r, r², (t + 1)/T]``; ``τ = exp(MLP(features))``, so τ = 1
    when the output layer is zero (its initial state).  Evaluated in float64 on
    the CPU for one (r, t) at a time, so encoder and decoder compute the same τ;
    the table recipe then rounds τ to a 1/4096 grid.
    """

    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1))
        torch.nn.init.zeros_(self.net[-1].weight)
        torch.nn.init.zeros_(self.net[-1].bias)
        self.double()

    def log_tau(self, ratio: torch.Tensor, step: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        """Batched log τ for training: all arguments float64 ``(n,)``."""
        features = torch.stack([ratio, ratio * ratio, (step + 1) / steps], dim=1)
        return self.net(features)[:, 0]

    def temperature(self, mask_ratio: float, step: int, steps: int) -> float:
        with torch.no_grad():
            value = self.log_tau(*(torch.tensor([v], dtype=torch.float64) for v in (mask_ratio, step, steps)))
        return float(torch.exp(value)[0])
