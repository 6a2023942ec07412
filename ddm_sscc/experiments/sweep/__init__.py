"""``ddm-sscc sweep``: images over the simulated link at many SNRs, bit-exact recovery against bounds.

* :mod:`.settings` — :class:`SweepSettings`, validation, :func:`check_results_dir`, :func:`load_images`.
* :mod:`.source_coding` — each digital system's stream, verified once, cached on disk.
* :mod:`.analog` — :class:`AnalogSystem` (DeepJSCC behind it) and its trial.
* :mod:`.tasks` — :class:`TrialTask`, row keys, per-trial seeds.
* :mod:`.link_trial` — one digital trial over the OFDM link.
* :mod:`.fast_fading` — ``fast-rayleigh``: i.i.d. Rayleigh per resource element, perfect CSI and sync.
* :mod:`.paper` — the paper's unified-SNR convention and its 2 dB claim.
* :mod:`.rows` — :class:`TrialRow` and the resumable ``rows.csv``.
* :mod:`.rate_adaptation` — ``--mcs auto`` from a PER table.
* :mod:`.bounds` — Shannon, finite-blocklength and outage bounds in unified SNR.
* :mod:`.summary`, :mod:`.tables`, :mod:`.plots`, :mod:`.report` — what the rows add up to.
* :mod:`.runner` — :func:`run_sweep` on any ``concurrent.futures`` executor.
"""

from ddm_sscc.experiments.sweep.analog import AnalogSystem, load_analog_system
from ddm_sscc.experiments.sweep.rate_adaptation import PerTable, choose_mcs, load_table, table_from_runs
from ddm_sscc.experiments.sweep.rows import TrialRow, read_rows
from ddm_sscc.experiments.sweep.runner import SerialExecutor, SweepResult, default_executor, run_sweep, write_outputs
from ddm_sscc.experiments.sweep.settings import (
    SYSTEMS,
    SweepSettings,
    check_results_dir,
    load_images,
    parse_systems,
)

__all__ = [
    "SYSTEMS",
    "AnalogSystem",
    "PerTable",
    "SerialExecutor",
    "SweepResult",
    "SweepSettings",
    "TrialRow",
    "check_results_dir",
    "choose_mcs",
    "default_executor",
    "load_analog_system",
    "load_images",
    "load_table",
    "parse_systems",
    "read_rows",
    "run_sweep",
    "table_from_runs",
    "write_outputs",
]
