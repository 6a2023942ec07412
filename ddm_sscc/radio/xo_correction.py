"""Carrier-frequency offset in ppm, and the Pluto ``xo_correction`` that removes it.

Sign convention (the one :class:`~ddm_sscc.phy.ofdm.receiver.RxFrame` ``cfo_hz`` and
:class:`~ddm_sscc.channel.impairments.CarrierFrequencyOffset` share): a receiver measures

    cfo_hz = f_TX − f_RX  (Hz)

so a positive ``cfo_hz`` means the received carrier lies *above* the receiver's LO: the
baseband turns as ``exp(+2πi·cfo_hz·t)``.

How ``xo_correction`` acts: it is the reference frequency the AD9361 driver *assumes*
(nominally 40 MHz).  Every synthesised frequency is ``requested · f_XO,true / xo_correction``,
so the LOs (and the sample clock) are exact when ``xo_correction`` equals the true
crystal frequency.  Raising ``xo_correction`` lowers the real LO, by the same ppm.

* Correcting the **receiver** (the radio that measured; the default): its LO must rise
  by ``cfo_hz``, so ``new = current · fc / (fc + cfo_hz)``: positive CFO → smaller value.
* Correcting the **transmitter**: its LO must fall by ``cfo_hz``, so
  ``new = current · fc / (fc − cfo_hz)``: positive CFO → larger value.

Example: at 2.4 GHz a receiver measures +24 kHz (+10 ppm); from 40 000 000 Hz the
receiver's correction is 39 999 600 Hz, the transmitter's 40 000 400 Hz.

A single Pluto in loopback shares one crystal between TX and RX, so it measures ≈ 0 Hz:
calibrating ``xo_correction`` needs a second radio or a reference transmitter.
"""

from __future__ import annotations

import math
from typing import Literal

from ddm_sscc.errors import ConfigError
from ddm_sscc.radio.config import XO_MAX_HZ, XO_MIN_HZ, XO_NOMINAL_HZ


def _real(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return result


def cfo_ppm(cfo_hz: float, center_frequency: float) -> float:
    """The offset ``cfo_hz`` (Hz) in parts per million of ``center_frequency`` (Hz, > 0)."""
    fc = _real("center_frequency", center_frequency)
    if fc <= 0:
        raise ConfigError(f"center_frequency must be positive, got {center_frequency!r}")
    return _real("cfo_hz", cfo_hz) / fc * 1e6


def xo_correction_for(
    cfo_hz: float,
    center_frequency: float,
    current_xo: float = XO_NOMINAL_HZ,
    corrected: Literal["rx", "tx"] = "rx",
) -> int:
    """The ``xo_correction`` (Hz, rounded) that cancels a measured ``cfo_hz`` (see the module docstring).

    Args:
        cfo_hz: offset measured by the receiver, ``f_TX − f_RX`` in Hz.
        center_frequency: the LO frequency both radios were tuned to, Hz.
        current_xo: the ``xo_correction`` the corrected radio had during the measurement, Hz.
        corrected: ``"rx"`` to correct the radio that measured, ``"tx"`` for the transmitter.

    Raises:
        ConfigError: bad arguments, or a result outside 39 996 000 … 40 004 000 Hz
            (40 MHz ± 100 ppm, what the driver accepts).
    """
    fc = _real("center_frequency", center_frequency)
    cfo = _real("cfo_hz", cfo_hz)
    xo = _real("current_xo", current_xo)
    if fc <= 0:
        raise ConfigError(f"center_frequency must be positive, got {center_frequency!r}")
    if not XO_MIN_HZ <= xo <= XO_MAX_HZ:
        raise ConfigError(f"current_xo {xo:.0f} Hz is outside {XO_MIN_HZ} … {XO_MAX_HZ} Hz")
    if corrected not in ("rx", "tx"):
        raise ConfigError(f"corrected must be 'rx' or 'tx', got {corrected!r}")
    if abs(cfo) >= fc:
        raise ConfigError(f"cfo_hz {cfo} is not smaller than center_frequency {fc}")
    new = xo * fc / (fc + cfo) if corrected == "rx" else xo * fc / (fc - cfo)
    result = round(new)
    if not XO_MIN_HZ <= result <= XO_MAX_HZ:
        raise ConfigError(
            f"xo_correction {result} Hz for {cfo_ppm(cfo, fc):+.1f} ppm is outside {XO_MIN_HZ} … {XO_MAX_HZ} Hz "
            "(40 MHz ± 100 ppm): check the offset and center_frequency"
        )
    return int(result)
