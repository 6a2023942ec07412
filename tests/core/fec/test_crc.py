"""CRC wrappers: standard check values and the append/strip round trip."""

import pytest

from ddm_sscc.errors import FrameError
from ddm_sscc.fec.crc import append_crc32, crc16, crc32, strip_crc32

CHECK = b"123456789"


def test_check_values():
    assert crc32(CHECK) == 0xCBF43926  # CRC-32/ISO-HDLC (IEEE 802.3)
    assert crc16(CHECK) == 0x29B1  # CRC-16/CCITT-FALSE
    assert crc32(b"") == 0
    assert crc16(b"") == 0xFFFF


def test_append_is_big_endian_and_strips_back():
    framed = append_crc32(CHECK)
    assert framed == CHECK + bytes.fromhex("CBF43926")
    assert strip_crc32(framed) == CHECK
    assert strip_crc32(append_crc32(b"")) == b""


def test_every_single_bit_flip_is_caught():
    framed = bytearray(append_crc32(b"some payload"))
    for bit in range(8 * len(framed)):
        corrupted = bytearray(framed)
        corrupted[bit // 8] ^= 0x80 >> (bit % 8)
        with pytest.raises(FrameError, match="CRC-32 mismatch"):
            strip_crc32(bytes(corrupted))


@pytest.mark.parametrize("data", [b"", b"\x00", b"abc"])
def test_too_short(data):
    with pytest.raises(FrameError, match="too short"):
        strip_crc32(data)
