"""The whole simulated channel from one config and one seed: fading → AWGN → radio impairments → AGC → ADC."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ddm_sscc.channel._checks import non_negative, positive_int, real, within
from ddm_sscc.channel.awgn import Awgn
from ddm_sscc.channel.gain_steps import MAX_STEP_DB, GainSteps
from ddm_sscc.channel.impairments import ImpairmentConfig, Impairments
from ddm_sscc.channel.quantisation import MAX_BITS, MIN_BITS, AdcQuantiser
from ddm_sscc.channel.rayleigh import RayleighBlockFading
from ddm_sscc.channel.stage import Chain, Stage
from ddm_sscc.channel.tdl import TappedDelayLine, profile_by_name
from ddm_sscc.errors import ConfigError

KINDS = ("awgn", "rayleigh", "selective")
FAST_RAYLEIGH = "fast-rayleigh"
SWEEP_ONLY_KINDS = (FAST_RAYLEIGH,)
"""Channel kinds that exist only in ``ddm-sscc sweep``: ``fast-rayleigh`` (i.i.d. Rayleigh per OFDM
resource element, perfect CSI and sync: the paper's idealised setting) is applied to the
frequency-domain grid (:mod:`ddm_sscc.experiments.sweep.fast_fading`), not to samples, so this
sample-level channel (and the ZeroMQ link built on it) refuses it."""
# Plausible ranges: a value outside is a typo (or a fuzzer), and some would overflow
# (10**(-snr/10) of snr_db = -1e300) or allocate without bound (a tapped delay line of
# 1e300 samples) further down.
SNR_DB_MIN, SNR_DB_MAX = -200.0, 200.0  # as the CLI's --snr (ddm_sscc/cli/common.py)
SAMPLE_RATE_MIN, SAMPLE_RATE_MAX = 1e3, 1e10
DELAY_SPREAD_MIN_NS, DELAY_SPREAD_MAX_NS = 1e-3, 1e5
MAX_DELAY_SAMPLES = 100_000
"""Longest path delay of a selective channel, in samples at its sample rate."""
ADC_FULL_SCALE_MIN, ADC_FULL_SCALE_MAX = 1e-3, 1e3
_IMPAIRMENT_FIELDS = tuple(f.name for f in dataclasses.fields(ImpairmentConfig))


@dataclass(frozen=True)
class ChannelConfig:
    """A simulated channel.  Invalid values raise :class:`ConfigError` naming the setting.

    * ``kind``: ``"awgn"`` (no fading), ``"rayleigh"`` (flat block fading, a new
      gain every ``block_samples`` samples or, if None, at each ``new_block()``),
      ``"selective"`` (tapped delay line with ``profile`` and ``doppler_hz``).
    * ``snr_db``: Es/N0 per sample (:mod:`ddm_sscc.channel.snr`), −200 … 200 dB; None = no noise.
    * ``profile``: ``EPA``/``EVA``/``ETU``/``FLAT``/``exponential`` (the last needs ``delay_spread_ns``).
    * ``sample_rate`` (Hz, 1 kHz … 10 GHz) and the impairment fields of :class:`ImpairmentConfig`
      (``phase_noise_linewidth_hz`` at most ``sample_rate``).
    * ``delay_spread_ns``: 0.001 … 100 000 ns; a selective channel's longest path
      delay must stay within :data:`MAX_DELAY_SAMPLES` samples.
    * ``agc_step_db``, ``agc_step_interval``: AGC-like gain steps of ±``agc_step_db`` dB
      on average every ``agc_step_interval`` samples (:mod:`ddm_sscc.channel.gain_steps`);
      0 = none.
    * ``adc_bits``, ``adc_full_scale``: ADC quantisation to ``adc_bits`` bits per I/Q
      component with the largest code at input amplitude ``adc_full_scale``
      (:mod:`ddm_sscc.channel.quantisation`); the output is then normalised to the ADC's
      full scale (±1.0, so ``y ≈ x / adc_full_scale``).  None = no quantisation.
      ``adc_full_scale`` lies in 0.001 … 1000 (the bursts have unit mean power).
    * ``seed``: the one seed every random stage derives its generator from.
    """

    kind: str = "awgn"
    snr_db: float | None = None
    profile: str = "EPA"
    delay_spread_ns: float | None = None
    doppler_hz: float = 0.0
    block_samples: int | None = None
    sample_rate: float = 2e6
    cfo_hz: float = 0.0
    sco_ppm: float = 0.0
    timing_offset: float = 0.0
    phase_noise_linewidth_hz: float = 0.0
    iq_amplitude_db: float = 0.0
    iq_phase_deg: float = 0.0
    dc_offset: complex = 0j
    agc_step_db: float = 0.0
    agc_step_interval: int | None = None
    adc_bits: int | None = None
    adc_full_scale: float = 4.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind in SWEEP_ONLY_KINDS:
            raise ConfigError(
                f"kind {self.kind!r} (i.i.d. Rayleigh per resource element, perfect CSI and sync) exists only in "
                f"`ddm-sscc sweep --channel {self.kind}`; the sample-level channel takes {', '.join(KINDS)}"
            )
        if self.kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.snr_db is not None:
            within("snr_db", self.snr_db, SNR_DB_MIN, SNR_DB_MAX, "dB")
        if self.delay_spread_ns is not None:
            within("delay_spread_ns", self.delay_spread_ns, DELAY_SPREAD_MIN_NS, DELAY_SPREAD_MAX_NS, "ns")
        profile = profile_by_name(self.profile, self.delay_spread_ns)
        non_negative("doppler_hz", self.doppler_hz)
        rate = within("sample_rate", self.sample_rate, SAMPLE_RATE_MIN, SAMPLE_RATE_MAX, "S/s")
        if self.kind == "selective":
            span = max(profile.delays_ns) * 1e-9 * rate
            if span > MAX_DELAY_SAMPLES:
                raise ConfigError(
                    f"profile {profile.name} spans {span:.3g} samples at sample_rate {rate:g} "
                    f"(at most {MAX_DELAY_SAMPLES}): lower delay_spread_ns or sample_rate"
                )
        if self.doppler_hz >= self.sample_rate / 2:
            raise ConfigError(f"doppler_hz must be below sample_rate/2, got {self.doppler_hz}")
        if self.doppler_hz != 0 and self.kind != "selective":
            raise ConfigError("doppler_hz needs kind 'selective' (use profile 'FLAT' for time-varying flat fading)")
        if self.block_samples is not None:
            positive_int("block_samples", self.block_samples)
            if self.kind != "rayleigh":
                raise ConfigError("block_samples applies to kind 'rayleigh' only")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        _ = self.impairments  # validates the impairment fields
        if self.phase_noise_linewidth_hz > rate:
            raise ConfigError(
                f"phase_noise_linewidth_hz must be at most sample_rate ({rate:g}), got {self.phase_noise_linewidth_hz}"
            )
        non_negative("agc_step_db", self.agc_step_db)
        if self.agc_step_db > MAX_STEP_DB:
            raise ConfigError(f"agc_step_db must lie in [0, {MAX_STEP_DB:g}], got {self.agc_step_db}")
        if self.agc_step_interval is not None:
            positive_int("agc_step_interval", self.agc_step_interval)
        elif self.agc_step_db != 0:
            raise ConfigError("agc_step_db > 0 needs agc_step_interval (mean samples between gain steps)")
        if self.adc_bits is not None:
            positive_int("adc_bits", self.adc_bits)
            if not MIN_BITS <= self.adc_bits <= MAX_BITS:
                raise ConfigError(f"adc_bits must lie in {MIN_BITS}..{MAX_BITS}, got {self.adc_bits}")
        within("adc_full_scale", self.adc_full_scale, ADC_FULL_SCALE_MIN, ADC_FULL_SCALE_MAX)

    @property
    def impairments(self) -> ImpairmentConfig:
        return ImpairmentConfig(**{name: getattr(self, name) for name in _IMPAIRMENT_FIELDS})

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChannelConfig:
        """Build from a plain mapping (e.g. parsed YAML); unknown keys and wrong types raise ConfigError.

        Numbers must be numbers (a YAML ``1e-3`` without a dot parses as a string and is refused);
        ``dc_offset`` may be a number or a ``[real, imag]`` pair.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"channel config must be a mapping, got {type(data).__name__}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, object] = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"unknown channel setting {key!r}; known: {', '.join(known)}")
            values[key] = _typed(key, value)
        return cls(**values)

    def to_dict(self) -> dict[str, object]:
        """The settings as plain values (``dc_offset`` as ``[real, imag]``); ``from_dict`` inverts it."""
        out = dataclasses.asdict(self)
        out["dc_offset"] = [complex(self.dc_offset).real, complex(self.dc_offset).imag]
        return out


_STR = ("kind", "profile")
_INT = ("seed", "block_samples", "agc_step_interval", "adc_bits")
_OPTIONAL = ("snr_db", "delay_spread_ns", "block_samples", "agc_step_interval", "adc_bits")


def _typed(key: str, value: object) -> object:
    """``value`` checked against the type of setting ``key`` (ConfigError naming the key)."""
    if value is None:
        if key in _OPTIONAL:
            return None
        raise ConfigError(f"channel setting {key!r} must not be null")
    if key in _STR:
        if not isinstance(value, str):
            raise ConfigError(f"channel setting {key!r} must be a string, got {value!r}")
        return value
    if key in _INT:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"channel setting {key!r} must be an integer, got {value!r}")
        return int(value)
    if key == "dc_offset":
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ConfigError(f"channel setting 'dc_offset' as a list must be [real, imag], got {value!r}")
            return complex(real("dc_offset", value[0]), real("dc_offset", value[1]))
        if isinstance(value, bool) or not isinstance(value, numbers.Complex):
            raise ConfigError(f"channel setting 'dc_offset' must be a number or [real, imag], got {value!r}")
        return complex(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"channel setting {key!r} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ConfigError(f"channel setting {key!r} must be finite, got {value!r}")
    return float(value)


class Channel(Chain):
    """The channel of ``config`` as one streaming stage: fading → AWGN → impairments → AGC steps → ADC.

    Randomness: ``SeedSequence(config.seed).spawn(4)`` gives independent
    generators for fading, noise, phase noise and AGC steps, in that order whatever
    the kind, so two channels with the same seed share their noise realisation (and
    the first three are those of a channel without AGC steps).

    ``process(x)`` returns ``complex64`` samples.  A selective channel holds back
    up to 7 samples per call, SCO/timing offset up to 16 more (delay
    compensation); ``flush()`` (or ``process_burst``) releases them.  Without
    SCO a burst of ``n`` samples gives ``n`` samples, aligned (no added delay).
    """

    def __init__(self, config: ChannelConfig) -> None:
        if not isinstance(config, ChannelConfig):
            raise ConfigError(f"Channel needs a ChannelConfig, got {type(config).__name__}")
        self.config = config
        fading_rng, noise_rng, impairment_rng, agc_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(4)
        )
        self.fading: RayleighBlockFading | TappedDelayLine | None = None
        if config.kind == "rayleigh":
            self.fading = RayleighBlockFading(fading_rng, config.block_samples)
        elif config.kind == "selective":
            profile = profile_by_name(config.profile, config.delay_spread_ns)
            self.fading = TappedDelayLine(profile, config.sample_rate, fading_rng, config.doppler_hz)
        self.noise = None if config.snr_db is None else Awgn(config.snr_db, noise_rng)
        self.impairments = Impairments(config.impairments, impairment_rng)
        stages: list[Stage] = [s for s in (self.fading, self.noise) if s is not None]
        if self.impairments.stages:
            stages.append(self.impairments)
        self.agc: GainSteps | None = None
        if config.agc_step_db != 0:
            assert config.agc_step_interval is not None  # validated
            self.agc = GainSteps(config.agc_step_db, config.agc_step_interval, agc_rng)
            stages.append(self.agc)
        self.adc = None if config.adc_bits is None else AdcQuantiser(config.adc_bits, config.adc_full_scale)
        if self.adc is not None:
            stages.append(self.adc)
        super().__init__(stages)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Channel:
        return cls(ChannelConfig.from_dict(data))

    def new_block(self) -> None:
        """A fresh fading realisation (no-op for AWGN)."""
        if self.fading is not None:
            self.fading.new_block()

    @property
    def gain(self) -> complex:
        """The flat gain the next sample gets: 1 for AWGN, ``h`` for Rayleigh; refused for selective channels."""
        if self.fading is None:
            return 1.0 + 0j
        if isinstance(self.fading, RayleighBlockFading):
            return self.fading.gain
        raise ConfigError("a selective channel has no single gain; use frequency_response(fft_size)")

    def frequency_response(self, fft_size: int, time_index: int | None = None) -> np.ndarray:
        """Fading response per FFT bin (impairments excluded): complex128, shape ``(fft_size,)``; ones for AWGN.

        ``time_index`` (sample index, selective channels with Doppler) defaults to the next output sample.
        """
        size = positive_int("fft_size", fft_size)
        if self.fading is None:
            return np.ones(size, dtype=np.complex128)
        if isinstance(self.fading, RayleighBlockFading):
            return self.fading.frequency_response(size)
        return self.fading.frequency_response(size, time_index)
