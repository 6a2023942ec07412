"""Transmit side of an image session: image → ``.ddm`` stream → RaptorQ-coded link frames."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ddm_sscc.codec.container import Header, read_header
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.transfer import TransferEncoder, check_max_payload, check_repair, symbol_size_for_payload
from ddm_sscc.phy.mcs import Mcs, mcs_by_name
from ddm_sscc.phy.ofdm.burst_format import BurstFormat

DEFAULT_MAX_PAYLOAD = 1024
"""Payload bytes per frame: 8 or 9 LDPC codewords at QPSK-1/2, a burst of about 8k samples."""


def session_id_for(ddm: bytes) -> int:
    """The session id of a ``.ddm`` stream: the first 32 bits of its SHA-256 (so a resend keeps its id)."""
    return int.from_bytes(hashlib.sha256(ddm).digest()[:4], "big")


@dataclass(frozen=True)
class ImageFrames:
    """One image ready for the link.

    Attributes:
        ddm: the coded ``.ddm`` stream (header included).
        header: its parsed codec header (image size, model, pixel SHA-256).
        frames: the ``K`` source frames, then the repair frames (``⌈repair·K⌉``).
        session_id: the frames' transmission id.
        mcs: the payload MCS every frame carries.
        repair: repair symbols per source symbol.
        transfer: the RaptorQ encoder (:meth:`carousel` draws fresh repair frames from it).
    """

    ddm: bytes
    header: Header
    frames: tuple[Frame, ...]
    session_id: int
    mcs: Mcs
    repair: float
    transfer: TransferEncoder

    @property
    def source_symbols(self) -> int:
        """``K``: the fewest frames that can rebuild the stream."""
        return self.transfer.source_symbols

    def carousel(self) -> Iterator[Frame]:
        """The source frames, then fresh repair frames without end (one-way broadcast)."""
        return self.transfer.carousel()

    @property
    def subpixels(self) -> int:
        """``N_sp = H·W·C``: the source sub-pixels of the unified-SNR convention."""
        return self.header.subpixels

    @property
    def bpsp(self) -> float:
        """Bits per sub-pixel of the ``.ddm`` stream, header included."""
        return 8 * len(self.ddm) / self.header.subpixels

    def channel_uses(self, burst_format: BurstFormat | None = None) -> int:
        """``n_cu``: complex samples of all bursts of one transmission (preambles, CP, pilots, headers included)."""
        return channel_uses_sent(self.record(), len(self.frames), burst_format)

    def record(self) -> dict[str, object]:
        """Plain values for a stats file: what the receiving side needs to judge the transfer."""
        from ddm_sscc.codec.zoo import model_name  # lazy: torch
        return {
            "session_id": self.session_id,
            "frames": len(self.frames),
            "source_symbols": self.source_symbols,
            "symbol_size": self.transfer.symbol_size,
            "repair": self.repair,
            "bytes": len(self.ddm),
            "subpixels": self.subpixels,
            "bpsp": self.bpsp,
            "mcs": self.mcs.name,
            "payload_lengths": [f.header.payload_len for f in self.frames],
            "pixel_sha256": self.header.pixel_sha256.hex(),
            "model_id": model_name(self.header),
        }


def channel_uses_sent(record: dict, frames_sent: int, burst_format: BurstFormat | None = None) -> int:
    """``n_cu`` of the first ``frames_sent`` frames a transmitter with this :meth:`ImageFrames.record` sent.

    Frames go out in the record's order, again from the start for a repeat; a carousel
    sends its source frames, then full-size repair frames without end.
    """
    fmt = burst_format or BurstFormat()
    mcs = mcs_by_name(str(record["mcs"]))
    lengths = [fmt.burst_len(mcs, int(n)) for n in record["payload_lengths"]]  # type: ignore[union-attr]
    if record.get("carousel"):
        full = fmt.burst_len(mcs, int(record["symbol_size"]))  # type: ignore[arg-type]
        return sum(lengths[:frames_sent]) + max(0, frames_sent - len(lengths)) * full
    rounds, rest = divmod(frames_sent, len(lengths))
    return rounds * sum(lengths) + sum(lengths[:rest])


def frames_from_ddm(
    ddm: bytes,
    mcs: str | Mcs = "qpsk-1/2",
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    session_id: int | None = None,
    repair: float = 0.0,
) -> ImageFrames:
    """Code an existing ``.ddm`` stream into frames (its header is checked first).

    ``max_payload`` rounded down to a multiple of 8 is the RaptorQ symbol size; ``repair``
    the repair symbols sent after the source symbols, per source symbol (0: none, today's link).
    """
    mcs = mcs if isinstance(mcs, Mcs) else mcs_by_name(mcs)
    max_payload = check_max_payload(max_payload)
    repair = check_repair(repair)
    ddm = bytes(ddm)
    header, _ = read_header(ddm)
    sid = session_id_for(ddm) if session_id is None else session_id
    if isinstance(sid, bool) or not isinstance(sid, int) or not 0 <= sid < 1 << 32:
        raise ConfigError(f"session_id must be an integer in 0..2^32-1, got {sid!r}")
    transfer = TransferEncoder(ddm, sid, mcs.id, symbol_size_for_payload(max_payload))
    frames = tuple(transfer.frames(repair))
    return ImageFrames(ddm=ddm, header=header, frames=frames, session_id=sid, mcs=mcs, repair=repair, transfer=transfer)


def encode_image_frames(
    image: str,
    *,
    model: str | None = None,
    steps: int | None = None,
    mcs: str | Mcs = "qpsk-1/2",
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    session_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    repair: float = 0.0,
    calibration: str = "online",
) -> ImageFrames:
    """Load ``image`` (a path or ``builtin:NAME``), code it with the DDM codec and frame the stream.

    ``model`` is a zoo id (None: the default model); ``steps`` the denoising steps;
    ``calibration`` ``off``, ``offline`` or ``online`` (as ``encode --calibration``);
    ``progress(done, total)`` is called after every step (an exception it raises aborts coding).
    """
    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.image_io import load_image

    mcs = mcs if isinstance(mcs, Mcs) else mcs_by_name(mcs)  # refuse a bad MCS before coding for seconds
    check_repair(repair)
    settings = CodecSettings.for_calibration(calibration, steps=steps)
    loaded = load_image(image)
    codec = load_codec(model or None)
    ddm = codec.encode(loaded.pixels, settings, progress)
    return frames_from_ddm(ddm, mcs, max_payload, session_id, repair)
