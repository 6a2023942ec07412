"""Receive side of an image session: RaptorQ frames in any order, with losses → the verified image."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ddm_sscc.codec.container import Header, read_header
from ddm_sscc.codec.engine import DEFAULT_MAX_PIXELS, check_pixel_limit
from ddm_sscc.fec.framing import Frame, FrameHeader
from ddm_sscc.fec.reassembly import ReassemblyReport, Reassembler
from ddm_sscc.phy.ofdm.receiver import RxFrame


@dataclass(frozen=True)
class ReceivedImage:
    """A session decoded and checked against the encoder's pixel SHA-256.

    Attributes:
        session_id: the frames' session id.
        pixels: uint8 ``(H, W, C)``.
        header: the ``.ddm`` header (``pixel_sha256`` is what was verified).
        stream_bytes: length of the reassembled ``.ddm`` stream.
        report: the reassembly statistics when the session completed.
        seconds: from the session's first frame to the end of decoding.
    """

    session_id: int
    pixels: np.ndarray
    header: Header
    stream_bytes: int
    report: ReassemblyReport
    seconds: float

    @property
    def bpsp(self) -> float:
        return 8 * self.stream_bytes / self.header.subpixels


class ImageAssembler:
    """Collects frames of one or more image sessions and decodes each once it is complete.

    ``add`` and ``add_lost`` are cheap; :meth:`decode` runs the codec (seconds) and
    raises :class:`~ddm_sscc.errors.CodecError` (``IntegrityError`` on a pixel SHA-256
    mismatch) rather than return a wrong image.

    Args:
        clock: time source for the seconds a session took.
        max_pixels: sessions whose header describes a larger image are refused before decoding
            (:class:`~ddm_sscc.errors.ImageTooLargeError`).
    """

    def __init__(self, clock=time.monotonic, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.reassembler = Reassembler()
        self.max_pixels = max_pixels
        self._clock = clock
        self._first_seen: dict[int, float] = {}

    def _seen(self, session_id: int) -> None:
        self._first_seen.setdefault(session_id, self._clock())

    def add(self, frame: Frame) -> bool:
        """Store a good frame; True when this frame made its stream decodable (once per session)."""
        self._seen(frame.header.session_id)
        outcome = self.reassembler.add(frame)
        return outcome == "new" and self.reassembler.complete(frame.header.session_id)

    def add_lost(self, header: FrameHeader | None) -> None:
        """Record a frame whose payload (or, with None, whose header) failed its CRC."""
        if header is not None:
            self._seen(header.session_id)
        self.reassembler.add_corrupted(header)

    def add_received(self, frame: RxFrame) -> bool:
        """Store what the OFDM receiver delivered: an intact payload with :meth:`add`, else :meth:`add_lost`.

        Returns what :meth:`add` returns (False for a lost payload).
        """
        if frame.ok:
            return self.add(Frame(frame.header, frame.payload))
        self.add_lost(frame.header)
        return False

    def report(self, session_id: int) -> ReassemblyReport:
        return self.reassembler.report(session_id)

    def stream(self, session_id: int) -> bytes:
        """The rebuilt ``.ddm`` bytes (:class:`FrameError` if too few symbols arrived)."""
        return self.reassembler.data(session_id)

    def decode(self, session_id: int, progress: Callable[[int, int], None] | None = None) -> ReceivedImage:
        """Decode a complete session with the installed model its header's weights hash names, verifying the pixel SHA-256.

        ``progress(done, total)`` is called after every step (an exception it raises aborts decoding).
        """
        from ddm_sscc.codec.zoo import codec_for_header

        data = self.stream(session_id)
        header, _ = read_header(data)
        check_pixel_limit(header, self.max_pixels)
        codec = codec_for_header(header)
        pixels = codec.decode(data, progress, self.max_pixels)
        seconds = self._clock() - self._first_seen.get(session_id, self._clock())
        return ReceivedImage(
            session_id=session_id,
            pixels=pixels,
            header=header,
            stream_bytes=len(data),
            report=self.reassembler.report(session_id),
            seconds=seconds,
        )
