"""run_sweep: resuming, determinism, executors, outputs."""

from __future__ import annotations

import csv
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep import analog
from ddm_sscc.experiments.sweep.analog import AnalogSystem
from ddm_sscc.experiments.sweep.rows import FIELDS, read_rows, write_rows
from ddm_sscc.experiments.sweep.runner import SerialExecutor, run_sweep
from ddm_sscc.experiments.sweep.settings import load_images
from tests.core.experiments.sweep.conftest import quick_settings


def timeless(rows):
    return sorted((r.without_timing() for r in rows), key=lambda r: r.key)


def test_outputs_rows_and_progress(tmp_path, tiny_images):
    calls = []
    settings = quick_settings(trials=2)
    result = run_sweep(
        settings, tiny_images, tmp_path, executor=SerialExecutor(), progress=lambda d, t: calls.append((d, t))
    )
    total = 2 * 4 + 2 * 4 * 2 * 2  # source jobs + trials
    assert calls[-1] == (total, total) and [d for d, _ in calls] == list(range(1, total + 1))
    assert result.new_rows == len(result.rows) == 32
    for name in ("rows.csv", "summary.csv", "bounds.csv", "exact_rate.png", "report.md", "sweep.json"):
        assert (tmp_path / name).is_file(), name
    assert all(r.exact for r in result.rows if r.snr_db == 12.0)
    assert not any(r.exact for r in result.rows if r.snr_db == -8.0)
    limits = {t.system: t for t in result.thresholds}
    assert {t.snr_db for t in limits.values()} == {12.0}
    with open(tmp_path / "summary.csv") as handle:
        summary = list(csv.DictReader(handle))
    assert len(summary) == 8 and {row["threshold_snr_db"] for row in summary} == {"12"}
    with open(tmp_path / "bounds.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 8  # 2 images × 4 systems × 1 MCS
    report = (tmp_path / "report.md").read_text()
    assert "| ddm | qpsk-1/2 |" in report and "gap to jpegxl" in report
    assert (tmp_path / "exact_rate.png").read_bytes()[:4] == b"\x89PNG"


def test_auto_runs_with_and_without_a_margin_share_a_directory_as_two_settings(tmp_path, tiny_images):
    from ddm_sscc.experiments.sweep.rate_adaptation import PerTable

    table = PerTable({"awgn": {"qpsk-1/2": 1.0, "16qam-1/2": 11.5}})
    plain = run_sweep(quick_settings(mcs="auto", snrs=(12.0,), systems=("raw",)), tiny_images, tmp_path,
                      executor=SerialExecutor(), per_table=table)
    margin = run_sweep(quick_settings(mcs="auto", mcs_margin_db=1.0, snrs=(12.0,), systems=("raw",)), tiny_images,
                       tmp_path, executor=SerialExecutor(), per_table=table)
    assert plain.new_rows == margin.new_rows == 2
    used = {(r.mcs_setting, r.mcs) for r in read_rows(tmp_path / "rows.csv")}
    assert used == {("auto", "16qam-1/2"), ("auto+1dB", "qpsk-1/2")}
    report = (tmp_path / "report.md").read_text()
    assert "MCS auto:" in report and "MCS auto+1dB:" in report


def test_resume_skips_done_rows_and_redoes_deleted_ones(tmp_path, tiny_images):
    settings = quick_settings()
    first = run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    again = run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    assert first.new_rows == 16 and again.new_rows == 0 and len(read_rows(tmp_path / "rows.csv")) == 16
    rows = read_rows(tmp_path / "rows.csv")
    dropped = rows.pop(5)
    write_rows(tmp_path / "rows.csv", rows)
    with open(tmp_path / "rows.csv", "a") as handle:  # and a line torn by a crash
        handle.write("a.png,0,ddm,awgn,12.0")
    third = run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    assert third.new_rows == 1
    back = [r for r in read_rows(tmp_path / "rows.csv") if r.key == dropped.key]
    assert len(back) == 1 and back[0].without_timing() == dropped.without_timing()
    assert timeless(third.rows) == timeless(first.rows)


def test_other_fixed_settings_are_refused_in_the_same_directory(tmp_path, tiny_images):
    run_sweep(quick_settings(snrs=(12.0,), systems=("raw",)), tiny_images, tmp_path, executor=SerialExecutor())
    with pytest.raises(ConfigError, match="seed=1 there, 2 now"):
        run_sweep(quick_settings(snrs=(12.0,), systems=("raw",), seed=2), tiny_images, tmp_path,
                  executor=SerialExecutor())
    # another channel, SNR grid or system list may join the directory
    more = run_sweep(quick_settings(snrs=(12.0,), systems=("raw", "png"), channel="rayleigh"), tiny_images, tmp_path,
                     executor=SerialExecutor())
    assert more.new_rows == 4 and {p.channel for p in more.points} == {"awgn", "rayleigh"}
    assert json.loads((tmp_path / "sweep.json").read_text())["fixed"]["seed"] == 1


def test_calibration_is_a_fixed_setting_and_older_directories_coded_online(tmp_path, tiny_images):
    run_sweep(quick_settings(snrs=(12.0,), systems=("raw",)), tiny_images, tmp_path, executor=SerialExecutor())
    with pytest.raises(ConfigError, match="calibration='online' there, 'offline' now"):
        run_sweep(quick_settings(snrs=(12.0,), systems=("raw",), calibration="offline"), tiny_images, tmp_path,
                  executor=SerialExecutor())
    # a directory written before --calibration existed has no such key: it coded online
    path = tmp_path / "sweep.json"
    record = json.loads(path.read_text())
    del record["fixed"]["calibration"]
    path.write_text(json.dumps(record))
    again = run_sweep(quick_settings(snrs=(12.0,), systems=("raw",)), tiny_images, tmp_path, executor=SerialExecutor())
    assert again.new_rows == 0


def test_same_seed_same_rows_and_another_seed_other_rows(tmp_path, tiny_images):
    settings = quick_settings(snrs=(-1.0,), systems=("raw",), max_payload=64, trials=3)
    a = run_sweep(settings, tiny_images, tmp_path / "a", executor=SerialExecutor())
    with ThreadPoolExecutor(2) as threads:
        b = run_sweep(settings, tiny_images, tmp_path / "b", executor=threads)
    c = run_sweep(quick_settings(snrs=(-1.0,), systems=("raw",), max_payload=64, trials=3, seed=9), tiny_images,
                  tmp_path / "c", executor=SerialExecutor())
    assert timeless(a.rows) == timeless(b.rows)
    assert [r.frames_lost for r in timeless(a.rows)] != [r.frames_lost for r in timeless(c.rows)]


def test_process_pool_gives_the_rows_of_a_serial_run(tmp_path, tiny_dir):
    settings = quick_settings(dataset=str(tiny_dir), snrs=(-1.0, 12.0), max_payload=200, channel="rayleigh")
    images = load_images(settings)
    serial = run_sweep(settings, images, tmp_path / "serial", executor=SerialExecutor())
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = run_sweep(settings, images, tmp_path / "pool", executor=pool)
    assert timeless(serial.rows) == timeless(pooled.rows) and len(serial.rows) == 16
    default = run_sweep(settings, images, tmp_path / "default")  # default_executor(settings.workers): spawn
    assert timeless(default.rows) == timeless(serial.rows)
    with (
        ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as forking,
        pytest.raises(ConfigError, match="fork"),
    ):
        run_sweep(settings, images, tmp_path / "fork", executor=forking)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dask_cluster_gives_the_rows_of_a_local_run(tmp_path, tiny_dir):
    distributed = pytest.importorskip("distributed")
    settings = quick_settings(dataset=str(tiny_dir), snrs=(-1.0, 12.0), max_payload=200, systems=("ddm", "raw"))
    images = load_images(settings)
    local = run_sweep(settings, images, tmp_path / "local", executor=SerialExecutor())
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        remote = run_sweep(settings, images, tmp_path / "dask", executor=client.get_executor())
    assert timeless(local.rows) == timeless(remote.rows) and len(local.rows) == 8


class NoisyCopy:
    """An analog stand-in: exact at ≥ 20 dB, otherwise ±1 noise on every sub-pixel."""

    name = "deepjscc"

    def transmit(self, pixels: np.ndarray, channel_config: ChannelConfig) -> tuple[np.ndarray, int]:
        if channel_config.snr_db >= 20:
            return pixels.copy(), pixels.size // 6
        rng = np.random.default_rng(channel_config.seed)
        noisy = pixels.astype(np.int16) + rng.choice([-1, 1], size=pixels.shape)
        return np.clip(noisy, 0, 255).astype(np.uint8), pixels.size // 6


def test_analog_system_rows(monkeypatch, tmp_path, tiny_images):
    assert isinstance(NoisyCopy(), AnalogSystem)
    monkeypatch.setitem(analog._LOADED, "deepjscc", NoisyCopy())
    settings = quick_settings(snrs=(5.0, 25.0), systems=("raw", "deepjscc"), trials=2)
    result = run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    rows = [r for r in result.rows if r.system == "deepjscc"]
    assert len(rows) == 8 and all(r.exact == (r.snr_db == 25.0) for r in rows)
    low = [r for r in rows if r.snr_db == 5.0]
    assert all(r.psnr == pytest.approx(48.13, abs=0.01) for r in low)  # MSE 1 (clipping aside)
    assert all(r.source_bits is None and r.mcs == "" and r.frames_sent == 0 for r in rows)
    assert rows[0].n_cu == rows[0].subpixels // 6
    assert len({r.psnr for r in low}) >= 1
    assert "deepjscc" in (tmp_path / "report.md").read_text()


def test_missing_deepjscc_is_a_config_error_before_any_work(monkeypatch, tmp_path, tiny_images):
    from ddm_sscc.experiments.deepjscc import zoo

    def missing(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "deepjscc-c16.safetensors")

    monkeypatch.delitem(analog._LOADED, "deepjscc", raising=False)
    monkeypatch.setattr(zoo, "load_deepjscc", missing)  # as if the weights were not installed
    settings = quick_settings(systems=("raw", "deepjscc"))
    with pytest.raises(ConfigError, match="deepjscc weights not available"):
        run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    assert not (tmp_path / "rows.csv").exists()


def test_rows_file_round_trip_and_foreign_file(tmp_path, tiny_images):
    result = run_sweep(quick_settings(snrs=(12.0,), systems=("png",)), tiny_images, tmp_path, executor=SerialExecutor())
    assert read_rows(tmp_path / "rows.csv") == result.rows
    assert tuple((tmp_path / "rows.csv").read_text().splitlines()[0].split(",")) == FIELDS
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "rows.csv").write_text("x,y\n1,2\n")
    with pytest.raises(ConfigError, match="not a sweep rows file"):
        run_sweep(quick_settings(snrs=(12.0,), systems=("png",)), tiny_images, foreign, executor=SerialExecutor())


def test_a_rows_file_of_frame_format_1_is_refused_and_the_paper_axis_is_written(tmp_path, tiny_images):
    import dataclasses

    from ddm_sscc.experiments.sweep.runner import write_outputs
    from tests.core.experiments.sweep.conftest import make_legacy_rows_file

    settings = quick_settings(snrs=(12.0,), systems=("raw",))
    first = run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())
    assert {r.image: r.pixels for r in first.rows} == {"a.png": 12 * 16, "b.png": 10 * 10}
    again = run_sweep(dataclasses.replace(settings, snr_axis="paper"), tiny_images, tmp_path, executor=SerialExecutor())
    assert again.new_rows == 0 and timeless(again.rows) == timeless(first.rows)
    with open(tmp_path / "summary.csv") as handle:
        summary = list(csv.DictReader(handle))
    assert all(float(p["threshold_paper_db"]) < float(p["threshold_unified_db"]) for p in summary)
    assert "paper-axis" in (tmp_path / "report.md").read_text()
    make_legacy_rows_file(tmp_path / "rows.csv")
    for attempt in (lambda: write_outputs(tmp_path), lambda: run_sweep(settings, tiny_images, tmp_path, executor=SerialExecutor())):
        with pytest.raises(ConfigError, match="frame format 1"):
            attempt()
