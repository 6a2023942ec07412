"""Frame headers, frames and fountain reassembly under arbitrary bytes, bit errors, losses, repeats and reordering."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.fuzzers import (
    ACCEPTED,
    REFUSED,
    case_frames,
    forged_headers,
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


@given(forged_headers())
def test_forged_headers_with_a_valid_crc16(data):
    assert run_frame_bytes(data) in (ACCEPTED, REFUSED)


@given(reassembly_cases())
def test_reassembly(case):
    assert run_reassembly(case) in (ACCEPTED, REFUSED)


@given(reassembly_cases())
def test_any_permutation_of_all_frames_gives_the_stream_back(case):
    n = len(case_frames(case))
    order = list(reversed(range(n))) + case["order"]  # every symbol id at least once, reordered
    assert run_reassembly(case | {"order": order, "corrupt": []}) == ACCEPTED


@given(reassembly_cases(), st.data())
def test_every_source_frame_with_losses_among_the_repair_frames_gives_the_stream_back(case, data):
    frames = case_frames(case)
    k = frames[0].header.source_symbols
    source = data.draw(st.permutations(range(k)))
    repair = data.draw(st.lists(st.integers(k, len(frames) - 1), max_size=len(frames) - k)) if len(frames) > k else []
    order = [*repair[: len(repair) // 2], *source, *repair[len(repair) // 2 :]]
    assert run_reassembly(case | {"order": order, "corrupt": []}) == ACCEPTED


@given(reassembly_cases(), st.data())
def test_fewer_than_k_distinct_frames_never_give_a_stream(case, data):
    frames = case_frames(case)
    k = frames[0].header.source_symbols
    chosen = data.draw(st.lists(st.integers(0, len(frames) - 1), unique=True, max_size=k - 1))
    order = chosen + data.draw(st.lists(st.sampled_from(chosen), max_size=4)) if chosen else []
    assert run_reassembly(case | {"order": order, "corrupt": []}) == REFUSED


@given(frame_api_calls)
def test_framing_entry_points_with_wrong_types(call):
    assert run_frame_api(call) in (ACCEPTED, REFUSED)
