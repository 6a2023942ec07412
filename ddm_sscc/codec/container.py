"""The ``.ddm`` container: a self-describing header, then the range-coded payload.

Format 3 (written; all fixed-size integers little-endian, ``varint`` = unsigned LEB128 in
its shortest form)::

    size  field
    4     magic  b"DDMi"
    1     format version (3)
    1     flags: bit 0 = temperature calibration on; bit 1 = online (per-image) adaptation
          on, only with bit 0; bit 2 = three channels (else one); bits 3–4 = order id
          (0 raster, 1 halton, 2 random); bit 5 = schedule id (0 linear, 1 cosine);
          bit 6 = narrow tables (:mod:`ddm_sscc.codec.narrow_tables`; mixture models
          only); bit 7 zero
    1–2   varint steps T (after clamping to H·W)
    1–5   varint height H
    1–5   varint width W
    1–10  varint order seed (random order only; absent otherwise)
    32    SHA-256 of the model weights: it names the model (the decoder finds the installed
          model with these weights, :func:`ddm_sscc.codec.zoo.codec_for_header`)
    8     first 8 bytes of the SHA-256 of the original pixels (see tokens.pixel_sha256)
    4     CRC-32 of the header bytes above
    P     payload: constriction range-coder words (the rest of the file but 4 bytes)
    4     CRC-32 of the payload

Format 2 (still read) is format 3 with the model's id after the varints: one byte L, then
L ASCII characters, before the weights' SHA-256, and with flag bit 6 zero. The id said nothing the hash does not, and
cost 23 bytes with today's ids, 0.06 bits per sub-pixel of a CIFAR-sized RGB image.

Format 1 (still read, so that older files and recordings decode)::

    offset  size  field
    0       4     magic  b"DDMi"
    4       1     format version (1)
    5       1     flags: bits 0 and 1 as above; other bits 0
    6       1     channels C (1 or 3)
    7       1     order id
    8       1     schedule id
    9       1     reserved (0)
    10      2     steps T
    12      4     height H
    16      4     width W
    20      8     order seed (random order only, else 0)
    28      1     L, length of the model id
    29      L     model id (ASCII)
    29+L    32    SHA-256 of the model weights
    61+L    32    SHA-256 of the original pixels
    93+L    4     payload length P in bytes
    97+L    4     CRC-32 of bytes 0 .. 96+L
    101+L   P     payload
    101+L+P 4     CRC-32 of the payload

Besides the payload, format 3 takes 57 bytes for a 32×32 image, format 2 76 with an
18-character model id and format 1 123. The payload and the table recipe
(:mod:`ddm_sscc.codec.tables`) are the same in all three; changing either bumps the version.  The CRCs catch truncation and bit errors before a long decode starts; the pixel
hash catches everything else at the end (64 bits are plenty against a wrong image that got
past a CRC and the range decoder's own checks).
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
FORMAT_VERSION = 3
"""The version :func:`pack` writes by default."""
READABLE_VERSIONS = (1, 2, 3)
PIXEL_HASH_BYTES = {1: 32, 2: 8, 3: 8}
"""How much of the pixel SHA-256 each format version stores."""
MAX_MODEL_ID = 64
_FLAG_CALIBRATED = 0x01
_FLAG_ADAPTIVE = 0x02
_FLAG_COLOUR = 0x04  # formats 2 and 3
_FLAG_NARROW = 0x40  # format 3
_ORDER_SHIFT, _SCHEDULE_SHIFT = 3, 5  # formats 2 and 3
_VERSIONS_WITH_MODEL_ID = (1, 2)
_V1_FIXED = struct.Struct("<4sBBBBBBHIIQB")
_V1_TAIL = struct.Struct("<32s32sI")
_CRC = struct.Struct("<I")
_MAX_VARINT = 10  # 64 bits


@dataclass(frozen=True)
class Header:
    """Everything the decoder needs besides the payload.

    ``pixel_sha256`` is what the file stores of the pixels' SHA-256: all 32 bytes in format 1,
    the first 8 from format 2 on (:data:`PIXEL_HASH_BYTES`); compare with :meth:`matches_pixels`.
    ``model_id`` is the model's id as formats 1 and 2 store it, and None in format 3, where
    ``weights_sha256`` alone names the model.
    """

    height: int
    width: int
    channels: int
    steps: int
    order: OrderKind
    schedule: ScheduleKind
    order_seed: int
    calibrated: bool
    model_id: str | None
    weights_sha256: bytes
    pixel_sha256: bytes
    adaptive: bool = False
    version: int = FORMAT_VERSION
    narrow: bool = False
    """The payload codes narrow tables (format 3 on)."""

    def __post_init__(self) -> None:
        if self.version not in READABLE_VERSIONS:
            raise ContainerError(f"unsupported .ddm format version {self.version}")
        if self.adaptive and not self.calibrated:
            raise ContainerError("online adaptation is a calibration mode: the adaptive flag needs the calibrated flag")
        if self.narrow and self.version < 3:
            raise ContainerError(f"format {self.version} has no narrow tables")
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
        self._check_model_id()
        if len(self.weights_sha256) != 32:
            raise ContainerError("the weights hash must be a 32-byte SHA-256 digest")
        if len(self.pixel_sha256) != PIXEL_HASH_BYTES[self.version]:
            raise ContainerError(
                f"format {self.version} stores {PIXEL_HASH_BYTES[self.version]} bytes of the pixel SHA-256, "
                f"got {len(self.pixel_sha256)}"
            )

    def _check_model_id(self) -> None:
        mid = self.model_id
        if self.version not in _VERSIONS_WITH_MODEL_ID:
            if mid is not None:
                raise ContainerError(f"format {self.version} stores no model id (the weights' SHA-256 names the model)")
            return
        if not (isinstance(mid, str) and 1 <= len(mid) <= MAX_MODEL_ID and mid.isascii() and mid.isprintable()):
            raise ContainerError(f"model id must be 1..{MAX_MODEL_ID} printable ASCII characters, got {mid!r}")

    @property
    def positions(self) -> int:
        """Number of pixel positions, ``H·W``."""
        return self.height * self.width

    @property
    def subpixels(self) -> int:
        """Number of coded sub-pixels, ``H·W·C``."""
        return self.height * self.width * self.channels

    def matches_pixels(self, digest: bytes) -> bool:
        """Whether a full pixel SHA-256 (:func:`ddm_sscc.codec.tokens.pixel_sha256`) agrees with the stored one."""
        return digest[: len(self.pixel_sha256)] == self.pixel_sha256


def stored_pixel_hash(digest: bytes, version: int = FORMAT_VERSION) -> bytes:
    """The part of a full pixel SHA-256 that format ``version`` stores."""
    return digest[: PIXEL_HASH_BYTES[version]]


def pack(header: Header, payload: bytes) -> bytes:
    """Serialise a header and payload into ``.ddm`` bytes, in the header's format version."""
    head = _pack_v1(header, len(payload)) if header.version == 1 else _pack_varint_header(header)
    return head + _CRC.pack(zlib.crc32(head)) + payload + _CRC.pack(zlib.crc32(payload))


def _flags(header: Header) -> int:
    return (_FLAG_CALIBRATED if header.calibrated else 0) | (_FLAG_ADAPTIVE if header.adaptive else 0)


def _pack_varint_header(header: Header) -> bytes:
    """Formats 2 and 3 (only format 2 has the model id)."""
    flags = (
        _flags(header)
        | (_FLAG_COLOUR if header.channels == 3 else 0)
        | int(header.order) << _ORDER_SHIFT
        | int(header.schedule) << _SCHEDULE_SHIFT
        | (_FLAG_NARROW if header.narrow else 0)
    )
    sizes = [header.steps, header.height, header.width] + ([header.order_seed] if header.order == OrderKind.RANDOM else [])
    model_id = b"" if header.model_id is None else header.model_id.encode("ascii")
    return (
        MAGIC
        + bytes([header.version, flags])
        + b"".join(_varint(v) for v in sizes)
        + (bytes([len(model_id)]) + model_id if header.version == 2 else b"")
        + header.weights_sha256
        + header.pixel_sha256
    )


def _pack_v1(header: Header, payload_len: int) -> bytes:
    model_id = str(header.model_id).encode("ascii")
    fixed = _V1_FIXED.pack(
        MAGIC, 1, _flags(header), header.channels, int(header.order), int(header.schedule), 0,
        header.steps, header.height, header.width, header.order_seed, len(model_id),
    )  # fmt: skip
    return fixed + model_id + _V1_TAIL.pack(header.weights_sha256, header.pixel_sha256, payload_len)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _Reader:
    """Bounds-checked reads from the front of a ``.ddm`` file."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data, self.at = data, at

    def take(self, n: int) -> bytes:
        if len(self.data) < self.at + n:
            raise ContainerError(f"truncated .ddm file ({len(self.data)} bytes, the header needs more)")
        self.at += n
        return self.data[self.at - n : self.at]

    def varint(self, what: str) -> int:
        value = 0
        for i in range(_MAX_VARINT):
            (byte,) = self.take(1)
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if byte == 0 and i:
                    raise ContainerError(f"malformed .ddm header: {what} is not in its shortest form")
                return value
        raise ContainerError(f"malformed .ddm header: {what} is longer than {_MAX_VARINT} bytes")


def read_header(data: bytes) -> tuple[Header, int]:
    """Parse and check the header (format 1, 2 or 3) and its CRC.

    Returns:
        the header and the offset where the payload starts.
    """
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise ContainerError("not a .ddm file (bad magic)")
    if len(data) < len(MAGIC) + 1:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes)")
    version = data[len(MAGIC)]
    if version not in READABLE_VERSIONS:
        raise ContainerError(
            f"unsupported .ddm format version {version} (this decoder reads {', '.join(map(str, READABLE_VERSIONS))})"
        )
    fields, crc_at = _read_v1(data) if version == 1 else _read_varint_header(data, version)
    if len(data) < crc_at + _CRC.size:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes, header needs {crc_at + _CRC.size})")
    (crc,) = _CRC.unpack_from(data, crc_at)
    if zlib.crc32(data[:crc_at]) != crc:
        raise ContainerError("corrupted .ddm header (CRC mismatch)")
    flags, order, schedule = fields.pop("flags"), fields.pop("order"), fields.pop("schedule")
    try:
        order_kind, schedule_kind = OrderKind(order), ScheduleKind(schedule)
    except ValueError:
        raise ContainerError(f"unknown order id {order} or schedule id {schedule}") from None
    if fields["model_id"] is not None:
        fields["model_id"] = fields["model_id"].decode("ascii", errors="replace")
    header = Header(
        **fields, order=order_kind, schedule=schedule_kind, version=version,
        calibrated=bool(flags & _FLAG_CALIBRATED), adaptive=bool(flags & _FLAG_ADAPTIVE),
        narrow=bool(flags & _FLAG_NARROW),
    )  # fmt: skip
    return header, crc_at + _CRC.size


def _read_v1(data: bytes) -> tuple[dict, int]:
    if len(data) < _V1_FIXED.size:
        raise ContainerError(f"truncated .ddm file ({len(data)} bytes, header needs at least {_V1_FIXED.size})")
    (_, _, flags, channels, order, schedule, reserved, steps, height, width, seed, id_len) = _V1_FIXED.unpack_from(data)
    if flags & ~(_FLAG_CALIBRATED | _FLAG_ADAPTIVE) or reserved:
        raise ContainerError(f"unknown .ddm header flags {flags:#04x}/{reserved:#04x}")
    tail_at = _V1_FIXED.size + id_len
    reader = _Reader(data, tail_at)
    weights, pixels, _ = _V1_TAIL.unpack(reader.take(_V1_TAIL.size))
    fields = {
        "flags": flags, "channels": channels, "order": order, "schedule": schedule, "steps": steps,
        "height": height, "width": width, "order_seed": seed, "model_id": data[_V1_FIXED.size : tail_at],
        "weights_sha256": weights, "pixel_sha256": pixels,
    }  # fmt: skip
    return fields, reader.at


def _read_varint_header(data: bytes, version: int) -> tuple[dict, int]:
    reader = _Reader(data, len(MAGIC) + 1)
    (flags,) = reader.take(1)
    if flags & (0x80 if version >= 3 else 0xC0):
        raise ContainerError(f"unknown .ddm header flags {flags:#04x}")
    order = flags >> _ORDER_SHIFT & 0x3
    fields = {
        "flags": flags,
        "channels": 3 if flags & _FLAG_COLOUR else 1,
        "order": order,
        "schedule": flags >> _SCHEDULE_SHIFT & 0x1,
        "steps": reader.varint("the step count"),
        "height": reader.varint("the height"),
        "width": reader.varint("the width"),
    }
    fields["order_seed"] = reader.varint("the order seed") if order == OrderKind.RANDOM else 0
    fields["model_id"] = None
    if version == 2:
        (id_len,) = reader.take(1)
        fields["model_id"] = reader.take(id_len)
    fields["weights_sha256"] = reader.take(32)
    fields["pixel_sha256"] = reader.take(PIXEL_HASH_BYTES[version])
    return fields, reader.at


def unpack(data: bytes) -> tuple[Header, bytes]:
    """Parse ``.ddm`` bytes into a checked header and payload."""
    header, start = read_header(data)
    if header.version == 1:
        (payload_len,) = struct.unpack_from("<I", data, start - _CRC.size - 4)
        end = start + payload_len
        if len(data) < end + _CRC.size:
            raise ContainerError(f"truncated .ddm file ({len(data)} bytes, expected {end + _CRC.size})")
        if len(data) > end + _CRC.size:
            raise ContainerError(f"{len(data) - end - _CRC.size} unexpected bytes after the .ddm payload")
    else:
        end = len(data) - _CRC.size
        if end < start:
            raise ContainerError(f"truncated .ddm file ({len(data)} bytes, the payload's CRC is missing)")
    payload = data[start:end]
    (crc,) = _CRC.unpack_from(data, end)
    if zlib.crc32(payload) != crc:
        # formats 2 and 3 store no payload length, so a cut file shows up here
        damage = "corrupted" if header.version == 1 else "corrupted or truncated"
        raise ContainerError(f"{damage} .ddm payload (CRC mismatch)")
    return header, payload
