"""Validation of channel settings: every bad value raises :class:`ConfigError` naming the setting."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ddm_sscc.errors import ConfigError


def real(name: str, value: object) -> float:
    """``value`` as a finite float; bools, strings, NaN and inf are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a real number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ConfigError(f"{name} must be finite, got {result}")
    return result


def non_negative(name: str, value: object) -> float:
    result = real(name, value)
    if result < 0:
        raise ConfigError(f"{name} must be >= 0, got {result}")
    return result


def positive(name: str, value: object) -> float:
    result = real(name, value)
    if result <= 0:
        raise ConfigError(f"{name} must be > 0, got {result}")
    return result


def bounded(name: str, value: object, limit: float) -> float:
    """A finite float with ``|value| <= limit``."""
    result = real(name, value)
    if abs(result) > limit:
        raise ConfigError(f"{name} must lie in [-{limit:g}, {limit:g}], got {result}")
    return result


def within(name: str, value: object, low: float, high: float, unit: str = "") -> float:
    """A finite float with ``low <= value <= high`` (the error names the setting, the range and the unit)."""
    result = real(name, value)
    if not low <= result <= high:
        raise ConfigError(f"{name} must lie in [{low:g}, {high:g}]{f' {unit}' if unit else ''}, got {result:g}")
    return result


def positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{name} must be > 0, got {value}")
    return int(value)


def complex_value(name: str, value: object) -> complex:
    """A finite complex number (a real number is taken as its real part)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Complex):
        raise ConfigError(f"{name} must be a complex number, got {value!r}")
    result = complex(value)
    if not (math.isfinite(result.real) and math.isfinite(result.imag)):
        raise ConfigError(f"{name} must be finite, got {result}")
    return result


def generator(rng: object, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from a Generator, a SeedSequence or a non-negative int seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ConfigError(f"{name} must be a numpy Generator or a non-negative int seed, got {rng!r}")
