"""Radio impairments as small streaming stages, and :class:`Impairments` chaining the enabled ones.

Order (as in a receiver front end): carrier frequency offset → Wiener phase
noise → sampling-clock offset and timing offset (one resampler) → receiver IQ
imbalance → DC offset.  Every setting defaults to zero, and the default
:class:`Impairments` is the identity (returns the input samples unchanged).

* CFO: ``y[n] = x[n]·exp(2πi·cfo_hz·n/sample_rate)``, ``n`` counting from the
  stream start, so the phase is continuous across calls.
* Phase noise: ``y[n] = x[n]·exp(iφ[n])``, ``φ[0] = 0``,
  ``φ[n] = φ[n−1] + N(0, 2π·linewidth_hz/sample_rate)`` (Wiener process whose
  Lorentzian spectrum has 3-dB full width ``linewidth_hz``).
* SCO / timing offset: :class:`ddm_sscc.channel.resample.Resampler`
  (``sco_ppm > 0``: tone frequencies scale by ``1 + ppm·1e−6``; ``timing_offset``
  in samples delays the stream; delay compensated, holds back ≤ 16 + max(0, −timing_offset) samples).
* IQ imbalance (receiver): Q branch with gain ``g = 10**(iq_amplitude_db/20)``
  and phase error ``φ = iq_phase_deg``: ``y = μ·x + ν·conj(x)`` with
  ``μ = (1 + g·e^{−iφ})/2`` and ``ν = (1 − g·e^{iφ})/2``; image rejection
  ratio ``|μ|²/|ν|² = (1 + 2g·cos φ + g²)/(1 − 2g·cos φ + g²)``.
* DC offset: ``y = x + dc_offset``.

:class:`ImpairmentConfig` also bounds the settings to plausible values, so that none
overflows: ``|iq_amplitude_db| <=`` :data:`MAX_IQ_AMPLITUDE_DB`, ``|dc_offset| <=``
:data:`MAX_DC_OFFSET` (in units of the bursts' RMS amplitude).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddm_sscc.channel._checks import bounded, complex_value, generator, non_negative, positive, real
from ddm_sscc.channel.resample import MAX_DELAY_SAMPLES, MAX_SCO_PPM, Resampler
from ddm_sscc.channel.stage import Chain, Stage
from ddm_sscc.errors import ConfigError

MAX_IQ_AMPLITUDE_DB = 20.0
MAX_DC_OFFSET = 10.0


class CarrierFrequencyOffset(Stage):
    """Rotates the stream by ``exp(2πi·cfo_hz·n/sample_rate)``, phase continuous across calls."""

    def __init__(self, cfo_hz: float, sample_rate: float) -> None:
        self.sample_rate = positive("sample_rate", sample_rate)
        self.cfo_hz = real("cfo_hz", cfo_hz)
        if abs(self.cfo_hz) >= self.sample_rate / 2:
            raise ConfigError(f"cfo_hz must lie within ±sample_rate/2, got {self.cfo_hz}")
        self._cycles_per_sample = self.cfo_hz / self.sample_rate
        self._n = 0

    def _process(self, x: np.ndarray) -> np.ndarray:
        n = np.arange(self._n, self._n + x.size, dtype=np.float64)
        self._n += x.size
        # Reduce to [0, 1) cycles from the absolute index: identical whatever the chunking.
        cycles = np.mod(self._cycles_per_sample * n, 1.0)
        return x * np.exp(2j * np.pi * cycles)


class PhaseNoise(Stage):
    """Wiener phase noise of 3-dB linewidth ``linewidth_hz``: ``y = x·exp(iφ)`` (module docstring)."""

    def __init__(self, linewidth_hz: float, sample_rate: float, rng: np.random.Generator | int) -> None:
        self.linewidth_hz = non_negative("phase_noise_linewidth_hz", linewidth_hz)
        self.sample_rate = positive("sample_rate", sample_rate)
        self.step_std = float(np.sqrt(2.0 * np.pi * self.linewidth_hz / self.sample_rate))
        self._rng = generator(rng)
        self._phase = 0.0
        self._started = False

    def _process(self, x: np.ndarray) -> np.ndarray:
        steps = self._rng.standard_normal(x.size) * self.step_std
        if not self._started:
            steps[0] = 0.0  # φ[0] = 0; the draw is still consumed so chunking does not matter
            self._started = True
        # Prepend the running phase: cumsum then adds in the same order as over the whole stream.
        phase = np.cumsum(np.concatenate([[self._phase], steps]))[1:]
        self._phase = float(phase[-1])
        return x * np.exp(1j * phase)


class IqImbalance(Stage):
    """Receiver IQ imbalance ``y = μ·x + ν·conj(x)`` (module docstring)."""

    def __init__(self, amplitude_db: float, phase_deg: float) -> None:
        self.amplitude_db = real("iq_amplitude_db", amplitude_db)
        self.phase_deg = bounded("iq_phase_deg", phase_deg, 45.0)
        g = 10.0 ** (self.amplitude_db / 20.0)
        phi = np.deg2rad(self.phase_deg)
        self.mu = complex((1.0 + g * np.exp(-1j * phi)) / 2.0)
        self.nu = complex((1.0 - g * np.exp(1j * phi)) / 2.0)

    def image_rejection_ratio_db(self) -> float:
        """``10·log10(|μ|²/|ν|²)`` (inf without imbalance)."""
        if self.nu == 0:
            return float("inf")
        return float(10.0 * np.log10(abs(self.mu) ** 2 / abs(self.nu) ** 2))

    def _process(self, x: np.ndarray) -> np.ndarray:
        return self.mu * x + self.nu * np.conj(x)


class DcOffset(Stage):
    """Adds a constant complex ``offset``."""

    def __init__(self, offset: complex) -> None:
        self.offset = complex_value("dc_offset", offset)

    def _process(self, x: np.ndarray) -> np.ndarray:
        return x + self.offset


@dataclass(frozen=True)
class ImpairmentConfig:
    """Radio impairment settings (all zero = none); validated on construction (:class:`ConfigError`)."""

    sample_rate: float = 2e6
    cfo_hz: float = 0.0
    sco_ppm: float = 0.0
    timing_offset: float = 0.0
    phase_noise_linewidth_hz: float = 0.0
    iq_amplitude_db: float = 0.0
    iq_phase_deg: float = 0.0
    dc_offset: complex = 0j

    def __post_init__(self) -> None:
        rate = positive("sample_rate", self.sample_rate)
        cfo = real("cfo_hz", self.cfo_hz)
        if abs(cfo) >= rate / 2:
            raise ConfigError(f"cfo_hz must lie within ±sample_rate/2, got {cfo}")
        bounded("sco_ppm", self.sco_ppm, MAX_SCO_PPM)
        bounded("timing_offset", self.timing_offset, MAX_DELAY_SAMPLES)
        non_negative("phase_noise_linewidth_hz", self.phase_noise_linewidth_hz)
        bounded("iq_amplitude_db", self.iq_amplitude_db, MAX_IQ_AMPLITUDE_DB)
        bounded("iq_phase_deg", self.iq_phase_deg, 45.0)
        dc = complex_value("dc_offset", self.dc_offset)
        if abs(dc) > MAX_DC_OFFSET:
            raise ConfigError(f"dc_offset must have magnitude at most {MAX_DC_OFFSET:g}, got {dc}")

    @property
    def is_identity(self) -> bool:
        return all(
            v == 0
            for v in (
                self.cfo_hz,
                self.sco_ppm,
                self.timing_offset,
                self.phase_noise_linewidth_hz,
                self.iq_amplitude_db,
                self.iq_phase_deg,
                self.dc_offset,
            )
        )


class Impairments(Chain):
    """The enabled impairments of ``config`` in receiver order; the identity when none is set.

    ``rng`` (Generator or int seed) is needed only for phase noise.  ``process(x)``
    returns ``complex64``; with SCO or timing offset it holds back a few samples
    per call (``flush()`` releases them) and with SCO the output rate differs.
    """

    def __init__(self, config: ImpairmentConfig | None = None, rng: np.random.Generator | int | None = None) -> None:
        self.config = config = ImpairmentConfig() if config is None else config
        stages: list[Stage] = []
        if config.cfo_hz != 0:
            stages.append(CarrierFrequencyOffset(config.cfo_hz, config.sample_rate))
        if config.phase_noise_linewidth_hz != 0:
            if rng is None:
                raise ConfigError("phase_noise_linewidth_hz > 0 needs an rng (Generator or seed)")
            stages.append(PhaseNoise(config.phase_noise_linewidth_hz, config.sample_rate, rng))
        if config.sco_ppm != 0 or config.timing_offset != 0:
            stages.append(Resampler(config.sco_ppm, config.timing_offset))
        if config.iq_amplitude_db != 0 or config.iq_phase_deg != 0:
            stages.append(IqImbalance(config.iq_amplitude_db, config.iq_phase_deg))
        if config.dc_offset != 0:
            stages.append(DcOffset(config.dc_offset))
        super().__init__(stages)
