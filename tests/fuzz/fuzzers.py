"""The four fuzzed parsers: Hypothesis strategies of inputs, and a target that runs one input.

Each target returns :data:`ACCEPTED` or :data:`REFUSED` (a one-line
:class:`~ddm_sscc.errors.DdmError` of the parser's own class), raises
:class:`AssertionError` when an accepted input breaks a property (a silently wrong
result), and lets any other exception through: that is a crash.  The tests in this
folder run them under ``@given``; ``benchmarks/fuzz_parsers.py`` runs them with a large
budget.

* ``.ddm`` container (:mod:`ddm_sscc.codec.container`): :func:`run_container` on
  :data:`container_inputs`.
* frames and reassembly (:mod:`ddm_sscc.fec.framing`): :func:`run_frame_bytes` on
  :data:`frame_byte_inputs`, :func:`run_reassembly` on :data:`reassembly_cases`,
  :func:`run_frame_api` on :data:`frame_api_calls`.
* SigMF metadata (:mod:`ddm_sscc.recording.sigmf_recording`): :func:`run_sigmf` on
  :data:`sigmf_inputs`.
* radio configuration YAML (:mod:`ddm_sscc.radio.config`): :func:`run_config` on
  :data:`config_inputs`.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path

import numpy as np
import yaml
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.channel.model import SNR_DB_MAX, SNR_DB_MIN
from ddm_sscc.codec.container import (
    MAGIC,
    MAX_MODEL_ID,
    PIXEL_HASH_BYTES,
    READABLE_VERSIONS,
    Header,
    pack,
    read_header,
    unpack,
)
from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import MAX_STEPS, ScheduleKind
from ddm_sscc.codec.tokens import MAX_PIXELS
from ddm_sscc.errors import ConfigError, ContainerError, DdmError, FrameError, RecordingError
from ddm_sscc.fec.crc import crc16, strip_crc32
from ddm_sscc.fec.fountain import MAX_SOURCE_SYMBOLS, MAX_TRANSFER_LENGTH, SYMBOL_ALIGNMENT
from ddm_sscc.fec.framing import HEADER_LEN, MAX_SYMBOL_ID, Frame, FrameHeader, single_symbol_header
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.fec.transfer import TransferEncoder
from ddm_sscc.radio.config import (
    DEFAULT_CHANNEL_PROFILES,
    DEFAULT_MODEM_CONFIG,
    DEFAULT_PLUTO_CONFIG,
    LO_MAX_HZ,
    LO_MIN_HZ,
    PlutoConfig,
    load_channel_profiles,
    load_modem_config,
    load_pluto_config,
)
from ddm_sscc.radio.config import SAMPLE_RATE_MAX as PLUTO_SAMPLE_RATE_MAX
from ddm_sscc.recording import Annotation, read_recording, write_recording
from ddm_sscc.recording.project_keys import (
    FULL_SCALE_MAX,
    FULL_SCALE_MIN,
    MAX_FRAMES,
    SAMPLE_RATE_MAX,
    SAMPLE_RATE_MIN,
)

ACCEPTED, REFUSED = "accepted", "refused"
MESSAGE_LIMIT = 600
"""Longest error message accepted as "one line" (file paths included)."""


def refused(exc: BaseException, *expected: str) -> str:
    """Check that a refusal is one short line (naming each of ``expected``) and return :data:`REFUSED`."""
    message = str(exc)
    assert message.strip(), f"{type(exc).__name__} with an empty message"
    assert len(message.splitlines()) == 1, f"{type(exc).__name__} message is not one line: {message!r}"
    assert len(message) <= MESSAGE_LIMIT, (
        f"{type(exc).__name__} message of {len(message)} characters: {message[:300]!r}…"
    )
    for text in expected:
        assert text in message, f"{type(exc).__name__} message does not name {text!r}: {message!r}"
    return REFUSED


def keep_hypothesis_out_of_the_checkout() -> None:
    """Point Hypothesis' own storage (its unicode and constants caches) outside the repository.

    Even without an example database Hypothesis writes ``./.hypothesis``; this puts it under
    the temporary directory instead, unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says where.
    """
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"ddm-sscc-hypothesis-{os.getuid()}")


keep_hypothesis_out_of_the_checkout()


@functools.cache
def workdir() -> Path:
    """A private scratch directory for the file-based targets (removed at exit)."""
    path = Path(tempfile.mkdtemp(prefix="ddm-fuzz-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


# ==== the .ddm container ====================================================================

# Format 1 header fields by name: (offset, struct format); see the layout in container.py.
# In a format 2 file, where sizes are varints, the same edits land on other fields or bytes.
CONTAINER_FIELDS = {
    "version": (4, "<B"),
    "flags": (5, "<B"),
    "channels": (6, "<B"),
    "order": (7, "<B"),
    "schedule": (8, "<B"),
    "reserved": (9, "<B"),
    "steps": (10, "<H"),
    "height": (12, "<I"),
    "width": (16, "<I"),
    "seed": (20, "<Q"),
    "id_len": (28, "<B"),
}
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))


@st.composite
def container_headers(draw: st.DrawFn) -> Header:
    """Every valid header: every format version, image sizes up to the pixel limit, all orders, schedules and flags."""
    height = draw(st.one_of(st.integers(1, 64), st.integers(1, MAX_PIXELS)))
    width = draw(st.one_of(st.integers(1, min(64, MAX_PIXELS // height)), st.integers(1, MAX_PIXELS // height)))
    order = draw(st.sampled_from(OrderKind))
    calibrated = draw(st.booleans())
    version = draw(st.sampled_from(READABLE_VERSIONS))
    return Header(
        height=height,
        width=width,
        channels=draw(st.sampled_from([1, 3])),
        steps=draw(st.integers(1, min(MAX_STEPS, height * width))),
        order=order,
        schedule=draw(st.sampled_from(ScheduleKind)),
        order_seed=draw(st.integers(0, (1 << 64) - 1)) if order == OrderKind.RANDOM else 0,
        calibrated=calibrated,
        adaptive=calibrated and draw(st.booleans()),
        model_id=draw(st.text(_PRINTABLE_ASCII, min_size=1, max_size=MAX_MODEL_ID)) if version < 3 else None,
        weights_sha256=draw(st.binary(min_size=32, max_size=32)),
        pixel_sha256=draw(st.binary(min_size=PIXEL_HASH_BYTES[version], max_size=PIXEL_HASH_BYTES[version])),
        version=version,
        narrow=version >= 3 and draw(st.booleans()),
    )


_byte_mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 16), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 16)),
    st.tuples(st.just("extend"), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 16), st.integers(1, 8)),
)
_container_mutation = st.one_of(
    _byte_mutation,
    st.tuples(st.just("field"), st.sampled_from(sorted(CONTAINER_FIELDS)), st.integers(0, (1 << 64) - 1)),
    st.tuples(
        st.just("field"),
        st.sampled_from(sorted(CONTAINER_FIELDS)),
        st.sampled_from([0, 1, 2, 3, 4, 255, 4096, 4097, 0xFFFF, 1 << 28, (1 << 32) - 1]),
    ),
    st.tuples(st.just("payload_len"), st.integers(0, (1 << 32) - 1)),
)


def mutate_bytes(data: bytes, mutation: tuple) -> bytes:
    """One byte-level edit (positions wrap around the data)."""
    kind = mutation[0]
    if kind == "flip" and data:
        i = mutation[1] % len(data)
        return data[:i] + bytes([data[i] ^ mutation[2]]) + data[i + 1 :]
    if kind == "truncate":
        return data[: mutation[1] % (len(data) + 1)]
    if kind == "extend":
        return data + mutation[1]
    if kind == "insert":
        i = mutation[1] % (len(data) + 1)
        return data[:i] + mutation[2] + data[i:]
    if kind == "delete" and data:
        i = mutation[1] % len(data)
        return data[:i] + data[i + mutation[2] :]
    return data


def _container_edit(data: bytes, mutation: tuple) -> bytes:
    if mutation[0] == "field":
        offset, fmt = CONTAINER_FIELDS[mutation[1]]
        size = struct.calcsize(fmt)
        if len(data) < offset + size:
            return data
        value = mutation[2] % (1 << (8 * size))
        return data[:offset] + struct.pack(fmt, value) + data[offset + size :]
    if mutation[0] == "payload_len":
        if len(data) < 29:
            return data
        at = 29 + data[28] + 64
        if len(data) < at + 4:
            return data
        return data[:at] + struct.pack("<I", mutation[1]) + data[at + 4 :]
    return mutate_bytes(data, mutation)


def fix_container_crcs(data: bytes) -> bytes:
    """Recompute the header and payload CRC-32s where the (edited) fields put them, so checks beyond the CRCs run."""
    if len(data) < 5:
        return data
    if data[4] in (2, 3):
        return _fix_varint_header_crcs(data, data[4])
    if len(data) < 29:
        return data
    crc_at = 29 + data[28] + 64 + 4
    if len(data) < crc_at + 4:
        return data
    data = data[:crc_at] + struct.pack("<I", zlib.crc32(data[:crc_at])) + data[crc_at + 4 :]
    (payload_len,) = struct.unpack_from("<I", data, crc_at - 4)
    end = crc_at + 4 + payload_len
    if len(data) >= end + 4:
        data = data[:end] + struct.pack("<I", zlib.crc32(data[crc_at + 4 : end])) + data[end + 4 :]
    return data


def _fix_varint_header_crcs(data: bytes, version: int) -> bytes:
    at = 6
    varints = 4 if len(data) > 5 and (data[5] >> 3 & 3) == OrderKind.RANDOM else 3
    for _ in range(varints):  # skip each varint, however long or malformed
        while at < len(data) and data[at] & 0x80:
            at += 1
        at += 1
    if at >= len(data):
        return data
    crc_at = at + (1 + data[at] if version == 2 else 0) + 32 + PIXEL_HASH_BYTES[version]
    if len(data) < crc_at + 8:
        return data
    data = data[:crc_at] + struct.pack("<I", zlib.crc32(data[:crc_at])) + data[crc_at + 4 :]
    return data[:-4] + struct.pack("<I", zlib.crc32(data[crc_at + 4 : -4]))


@st.composite
def mutated_containers(draw: st.DrawFn) -> bytes:
    """A valid file, then 0–4 edits (bytes or header fields), with the CRCs fixed up or not."""
    data = pack(draw(container_headers()), draw(st.binary(max_size=64)))
    for mutation in draw(st.lists(_container_mutation, max_size=4)):
        data = _container_edit(data, mutation)
    return fix_container_crcs(data) if draw(st.booleans()) else data


container_inputs = st.one_of(
    st.binary(max_size=256),
    st.binary(max_size=200).map(lambda b: MAGIC + b"\x01" + b),
    st.binary(max_size=200).map(lambda b: MAGIC + b"\x02" + b),
    st.binary(max_size=200).map(lambda b: MAGIC + b"\x03" + b),
    mutated_containers(),
)
"""Arbitrary bytes, bytes behind a valid magic and each version, and edited valid files."""


def run_container(data: bytes) -> str:
    """``read_header`` and ``unpack``: only ContainerError, and an accepted file packs back to the same bytes."""
    try:
        header, start = read_header(data)
    except ContainerError as exc:
        header, start = None, refused(exc)
    except DdmError as exc:
        raise AssertionError(f"read_header raised {type(exc).__name__}, not ContainerError: {exc}") from exc
    try:
        parsed, payload = unpack(data)
    except ContainerError as exc:
        return refused(exc)
    except DdmError as exc:
        raise AssertionError(f"unpack raised {type(exc).__name__}, not ContainerError: {exc}") from exc
    assert header == parsed, "unpack accepted a file whose header read_header refused or read differently"
    assert pack(parsed, payload) == data, "an accepted file does not pack back to the same bytes"
    assert data[start : start + len(payload)] == payload
    positions = parsed.height * parsed.width
    assert 1 <= positions <= MAX_PIXELS, f"accepted an image of {parsed.height}×{parsed.width}"
    assert parsed.channels in (1, 3) and 1 <= parsed.steps <= min(MAX_STEPS, positions)
    if parsed.version < 3:  # format 3 stores no model id
        assert parsed.model_id.isascii() and parsed.model_id.isprintable() and len(parsed.model_id) <= MAX_MODEL_ID
    else:
        assert parsed.model_id is None
    assert parsed.order == OrderKind.RANDOM or parsed.order_seed == 0
    return ACCEPTED


# ==== frames and reassembly ===================================================================

_symbol_sizes = st.integers(1, 8).map(lambda n: SYMBOL_ALIGNMENT * n)
_repair_fractions = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0])


@st.composite
def valid_frames(draw: st.DrawFn) -> Frame:
    """One frame of a transfer: a source symbol (the last one short) or a repair symbol."""
    encoder = TransferEncoder(
        draw(st.binary(min_size=1, max_size=300)),
        draw(st.integers(0, (1 << 32) - 1)),
        draw(st.integers(0, 255)),
        draw(_symbol_sizes),
    )
    return draw(st.sampled_from(encoder.frames(draw(_repair_fractions))))


@st.composite
def mutated_frame_bytes(draw: st.DrawFn) -> bytes:
    frame = draw(valid_frames())
    wire = frame.pack() + (frame.payload_with_crc()[-4:] if draw(st.booleans()) else b"")
    for mutation in draw(st.lists(_byte_mutation, max_size=3)):
        wire = mutate_bytes(wire, mutation)
    return wire


def _with_crc16(body: bytes) -> bytes:
    return body + crc16(body).to_bytes(2, "big")


@st.composite
def forged_headers(draw: st.DrawFn) -> bytes:
    """Version-2 header fields, each plausible or absurd, behind a valid CRC-16: the field checks must hold."""
    version = draw(st.sampled_from([1, 2, 2, 2, 3]))
    length = draw(
        st.one_of(st.integers(0, 2000), st.sampled_from([MAX_TRANSFER_LENGTH, MAX_TRANSFER_LENGTH + 1, (1 << 32) - 1]))
    )
    size = draw(st.one_of(_symbol_sizes, st.integers(0, 0xFFFF)))
    symbol_id = draw(st.one_of(st.integers(0, 300), st.sampled_from([MAX_SYMBOL_ID, MAX_SYMBOL_ID + 1, (1 << 32) - 1])))
    payload_len = draw(st.one_of(st.integers(0, 600), st.just(size)))
    body = struct.pack(
        ">BIIHIHB", version, draw(st.integers(0, (1 << 32) - 1)), length, size, symbol_id, payload_len, 0
    )
    return _with_crc16(body) + draw(st.binary(max_size=64))


frame_byte_inputs = st.one_of(
    st.binary(max_size=120),
    st.binary(min_size=HEADER_LEN, max_size=HEADER_LEN),
    mutated_frame_bytes(),
    forged_headers(),
    valid_frames().map(Frame.pack),
)
"""Arbitrary bytes, edited frames (with or without their CRC-32), forged headers with a valid CRC-16, valid frames."""


def _check_header(header: FrameHeader) -> None:
    """What an accepted header promises: consistent fields within RaptorQ's limits."""
    k = header.source_symbols
    assert header.version == 2 and 1 <= header.transfer_length <= MAX_TRANSFER_LENGTH
    assert header.symbol_size % SYMBOL_ALIGNMENT == 0 and 1 <= k <= MAX_SOURCE_SYMBOLS
    assert header.symbol_id <= MAX_SYMBOL_ID and header.is_repair == (header.symbol_id >= k)
    last = header.transfer_length - (k - 1) * header.symbol_size
    assert header.payload_len == (last if header.symbol_id == k - 1 else header.symbol_size)


def run_frame_bytes(data: bytes) -> str:
    """Header, frame and CRC-32 parsing of one buffer, then a reassembler fed with the outcome."""
    try:
        header = FrameHeader.unpack(data[:HEADER_LEN])
        assert header.pack() == data[:HEADER_LEN], "an accepted frame header does not pack back to its bytes"
        _check_header(header)
    except FrameError as exc:
        header = None
        refused(exc)
    try:
        frame = Frame.unpack(data)
        assert frame.pack() == data, "an accepted frame does not pack back to its bytes"
        assert header == frame.header and len(frame.payload) == frame.header.payload_len
    except FrameError as exc:
        frame = None
        refused(exc)
    if header is not None:
        try:
            checked = Frame.from_payload_with_crc(header, data[HEADER_LEN:])
            assert checked.payload_with_crc() == data[HEADER_LEN:]
            assert data[-4:] == zlib.crc32(data[:-4]).to_bytes(4, "big"), "the CRC-32 does not cover the header"
        except FrameError as exc:
            refused(exc)
    reassembler = Reassembler()
    if frame is not None:
        assert reassembler.add(frame) == "new"
        assert reassembler.add(frame) == "duplicate"
        assert reassembler.add(Frame(frame.header, bytes(b ^ 0xFF for b in frame.payload))) == "conflict"
    else:
        reassembler.add_corrupted(header)
    for session in reassembler.sessions():
        report = reassembler.report(session)
        assert report.summary()
        try:
            stream = reassembler.data(session)
        except FrameError as exc:
            refused(exc, f"session 0x{session:08x}")
            assert not report.complete
            continue
        # one frame rebuilds only a one-symbol transfer; a source symbol is the stream itself
        assert frame is not None and report.complete and frame.header.source_symbols == 1
        assert len(stream) == frame.header.transfer_length
        assert frame.header.is_repair or stream == frame.payload
    return ACCEPTED if frame is not None else REFUSED


@st.composite
def reassembly_cases(draw: st.DrawFn) -> dict:
    """A stream coded into frames, sent in any order with repeats and losses, some bytes corrupted on the way."""
    stream = draw(st.binary(min_size=1, max_size=400))
    symbol_size = draw(_symbol_sizes)
    repair = draw(_repair_fractions)
    k = math.ceil(len(stream) / symbol_size)
    n = k + math.ceil(repair * k - 1e-9)
    order = draw(st.lists(st.integers(0, n - 1), max_size=3 * n + 2))
    if draw(st.booleans()):  # a permutation of every frame, then the extras
        order = draw(st.permutations(range(n))) + order
    return {
        "stream": stream,
        "session_id": draw(st.integers(0, (1 << 32) - 1)),
        "mcs": draw(st.integers(0, 255)),
        "symbol_size": symbol_size,
        "repair": repair,
        "order": order,
        # (position in ``order``, byte index, xor mask): a bit error in that transmission
        "corrupt": draw(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 1 << 12), st.integers(1, 255)))),
        "other": draw(st.booleans()),  # interleave the frames of a second transmission
    }


def case_frames(case: dict) -> list[Frame]:
    """The frames a :func:`reassembly_cases` case sends: ``K`` source frames, then its repair frames."""
    encoder = TransferEncoder(case["stream"], case["session_id"], case["mcs"], case["symbol_size"])
    return encoder.frames(case["repair"])


OTHER_STREAM = b"another transmission, the same symbol size"


def run_reassembly(case: dict) -> str:
    """Transmissions → header CRC-16 and CRC-32 checks → Reassembler.

    The stream comes back exactly once it comes back at all; always when every source symbol got
    through, never with fewer than ``K`` symbols; another transmission's frames never mix in.
    """
    frames = case_frames(case)
    k = frames[0].header.source_symbols
    sid = case["session_id"]
    other_sid = (sid + 1) % (1 << 32)
    other = TransferEncoder(OTHER_STREAM, other_sid, 0, case["symbol_size"]).frames(1.0) if case["other"] else []
    corrupt: dict[int, list[tuple[int, int]]] = {}
    for position, index, mask in case["corrupt"]:
        corrupt.setdefault(position, []).append((index, mask))

    reassembler = Reassembler()
    received: set[int] = set()
    intact = corrupted = 0
    for position, symbol_id in enumerate(case["order"]):
        if other:
            assert reassembler.add(other[position % len(other)]) in ("new", "duplicate", "late")
        sent = frames[symbol_id]
        wire = bytearray(sent.header.pack() + sent.payload_with_crc())
        for index, mask in corrupt.get(position, []):
            wire[index % len(wire)] ^= mask
        try:
            header = FrameHeader.unpack(bytes(wire[:HEADER_LEN]))
        except FrameError as exc:
            refused(exc)
            reassembler.add_corrupted(None)
            continue
        if header != sent.header:  # an error the CRC-16 missed: possible, if very rare
            return REFUSED
        try:
            frame = Frame.from_payload_with_crc(header, bytes(wire[HEADER_LEN:]))
        except FrameError as exc:
            refused(exc)
            reassembler.add_corrupted(header)
            corrupted += 1
            continue
        if frame != sent:  # an error the CRC-32 missed: possible, if very rare
            return REFUSED
        complete_before = reassembler.complete(sid)
        outcome = reassembler.add(frame)
        assert outcome == ("duplicate" if symbol_id in received else "late" if complete_before else "new"), outcome
        intact += 1
        received.add(symbol_id)

    if sid not in reassembler.sessions():
        assert not received and not corrupted
        return REFUSED
    report = reassembler.report(sid)
    assert report.source_symbols == k and report.received == len(received)
    assert list(report.missing) == sorted(set(range(k)) - received)
    assert report.duplicates == intact - len(received) and report.conflicts == 0
    assert report.corrupted == corrupted
    if other and other_sid in reassembler.sessions():
        assert reassembler.report(other_sid).conflicts == 0
        if reassembler.complete(other_sid):
            assert reassembler.data(other_sid) == OTHER_STREAM
    if not report.complete:
        assert report.missing, "every source symbol arrived and the stream was not rebuilt"
        assert report.needed is None and not reassembler.complete(sid)
        try:
            reassembler.data(sid)
        except FrameError as exc:
            return refused(exc, f"session 0x{sid:08x}", "incomplete", f"K={k}")
        raise AssertionError("an incomplete transmission gave a stream")
    assert len(received) >= k and k <= report.needed <= len(received)
    assert reassembler.complete(sid)
    assert reassembler.data(sid) == case["stream"], "rebuilt stream differs from the one sent"
    return ACCEPTED


_any_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(1 << 70), 1 << 70),
    st.floats(),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.lists(st.integers(0, 255), max_size=8),
)
_frame_header_fields = ("session_id", "transfer_length", "symbol_size", "symbol_id", "payload_len", "mcs", "version")
_ONE_BYTE = {"session_id": 1, "transfer_length": 1, "symbol_size": 8, "symbol_id": 0, "payload_len": 1, "mcs": 0}

frame_api_calls = st.one_of(
    st.tuples(st.just("header"), st.fixed_dictionaries({}, optional=dict.fromkeys(_frame_header_fields, _any_value))),
    st.tuples(st.just("single"), _any_value, _any_value, _any_value),
    st.tuples(
        st.just("transfer"),
        _any_value | st.binary(min_size=1, max_size=64),
        _any_value,
        _any_value,
        _any_value,
        _any_value,
    ),
    st.tuples(st.just("unpack"), _any_value | st.binary(max_size=32)),
    st.tuples(st.just("strip"), _any_value | st.binary(max_size=32)),
    st.tuples(st.just("payload"), _any_value | st.binary(max_size=8)),
    st.tuples(st.just("add"), _any_value),
    st.tuples(st.just("corrupted"), _any_value),
    st.tuples(st.just("lookup"), _any_value),
)
"""Wrong types and out-of-range numbers for every framing entry point."""

_LOOKUP_FRAME = Frame(single_symbol_header(7, 3, 0), b"abc")


def run_frame_api(call: tuple) -> str:
    """An entry point with arbitrary arguments: a DdmError (ConfigError for settings, FrameError for data) or a result."""
    kind = call[0]
    try:
        if kind == "header":
            header = FrameHeader(**(_ONE_BYTE | call[1]))
            assert FrameHeader.unpack(header.pack()) == header
            _check_header(header)
        elif kind == "single":
            header = single_symbol_header(*call[1:])
            assert header.source_symbols == 1 and header.transfer_length == header.payload_len == call[2]
        elif kind == "transfer":
            _, data, session_id, mcs, symbol_size, repair = call
            encoder = TransferEncoder(data, session_id, mcs, symbol_size)
            frames = encoder.frames(repair)
            k = encoder.source_symbols
            assert len(frames) == k + encoder.repair_count(repair)
            assert b"".join(f.payload for f in frames[:k]) == bytes(data)
        elif kind == "unpack":
            Frame.unpack(call[1])
            FrameHeader.unpack(call[1])
        elif kind == "strip":
            strip_crc32(call[1])
        elif kind == "payload":
            frame = Frame.from_payload_with_crc(_LOOKUP_FRAME.header, call[1])
            assert frame == _LOOKUP_FRAME, "a payload with a valid CRC-32 that is not the frame's own"
        elif kind == "add":
            Reassembler().add(call[1])
            raise AssertionError(f"Reassembler.add took a {type(call[1]).__name__}")
        elif kind == "corrupted":
            reassembler = Reassembler()
            reassembler.add_corrupted(call[1])
            assert call[1] is None and reassembler.unattributed_corrupted == 1 and reassembler.sessions() == ()
        else:
            reassembler = Reassembler()
            reassembler.add(_LOOKUP_FRAME)
            assert reassembler.complete(call[1]) in (True, False)
            reassembler.report(call[1])
            assert reassembler.data(call[1]) == b"abc"
    except (ConfigError, FrameError) as exc:
        return refused(exc)
    return ACCEPTED


# ==== SigMF metadata ==========================================================================

SIGMF_SAMPLES = 64
RAW_TOKENS = (
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "1e-300",
    "-1e-300",
    "1e300",
    "-1e300",
    "1e12",
    "1e13",
    "-0",
    "-0.0",
    "0",
    "1",
    "1.0",
    "2048.0",
    "64",
    "65535",
    "4294967296",
    "9223372036854775808",
    "1" + "0" * 60,
    "1" + "0" * 5000,
    "true",
    "false",
    "null",
    '""',
    '"x"',
    '"ab"',
    '"' + "ab" * 32 + '"',
    '"' + "AB" * 32 + '"',
    "[]",
    "{}",
    "[1, 2]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
)
"""JSON text put in place of a value as is: non-finite and absurd numbers, wrong types."""


@functools.cache
def sigmf_template() -> tuple[dict, bytes]:
    """A recording as ddm-sscc writes it, every ``ddm_sscc:`` key present: ``(metadata, data bytes)``."""
    rng = np.random.default_rng(0)
    codes = rng.integers(-2048, 2048, size=(SIGMF_SAMPLES, 2))
    samples = ((codes[:, 0] + 1j * codes[:, 1]) / 2048).astype(np.complex64)
    channel = ChannelConfig(kind="selective", profile="EPA", doppler_hz=1.0, snr_db=20.0, cfo_hz=25e3, seed=4)
    settings = {
        "channel": channel.to_dict(),
        "mcs": "qpsk-1/2",
        "max_payload": 1024,
        "sample_rate": 2e6,
        "modem_sample_rate": 2e6,
        "gap": [2000, 20000],
        "lead": 20000,
        "seed": 4,
        "repeat": 1,
        "repair": 0.5,
        "model_id": "context-mean-v1",
        "steps": 16,
        "image": "builtin:astronaut",
        "crop": "rows 100:196, columns 180:308",
    }
    notes = [
        Annotation(
            10 * i,
            8,
            f"ddm symbol {i} ({'repair' if i >= 2 else 'source'}, K=2)",
            fields={
                "ddm_sscc:session_id": 42,
                "ddm_sscc:symbol_id": i,
                "ddm_sscc:source_symbols": 2,
                "ddm_sscc:cfo_hz": 2.5e4,
                "ddm_sscc:snr_db": 15.0 if i else None,
                "ddm_sscc:payload_ok": i != 1,
            },
        )
        for i in range(3)
    ]
    base = workdir() / "template"
    meta, data = write_recording(
        base,
        samples,
        2e6,
        frequency=2.45e9,
        hw="fuzz",
        description="template",
        extra_global={
            "ddm_sscc:image_sha256": "ab" * 32,
            "ddm_sscc:session_id": 42,
            "ddm_sscc:settings": settings,
            "ddm_sscc:radio_config": load_pluto_config(DEFAULT_PLUTO_CONFIG).model_dump(),
            "ddm_sscc:source": {
                "bpsp": 3.5,
                "subpixels": 36864,
                "frames": 3,
                "source_symbols": 2,
                "repair": 0.5,
                "n_channel_uses": 45840,
            },
        },
        annotations=notes,
        force=True,
    )
    return json.loads(meta.read_text()), data.read_bytes()


# Where an edit goes, and the keys it picks from there (besides arbitrary ones).
_SIGMF_PLACES = {
    ("global",): (
        "core:sample_rate",
        "core:datatype",
        "core:version",
        "core:num_channels",
        "core:sha512",
        "core:offset",
        "core:extensions",
        "core:dataset",
        "core:trailing_bytes",
        "core:metadata_only",
        "core:hw",
        "ddm_sscc:full_scale",
        "ddm_sscc:sample_count",
        "ddm_sscc:image_sha256",
        "ddm_sscc:session_id",
        "ddm_sscc:settings",
        "ddm_sscc:radio_config",
        "ddm_sscc:source",
        "ddm_sscc:unknown",
        "ddm_sscc:",
    ),
    ("global", "ddm_sscc:settings"): (
        "channel",
        "mcs",
        "max_payload",
        "sample_rate",
        "modem_sample_rate",
        "gap",
        "lead",
        "seed",
        "repeat",
        "repair",
        "model_id",
        "steps",
        "image",
        "crop",
        "unknown",
    ),
    ("global", "ddm_sscc:settings", "channel"): tuple(f.name for f in dataclass_fields(ChannelConfig)) + ("x",),
    ("global", "ddm_sscc:source"): ("bpsp", "subpixels", "frames", "source_symbols", "repair", "n_channel_uses", "x"),
    ("global", "ddm_sscc:radio_config"): (
        "uri",
        "center_frequency",
        "sample_rate",
        "rf_bandwidth",
        "tx_attenuation_db",
        "rx_gain_db",
        "buffer_size",
        "xo_correction",
        "tx_scale",
        "x",
    ),
    ("captures", 0): (
        "core:sample_start",
        "core:frequency",
        "core:datetime",
        "core:header_bytes",
        "core:global_index",
        "ddm_sscc:symbol_id",
    ),
    **{
        ("annotations", i): (
            "core:sample_start",
            "core:sample_count",
            "core:label",
            "core:freq_lower_edge",
            "ddm_sscc:session_id",
            "ddm_sscc:symbol_id",
            "ddm_sscc:source_symbols",
            "ddm_sscc:seq",  # frame format 1's keys: refused now
            "ddm_sscc:cfo_hz",
            "ddm_sscc:snr_db",
            "ddm_sscc:payload_ok",
            "ddm_sscc:unknown",
        )
        for i in range(3)
    },
    (): ("global", "captures", "annotations", "x"),
}
_SIGMF_PLACE_LIST = sorted(_SIGMF_PLACES, key=str)

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(1 << 70), 1 << 70),
    st.floats(),
    st.sampled_from([1e-300, -1e-300, 1e300, -1e300, 5e-324, 1.7976931348623157e308, 0.5, 2e6, 1e12, 1e13]),
    st.text(max_size=12),
)
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_sigmf_edit = st.tuples(
    st.sampled_from(_SIGMF_PLACE_LIST),
    st.integers(0, 1 << 16),  # which known key; or an arbitrary one below
    st.one_of(st.none(), st.text(max_size=12), st.text(max_size=8).map(lambda k: f"ddm_sscc:{k}")),
    st.one_of(
        st.tuples(st.just("delete")),
        st.tuples(st.just("value"), json_values),
        st.tuples(st.just("raw"), st.sampled_from(RAW_TOKENS)),
    ),
)


def _apply_sigmf_edits(metadata: dict, edits: list) -> str:
    """The template with each edit applied, as JSON text (raw tokens spliced in verbatim)."""
    metadata = json.loads(json.dumps(metadata))
    raw: dict[str, str] = {}
    for place, key_index, free_key, action in edits:
        target: object = metadata
        for part in place:
            in_dict = isinstance(target, dict) and isinstance(part, str) and isinstance(target.get(part), dict | list)
            in_list = isinstance(target, list) and isinstance(part, int) and part < len(target)
            if in_dict or in_list:
                target = target[part]
            else:
                target = None
                break
        if not isinstance(target, dict):
            continue
        keys = _SIGMF_PLACES.get(place, ("x",))
        key = free_key if free_key is not None else keys[key_index % len(keys)]
        if action[0] == "delete":
            target.pop(key, None)
        elif action[0] == "value":
            target[key] = action[1]
        else:
            marker = f"@@raw{len(raw)}@@"
            raw[marker] = action[1]
            target[key] = marker
    text = json.dumps(metadata, allow_nan=True)
    for marker, token in raw.items():
        text = text.replace(json.dumps(marker), token)
    return text


@st.composite
def sigmf_inputs(draw: st.DrawFn) -> tuple[str | bytes, bytes]:
    """``(metadata text, data bytes)``: the template with edits in every object, or arbitrary text."""
    metadata, data = sigmf_template()
    choice = draw(st.integers(0, 9))
    if choice == 0:
        meta: str | bytes = draw(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
    elif choice == 1:
        meta = json.dumps(draw(json_values), allow_nan=True)
    else:
        meta = _apply_sigmf_edits(metadata, draw(st.lists(_sigmf_edit, min_size=1, max_size=4)))
    data_choice = draw(st.integers(0, 8))  # 3..8: the template's data
    if data_choice == 0:
        data = draw(st.binary(max_size=300))
    elif data_choice == 1:
        for mutation in draw(st.lists(_byte_mutation, min_size=1, max_size=3)):
            data = mutate_bytes(data, mutation)
    elif data_choice == 2:  # float32 samples with NaN, inf and huge values (for cf32 datatypes)
        data = np.array(draw(st.lists(st.floats(width=32), min_size=2, max_size=40)), dtype="<f4").tobytes()
    return meta, data


def run_sigmf(case: tuple[str | bytes, bytes]) -> str:
    """``read_recording`` of one metadata/data pair: a RecordingError naming the file, or sane samples and numbers."""
    meta_text, data = case
    meta = workdir() / "case.sigmf-meta"
    if isinstance(meta_text, bytes):
        meta.write_bytes(meta_text)
    else:
        meta.write_text(meta_text, encoding="utf-8", errors="surrogatepass")
    (workdir() / "case.sigmf-data").write_bytes(data)
    try:
        recording = read_recording(meta)
    except RecordingError as exc:
        return refused(exc, str(meta))
    samples = recording.samples
    assert samples.dtype == np.complex64 and samples.ndim == 1 and samples.size >= 1
    assert np.all(np.isfinite(samples)), "accepted a recording with non-finite samples"
    assert SAMPLE_RATE_MIN <= recording.sample_rate <= SAMPLE_RATE_MAX and math.isfinite(recording.duration)
    assert FULL_SCALE_MIN <= recording.full_scale <= FULL_SCALE_MAX
    assert recording.frequency is None or math.isfinite(recording.frequency)
    count = recording.global_info.get("ddm_sscc:sample_count")
    assert count is None or count == samples.size
    for note in recording.annotations:
        assert 0 <= note.sample_start and note.sample_start + (note.sample_count or 0) <= samples.size
        for key, value in note.fields.items():
            assert not (isinstance(value, float) and not math.isfinite(value)), f"non-finite {key}"
    channel = recording.settings.get("channel")
    if channel is not None:
        ChannelConfig.from_dict(channel)  # replay reads snr_db from it
    source = recording.global_info.get("ddm_sscc:source", {})
    assert isinstance(source, dict)
    # what replay does with them: tuple(range(source_symbols or frames)), float(bpsp)
    assert 0 <= int(source.get("frames", 0)) <= MAX_FRAMES and math.isfinite(float(source.get("bpsp", 0.0)))
    assert 0 <= int(source.get("source_symbols", 0)) <= MAX_SOURCE_SYMBOLS
    return ACCEPTED


# ==== radio configuration YAML ================================================================

LOADERS: dict[str, Callable] = {
    "pluto": load_pluto_config,
    "modem": load_modem_config,
    "channels": load_channel_profiles,
}
SHIPPED = {"pluto": DEFAULT_PLUTO_CONFIG, "modem": DEFAULT_MODEM_CONFIG, "channels": DEFAULT_CHANNEL_PROFILES}
KEYS = {
    "pluto": tuple(PlutoConfig.model_fields),
    "modem": ("ofdm", "mcs", "max_payload", "gap_samples"),
    "channels": tuple(f.name for f in dataclass_fields(ChannelConfig)),
}
OFDM_KEYS = ("fft_size", "cp_len", "data_carriers", "pilot_carriers", "sample_rate")
YAML_TOKENS = (
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "+.inf",
    "1e400",
    "1.0e+400",
    "-1.0e+400",
    "-1e300",
    "-1.0e+300",
    "1.0e+300",
    "1.0e-300",
    "-1.0e-300",
    "5.0e-324",
    "1e-300",
    "0",
    "-0.0",
    "0x1F",
    "0o17",
    "1_000",
    "1:30",
    "2001-13-45",
    "2001-12-14",
    "!!float abc",
    "!!int abc",
    "!!timestamp x",
    "!!binary '!!!'",
    "!!set {a, b}",
    "!!python/object:os.system",
    "1" + "0" * 5000,
    "~",
    "null",
    "yes",
    "on",
    "'2.42e9'",
    "[1, 2]",
    "{a: 1}",
    "&a [*a]",
    "*undefined",
    "[" * 40 + "]" * 40,
    "{a: " * 40 + "1" + "}" * 40,
)
"""YAML text put in place of a value as is."""


@dataclass(frozen=True)
class Raw:
    """YAML text to emit verbatim."""

    text: str


_yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(1 << 70), 1 << 70),
    st.floats(),
    st.sampled_from([1e-300, -1e-300, 1e300, -1e300, 2e6, 2.42e9, 0.5, 20.0, -6.0]),
    st.text(max_size=10),
    st.sampled_from(["awgn", "rayleigh", "selective", "EPA", "ETU", "exponential", "qpsk-1/2", "manual", "ip:1"]),
    st.sampled_from(YAML_TOKENS).map(Raw),
)
yaml_values = st.recursive(
    _yaml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


def yaml_text(value: object, indent: int = 0) -> str:
    """Block-style YAML of ``value``; :class:`Raw` strings verbatim, other scalars in flow style."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{_flow(k)}: {yaml_text(v, indent + 2)}" for k, v in value.items())
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        return "\n" + "\n".join(f"{pad}- {yaml_text(v, indent + 2).lstrip(chr(10))}" for v in value)
    return _flow(value)


def _flow(value: object) -> str:
    """Flow-style YAML of ``value`` (:class:`Raw` verbatim)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


@st.composite
def config_mappings(draw: st.DrawFn, kind: str) -> dict:
    keys = KEYS[kind]
    pick = st.one_of(st.sampled_from(keys), st.text(max_size=6))
    if kind == "channels":
        profile = draw(st.dictionaries(pick, yaml_values, max_size=5))
        more = draw(st.dictionaries(st.text(max_size=6), st.dictionaries(pick, yaml_values, max_size=3), max_size=2))
        return {"profiles": {"p": profile, **more}}
    data = draw(st.dictionaries(pick, yaml_values, max_size=len(keys)))
    if kind == "modem" and draw(st.booleans()):
        data["ofdm"] = draw(st.dictionaries(st.sampled_from(OFDM_KEYS), yaml_values, max_size=3))
    return data


@st.composite
def edited_shipped(draw: st.DrawFn, kind: str) -> str:
    """A shipped file with one or two ``key: value`` lines given another value (raw tokens included)."""
    lines = SHIPPED[kind].read_text().splitlines()
    candidates = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.sampled_from(candidates))
        key = lines[i].split(":", 1)[0]
        value = draw(
            st.one_of(
                st.sampled_from(YAML_TOKENS),
                _yaml_scalars.map(_flow),
                st.integers(-10, 10**7).map(str),  # plausible numbers: accepted inputs get checked too
                st.floats(-100.0, 100.0).map(lambda v: f"{v:.3f}"),
            )
        )
        lines[i] = f"{key}: {value}"
    return "\n".join(lines) + "\n"


@st.composite
def nested_yaml(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 400))
    style = draw(st.sampled_from(["flow-list", "flow-map", "block-list", "block-map"]))
    if style == "flow-list":
        inner = "[" * depth + "]" * depth
    elif style == "flow-map":
        inner = "{a: " * depth + "1" + "}" * depth
    elif style == "block-list":
        return "a:\n" + "".join(" " * (i + 1) + "-\n" for i in range(depth))
    else:
        return "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "1\n"
    return f"{draw(st.sampled_from(['profiles', 'ofdm', 'uri', 'x']))}: {inner}\n"


@st.composite
def config_inputs(draw: st.DrawFn) -> tuple[str, str]:
    """``(loader, YAML text)``: generated mappings, edited shipped files, deep nesting, arbitrary text."""
    kind = draw(st.sampled_from(sorted(LOADERS)))
    choice = draw(st.integers(0, 5))
    if choice <= 1:
        text = yaml_text(draw(config_mappings(kind))).lstrip("\n") + "\n"
    elif choice <= 3:
        text = draw(edited_shipped(kind))
    elif choice == 4:
        text = draw(nested_yaml())
    else:
        text = draw(st.text(max_size=120))
    return kind, text


def run_config(case: tuple[str, str]) -> str:
    """A loader on one YAML file: a ConfigError naming the file, or settings that are finite, in range and usable."""
    kind, text = case
    path = workdir() / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = LOADERS[kind](path)
    except ConfigError as exc:
        return refused(exc, str(path))
    if kind == "pluto":
        assert LO_MIN_HZ <= loaded.center_frequency <= LO_MAX_HZ and loaded.sample_rate <= PLUTO_SAMPLE_RATE_MAX
        assert all(math.isfinite(v) for v in loaded.model_dump().values() if isinstance(v, float))
        loaded.warnings()
    elif kind == "modem":
        ofdm = loaded.ofdm_config()
        assert math.isfinite(ofdm.sample_rate) and 0 < ofdm.sample_rate
        loaded.mcs_scheme()
    else:
        assert loaded, "no profiles"
        burst = np.exp(2j * np.pi * np.arange(64) / 7).astype(np.complex64)
        for name, config in loaded.items():
            assert config.snr_db is None or SNR_DB_MIN <= config.snr_db <= SNR_DB_MAX
            channel = Channel(config)
            out = np.concatenate([channel.process(burst), channel.flush()])
            assert np.all(np.isfinite(out)), f"profile {name}: the channel gives non-finite samples"
    return ACCEPTED


# ==== the four, for the benchmark ==============================================================

PARSERS: dict[str, list[tuple[Callable, st.SearchStrategy]]] = {
    "container": [(run_container, container_inputs)],
    "framing": [
        (run_frame_bytes, frame_byte_inputs),
        (run_reassembly, reassembly_cases()),
        (run_frame_api, frame_api_calls),
    ],
    "sigmf": [(run_sigmf, sigmf_inputs())],
    "yaml": [(run_config, config_inputs())],
}
"""Per parser, its (target, strategy) pairs; the benchmark splits a parser's budget evenly among them."""
