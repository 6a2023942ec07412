"""The codec's default thread count, as the CLI applies it."""

import os

import pytest
import torch

from ddm_sscc.cli import main
from ddm_sscc.codec.threads import CODEC_THREADS, use_codec_threads


@pytest.fixture
def restore_threads(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # restored after the test
    yield
    torch.set_num_threads(before)


def test_use_codec_threads_sets_the_default_or_the_given_count(restore_threads):
    assert use_codec_threads() == CODEC_THREADS == torch.get_num_threads()
    assert use_codec_threads(2) == 2 == torch.get_num_threads()
    assert os.environ["OMP_NUM_THREADS"] == "2"  # for the processes it starts
    with pytest.raises(ValueError, match="at least 1"):
        use_codec_threads(0)


def test_cli_codes_with_the_codec_default_unless_told(restore_threads, capsys):
    torch.set_num_threads(2)
    assert main(["models"]) == 0
    assert torch.get_num_threads() == CODEC_THREADS
    assert os.environ["OMP_NUM_THREADS"] == str(CODEC_THREADS)
    assert main(["--threads", "2", "models"]) == 0
    assert torch.get_num_threads() == 2
    capsys.readouterr()


def test_train_keeps_torchs_own_count(restore_threads, tmp_path, capsys):
    torch.set_num_threads(2)
    # fails at once on the empty folder; the thread count is set (or not) before that
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "run")]) != 0
    assert torch.get_num_threads() == 2
    assert "no usable training images" in capsys.readouterr().err
