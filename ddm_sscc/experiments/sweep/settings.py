"""The settings of one image-transmission sweep, validated before any work starts.

``ddm-sscc sweep`` sends every image of a dataset with every requested system
(``ddm``, ``jpegxl``, ``png``, ``raw``: digital, bit-exact; ``deepjscc``: analog)
at every SNR point, ``trials`` times, and records whether it arrived bit-exactly.
Everything a result depends on is here; ``workers`` only says how many processes
run the trials (results never depend on it).
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ddm_sscc.channel import FAST_RAYLEIGH, KINDS, SWEEP_ONLY_KINDS
from ddm_sscc.channel.tdl import profile_by_name
from ddm_sscc.codec.engine import CALIBRATIONS
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.transfer import check_max_payload, check_repair

DIGITAL_SYSTEMS = ("ddm", "jpegxl", "png", "raw")
"""Systems that send a byte stream over the OFDM link and must arrive bit-exactly."""

ANALOG_SYSTEMS = ("deepjscc",)
"""Systems that map pixels straight to channel symbols (lossy)."""

SYSTEMS = DIGITAL_SYSTEMS + ANALOG_SYSTEMS
"""Every system, in a fixed order: a system's index here enters its trial seeds."""

CHANNELS = KINDS + SWEEP_ONLY_KINDS
"""The sweep's channels: the sample-level ones and ``fast-rayleigh`` (:mod:`.fast_fading`)."""

AUTO_MCS = "auto"
DEFAULT_SYSTEMS = DIGITAL_SYSTEMS


@dataclass(frozen=True)
class SweepSettings:
    """One sweep.  Invalid values raise :class:`ConfigError` on construction.

    Attributes:
        dataset: ``kodak``, ``cifar-npz`` or an image folder (:mod:`ddm_sscc.experiments.datasets`).
        snrs: SNR points in dB (Es/N0 per complex sample, :mod:`ddm_sscc.channel.snr`), finite, at least one.
        channel: one of :data:`CHANNELS`: ``awgn``, ``rayleigh`` (one fading gain per frame),
            ``selective`` (``profile``, one realisation per frame) or ``fast-rayleigh`` (i.i.d. Rayleigh
            per resource element, perfect CSI and sync: the paper's idealised setting; digital systems
            with a named MCS only).
        limit: at most this many images (None: all).
        profile: the tapped-delay-line profile of ``selective``.
        trials: transmissions per (image, system, SNR), ≥ 1.
        systems: a subset of :data:`SYSTEMS`, without repeats.
        mcs: an MCS name (``qpsk-1/2`` …) or ``"auto"`` (:mod:`.rate_adaptation`).
        mcs_margin_db: ``auto`` only: an MCS is chosen only this many dB above its PER threshold
            (0: the plain 1 % rule).  Part of :attr:`mcs_setting`, so runs with different margins
            are kept apart in one results directory.
        max_payload: payload bytes per frame (rounded down to a multiple of 8: the RaptorQ symbol size).
        repair: RaptorQ repair frames per source frame sent after the source frames (digital systems;
            part of :attr:`mcs_setting`, so runs with different fractions stay apart in one directory).
        seed: the one seed every random choice derives from (:func:`.tasks.trial_seed`).
        cfo_max_hz: each frame gets a CFO drawn uniformly in ±``cfo_max_hz``.
        model: DDM codec model id (None: the default model).
        steps: DDM denoising steps (None: by image size, :func:`~ddm_sscc.codec.schedule.default_steps`).
        calibration: DDM table calibration, ``off``, ``offline`` or ``online`` (as ``encode --calibration``).
        chunk: samples per ``OfdmReceiver.push`` call.
        workers: processes of the default executor (does not change results).
        snr_axis: x axis of ``exact_rate.png``, one of ``unified``, ``paper``, ``snr``
            (:data:`.plots.SNR_AXES`; does not change results).
    """

    dataset: str
    snrs: tuple[float, ...]
    channel: str = "awgn"
    limit: int | None = None
    profile: str = "EPA"
    trials: int = 1
    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    mcs: str = "qpsk-1/2"
    mcs_margin_db: float = 0.0
    max_payload: int = 1024
    repair: float = 0.0
    seed: int = 1
    cfo_max_hz: float = 20e3
    model: str | None = None
    steps: int | None = None
    calibration: str = "online"
    chunk: int = 4096
    workers: int = field(default=2, compare=False)
    snr_axis: str = field(default="unified", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ConfigError("dataset must be kodak, cifar-npz or a folder")
        snrs = tuple(self.snrs) if isinstance(self.snrs, Iterable) else None
        if not snrs:
            raise ConfigError("the sweep needs at least one SNR point (--snr A:B:STEP)")
        for snr in snrs:
            if snr is None or isinstance(snr, bool) or not isinstance(snr, numbers.Real) or not math.isfinite(snr):
                raise ConfigError(f"sweep SNR points must be finite numbers (no 'inf'), got {snr!r}")
        snrs = tuple(float(s) for s in snrs)
        if len(set(snrs)) != len(snrs):
            raise ConfigError(f"sweep SNR points repeat: {snrs}")
        object.__setattr__(self, "snrs", snrs)
        if self.channel not in CHANNELS:
            raise ConfigError(f"--channel must be one of {', '.join(CHANNELS)}, got {self.channel!r}")
        if self.limit is not None and (_not_int(self.limit) or self.limit < 1):
            raise ConfigError(f"--limit must be a positive integer, got {self.limit!r}")
        profile_by_name(self.profile)
        if _not_int(self.trials) or self.trials < 1:
            raise ConfigError(f"--trials must be at least 1, got {self.trials!r}")
        systems = tuple(self.systems)
        if not systems:
            raise ConfigError("--systems names no system")
        for name in systems:
            if name not in SYSTEMS:
                raise ConfigError(f"unknown system {name!r} (known: {', '.join(SYSTEMS)})")
        if len(set(systems)) != len(systems):
            raise ConfigError(f"--systems repeats a system: {','.join(systems)}")
        object.__setattr__(self, "systems", systems)
        if "deepjscc" in systems and self.channel in ("selective", FAST_RAYLEIGH):
            raise ConfigError("deepjscc sends single-carrier analog symbols: use --channel awgn or rayleigh")
        if not isinstance(self.mcs, str):
            raise ConfigError(f"--mcs must be an MCS name or auto, got {self.mcs!r}")
        if self.mcs.lower() != AUTO_MCS:
            from ddm_sscc.phy.mcs import mcs_by_name

            mcs_by_name(self.mcs)
        object.__setattr__(self, "mcs", self.mcs.lower())
        from ddm_sscc.experiments.sweep.rate_adaptation import check_margin_db

        if self.mcs == AUTO_MCS and self.channel == FAST_RAYLEIGH:
            raise ConfigError(f"--mcs auto has no PER table for {FAST_RAYLEIGH}: name an MCS (e.g. qpsk-1/2)")
        margin = check_margin_db(self.mcs_margin_db)
        if margin and self.mcs != AUTO_MCS:
            raise ConfigError("--mcs-margin applies to --mcs auto only")
        object.__setattr__(self, "mcs_margin_db", margin)
        check_max_payload(self.max_payload)
        object.__setattr__(self, "repair", check_repair(self.repair))
        if self.repair and "deepjscc" in systems:
            raise ConfigError("--repair applies to the digital systems' frames: deepjscc has none (run it separately)")
        if _not_int(self.seed) or self.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {self.seed!r}")
        if isinstance(self.cfo_max_hz, bool) or not isinstance(self.cfo_max_hz, numbers.Real):
            raise ConfigError(f"cfo_max_hz must be a number, got {self.cfo_max_hz!r}")
        if not 0 <= self.cfo_max_hz < 62.5e3:
            raise ConfigError(f"cfo_max_hz must lie in [0, 62.5 kHz) (the receiver's range), got {self.cfo_max_hz}")
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ConfigError(f"--model must be a model id, got {self.model!r}")
        from ddm_sscc.codec.schedule import MAX_STEPS

        if self.steps is not None and (_not_int(self.steps) or not 1 <= self.steps <= MAX_STEPS):
            raise ConfigError(f"--steps must be in 1..{MAX_STEPS}, got {self.steps!r}")
        if self.calibration not in CALIBRATIONS:
            raise ConfigError(f"--calibration must be one of {', '.join(CALIBRATIONS)}, got {self.calibration!r}")
        if _not_int(self.chunk) or self.chunk < 64:
            raise ConfigError(f"chunk must be an integer ≥ 64, got {self.chunk!r}")
        if _not_int(self.workers) or self.workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {self.workers!r}")
        from ddm_sscc.experiments.sweep.plots import check_snr_axis

        check_snr_axis(self.snr_axis)

    @property
    def mcs_setting(self) -> str:
        """The link setting as rows record it: the MCS name, ``auto``, or ``auto+0.5dB`` with a margin,
        then ``+repair0.25`` with a repair fraction."""
        setting = self.mcs
        if self.mcs == AUTO_MCS and self.mcs_margin_db:
            setting = f"{AUTO_MCS}+{self.mcs_margin_db:g}dB"
        return setting + (f"+repair{self.repair:g}" if self.repair else "")

    @property
    def digital_systems(self) -> tuple[str, ...]:
        return tuple(s for s in self.systems if s in DIGITAL_SYSTEMS)

    @property
    def analog_systems(self) -> tuple[str, ...]:
        return tuple(s for s in self.systems if s in ANALOG_SYSTEMS)

    def fixed(self) -> dict[str, object]:
        """Settings every row of one results directory must share (recorded in ``sweep.json``).

        The rest (dataset, limit, channel, snrs, trials, systems, mcs) may grow or change between runs
        into the same directory: channel, system, SNR, trial and the MCS setting are part of each row's key.
        """
        from ddm_sscc.codec.schedule import steps_label
        from ddm_sscc.codec.zoo import default_description

        return {
            "seed": self.seed,
            "max_payload": self.max_payload,
            "cfo_max_hz": float(self.cfo_max_hz),
            "profile": self.profile.upper(),
            "model": self.model or default_description(),
            "steps": self.steps if self.steps is not None else steps_label(None),  # an int, as before the rule
            "calibration": self.calibration,
            "chunk": self.chunk,
        }

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["snrs"] = list(self.snrs)
        out["systems"] = list(self.systems)
        return out


def repair_of_setting(setting: str) -> float:
    """The repair fraction a link setting (:attr:`SweepSettings.mcs_setting`) names: 0 without one."""
    _, marker, value = str(setting).rpartition("+repair")
    return float(value) if marker else 0.0


def parse_systems(text: str) -> tuple[str, ...]:
    """``"ddm,jpegxl,png"`` → ``("ddm", "jpegxl", "png")``; unknown names raise :class:`ConfigError`."""
    names = tuple(part.strip().lower() for part in str(text).split(",") if part.strip())
    if not names:
        raise ConfigError("--systems names no system")
    for name in names:
        if name not in SYSTEMS:
            raise ConfigError(f"unknown system {name!r} (known: {', '.join(SYSTEMS)})")
    return names


def check_results_dir(path: str | os.PathLike[str]) -> Path:
    """Create the results directory (and parents) and prove it writable; :class:`ConfigError` if not."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        raise ConfigError(f"{folder}: results directory not writable ({exc.strerror or exc})") from None
    return folder


def load_images(settings: SweepSettings) -> list[tuple[str, np.ndarray]]:
    """The sweep's images ``(label, uint8 (H, W, C))`` in dataset order; :class:`ConfigError` if none."""
    from ddm_sscc.experiments.datasets import iter_dataset

    images = list(iter_dataset(settings.dataset, settings.limit))
    if not images:
        raise ConfigError(f"dataset {settings.dataset!r} has no images")
    labels = [label for label, _ in images]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"dataset {settings.dataset!r} has repeated image names")
    return images


def _not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, numbers.Integral)
