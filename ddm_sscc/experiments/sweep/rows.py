"""The result of one trial and ``rows.csv``, the append-only record a sweep resumes from.

A ``rows.csv`` written before rows had ``pixels`` and ``snr_paper_db`` (:data:`LEGACY_FIELDS`)
is upgraded in place by the next sweep into its directory (:func:`upgrade_rows`), which knows
each image's ``H·W``; reading one without that raises a :class:`ConfigError` saying so.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from ddm_sscc.channel.snr import paper_unified_snr_db, unified_snr_db
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.tasks import TrialTask, row_key

ROWS_FILE = "rows.csv"


@dataclass(frozen=True)
class TrialRow:
    """One transmission of one image by one system at one SNR.

    Attributes:
        image, image_index: the image's label and dataset position.
        system: ``ddm``, ``jpegxl``, ``png``, ``raw`` or ``deepjscc``.
        channel: ``awgn``, ``rayleigh``, ``selective`` or ``fast-rayleigh``.
        snr_db: Es/N0 per complex sample at the receiver input (dB).
        snr_unified_db: ``snr_db + 10·log10(n_cu / subpixels)`` (dB).
        snr_paper_db: the paper's unified SNR ``snr_db + 10·log10(n_cu / (32·pixels))`` (dB,
            :func:`~ddm_sscc.channel.snr.paper_unified_snr_db`).
        trial: 0-based trial number.
        mcs: MCS used (``""`` for analog systems); mcs_setting: the ``--mcs`` setting (name or ``auto``).
        source_bits: bits of the stream sent (header included); None for analog systems.
        subpixels: ``H·W·C``.
        pixels: ``H·W``.
        bpsp: ``source_bits / subpixels``; None for analog systems.
        n_cu: complex channel uses, the sum of the burst lengths (gaps between bursts not counted).
        repair: RaptorQ repair frames per source frame (0 for analog systems).
        frames_sent, frames_lost: link frames sent (``K`` source and ``⌈repair·K⌉`` repair), and those
            not delivered intact (0 for analog systems).
        frames_needed: intact frames the receiver held when the stream became decodable (None if it
            never did, and for analog systems).
        fading_blocks: independent fading realisations the image met (frames for rayleigh/selective,
            data resource elements for fast-rayleigh (:func:`.fast_fading.resource_elements`), 0 for
            AWGN; 1 for an analog system over rayleigh: one gain per image).
        exact: the received image equals the sent one bit for bit.
        psnr: dB, for analog systems (None when exact: infinite); always None for digital systems.
        seconds: wall time of the trial (the only field that differs between identical runs).
    """

    image: str
    image_index: int
    system: str
    channel: str
    snr_db: float
    snr_unified_db: float
    snr_paper_db: float
    trial: int
    mcs: str
    mcs_setting: str
    source_bits: int | None
    subpixels: int
    pixels: int
    bpsp: float | None
    n_cu: int
    repair: float
    frames_sent: int
    frames_lost: int
    frames_needed: int | None
    fading_blocks: int
    exact: bool
    psnr: float | None
    seconds: float

    @classmethod
    def of_trial(cls, task: TrialTask, mcs: str, subpixels: int, n_cu: int, **measured: object) -> TrialRow:
        """The row of ``task``: its identity fields, the unified SNRs from ``n_cu``, ``subpixels`` and
        ``task.pixels``, and the other measured fields as keywords."""
        return cls(
            image=task.image,
            image_index=task.image_index,
            system=task.system,
            channel=task.channel,
            snr_db=float(task.snr_db),
            snr_unified_db=unified_snr_db(task.snr_db, n_cu, subpixels),
            snr_paper_db=paper_unified_snr_db(task.snr_db, n_cu, task.pixels),
            trial=task.trial,
            mcs=mcs,
            mcs_setting=task.mcs_setting,
            subpixels=subpixels,
            pixels=task.pixels,
            n_cu=n_cu,
            **measured,
        )

    @property
    def key(self) -> tuple:
        return row_key(self.image, self.system, self.channel, self.snr_db, self.trial, self.mcs_setting)

    def without_timing(self) -> TrialRow:
        """The row with ``seconds`` zeroed: what must be identical between runs with the same seed."""
        return dataclasses.replace(self, seconds=0.0)


FIELDS = tuple(f.name for f in dataclasses.fields(TrialRow))
_ADDED = ("snr_paper_db", "pixels")
_FOUNTAIN = ("repair", "frames_needed")
LEGACY_FIELDS = tuple(name for name in FIELDS if name not in _ADDED + _FOUNTAIN)
"""The columns of a ``rows.csv`` written before rows had the paper's axis and the RaptorQ outer code,
in frame format 1 (refused: its channel uses differ from today's frames)."""
_INT = {
    "image_index", "trial", "source_bits", "subpixels", "pixels", "n_cu", "frames_sent", "frames_lost",
    "frames_needed", "fading_blocks",
}  # fmt: skip
_FLOAT = {"snr_db", "snr_unified_db", "snr_paper_db", "repair", "bpsp", "psnr", "seconds"}
_OPTIONAL = {"source_bits", "bpsp", "psnr", "frames_needed"}


def _to_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def _from_text(name: str, text: str) -> object:
    if text == "" and name in _OPTIONAL:
        return None
    if name == "exact":
        if text not in ("true", "false"):
            raise ValueError(f"exact must be true or false, got {text!r}")
        return text == "true"
    if name in _INT:
        return int(text)
    if name in _FLOAT:
        value = float(text)
        if math.isnan(value):
            raise ValueError(f"{name} is NaN")
        return value
    return text


def read_rows(path: str | os.PathLike[str]) -> list[TrialRow]:
    """Every row of a ``rows.csv`` (empty if the file does not exist).

    A last line cut short by a crash is ignored (it is simply redone); any other malformed
    line raises :class:`ConfigError` naming the file and line, and so does a file of
    :data:`LEGACY_FIELDS` (frame format 1: its channel uses are not today's frames').
    """
    path = Path(path)
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        lines = list(csv.reader(handle))
    if not lines:
        return []
    header = tuple(lines[0])
    if header == LEGACY_FIELDS:
        raise ConfigError(
            f"{path}: written with frame format 1 (before the RaptorQ outer code and the paper's axis), "
            "whose channel uses differ from today's frames: use a new results directory"
        )
    if header != FIELDS:
        raise ConfigError(f"{path}: not a sweep rows file (header {lines[0][:4]}…); use another results directory")
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        try:
            if len(values) != len(header):
                raise ValueError(f"{len(values)} fields, expected {len(header)}")
            rows.append(TrialRow(**{name: _from_text(name, text) for name, text in zip(header, values)}))
        except (ValueError, TypeError, KeyError, ConfigError) as exc:
            if number == len(lines):
                break  # a torn last line
            raise ConfigError(f"{path}:{number}: malformed row ({exc})") from None
    return rows


class RowWriter:
    """Appends rows to ``rows.csv``, one flushed line each; writes the header to a new file.

    A torn last line left by a crash is cut off first, so appending resumes cleanly.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        _drop_torn_tail(self.path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._handle = self.path.open("a", newline="")
        self._writer = csv.writer(self._handle)
        if new:
            self._writer.writerow(FIELDS)
            self._handle.flush()

    def write(self, row: TrialRow) -> None:
        self._writer.writerow([_to_text(name, getattr(row, name)) for name in FIELDS])
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_rows(path: str | os.PathLike[str], rows: Iterable[TrialRow]) -> None:
    """Write a whole rows file (header and rows), replacing any file there."""
    path = Path(path)
    if path.exists():
        path.unlink()
    with RowWriter(path) as writer:
        for row in rows:
            writer.write(row)


def _drop_torn_tail(path: Path) -> None:
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as handle:
            handle.truncate(cut)
