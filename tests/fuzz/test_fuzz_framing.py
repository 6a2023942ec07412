"""Frame headers, frames and reassembly under arbitrary bytes, bit errors, losses, repeats and reordering."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz.fuzzers import (
    ACCEPTED,
    REFUSED,
    frame_api_calls,
    frame_byte_inputs,
    reassembly_cases,
    run_frame_api,
    run_frame_bytes,
    run_reassembly,
)


@given(frame_byte_inputs)
def test_frame_parsing(data):
    assert run_frame_bytes(data) in (ACCEPTED, REFUSED)


@given(reassembly_cases())
def test_reassembly(case):
    assert run_reassembly(case) in (ACCEPTED, REFUSED)


@given(reassembly_cases())
def test_any_permutation_of_all_frames_gives_the_stream_back(case):
    from ddm_sscc.fec.framing import split_stream

    n = len(split_stream(case["stream"], case["session_id"], case["mcs"], case["max_payload"]))
    order = list(reversed(range(n))) + case["order"]  # every seq at least once, reordered
    assert run_reassembly(case | {"order": order, "corrupt": []}) == ACCEPTED


@given(frame_api_calls)
def test_framing_entry_points_with_wrong_types(call):
    assert run_frame_api(call) in (ACCEPTED, REFUSED)
