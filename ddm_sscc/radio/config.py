"""Radio and modem configuration: ADALM-PLUTO settings, modem settings, named channel profiles.

Three YAML files configure a radio run.  The shipped ones are package data
(:data:`DEFAULTS_DIR`, also reachable as ``radio_config/`` in a checkout), so the
defaults work from any directory; a path given on the command line wins:

* a Pluto file → :class:`PlutoConfig` (:func:`load_pluto_config`),
* a modem file → :class:`ModemConfig` (:func:`load_modem_config`): the OFDM numerology
  (:class:`~ddm_sscc.phy.ofdm.config.OfdmConfig`), the payload MCS, frame size and gap,
* a channel-profile file → ``{name: ChannelConfig}`` (:func:`load_channel_profiles`).

Units: frequencies and bandwidths in Hz, sample rates in samples per second (S/s), gains
and attenuations in dB, buffer sizes and gaps in complex samples.  Every invalid value
raises one :class:`ConfigError` line naming the file, the key and the allowed range (see
:mod:`ddm_sscc.radio.config_file`).  Numbers must be YAML numbers: ``2.42e9`` without a
sign in the exponent is text to PyYAML; write ``2.42e+9`` or ``2_420_000_000``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ddm_sscc.channel.model import ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import MAX_PAYLOAD, MIN_PAYLOAD
from ddm_sscc.phy.mcs import DEFAULT_MCS, Mcs, mcs_by_name
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.radio.config_file import format_number, key_text, read_mapping, short_repr, short_text, validation_message

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
DEFAULT_PLUTO_CONFIG = DEFAULTS_DIR / "pluto_2g4.yaml"
DEFAULT_MODEM_CONFIG = DEFAULTS_DIR / "ofdm_default.yaml"
DEFAULT_CHANNEL_PROFILES = DEFAULTS_DIR / "channels.yaml"

# ---- AD9361 / ADALM-PLUTO limits --------------------------------------------------------
#: Tuning range of the AD9364 (a Pluto with the ``ad9364`` firmware setting), Hz.
LO_MIN_HZ, LO_MAX_HZ = 70e6, 6e9
#: Tuning range of an unmodified Pluto (AD9363), Hz.
LO_STOCK_MIN_HZ, LO_STOCK_MAX_HZ = 325e6, 3.8e9
#: Lowest sample rate with the 4× decimating FIR (pyadi-iio refuses below 521 kS/s), S/s.
SAMPLE_RATE_MIN_FIR = 521_000.0
#: Lowest sample rate without the FIR: 25 MHz / 12 rounded up, S/s.
SAMPLE_RATE_MIN_NO_FIR = 2_084_000.0
SAMPLE_RATE_MAX = 61_440_000.0
RF_BANDWIDTH_MIN, RF_BANDWIDTH_MAX = 200e3, 56e6
TX_ATTENUATION_MAX_DB = 89.75
TX_ATTENUATION_STEP_DB = 0.25
RX_GAIN_MIN_DB, RX_GAIN_MAX_DB = -3.0, 71.0
BUFFER_MIN, BUFFER_MAX = 1024, 2**24
#: Modem sample rates a modem file may name (only Hz-valued reports use it), S/s.
MODEM_SAMPLE_RATE_MIN, MODEM_SAMPLE_RATE_MAX = 1_000.0, 1_000_000_000.0
#: Nominal Pluto reference oscillator and the ±100 ppm the driver accepts for ``xo_correction``, Hz.
XO_NOMINAL_HZ = 40_000_000
XO_MIN_HZ, XO_MAX_HZ = 39_996_000, 40_004_000
URI_PREFIXES = ("ip:", "usb:", "local:", "serial:")
GAIN_MODES = ("manual", "slow_attack", "fast_attack", "hybrid")

STOCK_TUNING_WARNING = "unmodified Plutos tune 325 MHz – 3.8 GHz only"

_f = format_number

_PLUTO_ALLOWED = {
    "uri": f"an iio URI starting with {', '.join(URI_PREFIXES)} e.g. 'ip:192.168.2.1'",
    "center_frequency": f"{_f(LO_MIN_HZ)} … {_f(LO_MAX_HZ)} Hz",
    "fir_enabled": "true or false",
    "sample_rate": (
        f"{_f(SAMPLE_RATE_MIN_FIR)} … {_f(SAMPLE_RATE_MAX)} S/s, "
        f"{_f(SAMPLE_RATE_MIN_NO_FIR)} … {_f(SAMPLE_RATE_MAX)} S/s without the FIR"
    ),
    "rf_bandwidth": f"{_f(RF_BANDWIDTH_MIN)} … {_f(RF_BANDWIDTH_MAX)} Hz",
    "tx_attenuation_db": f"0 … {TX_ATTENUATION_MAX_DB} dB in steps of {TX_ATTENUATION_STEP_DB}",
    "rx_gain_mode": ", ".join(GAIN_MODES),
    "rx_gain_db": f"{_f(RX_GAIN_MIN_DB)} … {_f(RX_GAIN_MAX_DB)} dB, or null unless rx_gain_mode is manual",
    "buffer_size": f"{BUFFER_MIN} … {BUFFER_MAX} samples",
    "xo_correction": f"null or {XO_MIN_HZ} … {XO_MAX_HZ} Hz",
    "tx_scale": "0 < tx_scale ≤ 1 (peak relative to full scale)",
}

_MODEM_ALLOWED = {
    "ofdm": (
        "a mapping of OFDM settings: fft_size, cp_len, data_carriers, pilot_carriers, "
        f"sample_rate ({_f(MODEM_SAMPLE_RATE_MIN)} … {_f(MODEM_SAMPLE_RATE_MAX)} S/s)"
    ),
    "mcs": "an MCS name such as 'qpsk-1/2'",
    "max_payload": "8 … 65528 bytes",
    "gap_samples": f"0 … {2**24} samples",
}


def _check_range(value: float, low: float, high: float, unit: str) -> float:
    if not low <= value <= high:
        raise ValueError(f"{_f(value)} is outside {_f(low)} … {_f(high)} {unit}")
    return value


_STRICT = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class PlutoConfig(BaseModel):
    """Settings of one ADALM-PLUTO (AD9363/AD9364), applied by :class:`ddm_sscc.radio.pluto.PlutoRadio`.

    Attributes:
        uri: iio context URI (``ip:192.168.2.1``, ``usb:1.2.5``, ``ip:pluto.local``).
        center_frequency: RX and TX LO frequency, Hz; 70 MHz … 6 GHz accepted, but
            :meth:`warnings` notes that an unmodified Pluto tunes 325 MHz … 3.8 GHz only.
        fir_enabled: load pyadi-iio's decimating/interpolating FIR (as ``ad9361_set_bb_rate``
            does); needed below 2.084 MS/s (25 MHz / 12).
        sample_rate: baseband sample rate of RX and TX, S/s: ≥ 521 kS/s with the FIR,
            ≥ 2.084 MS/s without, ≤ 61.44 MS/s.
        rf_bandwidth: analog filter bandwidth of RX and TX, Hz (200 kHz … 56 MHz).
        tx_attenuation_db: TX attenuation, dB (0 … 89.75 in 0.25 dB steps); the radio's
            ``tx_hardwaregain_chan0`` is its negative.
        rx_gain_mode: ``manual``, ``slow_attack``, ``fast_attack`` or ``hybrid`` (AGC modes).
        rx_gain_db: manual RX gain, dB (−3 … 71; the radio uses 1 dB steps); required when
            ``rx_gain_mode`` is ``manual``, ignored (with a warning) otherwise.
        buffer_size: samples per RX buffer (``rx_buffer_size``), and the granule TX bursts
            are padded to for gr-iio sinks (1024 … 2**24).
        xo_correction: reference-oscillator frequency the driver assumes, Hz (39 996 000 …
            40 004 000, i.e. 40 MHz ± 100 ppm); None leaves the radio's value.  See
            :func:`ddm_sscc.radio.xo_correction.xo_correction_for`.
        tx_scale: peak amplitude of transmitted bursts relative to full scale, (0, 1]
            (:mod:`ddm_sscc.radio.iq_scaling`).
    """

    model_config = _STRICT

    uri: str = "ip:192.168.2.1"
    center_frequency: float
    fir_enabled: bool = True
    sample_rate: float
    rf_bandwidth: float
    tx_attenuation_db: float
    rx_gain_mode: Literal["manual", "slow_attack", "fast_attack", "hybrid"]
    rx_gain_db: float | None = None
    buffer_size: int
    xo_correction: int | None = None
    tx_scale: float = 0.5

    @field_validator("uri")
    @classmethod
    def _uri(cls, value: str) -> str:
        if not value.startswith(URI_PREFIXES) or value.endswith(":"):
            raise ValueError(f"{value!r} is not an iio URI (allowed: {_PLUTO_ALLOWED['uri']})")
        return value

    @field_validator("center_frequency")
    @classmethod
    def _center_frequency(cls, value: float) -> float:
        return _check_range(value, LO_MIN_HZ, LO_MAX_HZ, "Hz")

    @field_validator("sample_rate")
    @classmethod
    def _sample_rate(cls, value: float, info: ValidationInfo) -> float:
        fir = info.data.get("fir_enabled", True)
        if value > SAMPLE_RATE_MAX:
            raise ValueError(f"{_f(value)} is above {_f(SAMPLE_RATE_MAX)} S/s")
        if fir and value < SAMPLE_RATE_MIN_FIR:
            raise ValueError(
                f"{_f(value)} is below {_f(SAMPLE_RATE_MIN_FIR)} S/s ({_f(SAMPLE_RATE_MIN_NO_FIR)} S/s without the FIR)"
            )
        if not fir and value < SAMPLE_RATE_MIN_NO_FIR:
            raise ValueError(
                f"{_f(value)} is below {_f(SAMPLE_RATE_MIN_NO_FIR)} S/s without the FIR "
                f"({_f(SAMPLE_RATE_MIN_FIR)} S/s with fir_enabled: true)"
            )
        return value

    @field_validator("rf_bandwidth")
    @classmethod
    def _rf_bandwidth(cls, value: float) -> float:
        return _check_range(value, RF_BANDWIDTH_MIN, RF_BANDWIDTH_MAX, "Hz")

    @field_validator("tx_attenuation_db")
    @classmethod
    def _tx_attenuation(cls, value: float) -> float:
        _check_range(value, 0.0, TX_ATTENUATION_MAX_DB, "dB")
        steps = value / TX_ATTENUATION_STEP_DB
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(
                f"{_f(value)} is not a multiple of {TX_ATTENUATION_STEP_DB} dB (0 … {TX_ATTENUATION_MAX_DB} dB)"
            )
        return value

    @field_validator("rx_gain_db")
    @classmethod
    def _rx_gain(cls, value: float | None) -> float | None:
        return None if value is None else _check_range(value, RX_GAIN_MIN_DB, RX_GAIN_MAX_DB, "dB")

    @field_validator("buffer_size")
    @classmethod
    def _buffer_size(cls, value: int) -> int:
        return int(_check_range(value, BUFFER_MIN, BUFFER_MAX, "samples"))

    @field_validator("xo_correction")
    @classmethod
    def _xo_correction(cls, value: int | None) -> int | None:
        if value is None:
            return None
        return int(_check_range(value, XO_MIN_HZ, XO_MAX_HZ, "Hz (40 MHz ± 100 ppm)"))

    @field_validator("tx_scale")
    @classmethod
    def _tx_scale(cls, value: float) -> float:
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{_f(value)} is outside 0 < tx_scale ≤ 1 (peak relative to full scale)")
        return value

    @model_validator(mode="after")
    def _manual_gain(self) -> PlutoConfig:
        if self.rx_gain_mode == "manual" and self.rx_gain_db is None:
            raise ValueError(
                f"rx_gain_db: missing (required with rx_gain_mode manual: {_f(RX_GAIN_MIN_DB)} … "
                f"{_f(RX_GAIN_MAX_DB)} dB)"
            )
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "Pluto config") -> PlutoConfig:
        """Validate a mapping (e.g. parsed YAML); one-line :class:`ConfigError` starting with ``source``."""
        return _validate(cls, data, source, _PLUTO_ALLOWED)

    def warnings(self) -> list[str]:
        """Settings that are valid but probably not what was meant; one line each."""
        out = []
        if not LO_STOCK_MIN_HZ <= self.center_frequency <= LO_STOCK_MAX_HZ:
            out.append(
                f"center_frequency: {_f(self.center_frequency)} Hz: {STOCK_TUNING_WARNING} "
                "(70 MHz – 6 GHz needs the AD9364 firmware setting)"
            )
        if self.rx_gain_mode != "manual" and self.rx_gain_db is not None:
            out.append(f"rx_gain_db: ignored with rx_gain_mode {self.rx_gain_mode} (the AGC sets the gain)")
        return out


class ModemConfig(BaseModel):
    """Modem settings of a radio run: OFDM numerology, payload MCS, frame size, gap between bursts.

    Attributes:
        ofdm: OFDM settings as a plain mapping, validated by :meth:`OfdmConfig.from_dict`
            (``fft_size``, ``cp_len``, ``data_carriers``, ``pilot_carriers``, ``sample_rate`` in S/s);
            ``{}`` is the 802.11a-like default.  :meth:`ofdm_config` builds the object.
        mcs: payload modulation-and-coding scheme name (:func:`ddm_sscc.phy.mcs.mcs_by_name`).
        max_payload: payload bytes per frame, 8 … 65528 (rounded down to a multiple of 8: the RaptorQ symbol size).
        gap_samples: zero samples between consecutive bursts, 0 … 2**24.
    """

    model_config = _STRICT

    ofdm: dict[str, Any] = Field(default_factory=dict)
    mcs: str = DEFAULT_MCS
    max_payload: int = 1024
    gap_samples: int = 400

    @field_validator("ofdm")
    @classmethod
    def _ofdm(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in ("fft_size", "cp_len"):
            item = value.get(key)
            if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
                raise ValueError(f"{key} must be an integer, got {short_repr(item)}")
        rate = value.get("sample_rate")
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
            raise ValueError(f"sample_rate must be a number in S/s, got {short_repr(rate)}")
        if rate is not None and not MODEM_SAMPLE_RATE_MIN <= rate <= MODEM_SAMPLE_RATE_MAX:  # False for NaN too
            raise ValueError(
                f"sample_rate must lie in {_f(MODEM_SAMPLE_RATE_MIN)} … {_f(MODEM_SAMPLE_RATE_MAX)} S/s, "
                f"got {short_repr(rate)}"
            )
        for key in ("data_carriers", "pilot_carriers"):
            item = value.get(key)
            if item is not None and (
                not isinstance(item, list) or any(isinstance(k, bool) or not isinstance(k, int) for k in item)
            ):
                raise ValueError(f"{key} must be null or a list of signed carrier indices, got {short_repr(item)}")
        try:
            OfdmConfig.from_dict(value)
        except (ConfigError, TypeError, ValueError, OverflowError) as exc:
            raise ValueError(short_text(str(exc))) from None
        return value

    @field_validator("mcs")
    @classmethod
    def _mcs(cls, value: str) -> str:
        try:
            mcs_by_name(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("max_payload")
    @classmethod
    def _max_payload(cls, value: int) -> int:
        return int(_check_range(value, MIN_PAYLOAD, MAX_PAYLOAD, "bytes"))

    @field_validator("gap_samples")
    @classmethod
    def _gap(cls, value: int) -> int:
        return int(_check_range(value, 0, 2**24, "samples"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "modem config") -> ModemConfig:
        """Validate a mapping (e.g. parsed YAML); one-line :class:`ConfigError` starting with ``source``."""
        return _validate(cls, data, source, _MODEM_ALLOWED)

    def ofdm_config(self) -> OfdmConfig:
        """The validated :class:`OfdmConfig` of :attr:`ofdm`."""
        return OfdmConfig.from_dict(self.ofdm)

    def mcs_scheme(self) -> Mcs:
        """The :class:`Mcs` named by :attr:`mcs`."""
        return mcs_by_name(self.mcs)


def _validate(model: type[BaseModel], data: Mapping[str, Any], source: str, allowed: Mapping[str, str]) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping of settings, got {type(data).__name__}")
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(validation_message(source, exc, allowed, list(model.model_fields))) from None


def load_pluto_config(path: str | os.PathLike[str]) -> PlutoConfig:
    """The :class:`PlutoConfig` in the YAML file ``path``; :class:`ConfigError` (one line) if invalid."""
    return PlutoConfig.from_dict(read_mapping(path), source=str(path))


def load_modem_config(path: str | os.PathLike[str]) -> ModemConfig:
    """The :class:`ModemConfig` in the YAML file ``path``; :class:`ConfigError` (one line) if invalid."""
    return ModemConfig.from_dict(read_mapping(path), source=str(path))


def load_channel_profiles(path: str | os.PathLike[str]) -> dict[str, ChannelConfig]:
    """Named channel profiles, in file order, from a YAML file ``profiles: {name: {ChannelConfig fields}}``.

    Each profile is validated by :meth:`ChannelConfig.from_dict`; errors read
    ``FILE: profiles: NAME: what is wrong``.
    """
    source = str(path)
    data = read_mapping(path)
    for key in data:
        if key != "profiles":
            raise ConfigError(f"{source}: {key}: unknown key (known: profiles)")
    if "profiles" not in data:
        raise ConfigError(f"{source}: profiles: missing (required: a mapping of profile names to channel settings)")
    profiles = data["profiles"]
    if not isinstance(profiles, Mapping) or not profiles:
        raise ConfigError(f"{source}: profiles: must be a non-empty mapping of profile names to channel settings")
    out: dict[str, ChannelConfig] = {}
    for name, settings in profiles.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{source}: profiles: profile name {name!r} is not text")
        if not isinstance(settings, Mapping):
            raise ConfigError(
                f"{source}: profiles: {key_text(name)}: must be a mapping of channel settings, got {short_repr(settings)}"
            )
        try:
            out[name] = ChannelConfig.from_dict(settings)
        except (ConfigError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: profiles: {key_text(name)}: {short_text(str(exc))}") from None
    return out
