"""Past crashers of the fuzzed parsers, kept as plain regression tests.

Each entry is an input the fuzzers (or the probing around them) found crashing, hanging,
allocating without bound or accepted with a silently wrong result, with what happened
before the fix.  Every one must now give a one-line error of the parser's own class that
names the key or the problem, and pass the fuzz target's checks as well.
"""

from __future__ import annotations

import binascii
import json
import struct
import zlib

import numpy as np
import pytest

from ddm_sscc.codec.container import Header, pack, unpack
from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import ScheduleKind
from ddm_sscc.errors import ConfigError, ContainerError, DdmError, FrameError, RecordingError
from ddm_sscc.fec.crc import strip_crc32
from ddm_sscc.fec.framing import HEADER_LEN, Frame, single_symbol_header
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.fec.transfer import TransferEncoder
from ddm_sscc.recording import read_recording, write_recording
from tests.fuzz.fuzzers import (
    LOADERS,
    REFUSED,
    SIGMF_SAMPLES,
    _apply_sigmf_edits,
    run_config,
    run_container,
    run_frame_api,
    run_frame_bytes,
    run_sigmf,
    sigmf_template,
    workdir,
)


def one_line(exc: BaseException, *names: str) -> str:
    message = str(exc)
    assert len(message.splitlines()) == 1 and len(message) < 600, message
    for name in names:
        assert name in message, (name, message)
    return message


# ---- radio configuration YAML ---------------------------------------------------------------

DEEP = 5000
CONFIG_CRASHERS = [
    # was RecursionError (PyYAML's composer recurses once per level)
    pytest.param("pluto", "uri: " + "[" * DEEP + "]" * DEEP + "\n", "nested more than 32 levels", id="flow-lists-5000"),
    pytest.param("modem", "ofdm: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", "nested more than", id="flow-maps-5000"),
    pytest.param(
        "channels", "profiles:\n" + "".join(" " * (i + 1) + "-\n" for i in range(300)), "nested more", id="block-300"
    ),
    # was an alias bomb: 10**6 nodes built from 60 lines, then a multi-MB repr in the message
    pytest.param(
        "modem",
        "a0: &a0 [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 6))
        + "ofdm: {data_carriers: *a5}\n",
        "once its aliases are expanded",
        id="alias-bomb",
    ),
    # was accepted as a recursive list, then repr'd as [[...]] in the message
    pytest.param("pluto", "uri: &u [*u]\n", "refers to a node that contains it", id="recursive-alias"),
    # were ValueError / AttributeError out of PyYAML's constructors
    pytest.param("modem", "max_payload: 1" + "0" * 5000 + "\n", "integer with thousands of digits", id="int-5000"),
    pytest.param("pluto", "center_frequency: 2001-13-45\n", "month must be in 1..12", id="bad-date"),
    pytest.param("pluto", "center_frequency: !!float abc\n", "could not convert", id="float-tag"),
    pytest.param("pluto", "center_frequency: !!timestamp x\n", "a value cannot be read", id="timestamp-tag"),
    # was OverflowError while writing the hint "write 1e400 as …"
    pytest.param("pluto", "center_frequency: 1e400\n", "beyond the range of a float", id="text-1e400"),
    # was OverflowError (int too large to convert to float) in OfdmConfig
    pytest.param(
        "modem", "ofdm: {sample_rate: 1" + "0" * 400 + "}\n", "ofdm: sample_rate must lie in", id="rate-1e400"
    ),
    # were accepted: a modem sample rate of 1e300 or 1e-300 S/s
    pytest.param("modem", "ofdm: {sample_rate: 1.0e+300}\n", "ofdm: sample_rate must lie in", id="rate-1e300"),
    pytest.param("modem", "ofdm: {sample_rate: 1.0e-300}\n", "ofdm: sample_rate must lie in", id="rate-1e-300"),
    pytest.param("modem", "ofdm: {sample_rate: .nan}\n", "ofdm: sample_rate must lie in", id="rate-nan"),
    # was a two-line message (the key is a carriage return)
    pytest.param("modem", '"\\r": null\n', "'\\r': unknown key", id="cr-key"),
    pytest.param("channels", 'profiles:\n  "a\\nb": 1\n', "profiles: 'a\\nb'", id="newline-profile-name"),
]
PROFILE_CRASHERS = [
    # accepted; Channel() then raised OverflowError in 10**(-snr/10)
    pytest.param("snr_db: -1.0e+300", "snr_db", id="snr-minus-1e300"),
    pytest.param("snr_db: 1.0e+300", "snr_db", id="snr-1e300"),
    pytest.param("snr_db: -1e300", "snr_db", id="snr-text"),  # PyYAML text: refused as not a number (was already)
    pytest.param("snr_db: 1e400", "snr_db", id="snr-1e400-text"),
    pytest.param("snr_db: 1.0e+400", "snr_db", id="snr-1e400"),
    pytest.param("snr_db: .nan", "snr_db", id="snr-nan"),
    pytest.param("snr_db: -.inf", "snr_db", id="snr-minus-inf"),
    # accepted; the channel then output inf (complex64 overflow)
    pytest.param("dc_offset: 1.0e+300", "dc_offset", id="dc-1e300"),
    pytest.param("dc_offset: [0.0, -1.0e+300]", "dc_offset", id="dc-imag-1e300"),
    # accepted; Channel() then raised OverflowError in 10**(dB/20)
    pytest.param("iq_amplitude_db: 1.0e+300", "iq_amplitude_db", id="iq-1e300"),
    # accepted; Channel() then tried to allocate 3.35 GiB (1e13) or raised OverflowError (1e300)
    pytest.param("kind: selective\n    profile: ETU\n    sample_rate: 1.0e+13", "sample_rate", id="tdl-1e13"),
    pytest.param("kind: selective\n    sample_rate: 1.0e+300", "sample_rate", id="tdl-1e300"),
    pytest.param("sample_rate: 1.0e-300", "sample_rate", id="rate-1e-300"),
    pytest.param(
        "kind: selective\n    sample_rate: 1.0e+10\n    profile: exponential\n    delay_spread_ns: 1.0e+5",
        "spans",
        id="tdl-too-long",
    ),
    # were refused with scipy's words, naming no key ("f(a) and f(b) must have different signs")
    pytest.param(
        "kind: selective\n    profile: exponential\n    delay_spread_ns: 1.0e-300", "delay_spread_ns", id="ds-tiny"
    ),
    pytest.param(
        "kind: selective\n    profile: exponential\n    delay_spread_ns: 1.0e+300", "delay_spread_ns", id="ds-huge"
    ),
    # accepted: absurd values with meaningless output
    pytest.param("adc_bits: 12\n    adc_full_scale: 1.0e-300", "adc_full_scale", id="adc-fs-tiny"),
    pytest.param("phase_noise_linewidth_hz: 1.0e+300", "phase_noise_linewidth_hz", id="linewidth-huge"),
]


@pytest.mark.parametrize("kind, text, expected", CONFIG_CRASHERS)
def test_config_crashers(kind, text, expected):
    path = workdir() / "crasher.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        LOADERS[kind](path)
    one_line(info.value, str(path), expected)
    assert run_config((kind, text)) == REFUSED


@pytest.mark.parametrize("setting, key", PROFILE_CRASHERS)
def test_channel_profile_crashers(setting, key):
    text = f"profiles:\n  bad:\n    {setting}\n"
    path = workdir() / "channels.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        LOADERS["channels"](path)
    one_line(info.value, str(path), "profiles: bad:", key)
    assert run_config(("channels", text)) == REFUSED


def test_plausible_profile_values_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        "profiles:\n"
        "  low: {kind: awgn, snr_db: -200.0, sample_rate: 1000.0, adc_bits: 12, adc_full_scale: 0.001}\n"
        "  high: {kind: selective, profile: ETU, snr_db: 200.0, sample_rate: 1.0e+10, dc_offset: [10.0, 0.0]}\n"
        "  wide: {kind: selective, profile: exponential, delay_spread_ns: 1.0e+4, iq_amplitude_db: -20.0}\n"
    )
    assert run_config(("channels", path.read_text())) == "accepted"


# ---- SigMF metadata ---------------------------------------------------------------------------

DELETE = object()


def sigmf_case(edits: dict[tuple, object], data: bytes | None = None) -> tuple[str, bytes]:
    """The template with ``{(place..., key): raw JSON text or DELETE}`` applied."""
    metadata, template_data = sigmf_template()
    listed = []
    for path, token in edits.items():
        place, key = path[:-1], path[-1]
        action = ("delete",) if token is DELETE else ("raw", token)
        listed.append((place, 0, key, action))
    return _apply_sigmf_edits(metadata, listed), template_data if data is None else data


def cf32(values) -> bytes:
    return np.asarray(values, dtype="<c8").tobytes()


G = ("global",)
SIGMF_CRASHERS = [
    # were ValueError (CPython's 4300-digit limit) / RecursionError out of json.loads or jsonschema
    pytest.param({(*G, "core:sample_rate"): "1" + "0" * 5000}, None, "an integer of 5001 digits", id="int-5000"),
    pytest.param({(*G, "x"): "[" * 100_000 + "]" * 100_000}, None, "nested more than 32", id="json-deep-100000"),
    pytest.param({(*G, "ddm_sscc:settings"): "[" * 900 + "]" * 900}, None, "nested more than 32", id="json-deep-900"),
    # was TypeError inside sigmf-python (the schema lets 1.0 through as an integer)
    pytest.param({(*G, "core:num_channels"): "1.0"}, None, "global/core:num_channels must be an integer", id="nch-1.0"),
    pytest.param(
        {("captures", 0, "core:sample_start"): "0.0"}, None, "core:sample_start must be an integer", id="ss-0.0"
    ),
    # accepted: samples divided by 1e-300 (inf and NaN) or by 1e300 (zeros)
    pytest.param(
        {(*G, "ddm_sscc:full_scale"): "1e-300"}, None, "ddm_sscc:full_scale must be a positive", id="fs-1e-300"
    ),
    pytest.param({(*G, "ddm_sscc:full_scale"): "1e300"}, None, "ddm_sscc:full_scale must be a positive", id="fs-1e300"),
    pytest.param({(*G, "ddm_sscc:full_scale"): "NaN"}, None, "ddm_sscc:full_scale: nan is not a finite", id="fs-nan"),
    pytest.param(
        {(*G, "ddm_sscc:full_scale"): "1e400"}, None, "ddm_sscc:full_scale: inf is not a finite", id="fs-1e400"
    ),
    # accepted: a sample rate of 1e-300 S/s
    pytest.param({(*G, "core:sample_rate"): "1e-300"}, None, "core:sample_rate must lie in", id="rate-1e-300"),
    pytest.param({(*G, "core:sample_rate"): "NaN"}, None, "core:sample_rate: nan is not a finite", id="rate-nan"),
    pytest.param({(*G, "core:sample_rate"): "Infinity"}, None, "core:sample_rate: inf is not a finite", id="rate-inf"),
    pytest.param({(*G, "core:sample_rate"): "1e400"}, None, "core:sample_rate: inf is not a finite", id="rate-1e400"),
    # accepted: Recording.frequency NaN
    pytest.param({("captures", 0, "core:frequency"): "NaN"}, None, "captures/0/core:frequency: nan", id="freq-nan"),
    # accepted and ignored: a mistyped sample count
    pytest.param(
        {(*G, "ddm_sscc:sample_count"): "64.0"}, None, "ddm_sscc:sample_count must be an integer", id="n-64.0"
    ),
    pytest.param(
        {(*G, "ddm_sscc:sample_count"): '"64"'}, None, "ddm_sscc:sample_count must be an integer", id="n-text"
    ),
    pytest.param(
        {(*G, "ddm_sscc:sample_count"): "true"}, None, "ddm_sscc:sample_count must be an integer", id="n-true"
    ),
    # accepted: unknown and mistyped project keys
    pytest.param(
        {(*G, "ddm_sscc:sample_rate"): "2e6"}, None, "global/ddm_sscc:sample_rate is not a ddm_sscc key", id="unknown"
    ),
    pytest.param({(*G, "ddm_sscc:session_id"): "-1"}, None, "global/ddm_sscc:session_id must be an integer", id="sid"),
    pytest.param({(*G, "ddm_sscc:image_sha256"): '"xyz"'}, None, "ddm_sscc:image_sha256 must be a SHA-256", id="sha"),
    pytest.param({(*G, "ddm_sscc:settings", "channel", "snr_db"): "-1e300"}, None, "snr_db must lie in", id="set-snr"),
    pytest.param(
        {(*G, "ddm_sscc:settings", "seed"): '"x"'}, None, "ddm_sscc:settings/seed must be an integer", id="set-seed"
    ),
    pytest.param({(*G, "ddm_sscc:radio_config", "center_frequency"): "1e300"}, None, "center_frequency", id="radio"),
    # accepted; replay then built tuple(range(frames)) (hang, 1e300) or raised ValueError (int("x"))
    pytest.param(
        {(*G, "ddm_sscc:source", "frames"): "1e300"},
        None,
        "ddm_sscc:source/frames must be an integer",
        id="frames-huge",
    ),
    pytest.param(
        {(*G, "ddm_sscc:source", "frames"): '"x"'}, None, "ddm_sscc:source/frames must be an integer", id="frames-x"
    ),
    # accepted once frame format 2 lifted the 65535-frame bound; replay of a recording with no burst
    # then built tuple(range(frames)): MemoryError for 1e9
    pytest.param(
        {(*G, "ddm_sscc:source", "frames"): "1000000000"},
        None,
        "ddm_sscc:source/frames must be an integer in 1 … 620433",
        id="frames-1e9",
    ),
    pytest.param(
        {(*G, "ddm_sscc:source", "source_symbols"): "56404"},
        None,
        "ddm_sscc:source/source_symbols must be an integer in 1 … 56403",
        id="source-symbols",
    ),
    pytest.param({(*G, "ddm_sscc:source", "bpsp"): "NaN"}, None, "ddm_sscc:source/bpsp: nan", id="bpsp-nan"),
    # (frame format 1's ddm_sscc:seq, mistyped, is now ddm_sscc:symbol_id)
    pytest.param(
        {("annotations", 0, "ddm_sscc:symbol_id"): '"x"'},
        None,
        "annotations/0/ddm_sscc:symbol_id must be an integer",
        id="symbol-id",
    ),
    pytest.param(
        {("annotations", 1, "ddm_sscc:snr_db"): "1e300"}, None, "annotations/1/ddm_sscc:snr_db must be", id="snr"
    ),
    pytest.param(
        {("annotations", 2, "ddm_sscc:payload_ok"): "1"}, None, "ddm_sscc:payload_ok must be true or false", id="ok"
    ),
    # (frame format 1's seq ≥ total: a format-2 symbol id may exceed K, but not RaptorQ's 24 bits)
    pytest.param(
        {("annotations", 2, "ddm_sscc:symbol_id"): "16777216"},
        None,
        "annotations/2/ddm_sscc:symbol_id must be an integer in 0 … 16777215",
        id="symbol-id-2^24",
    ),
    pytest.param(
        {("annotations", 2, "ddm_sscc:source_symbols"): "0"},
        None,
        "annotations/2/ddm_sscc:source_symbols must be an integer in 1 … 56403",
        id="source-symbols-0",
    ),
    # an annotation of frame format 1 is refused, not read as format 2
    pytest.param(
        {("annotations", 2, "ddm_sscc:seq"): "1"}, None, "annotations/2/ddm_sscc:seq is not a ddm_sscc key", id="v1-seq"
    ),
    pytest.param(
        {("annotations", 1, "ddm_sscc:total"): "3"},
        None,
        "annotations/1/ddm_sscc:total is not a ddm_sscc key",
        id="v1-total",
    ),
    pytest.param(
        {("captures", 0, "ddm_sscc:symbol_id"): "1"},
        None,
        "captures/0/ddm_sscc:symbol_id is not a ddm_sscc key",
        id="capture-key",
    ),
    # read a file outside the recording's directory
    pytest.param(
        {(*G, "core:dataset"): '"../../../etc/hostname"'}, None, "core:dataset must name a file beside", id="dataset"
    ),
    # accepted: NaN and inf samples in a cf32 data file
    pytest.param(
        {(*G, "core:datatype"): '"cf32_le"', (*G, "core:sha512"): DELETE, (*G, "ddm_sscc:full_scale"): "1.0"},
        cf32([np.nan] + [0.5] * (SIGMF_SAMPLES - 1)),
        "holds a non-finite sample (NaN or infinity) (sample 0)",
        id="cf32-nan",
    ),
    pytest.param(
        {(*G, "core:datatype"): '"cf32_le"', (*G, "core:sha512"): DELETE, (*G, "ddm_sscc:full_scale"): "1e-6"},
        cf32([0.5] * 7 + [3e38] + [0.5] * (SIGMF_SAMPLES - 8)),
        "beyond complex64 range once divided by ddm_sscc:full_scale (sample 7)",
        id="cf32-overflow",
    ),
]


@pytest.mark.parametrize("edits, data, expected", SIGMF_CRASHERS)
def test_sigmf_crashers(edits, data, expected):
    meta_text, data_bytes = sigmf_case(edits, data)
    meta = workdir() / "crasher.sigmf-meta"
    meta.write_text(meta_text)
    (workdir() / "crasher.sigmf-data").write_bytes(data_bytes)
    with pytest.raises(RecordingError) as info:
        read_recording(meta)
    one_line(info.value, str(meta), expected)
    assert run_sigmf((meta_text, data_bytes)) == REFUSED


def test_sigmf_writer_refuses_what_the_reader_would(tmp_path):
    x = np.zeros(8, np.complex64)
    bad = [
        (
            {"extra_global": {"ddm_sscc:sample_rate": 2e6}},
            "extra_global: global/ddm_sscc:sample_rate is not a ddm_sscc key",
        ),
        ({"extra_global": {"ddm_sscc:source": {"frames": 1e300}}}, "ddm_sscc:source/frames must be an integer"),
        ({"extra_global": {"ddm_sscc:source": {"frames": 10**9}}}, "ddm_sscc:source/frames must be an integer in"),
        ({"full_scale": 1e-300}, "full_scale must lie in"),
        ({"sample_rate": 1e-300}, "sample_rate must lie in"),
    ]
    for kwargs, expected in bad:
        args = {"sample_rate": 2e6} | kwargs
        with pytest.raises(ConfigError) as info:
            write_recording(tmp_path / "w", x, args.pop("sample_rate"), **args)
        one_line(info.value, expected)
    assert list(tmp_path.iterdir()) == []


# ---- frames and reassembly -------------------------------------------------------------------


FRAME_CRASHERS = [
    # was TypeError (object of type 'int' has no len())
    pytest.param(("unpack", 14), "frame must be bytes, got int", id="header-int"),
    # was silently 5 zero bytes (and Frame.unpack(10**10) allocated 10 GB)
    pytest.param(("unpack", 5), "frame must be bytes, got int", id="frame-int"),
    # was TypeError (string argument without an encoding); split_stream then, TransferEncoder now
    pytest.param(("transfer", "abc", 1, 0, 8, 0.0), "the stream must be bytes, got str", id="transfer-str"),
    # was TypeError out of the RaptorQ library ('float' object cannot be interpreted as an integer)
    pytest.param(("transfer", b"abc", 1, 0, 16.0, 0.0), "symbol_size must be an integer, got float", id="size-float"),
    # was TypeError ('<=' not supported between instances of 'int' and 'NoneType')
    pytest.param(("transfer", b"abc", 1, 0, None, 0.0), "symbol_size must be an integer, got NoneType", id="size-none"),
    # was TypeError (bad operand type for unary -: 'NoneType')
    pytest.param(("single", 1, None, 0), "payload_len must be an int, got NoneType", id="single-none"),
    # was ValueError (Unknown format code 'x' for float) building the message
    pytest.param(("lookup", 7.0), "no frames received for session 7.0", id="session-float"),
    pytest.param(("lookup", True), "no frames received for session True", id="session-bool"),
    pytest.param(("strip", 1234), "payload must be bytes, got int", id="strip-int"),
    pytest.param(("payload", 1234), "payload must be bytes, got int", id="payload-int"),
]


@pytest.mark.parametrize("call, expected", FRAME_CRASHERS)
def test_framing_crashers(call, expected):
    assert run_frame_api(call) == REFUSED
    with pytest.raises(DdmError) as info:
        if call[0] == "unpack":
            Frame.unpack(call[1])
        elif call[0] == "transfer":
            TransferEncoder(*call[1:5]).frames(call[5])
        elif call[0] == "single":
            single_symbol_header(*call[1:])
        elif call[0] == "strip":
            strip_crc32(call[1])
        elif call[0] == "payload":
            Frame.from_payload_with_crc(single_symbol_header(1, 3, 0), call[1])
        else:
            reassembler = Reassembler()
            reassembler.add(Frame(single_symbol_header(7, 3, 0), b"abc"))
            reassembler.data(call[1])
    assert isinstance(info.value, ConfigError | FrameError)
    one_line(info.value, expected)


def test_numpy_session_ids_still_work():
    reassembler = Reassembler()
    for frame in TransferEncoder(b"abcdefghijk", 7, 0, 8).frames():
        reassembler.add(frame)
    assert reassembler.data(np.uint32(7)) == b"abcdefghijk" and reassembler.complete(np.int64(7))


def _with_crc16(body: bytes) -> bytes:
    return body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")


def _v2(version=2, sid=7, length=1000, size=64, symbol_id=3, payload_len=64, mcs=1) -> bytes:
    return _with_crc16(struct.pack(">BIIHIHB", version, sid, length, size, symbol_id, payload_len, mcs))


_V1_HEADER = _with_crc16(bytes.fromhex("01 00000007 0000 0001 0003 01"))  # format 1: seq 0 of 1, 3 bytes
FRAME_BYTES_CRASHERS = [
    # frame format 1 (14-byte header, CRC-32 over the payload alone): refused, never read as format 2
    # (its bytes 0..17 read as a format-2 header fail the CRC-16 in bytes 18..19)
    pytest.param(_V1_HEADER + b"abc", "frame header CRC-16 mismatch", id="v1-frame"),
    pytest.param(_V1_HEADER + b"abc" + zlib.crc32(b"abc").to_bytes(4, "big"), "CRC-16 mismatch", id="v1-wire"),
    pytest.param(_v2(version=1), "version 1 unsupported", id="v2-size-version-1"),
    # a valid CRC-16 over fields that would have made a receiver allocate gigabytes, divide by zero,
    # build a multi-block decoder (the RaptorQ library panics on their packets) or wrap the 24-bit ESI
    pytest.param(_v2(length=(1 << 32) - 1), "transfer_length=4294967295 out of range", id="length-4g"),
    pytest.param(_v2(length=0), "transfer_length=0 out of range", id="length-0"),
    pytest.param(_v2(size=0, payload_len=0), "symbol_size=0 is not a multiple of 8", id="size-0"),
    pytest.param(_v2(size=12, payload_len=12), "symbol_size=12 is not a multiple of 8", id="size-12"),
    pytest.param(_v2(length=1 << 28, size=8, payload_len=8), "exceed 56403 source symbols", id="multi-block"),
    pytest.param(_v2(symbol_id=1 << 24), "symbol_id=16777216 out of range", id="esi-2^24"),
    pytest.param(_v2(symbol_id=15, payload_len=64), "carries 40", id="last-symbol-padded"),
    pytest.param(_v2(payload_len=40), "payload_len=40 but symbol 3", id="short-symbol"),
]


@pytest.mark.parametrize("data, expected", FRAME_BYTES_CRASHERS)
def test_frame_bytes_crashers(data, expected):
    """Old-format and forged frames: a one-line FrameError, whatever follows the header."""
    for tail in (b"", bytes(64), bytes(68)):
        with pytest.raises(FrameError) as info:
            Frame.unpack(data + tail)
        one_line(info.value, expected if len(data) + len(tail) >= HEADER_LEN else "shorter than")
        assert run_frame_bytes(data + tail) == REFUSED


def test_a_frame_whose_symbol_size_disagrees_is_a_conflict():
    """The RaptorQ decoder panics on a packet of another length: such a frame never reaches it."""
    reassembler = Reassembler()
    first = TransferEncoder(bytes(1000), 7, 1, 64).frames()
    other = TransferEncoder(bytes(1000), 7, 1, 72).frames()
    assert reassembler.add(first[0]) == "new"
    assert [reassembler.add(f) for f in other] == ["conflict"] * len(other)
    assert all(reassembler.add(f) in ("new", "late") for f in first[1:]) and reassembler.data(7) == bytes(1000)


# ---- the .ddm container ------------------------------------------------------------------------


def container_with_steps(steps: int) -> bytes:
    header = Header(
        height=100,
        width=100,
        channels=3,
        steps=16,
        order=OrderKind.HALTON,
        schedule=ScheduleKind.COSINE,
        order_seed=0,
        calibrated=True,
        model_id="context-mean-v1",
        weights_sha256=bytes(32),
        pixel_sha256=bytes(32),
        version=1,
    )
    data = bytearray(pack(header, b"payload"))
    struct.pack_into("<H", data, 10, steps)
    crc_at = 29 + len(header.model_id) + 68
    struct.pack_into("<I", data, crc_at, zlib.crc32(bytes(data[:crc_at])))
    return bytes(data)


@pytest.mark.parametrize("steps", [4097, 5000, 0xFFFF])
def test_container_steps_above_max_steps_is_a_container_error(steps):
    """Found by fuzzing: a header with a valid CRC and 4096 < steps let the schedule's ConfigError out."""
    with pytest.raises(ContainerError, match="step count") as info:
        unpack(container_with_steps(steps))
    one_line(info.value, "step")
    assert run_container(container_with_steps(steps)) == REFUSED


def test_json_metadata_of_the_template_is_plain():
    metadata, _ = sigmf_template()
    json.dumps(metadata, allow_nan=False)
