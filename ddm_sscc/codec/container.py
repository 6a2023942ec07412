"""The ``.ddm`` container: a self-describing header, then the range-coded payload.

Layout (version 1, all integers little-endian)::

    offset  size  field
    0       4     magic  b"DDMi"
    4       1     format version (1)
    5       1     flags: bit 0 = temperature calibration on; bit 1 = online (per-image)
                  adaptation on, only with bit 0; other bits 0
    6       1     channels C (1 or 3)
    7       1     order id     (0 raster, 1 halton, 2 random)
    8       1     schedule id  (0 linear, 1 cosine)
    9       1     reserved (0)
    10      2     steps T (after clamping to H·W)
    12      4     height H
    16      4     width W
    20      8     order seed (random order only, else 0)
    28      1     L, length of the model id
    29      L     model id (ASCII)
    29+L    32    SHA-256 of the model weights
    61+L    32    SHA-256 of the original pixels (see tokens.pixel_sha256)
    93+L    4     payload length P in bytes
    97+L    4     CRC-32 of bytes 0 .. 96+L
    101+L   P     payload: constriction range-coder words
    101+L+P 4     CRC-32 of the payload

The format version also pins the table recipe (:mod:`ddm_sscc.codec.tables`);
changing either bumps it.  The CRCs catch truncation and bit errors before a
long decode starts; the pixel hash catches everything else at the end.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import MAX_STEPS, ScheduleKind
from ddm_sscc.codec.tokens import MAX_PIXELS
from ddm_sscc.errors import ContainerError

MAGIC = b"DDMi"
FORMAT_VERSION = 1
MAX_MODEL_ID = 64
_FLAG_CALIBRATED = 0x01
_FLAG_ADAPTIVE = 0x02
_FIXED = struct.Struct("<4sBBBBBBHIIQB")
_TAIL = struct.Struct("<32s32sI")
_CRC = struct.Struct("<I")


@dataclass(frozen=True)
class Header:
    """Everything the decoder needs besides the payload."""

    height: int
    width: int
    channels: int
    steps: int
    order: OrderKind
    schedule: ScheduleKind
    order_seed: int
    calibrated: bool
    model_id: str
    weights_sha256: bytes
    pixel_sha256: bytes
    adaptive: bool = False

    def __post_init__(self) -> None:
        if self.adaptive and not self.calibrated:
            raise ContainerError("online adaptation is a calibration mode: the adaptive flag needs the calibrated flag")
        if self.order != OrderKind.RANDOM and self.order_seed:
            raise ContainerError(f"order seed {self.order_seed} given for a non-random order")
        if self.channels not in (1, 3):
            raise ContainerError(f"channels must be 1 or 3, got {self.channels}")
        if self.height < 1 or self.width < 1 or self.height * self.width > MAX_PIXELS:
            raise ContainerError(f"implausible image size {self.height}×{self.width}")
        if not 1 <= self.steps <= min(MAX_STEPS, self.height * self.width):
            raise ContainerError(f"step count {self.steps} does not fit a {self.height}×{self.width} image")
        if not 0 <= self.order_seed < 1 << 64:
            raise ContainerError(f"order seed {self.order_seed} out of range")
        mid = self.model_id
        if not (1 <= len(mid) <= MAX_MODEL_ID and mid.isascii() and mid.isprintable()):
            raise ContainerError(f"model id must be 1..{MAX_MODEL_ID} printable ASCII characters, got {self.model_id!r}")
        if len(self.weights_sha256) != 32 or len(self.pixel_sha256) != 32:
            raise ContainerError("hashes must be 32-byte SHA-256 digests")

    @property
    def positions(self) -> int:
        """Number of pixel positions, ``H·W``."""
        return self.height * self.width

    @property
    def subpixels(self) -> int:
        """Number of coded sub-pixels, ``H·W·C``."""
        return self.height * self.width * self.channels


def pack(header: Header, payload: bytes) -> bytes:
    """Serialise a header and payload into ``.ddm`` bytes."""
    model_id = header.model_id.encode("ascii")
    head = (
        _FIXED.pack(
            MAGIC,
            FORMAT_VERSION,
            (_FLAG_CALIBRATED if header.calibrated else 0) | (_FLAG_ADAPTIVE if header.adaptive else 0),
            header.channels,
            int(header.order),
            int(header.schedule),
            0,
            header.steps,
            header.height,
            header.width,
            header.order_seed,
            len(model_id),
        )
        + model_id
        + _TAIL.pack(header.weights_sha256, header.pixel_sha256, len(payload))
    )
    return head + _CRC.pack(zlib.crc32(head)) + payload + _CRC.pack(zlib.crc32(payload))


def read_header(data: bytes) -> tuple[Header, int]:
    """Parse and check the header.

    Returns:
        the header and the offset where the payload starts.
    """
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise ContainerError("not a .ddm file (bad magic)")
    if len(data) < _FIXED.size:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes, header needs at least {_FIXED.size})")
    (_, version, flags, channels, order, schedule, reserved, steps, height, width, seed, id_len) = _FIXED.unpack_from(
        data
    )
    if version != FORMAT_VERSION:
        raise ContainerError(f"unsupported .ddm format version {version} (this decoder reads {FORMAT_VERSION})")
    tail_at = _FIXED.size + id_len
    crc_at = tail_at + _TAIL.size
    if len(data) < crc_at + _CRC.size:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes, header needs {crc_at + _CRC.size})")
    (crc,) = _CRC.unpack_from(data, crc_at)
    if zlib.crc32(data[:crc_at]) != crc:
        raise ContainerError("corrupted .ddm header (CRC mismatch)")
    if flags & ~(_FLAG_CALIBRATED | _FLAG_ADAPTIVE) or reserved:
        raise ContainerError(f"unknown .ddm header flags {flags:#04x}/{reserved:#04x}")
    try:
        order_kind, schedule_kind = OrderKind(order), ScheduleKind(schedule)
    except ValueError:
        raise ContainerError(f"unknown order id {order} or schedule id {schedule}") from None
    weights, pixels, _ = _TAIL.unpack_from(data, tail_at)
    header = Header(
        height=height,
        width=width,
        channels=channels,
        steps=steps,
        order=order_kind,
        schedule=schedule_kind,
        order_seed=seed,
        calibrated=bool(flags & _FLAG_CALIBRATED),
        adaptive=bool(flags & _FLAG_ADAPTIVE),
        model_id=data[_FIXED.size : tail_at].decode("ascii", errors="replace"),
        weights_sha256=weights,
        pixel_sha256=pixels,
    )
    return header, crc_at + _CRC.size


def unpack(data: bytes) -> tuple[Header, bytes]:
    """Parse ``.ddm`` bytes into a checked header and payload."""
    header, start = read_header(data)
    (payload_len,) = struct.unpack_from("<I", data, start - _CRC.size - 4)
    end = start + payload_len
    if len(data) < end + _CRC.size:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes, expected {end + _CRC.size})")
    if len(data) > end + _CRC.size:
        raise ContainerError(f"{len(data) - end - _CRC.size} unexpected bytes after the .ddm payload")
    payload = data[start:end]
    (crc,) = _CRC.unpack_from(data, end)
    if zlib.crc32(payload) != crc:
        raise ContainerError("corrupted .ddm payload (CRC mismatch)")
    return header, payload
