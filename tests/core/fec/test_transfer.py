"""Transmit side of the outer code: source frames, ⌈R·K⌉ repair frames, the carousel; and what any K of them rebuild."""

import itertools
import math
import random
from fractions import Fraction

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.fec.transfer import MAX_REPAIR, TransferEncoder, check_repair, symbol_size_for_payload


def stream(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def rebuild(frames) -> tuple[Reassembler, int]:
    """Feed ``frames`` (all of one session) to a fresh receiver; (receiver, session id)."""
    rx = Reassembler()
    for frame in frames:
        rx.add(frame)
    return rx, frame.header.session_id


@pytest.mark.parametrize(
    ("n", "size", "k", "last"),
    [
        (1, 8, 1, 1),
        (7, 8, 1, 7),
        (8, 8, 1, 8),
        (9, 8, 2, 1),
        (1000, 64, 16, 40),
        (1024, 64, 16, 64),
        (5000, 1024, 5, 904),
    ],
)
def test_source_frames_are_the_stream_cut_in_symbols(n, size, k, last):
    data = stream(n)
    encoder = TransferEncoder(data, session_id=7, mcs=3, symbol_size=size)
    frames = encoder.frames()
    assert encoder.source_symbols == k == len(frames)
    assert [f.header.symbol_id for f in frames] == list(range(k))
    assert [len(f.payload) for f in frames] == [size] * (k - 1) + [last]
    assert b"".join(f.payload for f in frames) == data
    for f in frames:
        h = f.header
        assert (h.session_id, h.mcs, h.transfer_length, h.symbol_size, h.source_symbols) == (7, 3, n, size, k)
        assert not h.is_repair and h.payload_len == len(f.payload)


@pytest.mark.parametrize("k", [1, 3, 10, 16, 30, 100])
@pytest.mark.parametrize("repair", [0, 0.1, 0.25, 0.5, 0.6, 1, 1.5, 2.5, MAX_REPAIR])
def test_repair_count_is_the_ceiling_of_r_times_k(k, repair):
    encoder = TransferEncoder(stream(64 * k - 5), session_id=1, mcs=0, symbol_size=64)
    expected = math.ceil(Fraction(str(repair)) * k)  # exact: 0.1·30 is 3, not 3.0000000000000004 → 4
    assert encoder.repair_count(repair) == expected
    frames = encoder.frames(repair)
    assert len(frames) == k + expected
    assert [f.header.symbol_id for f in frames] == list(range(k + expected))
    repair_frames = frames[k:]
    assert all(f.header.is_repair and len(f.payload) == 64 for f in repair_frames)
    if k > 1:  # (for K = 1 the code has so few intermediate symbols that repair symbols can repeat)
        assert len({f.payload for f in repair_frames}) == len(repair_frames)  # fresh symbols, not copies
    assert b"".join(f.payload for f in frames[:k]) == stream(64 * k - 5)


def test_repair_frames_are_the_same_on_every_call():
    encoder = TransferEncoder(stream(3000), session_id=9, mcs=2, symbol_size=256)
    assert encoder.frames(1.0) == encoder.frames(1.0)
    assert encoder.frames(2.0)[: len(encoder.frames(1.0))] == encoder.frames(1.0)


@pytest.mark.parametrize("seed", range(12))
def test_any_k_frames_after_30_percent_loss_rebuild_the_stream(seed):
    """R = 0.6 and 30 % of the frames lost (in any order): about 1.12·K arrive, and the stream is exact."""
    rng = random.Random(seed)
    n = rng.randrange(2000, 40000)
    size = rng.choice([64, 128, 504, 1024])
    data = stream(n, seed)
    encoder = TransferEncoder(data, session_id=seed, mcs=1, symbol_size=size)
    k = encoder.source_symbols
    frames = encoder.frames(0.6)
    assert len(frames) == k + math.ceil(Fraction(3, 5) * k)
    survivors = [f for f in frames if rng.random() >= 0.3]
    if len(survivors) < k + 2:  # the draw lost too many for this test's point: keep exactly K + 2
        survivors = rng.sample(frames, k + 2)
    rng.shuffle(survivors)
    rx, sid = rebuild(survivors)
    report = rx.report(sid)
    assert rx.complete(sid) and rx.data(sid) == data
    assert report.needed is not None and k <= report.needed <= k + 2
    assert report.source_symbols == k and report.received == len(survivors)


@pytest.mark.parametrize("seed", range(8))
def test_exactly_k_plus_two_frames_mostly_repair_rebuild_the_stream(seed):
    rng = random.Random(100 + seed)
    data = stream(rng.randrange(500, 20000), seed)
    encoder = TransferEncoder(data, session_id=1, mcs=0, symbol_size=128)
    k = encoder.source_symbols
    frames = encoder.frames(3.0)
    chosen = rng.sample(frames[:k], k // 4) + rng.sample(frames[k:], k + 2 - k // 4)
    rng.shuffle(chosen)
    rx, sid = rebuild(chosen)
    assert rx.data(sid) == data and rx.report(sid).needed <= k + 2


def test_fewer_than_k_frames_never_rebuild_the_stream():
    encoder = TransferEncoder(stream(5000), session_id=1, mcs=0, symbol_size=128)
    k = encoder.source_symbols
    frames = encoder.frames(2.0)
    for seed in range(5):
        chosen = random.Random(seed).sample(frames, k - 1)
        rx, sid = rebuild(chosen)
        assert not rx.complete(sid) and rx.report(sid).needed is None


def test_the_carousel_continues_past_its_first_batch():
    data = stream(50 * 64 - 3)
    encoder = TransferEncoder(data, session_id=3, mcs=2, symbol_size=64)
    k = encoder.source_symbols
    assert k == 50
    carousel = list(itertools.islice(encoder.carousel(), 5 * k))  # past K + 64 and K + 128: regenerated twice
    assert [f.header.symbol_id for f in carousel] == list(range(5 * k))
    assert carousel[:k] == encoder.frames()
    assert carousel[: 3 * k] == encoder.frames(2.0)  # the same symbols as a fixed repair fraction
    assert all(f.header.is_repair and len(f.payload) == 64 for f in carousel[k:])
    assert len({f.payload for f in carousel[k:]}) == 4 * k


def test_a_late_receiver_decodes_from_the_carousel_alone():
    """A receiver that starts listening after 3·K frames never sees a source frame, and still decodes."""
    data = stream(50 * 100 - 17, 5)
    encoder = TransferEncoder(data, session_id=0xCAFE, mcs=2, symbol_size=100 // 8 * 8)
    k = encoder.source_symbols
    heard = []
    rx = Reassembler()
    for frame in itertools.islice(encoder.carousel(), 3 * k, 3 * k + k + 10):
        heard.append(frame.header.symbol_id)
        rx.add(frame)
        if rx.complete(0xCAFE):
            break
    assert rx.data(0xCAFE) == data
    assert min(heard) == 3 * k and len(heard) <= k + 2
    assert rx.report(0xCAFE).missing == tuple(range(k))  # no source symbol was ever received


@pytest.mark.parametrize("bad", [-0.1, 10.5, float("nan"), float("inf"), float("-inf"), True, False, None, "0.5", [1]])
def test_check_repair_refuses_bad_fractions(bad):
    with pytest.raises(ConfigError, match="--repair must be a number in"):
        check_repair(bad)
    encoder = TransferEncoder(b"abc", session_id=1, mcs=0, symbol_size=8)
    with pytest.raises(ConfigError):
        encoder.frames(bad)


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (1, 1.0), (0.6, 0.6), (10, 10.0)])
def test_check_repair_accepts_and_returns_floats(value, expected):
    result = check_repair(value)
    assert result == expected and type(result) is float


PAYLOAD_TO_SYMBOL = [(8, 8), (9, 8), (15, 8), (16, 16), (1023, 1016), (1024, 1024), (65528, 65528), (65535, 65528)]


@pytest.mark.parametrize(("max_payload", "size"), [*PAYLOAD_TO_SYMBOL, (100_000, 65528)])
def test_symbol_size_for_payload(max_payload, size):
    assert symbol_size_for_payload(max_payload) == size


@pytest.mark.parametrize("bad", [7, 0, -8, 8.0, True, None])
def test_symbol_size_for_payload_refuses_less_than_a_symbol(bad):
    with pytest.raises(ConfigError, match="max_payload"):
        symbol_size_for_payload(bad)


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        (b"", {"session_id": 1, "mcs": 0, "symbol_size": 8}),
        ("abc", {"session_id": 1, "mcs": 0, "symbol_size": 8}),
        (123, {"session_id": 1, "mcs": 0, "symbol_size": 8}),
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": 12}),
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": 0}),
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": 65536}),
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": 16.0}),  # was TypeError out of the RaptorQ library
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": None}),  # was TypeError in the size checks
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": "8"}),
        (b"abc", {"session_id": 1, "mcs": 0, "symbol_size": True}),
        (bytes(56404 * 8), {"session_id": 1, "mcs": 0, "symbol_size": 8}),  # more source symbols than one block holds
        (b"abc", {"session_id": 1 << 32, "mcs": 0, "symbol_size": 8}),
        (b"abc", {"session_id": -1, "mcs": 0, "symbol_size": 8}),
        (b"abc", {"session_id": 1, "mcs": 256, "symbol_size": 8}),
        (b"abc", {"session_id": 1, "mcs": 0.0, "symbol_size": 8}),
    ],
)
def test_transfer_encoder_refuses_bad_settings(data, kwargs):
    with pytest.raises(ConfigError):
        TransferEncoder(data, **kwargs)
