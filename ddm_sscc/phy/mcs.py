"""Modulation-and-coding schemes: one byte in the frame header names the payload's.

The table follows IEEE 802.11a/n (the same modulations and LDPC rates), always with
the 1944-bit 802.11n LDPC codes, whose waterfall is the steepest of the family.  The
frame header itself is sent with :data:`HEADER_MCS` (BPSK, the 648-bit rate-1/2 code,
shortened), so it is decodable well below the payload's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ddm_sscc.errors import ConfigError


@dataclass(frozen=True)
class Mcs:
    """One modulation-and-coding scheme.

    Attributes:
        id: the byte carried in the frame header.
        modulation: ``"bpsk"``, ``"qpsk"``, ``"16qam"`` or ``"64qam"``.
        rate: LDPC code rate as a string (``"1/2"``, ``"2/3"``, ``"3/4"``, ``"5/6"``).
        n: LDPC codeword length (648, 1296 or 1944).
    """

    id: int
    modulation: str
    rate: str
    n: int = 1944

    @property
    def name(self) -> str:
        return f"{self.modulation}-{self.rate}"

    @property
    def bits_per_symbol(self) -> int:
        return {"bpsk": 1, "qpsk": 2, "16qam": 4, "64qam": 6}[self.modulation]

    @property
    def spectral_efficiency(self) -> Fraction:
        """Information bits per modulated symbol."""
        return Fraction(self.rate) * self.bits_per_symbol


MCS_TABLE: tuple[Mcs, ...] = (
    Mcs(0, "bpsk", "1/2"),
    Mcs(1, "qpsk", "1/2"),
    Mcs(2, "qpsk", "3/4"),
    Mcs(3, "16qam", "1/2"),
    Mcs(4, "16qam", "3/4"),
    Mcs(5, "64qam", "2/3"),
    Mcs(6, "64qam", "3/4"),
    Mcs(7, "64qam", "5/6"),
)

#: The frame header's scheme: never signalled, both ends know it.
HEADER_MCS = Mcs(255, "bpsk", "1/2", n=648)

DEFAULT_MCS = "qpsk-1/2"


def mcs_by_id(mcs_id: int) -> Mcs:
    """The scheme for a header's MCS byte; :class:`ConfigError` for an unknown one."""
    for mcs in MCS_TABLE:
        if mcs.id == mcs_id:
            return mcs
    raise ConfigError(f"unknown MCS id {mcs_id} (known: 0..{len(MCS_TABLE) - 1})")


def mcs_by_name(name: str) -> Mcs:
    """The scheme called ``name`` (e.g. ``"qpsk-1/2"``); :class:`ConfigError` if none is."""
    for mcs in MCS_TABLE:
        if mcs.name == name.lower():
            return mcs
    known = ", ".join(m.name for m in MCS_TABLE)
    raise ConfigError(f"unknown MCS {name!r} (known: {known})")
