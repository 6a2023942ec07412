"""CRC-32 and CRC-16 checksums, as thin wrappers over the standard library.

* :func:`crc32` – IEEE 802.3 CRC-32 (``zlib.crc32``; check value of
  ``b"123456789"`` is ``0xCBF43926``).  Protects frame payloads.
* :func:`crc16` – CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
  no final XOR; ``binascii.crc_hqx(data, 0xFFFF)``; check value ``0x29B1``).
  Protects frame headers.

Payload CRCs travel big-endian (network byte order) after the payload.
"""

from __future__ import annotations

import binascii
import zlib

from ddm_sscc.errors import FrameError

CRC32_LEN = 4


def crc32(data: bytes) -> int:
    """IEEE 802.3 CRC-32 of ``data`` as an unsigned int in ``[0, 2**32)``."""
    return zlib.crc32(data) & 0xFFFFFFFF


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` as an unsigned int in ``[0, 2**16)``."""
    return binascii.crc_hqx(data, 0xFFFF)


def append_crc32(data: bytes) -> bytes:
    """``data`` followed by its CRC-32 as 4 big-endian bytes (``len(data) + 4`` bytes)."""
    return bytes(data) + crc32(data).to_bytes(CRC32_LEN, "big")


def strip_crc32(data: bytes) -> bytes:
    """Check and remove the trailing big-endian CRC-32 added by :func:`append_crc32`.

    Raises :class:`FrameError` if ``data`` is shorter than 4 bytes or the CRC
    does not match.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FrameError(f"payload must be bytes, got {type(data).__name__}")
    if len(data) < CRC32_LEN:
        raise FrameError(f"payload too short for its CRC-32: {len(data)} bytes, need at least {CRC32_LEN}")
    body, tail = bytes(data[:-CRC32_LEN]), bytes(data[-CRC32_LEN:])
    if crc32(body) != int.from_bytes(tail, "big"):
        raise FrameError("payload CRC-32 mismatch")
    return body
