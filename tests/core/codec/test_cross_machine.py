"""Files made on one machine decode on another: every zoo model, under emulated CPUs.

torch picks kernels by CPU; ``ATEN_CPU_CAPABILITY``, ``ONEDNN_MAX_CPU_ISA`` and
``MKL_ENABLE_INSTRUCTIONS`` make this machine use another machine's kernels (and
``NPY_DISABLE_CPU_FEATURES`` numpy's: the tables take their argmax from numpy), and
the thread count changes how work is split.  Each setting encodes in its own
process; every setting's files must be byte-identical, and each setting decodes
the files another one made.  A model whose tables depend on float kernels fails
here (``ddm-transformer-t1`` did, and left the zoo).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

_NUMPY_BASELINE = ("SSSE3 SSE41 POPCNT SSE42 AVX F16C FMA3 AVX2 AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX "
                   "AVX512_CLX AVX512_CNL AVX512_ICL")
"""Every feature numpy 1.26 dispatches to on x86-64: disabled, it runs its SSE3 baseline loops."""
_KERNEL_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "NPY_DISABLE_CPU_FEATURES")

SETTINGS = {
    "default-1thread": ({"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                         "NPY_DISABLE_CPU_FEATURES": _NUMPY_BASELINE}, 1),
    "avx2-2threads": ({"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}, 2),
    "avx512-2threads": ({"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, 2),
    "avx2-1thread": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}, 1),
}


def _run(mode: str, folder, name: str) -> subprocess.CompletedProcess[str]:
    env_vars, threads = SETTINGS[name]
    env = {k: v for k, v in os.environ.items() if k not in _KERNEL_VARIABLES}
    env |= env_vars
    return subprocess.run([sys.executable, "-m", "tests.core.codec.cross_machine_worker", mode, str(folder), str(threads)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    folders = {}
    for name in SETTINGS:
        folders[name] = tmp_path_factory.mktemp(name)
        result = _run("encode", folders[name], name)
        assert result.returncode == 0, result.stderr
        folders[name + ":capability"] = result.stdout.strip()
    return folders


def test_settings_really_select_different_kernels(encoded):
    capabilities = {encoded[n + ":capability"] for n in SETTINGS}
    assert {"DEFAULT", "AVX2"} <= capabilities, capabilities


def test_every_setting_writes_the_same_bytes(encoded):
    reference = sorted(p.name for p in encoded["default-1thread"].iterdir())
    assert len(reference) >= 4
    for name in SETTINGS:
        for file in reference:
            assert (encoded[name] / file).read_bytes() == (encoded["default-1thread"] / file).read_bytes(), f"{file} under {name}"


@pytest.mark.parametrize("encoder,decoder", [("avx512-2threads", "default-1thread"), ("default-1thread", "avx2-2threads"),
                                             ("avx2-2threads", "avx512-2threads"), ("avx2-1thread", "avx512-2threads")])
def test_files_decode_under_another_setting(encoded, encoder, decoder):
    result = _run("decode", encoded[encoder], decoder)
    assert result.returncode == 0, result.stderr
