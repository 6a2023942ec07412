"""Radio configuration YAML under generated mappings, edited shipped files, non-finite numbers and deep nesting."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz.fuzzers import ACCEPTED, LOADERS, REFUSED, SHIPPED, config_inputs, run_config


def test_the_shipped_files_are_accepted():
    for kind in LOADERS:
        assert run_config((kind, SHIPPED[kind].read_text())) == ACCEPTED


@given(config_inputs())
def test_config_loaders(case):
    assert run_config(case) in (ACCEPTED, REFUSED)
