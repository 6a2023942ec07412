"""DDM Image Encoder: an image file in, its coded frames out as PDUs (core :mod:`ddm_sscc.link`)."""

from __future__ import annotations

import json
import threading
import time

import pmt
from gnuradio import gr

from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.transfer import check_max_payload, check_repair
from ddm_sscc.link.image_frames import DEFAULT_MAX_PAYLOAD, ImageFrames, encode_image_frames
from ddm_sscc.output_file import write_atomic
from ddm_sscc.phy.mcs import mcs_by_name

from ddm_blocks.frame_pdu import make_pdu


class _Cancelled(Exception):
    """The flowgraph stopped while the image was being coded."""


class image_encoder(gr.basic_block):  # noqa: N801 - GNU Radio block naming
    """Codes an image with the DDM codec when the flowgraph starts and publishes its frames on ``pdus``.

    Coding runs in a thread (seconds for a photograph), then every frame is published as a
    PDU (``Frame.pack()`` bytes; metadata ``session_id``, ``symbol_id``, ``source_symbols``).
    Each frame is one RaptorQ symbol: the ``K`` source frames, then ``⌈repair·K⌉`` repair
    frames, or, with ``carousel``, fresh repair frames until the flowgraph stops.

    Args:
        image: image file (PNG, TIFF, PPM, BMP) or ``builtin:NAME``.
        model: codec model id ("" for the default model).
        steps: denoising steps T; 0 (the default) picks it by image size, as ``encode`` without
            ``--steps`` does (a GNU Radio parameter cannot be None).
        calibration: ``off``, ``offline`` or ``online`` (as ``ddm-sscc encode --calibration``;
            ``ddm-featmlp-compact-v1`` with 16 steps and ``offline`` is the fast setting).
        mcs: payload MCS name, e.g. ``qpsk-1/2``.
        max_payload: payload bytes per frame (rounded down to a multiple of 8: the symbol size).
        repair: repair frames per source frame (0 to 10).
        carousel: after the source frames, send fresh repair frames without end (one-way
            broadcast; needs ``frame_rate``; ``repeat``, ``interval`` and ``repair`` are unused).
        repeat: transmissions of the whole image; 0 repeats forever (needs ``interval`` or ``frame_rate``).
        interval: seconds to wait between transmissions.
        frame_rate: most frames published per second (0: all at once; the TX block queues them).
        stats_path: if set, a JSON file with the session's frames, bytes and bpsp, written before
            sending, and its ``frames_published`` updated at most every second and at the end.
    """

    def __init__(
        self,
        image: str = "builtin:astronaut",
        model: str = "",
        steps: int = 0,
        mcs: str = "qpsk-1/2",
        max_payload: int = DEFAULT_MAX_PAYLOAD,
        repeat: int = 1,
        interval: float = 0.0,
        frame_rate: float = 0.0,
        stats_path: str = "",
        repair: float = 0.0,
        carousel: bool = False,
        calibration: str = "online",
    ) -> None:
        gr.basic_block.__init__(self, name="DDM Image Encoder", in_sig=None, out_sig=None)
        from ddm_sscc.image_io import load_image

        from ddm_sscc.codec import CodecSettings, available_models

        mcs_by_name(mcs)  # refuse settings before the flowgraph starts
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ConfigError(f"steps must be a non-negative integer (0 = by image size), got {steps!r}")
        CodecSettings.for_calibration(calibration, steps=steps or None)
        if model and model not in available_models():
            raise ConfigError(f"model {model!r} is not installed (available: {', '.join(available_models())})")
        check_max_payload(max_payload)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 0:
            raise ConfigError(f"repeat must be a non-negative integer (0 = forever), got {repeat!r}")
        for name, value, high in (("interval", interval, 3600.0), ("frame_rate", frame_rate, 1e6)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
                raise ConfigError(f"{name} must be a number in [0, {high:g}], got {value!r}")  # NaN fails too
        if repeat == 0 and interval == 0 and frame_rate == 0:
            raise ConfigError("repeat=0 (forever) needs an interval or a frame_rate, or it floods the TX queue")
        check_repair(repair)
        if carousel and frame_rate == 0:
            raise ConfigError("carousel needs a frame_rate, or it floods the TX queue")
        load_image(image)  # a missing or unreadable image fails here, not in the thread
        self.image, self.model, self.steps, self.mcs = image, model, steps or None, mcs
        self.calibration = calibration
        self.max_payload, self.repeat = int(max_payload), repeat
        self.interval, self.frame_rate = float(interval), float(frame_rate)
        self.stats_path = stats_path
        self.repair, self.carousel = float(repair), bool(carousel)
        self.coded: ImageFrames | None = None
        self.frames_published = 0
        self._record: dict[str, object] = {}
        self._stats_written = 0.0
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.message_port_register_out(pmt.intern("pdus"))

    def start(self) -> bool:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ddm-image-encoder", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> bool:
        # coding is cancelled at the next denoising step; wait for the thread so that the
        # interpreter never exits while torch still runs in it
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return True

    def _check_stop(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Cancelled

    def _run(self) -> None:
        try:
            t0 = time.monotonic()
            coded = encode_image_frames(
                self.image,
                model=self.model or None,
                steps=self.steps,
                mcs=self.mcs,
                max_payload=self.max_payload,
                progress=self._check_stop,
                repair=0.0 if self.carousel else self.repair,
                calibration=self.calibration,
            )
        except _Cancelled:
            self.finished.set()
            return
        except DdmError as exc:
            self.logger.error(f"{self.image}: {exc}")
            self.finished.set()
            return
        self.coded = coded
        self.logger.info(
            f"{self.image}: {len(coded.ddm)} bytes, {coded.bpsp:.4f} bpsp, {len(coded.frames)} frames "
            f"({coded.mcs.name}), session 0x{coded.session_id:08x}, coded in {time.monotonic() - t0:.1f} s"
        )
        self._record = coded.record() | {"image": self.image, "repeat": self.repeat, "carousel": self.carousel}
        self._write_stats(force=True)
        if self.carousel:
            self._send(coded.carousel())
        else:
            rounds = 0
            while not self._stop.is_set() and (self.repeat == 0 or rounds < self.repeat):
                if rounds and self.interval:
                    self._stop.wait(self.interval)
                self._send(iter(coded.frames))
                rounds += 1
        self._write_stats(force=True)
        self.finished.set()

    def _send(self, frames) -> None:
        """Publish ``frames`` (an iterator of :class:`Frame`) until it ends or the flowgraph stops."""
        for frame in frames:
            if self._stop.is_set():
                return
            self._publish(frame)
            if self.frame_rate:
                self._stop.wait(1.0 / self.frame_rate)
            self._write_stats()

    def _publish(self, frame: Frame) -> None:
        h = frame.header
        meta = {"session_id": h.session_id, "symbol_id": h.symbol_id, "source_symbols": h.source_symbols}
        self.message_port_pub(pmt.intern("pdus"), make_pdu(frame.pack(), meta))
        self.frames_published += 1

    def _write_stats(self, force: bool = False) -> None:
        """The stats file with the current ``frames_published``: at most once a second unless ``force``."""
        now = time.monotonic()
        if not self.stats_path or (not force and now - self._stats_written < 1.0):
            return
        self._stats_written = now
        record = self._record | {"frames_published": self.frames_published}
        write_atomic(self.stats_path, json.dumps(record).encode(), force=True)
