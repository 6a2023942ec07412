"""``ddm-sscc sweep --through-gnuradio``: the DDM trials through the three ZeroMQ flowgraphs.

Each (image, SNR, trial) runs ``ddm-sscc link`` (:func:`ddm_sscc.link.zmq_link.run_zmq_link`):
TX, channel and RX flowgraphs as three processes.  Rows go to ``gnuradio_rows.csv`` in the
results directory and ``gnuradio_agreement.md`` puts the exact-recovery rate per SNR next
to the core (numpy) sweep's rows of the same directory, if any: the two paths share the
PHY code, so their rates must agree within the trials' statistics.  The flowgraph channel
applies one fixed CFO per run (``cfo_hz``) where the core draws one per frame, and its noise
comes from another seed, so single trials differ; rates must not.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.rows import read_rows
from ddm_sscc.experiments.sweep.settings import SweepSettings
from ddm_sscc.image_io import save_image
from ddm_sscc.link.zmq_link import LinkSettings, run_zmq_link

ROWS_FILE = "gnuradio_rows.csv"
AGREEMENT_FILE = "gnuradio_agreement.md"


@dataclass(frozen=True)
class GnuradioRow:
    """One DDM transmission through the ZeroMQ flowgraphs (fields as in the core sweep's rows)."""

    image: str
    system: str
    channel: str
    snr_db: float
    snr_unified_db: float
    trial: int
    mcs: str
    repair: float
    bpsp: float
    n_cu: int
    frames_sent: int
    frames_lost: int
    exact: bool
    seconds: float


def _key(image: str, snr: float, trial: int, repair: float) -> tuple[str, float, int, float]:
    return image, round(float(snr), 6), int(trial), float(repair)


def _read(path: Path) -> list[GnuradioRow]:
    if not path.exists():
        return []
    out = []
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            out.append(
                GnuradioRow(
                    image=rec["image"], system=rec["system"], channel=rec["channel"], snr_db=float(rec["snr_db"]),
                    snr_unified_db=float(rec["snr_unified_db"]), trial=int(rec["trial"]), mcs=rec["mcs"],
                    repair=float(rec.get("repair") or 0.0), bpsp=float(rec["bpsp"]), n_cu=int(rec["n_cu"]), frames_sent=int(rec["frames_sent"]),
                    frames_lost=int(rec["frames_lost"]), exact=rec["exact"] == "True", seconds=float(rec["seconds"]),
                )  # fmt: skip
            )
    return out


def run_gnuradio_sweep(
    settings: SweepSettings,
    images: Sequence[tuple[str, np.ndarray]],
    results_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    cfo_hz: float = 5000.0,
) -> tuple[list[GnuradioRow], Path]:
    """Run (or resume) the DDM trials through the flowgraphs; returns all rows and the agreement report."""
    if settings.systems != ("ddm",):
        raise ConfigError("--through-gnuradio runs the ddm system only (the flowgraphs carry .ddm images): --systems ddm")
    if settings.mcs == "auto":
        raise ConfigError("--through-gnuradio needs a fixed --mcs")
    path = results_dir / ROWS_FILE
    rows = _read(path)
    done = {_key(r.image, r.snr_db, r.trial, r.repair) for r in rows}
    tasks = [(label, px, snr, t) for label, px in images for snr in settings.snrs for t in range(settings.trials)]
    tasks = [task for task in tasks if _key(task[0], task[2], task[3], settings.repair) not in done]
    new_file = not path.exists()
    with tempfile.TemporaryDirectory(prefix="ddm-grsweep-") as tmp, open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[x.name for x in fields(GnuradioRow)])
        if new_file:
            writer.writeheader()
        for i, (label, pixels, snr, trial) in enumerate(tasks):
            image = Path(tmp) / "image.png"
            save_image(image, pixels, force=True)
            out = Path(tmp) / "received.png"
            seed = int(np.random.SeedSequence([settings.seed, int(trial), int(round(snr * 1000)) & 0xFFFFFFFF]).generate_state(1)[0])
            summary = run_zmq_link(
                LinkSettings(
                    image=str(image), output=str(out), channel=settings.channel, snr_db=snr, mcs=settings.mcs,
                    cfo_hz=cfo_hz, seed=seed, profile=settings.profile, model=settings.model or "",
                    steps=settings.steps, calibration=settings.calibration, max_payload=settings.max_payload, repair=settings.repair, force=True,
                )  # fmt: skip
            )
            out.unlink(missing_ok=True)
            row = GnuradioRow(
                image=label, system="ddm", channel=settings.channel, snr_db=snr,
                snr_unified_db=float(summary.snr_unified_db), trial=trial, mcs=summary.mcs, repair=settings.repair, bpsp=summary.bpsp,
                n_cu=summary.n_channel_uses, frames_sent=summary.frames_sent, frames_lost=summary.frames_lost,
                exact=summary.exact, seconds=round(summary.seconds, 3),
            )  # fmt: skip
            writer.writerow(asdict(row))
            f.flush()
            rows.append(row)
            if progress:
                progress(i + 1, len(tasks))
    report = results_dir / AGREEMENT_FILE
    report.write_text(agreement_markdown(rows, results_dir))
    return rows, report


def agreement_markdown(rows: Sequence[GnuradioRow], results_dir: Path) -> str:
    """Exact-recovery rate per (channel, SNR): GNU Radio flowgraphs next to the core sweep's ddm rows."""
    core: dict[tuple[str, float], list[bool]] = {}
    rows_csv = results_dir / "rows.csv"
    images = {r.image for r in rows}
    if rows_csv.exists():
        for r in read_rows(rows_csv):
            if r.system == "ddm" and r.image in images:  # the same images on both sides
                core.setdefault((r.channel, round(r.snr_db, 6)), []).append(bool(r.exact))
    gr: dict[tuple[str, float], list[bool]] = {}
    for r in rows:
        gr.setdefault((r.channel, round(r.snr_db, 6)), []).append(r.exact)
    lines = [
        "DDM exact-recovery rate: core (numpy) sweep vs the same trials through the ZeroMQ flowgraphs",
        "",
        "| channel | SNR dB | core trials | core exact rate | GNU Radio trials | GNU Radio exact rate |",
        "|---|---|---|---|---|---|",
    ]
    for key in sorted(set(gr) | set(core)):
        c, g = core.get(key, []), gr.get(key, [])
        rate = lambda xs: f"{sum(xs) / len(xs):.2f}" if xs else "–"  # noqa: E731
        lines.append(f"| {key[0]} | {key[1]:g} | {len(c)} | {rate(c)} | {len(g)} | {rate(g)} |")
    return "\n".join(lines) + "\n"
