"""RaptorQ across frames: any K (+ a few) symbols rebuild the transfer; malformed ones are refused."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddm_sscc.errors import FrameError
from ddm_sscc.fec.fountain import (
    FountainDecoder, FountainEncoder, FountainPacket, MAX_SOURCE_SYMBOLS, symbol_size_for,
)


def _decode(packets, length, size):
    decoder = FountainDecoder(length, size)
    for packet in packets:
        out = decoder.add(packet.to_bytes())
        if out is not None:
            return out, decoder
    return None, decoder


def test_source_symbols_alone_rebuild_the_transfer():
    data = os.urandom(10_000)
    encoder = FountainEncoder(data, 1000)
    packets = encoder.packets(0)
    assert encoder.source_symbols == 10 and [p.symbol_id for p in packets] == list(range(10))
    assert _decode(packets, len(data), 1000)[0] == data


@settings(max_examples=25, deadline=None, database=None)
@given(length=st.integers(1, 40_000), size=st.sampled_from([8, 64, 504, 1000]), seed=st.integers(0, 2**32 - 1))
def test_any_k_plus_a_few_symbols_in_any_order(length, size, seed):
    """Lose a random third of source and repair symbols, shuffle and duplicate the rest: still exact."""
    rng = random.Random(seed)
    data = rng.randbytes(length)
    encoder = FountainEncoder(data, size)
    k = encoder.source_symbols
    packets = encoder.packets(k + 8)
    kept = rng.sample(packets, k + 4)
    kept += rng.sample(kept, min(3, len(kept)))  # duplicates
    rng.shuffle(kept)
    out, decoder = _decode(kept, length, size)
    assert out == data


def test_too_few_symbols_never_decode():
    data = os.urandom(5000)
    packets = FountainEncoder(data, 1000).packets(4)
    out, decoder = _decode(packets[2:6], len(data), 1000)  # 4 of the 5 needed
    assert out is None and len(decoder.received) == 4


def test_duplicates_are_counted_and_harmless():
    data = os.urandom(3000)
    packets = FountainEncoder(data, 1000).packets(0)
    decoder = FountainDecoder(len(data), 1000)
    for packet in [packets[0], packets[0], packets[1], packets[2]]:
        out = decoder.add(packet)
    assert out == data and decoder.duplicates == 1


def test_the_carousel_never_ends_and_a_late_receiver_decodes():
    data = os.urandom(20_000)
    encoder = FountainEncoder(data, 1000)
    stream = encoder.carousel()
    sent = [next(stream) for _ in range(400)]  # past the first regeneration
    assert len({p.symbol_id for p in sent}) == 400
    out, _ = _decode(sent[300:], len(data), 1000)  # joins after 300 symbols, repair only
    assert out == data


@pytest.mark.parametrize("packet,match", [
    (b"", "expected 1004"),
    (bytes(4 + 999), "expected 1004"),
    (bytes([1, 0, 0, 0]) + bytes(1000), "source block 1"),
])
def test_malformed_packets_are_refused_before_the_library(packet, match):
    with pytest.raises(FrameError, match=match):
        FountainDecoder(5000, 1000).add(packet)


@pytest.mark.parametrize("length,size", [(0, 1000), (10, 1001), (10, 0), (1 << 29, 1000),
                                         (MAX_SOURCE_SYMBOLS * 8 + 1, 8)])
def test_absurd_sizes_are_refused(length, size):
    with pytest.raises(FrameError):
        FountainDecoder(length, size)


def test_symbol_size_follows_the_frame_payload():
    assert symbol_size_for(1024) == 1016 and symbol_size_for(12) == 8
    with pytest.raises(FrameError):
        symbol_size_for(11)
    packet = FountainPacket(0, 70_000, b"abcdefgh")
    assert FountainPacket.from_bytes(packet.to_bytes(), 8) == packet
