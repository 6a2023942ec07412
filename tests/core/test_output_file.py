"""Outputs are checked before the work that produces them, and never overwritten without force."""

from __future__ import annotations

import os

import pytest

from ddm_sscc.errors import OutputError, OutputExistsError
from ddm_sscc.output_file import check_output, write_atomic


def test_existing_files_need_force(tmp_path):
    target = tmp_path / "a.bin"
    write_atomic(target, b"first")
    with pytest.raises(OutputExistsError, match="--force"):
        write_atomic(target, b"second")
    write_atomic(target, b"second", force=True)
    assert target.read_bytes() == b"second"


def test_missing_or_unwritable_directories_are_refused_up_front(tmp_path, monkeypatch):
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "no" / "a.png", force=False)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(tmp_path) else real_access(path, mode))
    with pytest.raises(OutputError, match="is not writable"):
        check_output(tmp_path / "a.png", force=False)
