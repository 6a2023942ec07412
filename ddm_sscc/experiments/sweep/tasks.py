"""One unit of sweep work (a trial), its key in ``rows.csv`` and its seed.

A trial's randomness (per-frame CFO, timing, gaps, channel seeds) comes from
``SeedSequence((seed, image index, system index, SNR in milli-dB + offset, trial))``,
so it depends only on the settings and on which trial it is, never on the order
trials run in, the executor, or which other trials exist.  The SNR enters by value
(not by its index in the list) so that a point keeps its realisations when a later
run into the same directory uses a different SNR grid.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.settings import SYSTEMS

_SNR_OFFSET_MDB = 10**9  # SeedSequence entropy must be non-negative


@dataclass(frozen=True)
class TrialTask:
    """Which trial to run.

    Attributes:
        image: the image's label (file name).
        image_index: its position in the dataset order.
        system: one of :data:`~ddm_sscc.experiments.sweep.settings.SYSTEMS`.
        channel: channel kind.
        snr_db: SNR in dB (Es/N0 per complex sample).
        trial: 0-based trial number.
        mcs: the MCS used (resolved when the setting is ``auto``); ``""`` for analog systems.
        mcs_setting: the ``--mcs`` setting (a name or ``auto``): part of the row key.
        pixels: ``H·W`` of the image (not part of the key): the paper's unified SNR needs it
            (:func:`ddm_sscc.channel.snr.paper_unified_snr_db`).
    """

    image: str
    image_index: int
    system: str
    channel: str
    snr_db: float
    trial: int
    mcs: str
    mcs_setting: str
    pixels: int

    def __post_init__(self) -> None:
        if isinstance(self.pixels, bool) or not isinstance(self.pixels, numbers.Integral) or self.pixels < 1:
            raise ConfigError(f"a trial's pixels (H·W of its image) must be a positive integer, got {self.pixels!r}")

    @property
    def key(self) -> tuple[str, str, str, float, int, str]:
        return row_key(self.image, self.system, self.channel, self.snr_db, self.trial, self.mcs_setting)


def row_key(image: str, system: str, channel: str, snr_db: float, trial: int, mcs_setting: str) -> tuple:
    """The identity of a row in ``rows.csv`` (what resuming compares)."""
    return (str(image), str(system), str(channel), round(float(snr_db), 6), int(trial), str(mcs_setting))


def trial_seed(seed: int, image_index: int, system: str, snr_db: float, trial: int) -> np.random.SeedSequence:
    """The seed sequence of one trial (module docstring)."""
    if system not in SYSTEMS:
        raise ConfigError(f"unknown system {system!r}")
    snr_mdb = round(float(snr_db) * 1000) + _SNR_OFFSET_MDB
    if snr_mdb < 0:
        raise ConfigError(f"SNR {snr_db} dB out of range")
    return np.random.SeedSequence([int(seed), int(image_index), SYSTEMS.index(system), snr_mdb, int(trial)])
