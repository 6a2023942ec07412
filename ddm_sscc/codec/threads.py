"""How many threads the codec runs with: one for its short operations, two for its GEMMs.

Coding an image is thousands of short operations (a few per step, channel and feature
group); only the network's GEMMs are large.  ``ddm_sscc`` sets ``OMP_WAIT_POLICY=PASSIVE``
(``ddm_sscc/__init__.py``) so that the link's concurrent processes do not starve each
other, and under that policy every parallel region wakes sleeping workers: on the 2-core
project machine (AMD EPYC, AVX2), encoding kodim23 with ``ddm-featmlp-lattice-v7`` took
9.68 s with one thread and 12.75 s with two.  The GEMMs are few (four per head call) and
long, so they gain from a second thread what the short operations lose: with
``ddm-featmlp-lattice-v9`` (192 wide), kodim23 and kodim01, encode and decode, alternating
twice, took 7.0–8.3 s (mean 7.54) with two threads in the GEMMs and 8.0–9.5 s (mean 8.58) on
one thread (``THREADS="1 default" sh benchmarks/model_timing_ab.sh ddm-featmlp-lattice-v9``).

So the CLI's codec runs torch with :data:`CODEC_THREADS` (one) thread and the network's GEMMs
(:func:`network_threads`) with ``--threads N``, by default two where two cores are usable.
Threads never change a bit of the output (every operation is exact integer arithmetic).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ddm_sscc.errors import ConfigError

CODEC_THREADS = 1
"""Torch intra-op threads for the codec's short operations."""
NETWORK_THREADS_VARIABLE = "DDM_SSCC_NETWORK_THREADS"
"""Environment variable with the GEMMs' thread count: set by :func:`use_codec_threads`, so that
the processes this one starts (the link's TX and RX flowgraphs) use it too."""
DEFAULT_NETWORK_THREADS = 2
"""The GEMMs' threads by default, fewer where fewer cores are usable."""


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers and ``taskset`` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def use_codec_threads(threads: int | None = None) -> int:
    """One torch thread for the codec's short operations, ``threads`` for its network's GEMMs
    (default: two, or one on a single usable core); returns the GEMMs' count.

    Exports ``OMP_NUM_THREADS=1`` and :data:`NETWORK_THREADS_VARIABLE`, so that the processes
    this one starts code the same way.
    """
    import torch

    count = min(DEFAULT_NETWORK_THREADS, usable_cores()) if threads is None else threads
    if count < 1:
        raise ValueError(f"threads must be at least 1, got {count}")
    torch.set_num_threads(CODEC_THREADS)
    os.environ["OMP_NUM_THREADS"] = str(CODEC_THREADS)
    os.environ[NETWORK_THREADS_VARIABLE] = str(count)
    return count


def network_threads() -> int | None:
    """The GEMMs' thread count that :func:`use_codec_threads` set (here or in a parent process);
    None if it was never set: the GEMMs then run with torch's own count, as everything else."""
    value = os.environ.get(NETWORK_THREADS_VARIABLE)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{NETWORK_THREADS_VARIABLE} must be a positive integer, got {value!r}")
    return int(value)


@contextmanager
def gemm_threads() -> Iterator[None]:
    """Torch runs with :func:`network_threads` threads for the duration (the network's GEMMs)."""
    import torch

    count, before = network_threads(), torch.get_num_threads()
    if count is None or count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def use_torch_threads(threads: int) -> int:
    """Torch's thread count for everything (training, whose every operation is large); returns it.

    Exports ``OMP_NUM_THREADS`` and clears :data:`NETWORK_THREADS_VARIABLE`, so that the GEMMs
    (:func:`gemm_threads`) follow torch's count here and in the processes this one starts.
    """
    import torch

    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    torch.set_num_threads(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.pop(NETWORK_THREADS_VARIABLE, None)
    return threads
