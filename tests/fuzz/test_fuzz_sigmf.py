"""SigMF metadata under arbitrary JSON values in every field, raw non-finite and absurd numbers, wrong types."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz.fuzzers import ACCEPTED, REFUSED, run_sigmf, sigmf_inputs, sigmf_template


def test_the_template_is_accepted():
    metadata, data = sigmf_template()
    import json

    assert run_sigmf((json.dumps(metadata), data)) == ACCEPTED


@given(sigmf_inputs())
def test_sigmf_reader(case):
    assert run_sigmf(case) in (ACCEPTED, REFUSED)
