"""OFDM numerology: FFT size, cyclic prefix, occupied data and pilot carriers.

The default is IEEE 802.11a's 20 MHz layout, also GNU Radio's ``ofdm_tx`` default:
a 64-point FFT, a 16-sample cyclic prefix, 48 data carriers at ±1..±26 and 4 pilots at
±7 and ±21 (DC and 11 edge carriers empty).  Carrier indices are signed (−N/2..N/2−1),
as in GNU Radio's ``occupied_carriers``; :meth:`OfdmConfig.bins` turns them into FFT bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from ddm_sscc.errors import ConfigError

_DATA_80211A = tuple(k for k in range(-26, 27) if k not in (0, -21, -7, 7, 21))
_PILOTS_80211A = (-21, -7, 7, 21)


def default_carriers(fft_size: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(data, pilot) carrier indices: 802.11a's for 64, the same proportions otherwise."""
    if fft_size == 64:
        return _DATA_80211A, _PILOTS_80211A
    edge = round(26 * fft_size / 64)
    # one pilot per ~14 carriers, symmetric, like 802.11a's 4 in 52
    n_side = max(2, round(edge / 14))
    pilots_pos = [round(edge * (2 * i + 1) / (2 * n_side)) for i in range(n_side)]
    pilots = tuple(sorted([-p for p in pilots_pos] + pilots_pos))
    data = tuple(k for k in range(-edge, edge + 1) if k != 0 and k not in pilots)
    return data, pilots


@dataclass(frozen=True)
class OfdmConfig:
    """OFDM modem settings shared by transmitter and receiver.

    Attributes:
        fft_size: FFT length N (a power of two, 16..4096).
        cp_len: cyclic-prefix samples per symbol (< N).
        data_carriers: signed data-carrier indices; ``None`` = :func:`default_carriers`.
        pilot_carriers: signed pilot-carrier indices; ``None`` = :func:`default_carriers`.
        sample_rate: samples per second, for Hz-valued reports (CFO) only.
    """

    fft_size: int = 64
    cp_len: int = 16
    data_carriers: tuple[int, ...] | None = None
    pilot_carriers: tuple[int, ...] | None = None
    sample_rate: float = 2e6

    def __post_init__(self) -> None:
        n = self.fft_size
        if not isinstance(n, int) or n < 16 or n > 4096 or n & (n - 1):
            raise ConfigError(f"fft_size must be a power of two in 16..4096, got {n!r}")
        if not isinstance(self.cp_len, int) or not 0 < self.cp_len < n:
            raise ConfigError(f"cp_len must be in 1..{n - 1}, got {self.cp_len!r}")
        if not (math.isfinite(self.sample_rate) and self.sample_rate > 0):
            raise ConfigError(f"sample_rate must be positive, got {self.sample_rate!r}")
        data, pilots = default_carriers(n)
        if self.data_carriers is None:
            object.__setattr__(self, "data_carriers", data)
        if self.pilot_carriers is None:
            object.__setattr__(self, "pilot_carriers", pilots)
        used = list(self.data_carriers) + list(self.pilot_carriers)
        if any(not isinstance(k, int) or not -n // 2 <= k < n // 2 or k == 0 for k in used):
            raise ConfigError(f"carriers must be nonzero integers in {-n // 2}..{n // 2 - 1}")
        if len(set(used)) != len(used):
            raise ConfigError("data and pilot carriers overlap or repeat")
        if len(self.pilot_carriers) < 2 or len(self.data_carriers) < 1:
            raise ConfigError("need at least 2 pilot carriers and 1 data carrier")

    @classmethod
    def from_dict(cls, values: dict) -> "OfdmConfig":
        """Build from a mapping (e.g. YAML), rejecting unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown OFDM setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = dict(values)
        for key in ("data_carriers", "pilot_carriers"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)

    # ---- derived quantities -------------------------------------------------------
    @property
    def symbol_len(self) -> int:
        """Samples per OFDM symbol, CP included."""
        return self.fft_size + self.cp_len

    @property
    def n_data(self) -> int:
        return len(self.data_carriers)

    @property
    def n_used(self) -> int:
        """Data plus pilot carriers (the ones that carry power)."""
        return len(self.data_carriers) + len(self.pilot_carriers)

    def bins(self, carriers: tuple[int, ...]) -> np.ndarray:
        """FFT bin numbers (0..N−1, numpy order) of signed carrier indices."""
        return np.asarray(carriers, dtype=np.int64) % self.fft_size

    @property
    def used_carriers(self) -> np.ndarray:
        """Sorted signed indices of all carriers with power."""
        return np.array(sorted(self.data_carriers + self.pilot_carriers), dtype=np.int64)

    @property
    def scale(self) -> float:
        """Time-domain scale making a symbol of unit-power carriers unit power per sample."""
        return self.fft_size / math.sqrt(self.n_used)
