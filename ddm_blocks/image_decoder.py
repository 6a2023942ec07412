"""DDM Image Decoder: frame PDUs in, the verified image file out, stats as messages."""

from __future__ import annotations

import json
import threading
import time

import pmt
from gnuradio import gr

from ddm_sscc.codec.engine import DEFAULT_MAX_PIXELS
from ddm_sscc.errors import DdmError, OutputExistsError
from ddm_sscc.fec.framing import HEADER_LEN, Frame, FrameHeader
from ddm_sscc.link.image_assembly import ImageAssembler
from ddm_sscc.output_file import write_atomic

from ddm_blocks.frame_pdu import split_pdu

STATS_FILE_INTERVAL = 0.2
"""Seconds between writes of ``stats_path`` (a finished decode writes at once)."""


class _Cancelled(Exception):
    """The flowgraph stopped while an image was being decoded."""


class image_decoder(gr.basic_block):  # noqa: N801 - GNU Radio block naming
    """Rebuilds an image session from its RaptorQ frames and writes the image once it is exact.

    A session is decoded as soon as the frames that arrived (any ``K`` or a few more of
    them) rebuild its stream; the image is written only if the decoded pixels match the
    encoder's SHA-256 (a wrong image is never written).  After every frame a stats dict is
    published on ``stats``: ``session_id``, ``source_symbols`` (K), ``frames_received``,
    ``frames_needed``, ``frames_lost`` (frames reported with a failed payload),
    ``missing`` (source symbols not received), ``duplicates``, ``conflicts``, ``complete``,
    ``done``, ``exact``, ``bpsp``, ``seconds``, ``output``, ``error``, ``snr_db`` (mean
    receiver estimate), ``cfo_hz`` (mean).

    Args:
        output: image file to write (.png, .tif, .ppm, .bmp).  With ``{session}`` in the name,
            every session gets its own file; otherwise only the first completed session is written.
        overwrite: replace an existing output file.
        stats_path: if set, the latest stats are also kept in this JSON file: written at most
            every ``STATS_FILE_INTERVAL`` s, and never more than that behind the last frame.
        finish_on_stop: when the flowgraph stops, let a decode in progress finish (and write
            the image) instead of cancelling it.  For finite inputs such as a file replay,
            whose stream, and so the flowgraph, ends right after the last frame arrives.
    """

    def __init__(
        self, output: str = "received.png", overwrite: bool = False, stats_path: str = "", finish_on_stop: bool = False,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        gr.basic_block.__init__(self, name="DDM Image Decoder", in_sig=None, out_sig=None)
        from ddm_sscc.image_io import output_format

        output_format(output.replace("{session}", "x"))  # refuse an unknown suffix up front
        self.output = output
        self.overwrite = bool(overwrite)
        self.stats_path = stats_path
        self.finish_on_stop = bool(finish_on_stop)
        if not isinstance(max_pixels, int) or isinstance(max_pixels, bool) or max_pixels < 1:
            raise DdmError(f"max_pixels must be a positive integer, got {max_pixels!r}")
        self.assembler = ImageAssembler(max_pixels=max_pixels)
        self._lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._session: int | None = None  # the session the stats describe: the first one seen
        self._results: dict[int, dict[str, object]] = {}
        self._decoding: set[int] = set()
        self._snr: list[float] = []
        self._cfo: list[float] = []
        self._malformed = 0
        self._last_write = 0.0
        self._flush_timer: threading.Timer | None = None
        self.done = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("stats"))
        self.set_msg_handler(pmt.intern("pdus"), self._on_pdu)

    # ---- frames -----------------------------------------------------------------
    def _on_pdu(self, msg: pmt.pmt_t) -> None:
        try:
            meta, data = split_pdu(msg)
            if meta.get("payload_ok", True):
                frame = Frame.unpack(data)
                header = frame.header
            else:
                frame, header = None, FrameHeader.unpack(data[:HEADER_LEN])
        except DdmError as exc:
            self._malformed += 1
            self.logger.warn(f"dropped a malformed frame PDU: {exc}")
            return
        with self._lock:
            if self._session is None:
                self._session = header.session_id
            if isinstance(meta.get("snr_db"), (int, float)):
                self._snr.append(float(meta["snr_db"]))
            if isinstance(meta.get("cfo_hz"), (int, float)):
                self._cfo.append(float(meta["cfo_hz"]))
            if frame is None:
                self.assembler.add_lost(header)
                completed = False
            else:
                completed = self.assembler.add(frame)
            sid = header.session_id
            if completed and sid not in self._decoding and self._wanted(sid):
                self._decoding.add(sid)
                worker = threading.Thread(target=self._decode, args=(sid,), name="ddm-image-decoder", daemon=True)
                self._threads.append(worker)
                worker.start()
        self._publish(force=completed)

    def stop(self) -> bool:
        # when the stream ends, GNU Radio 3.10 handles every queued PDU before it calls stop(),
        # so the decode the last frame started is in self._threads by now
        if self.finish_on_stop:
            for worker in list(self._threads):
                worker.join()  # no timeout: the decode runs to its end and writes the image
        # otherwise decoding is cancelled at the next denoising step; wait so the interpreter
        # never exits while torch still runs in the thread
        self._stop.set()
        for worker in self._threads:
            worker.join(timeout=30)
        self._flush()  # the file ends with the last frame's stats, whatever the throttle held back
        return True

    def _check_stop(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise _Cancelled

    def _wanted(self, sid: int) -> bool:
        return "{session}" in self.output or not self._results and len(self._decoding) == 0

    def _path(self, sid: int) -> str:
        return self.output.replace("{session}", f"{sid:08x}")

    def _decode(self, sid: int) -> None:
        from ddm_sscc.image_io import save_image

        result: dict[str, object]
        try:
            image = self.assembler.decode(sid, self._check_stop)
            path = self._path(sid)
            save_image(path, image.pixels, force=self.overwrite)
            result = {
                "exact": True,
                "output": path,
                "bpsp": image.bpsp,
                "seconds": image.seconds,
                "pixel_sha256": image.header.pixel_sha256.hex(),
                "error": None,
            }
            self.logger.info(f"session 0x{sid:08x}: image verified and written to {path} ({image.bpsp:.4f} bpsp)")
        except _Cancelled:
            return
        except OutputExistsError:
            path = self._path(sid)
            result = {"exact": False, "output": None, "error": f"{path} exists; set overwrite to replace it"}
            self.logger.error(f"session 0x{sid:08x}: {result['error']}")
        except DdmError as exc:
            result = {"exact": False, "output": None, "error": str(exc)}
            self.logger.error(f"session 0x{sid:08x}: {exc}")
        with self._lock:
            self._results[sid] = result
        self._publish(force=True)
        if sid == self._session:
            self.done.set()

    # ---- stats --------------------------------------------------------------------
    def stats(self) -> dict[str, object]:
        """The current stats of the first session seen (see the class docstring)."""
        with self._lock:
            sid = self._session
            out: dict[str, object] = {"session_id": sid, "malformed": self._malformed}
            if sid is None:
                return out | {"done": False, "frames_received": 0, "frames_lost": 0}
            rep = self.assembler.report(sid)
            result = self._results.get(sid, {})
            out |= {
                "source_symbols": rep.source_symbols,
                "frames_received": rep.received,
                "frames_needed": rep.needed,
                "frames_lost": rep.corrupted,
                "missing": list(rep.missing[:64]),
                "duplicates": rep.duplicates,
                "conflicts": rep.conflicts,
                "complete": rep.complete,
                "unattributed_lost": self.assembler.reassembler.unattributed_corrupted,
                "done": sid in self._results,
                "exact": bool(result.get("exact", False)),
                "snr_db": sum(self._snr) / len(self._snr) if self._snr else None,
                "cfo_hz": sum(self._cfo) / len(self._cfo) if self._cfo else None,
            }
            return out | {k: v for k, v in result.items() if k != "exact"}

    def _publish(self, force: bool = False) -> None:
        # one publisher at a time: the handler and the decode thread must not reorder stats
        with self._publish_lock:
            stats = self.stats()
            self.message_port_pub(pmt.intern("stats"), pmt.to_pmt({k: v for k, v in stats.items() if v is not None}))
            if not self.stats_path:
                return
            wait = self._last_write + STATS_FILE_INTERVAL - time.monotonic()
            if force or wait <= 0:
                self._write_stats(stats)
            elif self._flush_timer is None:
                # throttled: still write the latest stats once the interval is over.  A driver
                # reads the file to count lost frames when frames stop arriving, so it must not
                # stay at an earlier frame (it did: a 2-frame image whose second payload failed
                # within 0.2 s of the first was reported with both frames lost).
                self._flush_timer = threading.Timer(wait, self._flush)
                self._flush_timer.daemon = True
                self._flush_timer.start()

    def _write_stats(self, stats: dict[str, object]) -> None:
        self._last_write = time.monotonic()
        write_atomic(self.stats_path, json.dumps(stats).encode(), force=True)

    def _flush(self) -> None:
        """Write the current stats to ``stats_path`` now (the throttle's trailing edge, and at stop)."""
        with self._publish_lock:
            if self._flush_timer is not None:
                self._flush_timer.cancel()
                self._flush_timer = None
            if self.stats_path:
                self._write_stats(self.stats())
