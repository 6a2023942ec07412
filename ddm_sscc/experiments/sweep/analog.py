"""Analog (joint source-channel) systems in the sweep: the interface, DeepJSCC behind it, and one trial.

An analog system maps pixels straight to channel symbols and back, so it has no
stream, no frames and no OFDM: :meth:`AnalogSystem.transmit` sends one image through
a :class:`~ddm_sscc.channel.ChannelConfig` and returns the reconstruction and the
complex channel uses it spent.  The trial's channel gets the SNR, channel kind and
a seed from the trial seed; no CFO or timing offset (an analog baseline has no
synchroniser to compensate them; DeepJSCC assumes an ideal coherent receiver).

``deepjscc`` is :mod:`ddm_sscc.experiments.deepjscc` (``load_deepjscc()``,
``deepjscc_transmit(model, pixels, channel_config)``), imported only when asked for;
if it or its weights are missing, :func:`load_analog_system` raises
``ConfigError("deepjscc weights not available …")``.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol, runtime_checkable

import numpy as np

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.experiments.sweep.settings import ANALOG_SYSTEMS, SweepSettings
from ddm_sscc.experiments.sweep.tasks import TrialTask, trial_seed


@runtime_checkable
class AnalogSystem(Protocol):
    """A system that sends pixels as analog channel symbols."""

    name: str

    def transmit(self, pixels: np.ndarray, channel_config: ChannelConfig) -> tuple[np.ndarray, int]:
        """Send uint8 ``(H, W, C)`` ``pixels``; returns ``(recon uint8 (H, W, C), n_channel_uses)``.

        Must be deterministic for the same pixels and config (seed included).
        """
        ...


class DeepJsccSystem:
    """:mod:`ddm_sscc.experiments.deepjscc` behind :class:`AnalogSystem` (weights loaded once)."""

    name = "deepjscc"

    def __init__(self) -> None:
        try:
            from ddm_sscc.experiments.deepjscc import zoo
        except ImportError as exc:
            raise ConfigError(
                f"deepjscc weights not available (cannot import ddm_sscc.experiments.deepjscc: {exc})"
            ) from None
        try:
            self._model = zoo.load_deepjscc()
        except (DdmError, OSError) as exc:
            raise ConfigError(f"deepjscc weights not available ({exc})") from None
        self._transmit = zoo.deepjscc_transmit

    def transmit(self, pixels: np.ndarray, channel_config: ChannelConfig) -> tuple[np.ndarray, int]:
        recon, n_cu = self._transmit(self._model, pixels, channel_config)
        return np.asarray(recon, dtype=np.uint8), int(n_cu)


_LOADED: dict[str, AnalogSystem] = {}
_LOCK = threading.Lock()


def load_analog_system(name: str) -> AnalogSystem:
    """The analog system ``name`` (loaded once per process); :class:`ConfigError` if unavailable."""
    if name not in ANALOG_SYSTEMS:
        raise ConfigError(f"{name!r} is not an analog system ({', '.join(ANALOG_SYSTEMS)})")
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = DeepJsccSystem()
        return _LOADED[name]


def psnr_db(reference: np.ndarray, recon: np.ndarray) -> float | None:
    """PSNR of 8-bit images in dB (peak 255); None when they are identical (infinite)."""
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(recon, dtype=np.float64)
    if a.shape != b.shape:
        raise ConfigError(f"PSNR of images of different shapes {a.shape} and {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return None if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def run_analog_trial(task: TrialTask, pixels: np.ndarray, settings: SweepSettings) -> TrialRow:
    """Send ``pixels`` once with the analog system ``task.system``; the row of the trial."""
    start = time.perf_counter()
    system = load_analog_system(task.system)
    seed = trial_seed(settings.seed, task.image_index, task.system, task.snr_db, task.trial)
    config = ChannelConfig(
        kind=task.channel, snr_db=task.snr_db, profile=settings.profile, seed=int(seed.generate_state(1, np.uint64)[0])
    )
    recon, n_cu = system.transmit(pixels, config)
    exact = recon.shape == pixels.shape and bool(np.array_equal(recon, pixels))
    subpixels = int(pixels.size)
    return TrialRow.of_trial(
        task,
        mcs="",
        subpixels=subpixels,
        n_cu=n_cu,
        source_bits=None,
        bpsp=None,
        repair=0.0,
        frames_sent=0,
        frames_lost=0,
        frames_needed=None,
        fading_blocks=0 if task.channel == "awgn" else 1,
        exact=exact,
        psnr=None if exact or recon.shape != pixels.shape else psnr_db(pixels, recon),
        seconds=time.perf_counter() - start,
    )
