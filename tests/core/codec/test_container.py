import struct
import zlib

import numpy as np
import pytest

from ddm_sscc.codec import load_codec
from ddm_sscc.codec.container import FORMAT_VERSION, MAGIC, Header, pack, read_header, unpack
from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import ScheduleKind
from ddm_sscc.errors import CodecError, ContainerError, IntegrityError
from tests.conftest import real_image


def header(**changes):
    fields = dict(
        height=5, width=7, channels=3, steps=16, order=OrderKind.HALTON, schedule=ScheduleKind.COSINE,
        order_seed=0, calibrated=True, model_id="m-1", weights_sha256=b"w" * 32, pixel_sha256=b"p" * 32,
    )
    return Header(**(fields | changes))


def test_pack_unpack_round_trip():
    h = header(order=OrderKind.RANDOM, order_seed=2**64 - 1)
    data = pack(h, b"\x01\x02\x03\x04")
    assert data[:4] == MAGIC and data[4] == FORMAT_VERSION
    assert unpack(data) == (h, b"\x01\x02\x03\x04")


@pytest.mark.parametrize(
    "changes",
    [dict(channels=2), dict(height=0), dict(steps=36), dict(steps=0), dict(model_id=""), dict(model_id="é"),
     dict(model_id="x" * 65), dict(weights_sha256=b"short")],
)
def test_invalid_headers_are_refused(changes):
    with pytest.raises(ContainerError):
        header(**changes)


def test_wrong_magic_and_version():
    data = pack(header(), b"")
    with pytest.raises(ContainerError, match="magic"):
        unpack(b"PNG\x00" + data[4:])
    with pytest.raises(ContainerError, match="magic"):
        unpack(b"")
    newer = bytearray(data)
    newer[4] = FORMAT_VERSION + 1
    with pytest.raises(ContainerError, match="version"):
        unpack(bytes(newer))


@pytest.fixture(scope="module")
def encoded():
    image = real_image(24, 24, 3)
    return image, load_codec().encode(image)


def test_every_truncation_fails_cleanly(encoded):
    _, data = encoded
    for cut in range(len(data)):
        with pytest.raises(ContainerError):
            unpack(data[:cut])
    with pytest.raises(ContainerError, match="unexpected"):
        unpack(data + b"\x00")


def test_every_single_bit_flip_is_caught(encoded):
    image, data = encoded
    codec = load_codec()
    for byte in range(len(data)):
        flipped = bytearray(data)
        flipped[byte] ^= 1 << (byte % 8)
        with pytest.raises(CodecError):
            codec.decode(bytes(flipped))


def test_payload_corruption_behind_a_valid_crc_never_yields_a_wrong_image(encoded):
    """Even when the CRC is forged, the pixel hash stops a wrong image."""
    image, data = encoded
    h, start = read_header(data)
    payload_len = len(data) - start - 4
    codec = load_codec()
    rng = np.random.default_rng(1)
    for _ in range(20):
        payload = bytearray(data[start : start + payload_len])
        payload[rng.integers(0, payload_len)] ^= 1 << int(rng.integers(0, 8))
        forged = data[:start] + bytes(payload) + struct.pack("<I", zlib.crc32(payload))
        try:
            decoded = codec.decode(forged)
        except (IntegrityError, ContainerError):
            continue
        assert np.array_equal(decoded, image)  # a flip that decodes must decode exactly
