"""``run_sweep``: plan the trials, skip those already in ``rows.csv``, run the rest on an executor, summarise.

Work runs on any :class:`concurrent.futures.Executor`: by default a
``ProcessPoolExecutor(settings.workers)`` (spawned processes, one torch thread each
when ``workers`` fills the machine), or e.g. a Dask ``distributed.Client(address).get_executor()``.
Spawned workers import the caller's ``__main__``: a script calling :func:`run_sweep` needs an
``if __name__ == "__main__":`` guard (the ``ddm-sscc`` entry point has one).
Jobs are top-level functions with picklable arguments and results
(:func:`source_job`, :func:`trial_job`); only this process writes files, so
workers need no access to the results directory.

Order of work:

1. ``check_results_dir``; ``sweep.json`` pins the settings every row of the directory
   shares (:meth:`SweepSettings.fixed`), a run with different ones is refused.
2. ``--mcs auto`` resolves an MCS per SNR point (:mod:`.rate_adaptation`); a requested
   analog system is loaded once here, so missing weights fail before any work.
3. Source coding, once per (image, digital system) with a trial still to run, unless
   ``source_cache/`` has it (:mod:`.source_coding`).
4. The trials not yet in ``rows.csv`` (key: image, system, channel, SNR, trial, MCS
   setting); each finished row is appended and flushed at once, so an interrupted
   sweep resumes where it stopped.
5. From all rows of the directory: ``summary.csv``, ``bounds.csv``, ``exact_rate.png``
   (x axis ``settings.snr_axis``) and ``report.md``.

A ``rows.csv`` of frame format 1 (before the RaptorQ outer code) is refused: its channel
uses are not today's.

``progress(done, total)`` is called after each finished job, counting
source-coding jobs and trials.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ddm_sscc.codec.threads import CODEC_THREADS, NETWORK_THREADS_VARIABLE
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.analog import load_analog_system, run_analog_trial
from ddm_sscc.experiments.sweep.bounds import ImageBounds, SystemBounds, bounds_from_rows, mean_bounds
from ddm_sscc.experiments.sweep.link_trial import run_digital_trial
from ddm_sscc.experiments.sweep.plots import PLOT_FILE, check_snr_axis, plot_exact_rate
from ddm_sscc.experiments.sweep.rate_adaptation import PerTable, choose_mcs, load_table
from ddm_sscc.experiments.sweep.report import markdown_report
from ddm_sscc.experiments.sweep.rows import ROWS_FILE, RowWriter, TrialRow, read_rows
from ddm_sscc.experiments.sweep.settings import AUTO_MCS, DIGITAL_SYSTEMS, SweepSettings, check_results_dir
from ddm_sscc.experiments.sweep.source_coding import (
    SourceCache,
    SourceStream,
    make_source,
    pixel_sha256_hex,
    settings_key,
)
from ddm_sscc.experiments.sweep.summary import SummaryPoint, Threshold, summarise, thresholds
from ddm_sscc.experiments.sweep.tables import BOUNDS_FILE, SUMMARY_FILE, write_dataclass_csv
from ddm_sscc.experiments.sweep.tasks import TrialTask

SETTINGS_FILE = "sweep.json"
REPORT_FILE = "report.md"

Progress = Callable[[int, int], None]


class SerialExecutor(Executor):
    """Runs each job in this process as it is submitted (for tests, debugging and ``--workers 1``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit after shutdown")
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as any executor does
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True


def _worker_init(threads: int) -> None:
    """Per worker process: a fixed number of torch/OpenMP threads, the codec's GEMMs' included
    (the results do not depend on it)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", NETWORK_THREADS_VARIABLE):
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def default_executor(workers: int, threads: int = CODEC_THREADS) -> Executor:
    """``ProcessPoolExecutor(workers)`` with spawned processes (no fork of a torch-threaded parent),
    each with ``threads`` torch threads (the codec's default: use more workers to use more cores)."""
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(threads,),
    )


# ---- jobs (top-level, picklable) ---------------------------------------------------------------
def source_job(pixels: np.ndarray, system: str, settings: SweepSettings) -> SourceStream:
    """Code one image with one digital system and verify it (runs on a worker)."""
    return make_source(pixels, system, settings)


def trial_job(task: TrialTask, payload: SourceStream | np.ndarray, settings: SweepSettings) -> TrialRow:
    """One trial (runs on a worker): ``payload`` is the stream (digital) or the pixels (analog)."""
    if task.system in DIGITAL_SYSTEMS:
        assert isinstance(payload, SourceStream)
        return run_digital_trial(task, payload, settings)
    return run_analog_trial(task, np.asarray(payload), settings)


# ---- planning ------------------------------------------------------------------------------------
def resolve_mcs(settings: SweepSettings, table: PerTable | None = None) -> dict[float, str]:
    """The MCS name per SNR point (``--mcs auto``: from the PER table, loaded if not given)."""
    if settings.mcs != AUTO_MCS:
        return {snr: settings.mcs for snr in settings.snrs}
    table = table if table is not None else load_table()
    table.for_channel(settings.channel)  # ConfigError now if the table lacks the channel
    return {snr: choose_mcs(snr, settings.channel, table, settings.mcs_margin_db) for snr in settings.snrs}


def plan_tasks(
    settings: SweepSettings, images: Sequence[tuple[str, np.ndarray]], mcs_of: dict[float, str]
) -> list[TrialTask]:
    """Every trial of the sweep, image-major then system, SNR, trial (keeps a worker on one stream)."""
    tasks = []
    for index, (label, pixels) in enumerate(images):
        for system in settings.systems:
            for snr in settings.snrs:
                for trial in range(settings.trials):
                    tasks.append(
                        TrialTask(
                            image=label,
                            image_index=index,
                            system=system,
                            channel=settings.channel,
                            snr_db=snr,
                            trial=trial,
                            mcs=mcs_of[snr] if system in DIGITAL_SYSTEMS else "",
                            mcs_setting=settings.mcs_setting,
                            pixels=_pixels(pixels),
                        )
                    )
    return tasks


def _check_executor(executor: Executor | None) -> None:
    """Refuse a fork-based process pool: its children deadlock once torch's threads ran in this process."""
    context = getattr(executor, "_mp_context", None) if isinstance(executor, ProcessPoolExecutor) else None
    if context is not None and context.get_start_method() == "fork":
        raise ConfigError(
            "a ProcessPoolExecutor that forks can deadlock after torch ran in this process; "
            "use default_executor(workers) or mp_context=multiprocessing.get_context('spawn')"
        )


def _check_settings_file(folder: Path, settings: SweepSettings) -> None:
    path = folder / SETTINGS_FILE
    fixed = settings.fixed()
    if path.exists():
        try:
            recorded = json.loads(path.read_text())["fixed"]
            recorded.setdefault("calibration", "online")  # sweeps before --calibration coded online
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: unreadable ({exc}); use another results directory") from None
        differing = sorted(k for k in set(fixed) | set(recorded) if fixed.get(k) != recorded.get(k))
        if differing:
            what = ", ".join(f"{k}={recorded.get(k)!r} there, {fixed.get(k)!r} now" for k in differing)
            raise ConfigError(f"{folder} holds a sweep with other settings ({what}); use another results directory")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"fixed": fixed, "last_run": settings.to_dict()}, indent=1) + "\n")
    os.replace(tmp, path)


def _check_images(images: Sequence[tuple[str, np.ndarray]]) -> None:
    if not images:
        raise ConfigError("the sweep has no images")
    labels = [label for label, _ in images]
    if len(set(labels)) != len(labels):
        raise ConfigError("image names repeat")
    for label, pixels in images:
        array = np.asarray(pixels)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (1, 3):
            raise ConfigError(f"{label}: images must be uint8 (H, W, 1|3), got {array.dtype} {array.shape}")


def _pixels(image: np.ndarray) -> int:
    """``H·W`` of a ``(H, W, C)`` image."""
    shape = np.shape(image)
    return int(shape[0]) * int(shape[1])


def _payload(task: TrialTask, sources: dict, pixels_of: dict) -> SourceStream | np.ndarray:
    return sources[(task.image, task.system)] if task.system in DIGITAL_SYSTEMS else pixels_of[task.image]


# ---- the sweep -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    """What a sweep left in its results directory.

    Attributes:
        results_dir: the directory.
        rows: every row of ``rows.csv`` (earlier runs included), first occurrence of each key.
        new_rows: rows this call added.
        points, thresholds: :func:`.summary.summarise` and :func:`.summary.thresholds` of ``rows``.
        bounds: per (image, system, channel, MCS) bounds; mean_bounds: their means per system.
        files: name → path of every file written (rows, summary, bounds, plot, report, settings).
    """

    results_dir: Path
    rows: list[TrialRow]
    new_rows: int
    points: list[SummaryPoint]
    thresholds: list[Threshold]
    bounds: list[ImageBounds]
    mean_bounds: list[SystemBounds]
    files: dict[str, Path] = field(default_factory=dict)


def run_sweep(
    settings: SweepSettings,
    images: Sequence[tuple[str, np.ndarray]],
    results_dir: str | os.PathLike[str],
    executor: Executor | None = None,
    progress: Progress | None = None,
    per_table: PerTable | None = None,
) -> SweepResult:
    """Run (or resume) a sweep and write its outputs (module docstring).

    Args:
        settings: the sweep.
        images: ``(label, uint8 (H, W, C))`` in dataset order (:func:`.settings.load_images`).
        results_dir: created if needed; ``rows.csv`` there is resumed.
        executor: where jobs run (default :func:`default_executor`, shut down at the end).  A
            ``ProcessPoolExecutor`` must not fork (:class:`ConfigError`): forked children of a
            process whose torch threads ran deadlock; use the ``spawn`` or ``forkserver`` context.
        progress: ``progress(done, total)`` after each job.
        per_table: the PER table for ``--mcs auto`` (default: the shipped one).
    """
    if not isinstance(settings, SweepSettings):
        raise ConfigError(f"run_sweep needs SweepSettings, got {type(settings).__name__}")
    _check_executor(executor)
    folder = check_results_dir(results_dir)
    _check_images(images)
    mcs_of = resolve_mcs(settings, per_table)
    for system in settings.analog_systems:
        load_analog_system(system)
    _check_settings_file(folder, settings)

    rows_path = folder / ROWS_FILE
    writer = RowWriter(rows_path)  # cuts a torn last line before anything reads the file
    try:
        done_keys = {row.key for row in read_rows(rows_path)}
        pending = [t for t in plan_tasks(settings, images, mcs_of) if t.key not in done_keys]
        pixels_of = {label: np.ascontiguousarray(px) for label, px in images}
        cache = SourceCache(folder)
        sources: dict[tuple[str, str], SourceStream] = {}
        to_code = []
        for label, system in dict.fromkeys((t.image, t.system) for t in pending if t.system in DIGITAL_SYSTEMS):
            px = pixels_of[label]
            hit = cache.get(pixel_sha256_hex(px), system, settings_key(system, settings))
            if hit is not None:
                sources[(label, system)] = hit
            else:
                to_code.append((label, system))
        total = len(to_code) + len(pending)
        done = 0
        new_rows = 0
        own = executor is None
        pool = default_executor(settings.workers) if own else executor
        futures: list[Future] = []
        try:
            jobs = {
                pool.submit(source_job, pixels_of[label], system, settings): (label, system)
                for label, system in to_code
            }
            futures = list(jobs)
            for future in as_completed(jobs):
                source = future.result()
                cache.put(source)
                sources[jobs[future]] = source
                done += 1
                if progress:
                    progress(done, total)
            trial_futures = [
                pool.submit(trial_job, task, _payload(task, sources, pixels_of), settings) for task in pending
            ]
            futures = trial_futures
            for future in as_completed(trial_futures):
                writer.write(future.result())
                new_rows += 1
                done += 1
                if progress:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        writer.close()
    return write_outputs(folder, new_rows=new_rows, snr_axis=settings.snr_axis)


def write_outputs(results_dir: str | os.PathLike[str], new_rows: int = 0, snr_axis: str = "unified") -> SweepResult:
    """(Re)write ``summary.csv``, ``bounds.csv``, ``exact_rate.png`` (x axis ``snr_axis``, one of
    :data:`.plots.SNR_AXES`) and ``report.md`` from ``rows.csv``."""
    check_snr_axis(snr_axis)
    folder = Path(results_dir)
    unique: dict[tuple, TrialRow] = {}
    for row in read_rows(folder / ROWS_FILE):
        unique.setdefault(row.key, row)
    rows = list(unique.values())
    points = summarise(rows)
    limits = thresholds(points)
    bounds = bounds_from_rows(rows)
    means = mean_bounds(bounds)
    files = {
        "rows": folder / ROWS_FILE,
        "settings": folder / SETTINGS_FILE,
        "summary": write_dataclass_csv(folder / SUMMARY_FILE, points, SummaryPoint),
        "bounds": write_dataclass_csv(folder / BOUNDS_FILE, bounds, ImageBounds),
        "plot": plot_exact_rate(points, limits, means, folder / PLOT_FILE, snr_axis=snr_axis),
    }
    report = folder / REPORT_FILE
    report.write_text(markdown_report(points, limits, means, heading="Exact-recovery thresholds"))
    files["report"] = report
    return SweepResult(folder, rows, new_rows, points, limits, bounds, means, files)
