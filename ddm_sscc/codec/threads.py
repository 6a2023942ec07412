"""How many torch threads the codec runs with unless told otherwise, and why one.

Coding an image is thousands of short operations (a few per step, channel and feature
group); only the network's GEMMs are large.  ``ddm_sscc`` sets ``OMP_WAIT_POLICY=PASSIVE``
(``ddm_sscc/__init__.py``) so that the link's concurrent processes do not starve each
other, and under that policy every parallel region wakes sleeping workers.  On the 2-core
project machine (AMD EPYC, AVX2), encoding kodim23 with the default model took 9.68 s with
one thread and 12.75 s with two (``.venv/bin/python benchmarks/openmp_wait_policy.py
--policies passive --threads one,two``).  Threads never change a bit of the output, so
``--threads N`` (CLI) or :func:`use_codec_threads` may set another count.
"""

from __future__ import annotations

import os

CODEC_THREADS = 1
"""Torch intra-op threads for encoding and decoding by default."""


def use_codec_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads to ``threads`` (default :data:`CODEC_THREADS`); returns the count.

    Also exports ``OMP_NUM_THREADS``, so that the processes this one starts (the link's TX and
    RX flowgraphs, which code in their own interpreters) use the same count.
    """
    import torch

    count = CODEC_THREADS if threads is None else threads
    if count < 1:
        raise ValueError(f"threads must be at least 1, got {count}")
    torch.set_num_threads(count)
    os.environ["OMP_NUM_THREADS"] = str(count)
    return count
