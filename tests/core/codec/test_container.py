import struct
import zlib

import numpy as np
import pytest

from ddm_sscc.codec import load_codec
from ddm_sscc.codec.container import FORMAT_VERSION, MAGIC, PIXEL_HASH_BYTES, Header, pack, read_header, unpack
from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import ScheduleKind
from ddm_sscc.errors import CodecError, ContainerError, IntegrityError
from tests.conftest import real_image


def header(**changes):
    """A valid header of ``changes["version"]`` (default: the written format), with ``changes`` applied."""
    version = changes.get("version", FORMAT_VERSION)
    fields = dict(
        height=5, width=7, channels=3, steps=16, order=OrderKind.HALTON, schedule=ScheduleKind.COSINE,
        order_seed=0, calibrated=True, model_id="m-1" if version < 3 else None, weights_sha256=b"w" * 32,
    )
    return Header(**(fields | {"pixel_sha256": b"p" * PIXEL_HASH_BYTES[version]} | changes))


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("order,seed", [(OrderKind.RANDOM, 2**64 - 1), (OrderKind.RANDOM, 0), (OrderKind.RASTER, 0)])
def test_pack_unpack_round_trip(version, order, seed):
    h = header(order=order, order_seed=seed, version=version, height=2**20, width=2**8, channels=1, adaptive=True)
    data = pack(h, b"\x01\x02\x03\x04")
    assert data[:4] == MAGIC and data[4] == version
    assert unpack(data) == (h, b"\x01\x02\x03\x04")
    assert read_header(data) == (h, len(data) - 8)


def test_format_3_header_is_compact():
    """A 32×32 RGB file: 57 bytes besides the payload; 76 in format 2 with an 18-character model
    id, 123 in format 1."""
    assert len(pack(header(height=32, width=32), b"")) == 57
    fields = dict(height=32, width=32, model_id="ddm-featmlp-int-v2")
    assert len(pack(header(**fields, version=2), b"")) == 76
    assert len(pack(header(**fields, version=1, pixel_sha256=b"p" * 32), b"")) == 123


def test_narrow_flag_is_format_3_bit_6():
    narrow = header(narrow=True)
    data = pack(narrow, b"")
    assert data[5] & 0x40 and unpack(data)[0].narrow
    assert not pack(header(), b"")[5] & 0x40
    with pytest.raises(ContainerError, match="format 2 has no narrow tables"):
        header(version=2, narrow=True)
    for version, bit in ((3, 0x80), (2, 0x40)):
        data = bytearray(pack(header(version=version), b""))
        data[5] |= bit
        crc_at = len(data) - 8
        data[crc_at : crc_at + 4] = struct.pack("<I", zlib.crc32(bytes(data[:crc_at])))
        with pytest.raises(ContainerError, match="unknown .ddm header flags"):
            read_header(bytes(data))


def test_only_formats_1_and_2_carry_a_model_id():
    with pytest.raises(ContainerError, match="format 3 stores no model id"):
        header(model_id="m-1")
    for version in (1, 2):
        with pytest.raises(ContainerError, match="model id must be"):
            header(version=version, model_id=None)


@pytest.mark.parametrize("version", [2, 3])
def test_varint_formats_refuse_overlong_varints(version):
    data = pack(header(height=5, version=version), b"")
    padded = data[:7] + b"\x85\x00" + data[8:]  # height 5 as two bytes
    padded = padded[:-8] + struct.pack("<I", zlib.crc32(padded[:-8])) + padded[-4:]
    with pytest.raises(ContainerError, match="height is not in its shortest form"):
        read_header(padded)
    endless = data[:6] + b"\xff" * 12
    with pytest.raises(ContainerError, match="longer than 10 bytes"):
        read_header(endless)


def test_pixel_hash_length_follows_the_version():
    with pytest.raises(ContainerError, match="stores 8 bytes"):
        header(pixel_sha256=b"p" * 32)
    with pytest.raises(ContainerError, match="stores 32 bytes"):
        header(version=1, pixel_sha256=b"p" * 8)
    assert header().matches_pixels(b"p" * 8 + b"anything else")
    assert not header().matches_pixels(b"q" + b"p" * 31)


@pytest.mark.parametrize(
    "changes",
    [dict(channels=2), dict(height=0), dict(steps=36), dict(steps=0), dict(version=2, model_id=""),
     dict(version=2, model_id="é"), dict(version=2, model_id="x" * 65), dict(weights_sha256=b"short")],
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
    for version in (0, FORMAT_VERSION + 1):
        other = bytearray(data)
        other[4] = version
        with pytest.raises(ContainerError, match="version"):
            unpack(bytes(other))


@pytest.fixture(scope="module")
def encoded():
    image = real_image(24, 24, 3)
    return image, load_codec().encode(image)


def test_every_truncation_fails_cleanly(encoded):
    _, data = encoded
    for cut in range(len(data)):
        with pytest.raises(ContainerError):
            unpack(data[:cut])
    with pytest.raises(ContainerError, match="CRC"):
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
