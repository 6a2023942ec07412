"""Transmit side of an image session: image → ``.ddm`` stream → numbered link frames."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from ddm_sscc.codec.container import Header, read_header
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import MAX_PAYLOAD, Frame, split_stream
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
        frames: the stream cut into frames ``seq = 0 .. total-1``.
        session_id: the frames' session id.
        mcs: the payload MCS every frame carries.
    """

    ddm: bytes
    header: Header
    frames: tuple[Frame, ...]
    session_id: int
    mcs: Mcs

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
        fmt = burst_format or BurstFormat()
        return sum(fmt.burst_len(self.mcs, f.header.payload_len) for f in self.frames)

    def record(self) -> dict[str, object]:
        """Plain values for a stats file: what the receiving side needs to judge the transfer."""
        return {
            "session_id": self.session_id,
            "frames": len(self.frames),
            "bytes": len(self.ddm),
            "subpixels": self.subpixels,
            "bpsp": self.bpsp,
            "mcs": self.mcs.name,
            "payload_lengths": [f.header.payload_len for f in self.frames],
            "pixel_sha256": self.header.pixel_sha256.hex(),
            "model_id": self.header.model_id,
        }


def frames_from_ddm(
    ddm: bytes, mcs: str | Mcs = "qpsk-1/2", max_payload: int = DEFAULT_MAX_PAYLOAD, session_id: int | None = None
) -> ImageFrames:
    """Cut an existing ``.ddm`` stream into frames (its header is checked first)."""
    mcs = mcs if isinstance(mcs, Mcs) else mcs_by_name(mcs)
    if isinstance(max_payload, bool) or not isinstance(max_payload, int) or not 1 <= max_payload <= MAX_PAYLOAD:
        raise ConfigError(f"max_payload must be an integer in 1..{MAX_PAYLOAD}, got {max_payload!r}")
    ddm = bytes(ddm)
    header, _ = read_header(ddm)
    sid = session_id_for(ddm) if session_id is None else session_id
    if isinstance(sid, bool) or not isinstance(sid, int) or not 0 <= sid < 1 << 32:
        raise ConfigError(f"session_id must be an integer in 0..2^32-1, got {sid!r}")
    frames = tuple(split_stream(ddm, sid, mcs.id, max_payload))
    return ImageFrames(ddm=ddm, header=header, frames=frames, session_id=sid, mcs=mcs)


def encode_image_frames(
    image: str,
    *,
    model: str | None = None,
    steps: int = 16,
    mcs: str | Mcs = "qpsk-1/2",
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    session_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImageFrames:
    """Load ``image`` (a path or ``builtin:NAME``), code it with the DDM codec and frame the stream.

    ``model`` is a zoo id (None: the default model); ``steps`` the denoising steps;
    ``progress(done, total)`` is called after every step (an exception it raises aborts coding).
    """
    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.image_io import load_image

    mcs = mcs if isinstance(mcs, Mcs) else mcs_by_name(mcs)  # refuse a bad MCS before coding for seconds
    loaded = load_image(image)
    codec = load_codec(model or None)
    ddm = codec.encode(loaded.pixels, CodecSettings(steps=steps), progress)
    return frames_from_ddm(ddm, mcs, max_payload, session_id)
