"""Simulated channels and radio impairments, seeded (numpy only).

SNR conventions (details and Shannon bounds in :mod:`ddm_sscc.channel.snr`):

* SNR is Es/N0 per complex sample at the receiver input, averaged over
  fading: the transmitter normalises its mean sample power over a burst to 1
  and fading has unit mean power, so the noise variance is
  ``N0 = 1 / 10**(SNR/10)``.
* Unified SNR ``SNR_u = SNR + 10·log10(n_cu / N_sp)``: ``n_cu`` counts every
  complex sample transmitted for the image (preambles, CP, pilots, headers,
  padding), ``N_sp = H·W·C`` source sub-pixels; it is the transmitted energy
  per source sub-pixel over N0.

Every stage is a streaming object (:mod:`ddm_sscc.channel.stage`):
``process(x)`` returns the next ``complex64`` output samples and keeps its
state, so chunked and whole-stream processing agree; interpolating stages
(selective fading, timing offset, SCO) compensate their filter delay by
holding back a few samples that ``flush()`` releases at the end of a burst.
:class:`Channel` builds fading → AWGN → impairments → AGC-like gain steps → ADC
quantisation from a :class:`ChannelConfig` and one seed.
"""

from ddm_sscc.channel.awgn import Awgn, awgn
from ddm_sscc.channel.gain_steps import GainSteps
from ddm_sscc.channel.impairments import (
    CarrierFrequencyOffset,
    DcOffset,
    ImpairmentConfig,
    Impairments,
    IqImbalance,
    PhaseNoise,
)
from ddm_sscc.channel.model import FAST_RAYLEIGH, KINDS, SWEEP_ONLY_KINDS, Channel, ChannelConfig
from ddm_sscc.channel.quantisation import AdcQuantiser
from ddm_sscc.channel.rayleigh import RayleighBlockFading
from ddm_sscc.channel.resample import Resampler
from ddm_sscc.channel.snr import (
    PAPER_REF_USES_PER_PIXEL,
    noise_variance,
    paper_unified_snr_db,
    shannon_limit_unified_snr_db,
    shannon_min_snr_db,
    shannon_min_unified_snr_db,
    unified_snr_db,
)
from ddm_sscc.channel.stage import Chain, Stage
from ddm_sscc.channel.tdl import (
    EPA,
    ETU,
    EVA,
    FLAT,
    PROFILES,
    PowerDelayProfile,
    TappedDelayLine,
    exponential_profile,
    profile_by_name,
)

__all__ = [
    "EPA",
    "ETU",
    "EVA",
    "FAST_RAYLEIGH",
    "FLAT",
    "KINDS",
    "PAPER_REF_USES_PER_PIXEL",
    "PROFILES",
    "SWEEP_ONLY_KINDS",
    "AdcQuantiser",
    "Awgn",
    "CarrierFrequencyOffset",
    "Chain",
    "Channel",
    "ChannelConfig",
    "DcOffset",
    "GainSteps",
    "ImpairmentConfig",
    "Impairments",
    "IqImbalance",
    "PhaseNoise",
    "PowerDelayProfile",
    "RayleighBlockFading",
    "Resampler",
    "Stage",
    "TappedDelayLine",
    "awgn",
    "exponential_profile",
    "noise_variance",
    "paper_unified_snr_db",
    "profile_by_name",
    "shannon_limit_unified_snr_db",
    "shannon_min_snr_db",
    "shannon_min_unified_snr_db",
    "unified_snr_db",
]
