"""The ``.ddm`` container parser under arbitrary and edited bytes: only ContainerError, never an absurd header."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz.fuzzers import ACCEPTED, REFUSED, container_headers, container_inputs, run_container


@given(container_inputs)
def test_container_parser(data):
    assert run_container(data) in (ACCEPTED, REFUSED)


@given(container_headers())
def test_every_valid_header_round_trips(header):
    from ddm_sscc.codec.container import pack

    assert run_container(pack(header, b"payload")) == ACCEPTED
