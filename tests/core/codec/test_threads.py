"""The codec's thread counts, as the CLI applies them: one for short operations, N for the GEMMs."""

import os

import numpy as np
import pytest
import torch

from ddm_sscc.cli import main
from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.codec import threads as codec_threads
from ddm_sscc.codec.threads import (
    CODEC_THREADS,
    NETWORK_THREADS_VARIABLE,
    gemm_threads,
    network_threads,
    use_codec_threads,
)
from ddm_sscc.errors import ConfigError
from tests.conftest import real_image


@pytest.fixture
def restore_threads(monkeypatch):
    before = torch.get_num_threads()
    for var in ("OMP_NUM_THREADS", NETWORK_THREADS_VARIABLE):
        monkeypatch.delenv(var, raising=False)  # restored after the test
    yield
    torch.set_num_threads(before)


def test_use_codec_threads_sets_one_thread_and_the_gemms_count(restore_threads, monkeypatch):
    monkeypatch.setattr(codec_threads, "usable_cores", lambda: 16)
    assert use_codec_threads() == 2 == network_threads()
    assert torch.get_num_threads() == CODEC_THREADS == 1
    assert os.environ["OMP_NUM_THREADS"] == "1"  # for the processes it starts
    assert os.environ[NETWORK_THREADS_VARIABLE] == "2"
    assert use_codec_threads(3) == 3 == network_threads()
    with pytest.raises(ValueError, match="at least 1"):
        use_codec_threads(0)


def test_one_usable_core_gets_one_gemm_thread(restore_threads, monkeypatch):
    monkeypatch.setattr(codec_threads, "usable_cores", lambda: 1)
    assert use_codec_threads() == 1


def test_gemm_threads_sets_the_count_and_restores_it(restore_threads, monkeypatch):
    torch.set_num_threads(1)
    with gemm_threads():  # never set: torch's own count
        assert torch.get_num_threads() == 1
    monkeypatch.setenv(NETWORK_THREADS_VARIABLE, "2")
    with gemm_threads():
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_a_bad_thread_variable_is_named(restore_threads, monkeypatch, value):
    monkeypatch.setenv(NETWORK_THREADS_VARIABLE, value)
    with pytest.raises(ConfigError, match=NETWORK_THREADS_VARIABLE):
        network_threads()


def test_gemm_threads_do_not_change_a_bit(restore_threads, monkeypatch):
    codec, image = load_codec(None), real_image(24, 20, 3)
    files = []
    for count in ("1", "2"):
        monkeypatch.setenv(NETWORK_THREADS_VARIABLE, count)
        files.append(codec.encode(image, CodecSettings(steps=8)))
        assert np.array_equal(codec.decode(files[-1]), image)
    assert files[0] == files[1]


def test_cli_codes_with_the_codec_default_unless_told(restore_threads, capsys):
    torch.set_num_threads(2)
    assert main(["models"]) == 0
    assert torch.get_num_threads() == CODEC_THREADS
    assert os.environ["OMP_NUM_THREADS"] == str(CODEC_THREADS)
    assert main(["--threads", "3", "models"]) == 0
    assert torch.get_num_threads() == CODEC_THREADS
    assert network_threads() == 3
    capsys.readouterr()


def test_train_keeps_torchs_own_count(restore_threads, tmp_path, capsys):
    torch.set_num_threads(2)
    # fails at once on the empty folder; the thread count is set (or not) before that
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "run")]) != 0
    assert torch.get_num_threads() == 2
    assert "no usable training images" in capsys.readouterr().err


def test_train_threads_set_torchs_count(restore_threads, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(NETWORK_THREADS_VARIABLE, "2")
    torch.set_num_threads(1)
    assert main(["--threads", "2", "train", "--data", str(tmp_path), "--out", str(tmp_path / "run")]) != 0
    assert torch.get_num_threads() == 2
    assert network_threads() is None  # the GEMMs follow torch's count
    capsys.readouterr()
