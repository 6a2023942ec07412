"""Replaying a SigMF recording: receive its bursts, reassemble and decode the image, summarise as ``link`` does.

The recording is read (:func:`~ddm_sscc.recording.sigmf_recording.read_recording`),
resampled to the modem rate when its rate differs (:mod:`ddm_sscc.recording.rate`),
pushed through one :class:`~ddm_sscc.phy.ofdm.receiver.OfdmReceiver` in chunks, and its
frames go to an :class:`~ddm_sscc.link.image_assembly.ImageAssembler`.  The first session
to complete is decoded (with several sessions; if none completes, the one with the most
frames is reported); the image is written only if its pixels match the encoder's
SHA-256, atomically and never over an existing file without ``force``.

The :class:`~ddm_sscc.link.summary.LinkSummary` is the one ``ddm-sscc link`` prints:

* ``frames_sent`` is the number of distinct symbols of the session whose header was
  decoded (or the metadata's ``ddm_sscc:source`` frame count, if larger), ``frames_received``
  the distinct symbols received intact, ``frames_lost`` the difference, ``frames_needed``
  how many intact symbols the stream needed, ``transmissions`` the most times any symbol was seen;
* ``snr_db`` is the channel SNR only when the recording's metadata records it
  (``ddm_sscc:settings`` → ``channel`` → ``snr_db``, which simulated captures carry);
  otherwise None, since a radio recording's SNR is unknown.  ``snr_unified_db`` follows
  from it (None with it).  The receiver's mean SNR estimate (per used carrier, after the
  FFT) is always in ``extra["rx_snr_estimate_db"]``, and ``extra["snr_source"]`` says
  ``"metadata"`` or None;
* ``bpsp`` and ``subpixels`` come from the received session when it is complete, else
  from ``ddm_sscc:source`` in the metadata when present, else 0; ``n_channel_uses`` sums
  the bursts of every symbol seen, or is the metadata's when that is larger (bursts whose
  header was lost are not seen).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping

from ddm_sscc.channel.snr import unified_snr_db
from ddm_sscc.codec.container import read_header
from ddm_sscc.codec.engine import DEFAULT_MAX_PIXELS
from ddm_sscc.codec.tokens import pixel_sha256
from ddm_sscc.errors import DdmError
from ddm_sscc.link.image_assembly import ImageAssembler, ReceivedImage
from ddm_sscc.link.summary import LinkSummary
from ddm_sscc.output_file import check_output
from ddm_sscc.phy.mcs import mcs_by_id
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver, RxFrame
from ddm_sscc.recording.annotations import NAMESPACE
from ddm_sscc.recording.reception import DEFAULT_CHUNK, receive_samples
from ddm_sscc.recording.sigmf_recording import read_recording

SOURCE_KEY = f"{NAMESPACE}:source"
"""Global key of what the transmitter knew: ``bpsp``, ``subpixels``, ``frames``, ``n_channel_uses``."""


def replay_recording(
    meta_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    force: bool = False,
    modem_sample_rate: float = 2e6,
    *,
    receiver_factory: Callable[[], OfdmReceiver] | None = None,
    chunk: int = DEFAULT_CHUNK,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> LinkSummary:
    """Receive the image in the recording ``meta_path`` and write it to ``output`` if it is bit-exact.

    Args:
        meta_path: ``NAME``, ``NAME.sigmf-meta`` or ``NAME.sigmf-data``.
        output: image file (.png, .tif, .ppm/.pgm, .bmp), written only when exact.
        force: replace an existing ``output``.
        modem_sample_rate: the OFDM modem's rate (Hz); the recording is resampled to it.
        receiver_factory: builds the receiver (default: the default modem's).
        chunk: samples per ``push``.
        max_pixels: an image whose header describes more pixels is refused before decoding.

    Raises:
        OutputExistsError / OutputError: ``output`` exists (without ``force``) or cannot be written.
        ImageError: ``output`` is not a lossless image format.
        RecordingError: the recording cannot be read.
    """
    from ddm_sscc.image_io import output_format, save_image

    started = time.monotonic()
    check_output(output, force)
    output_format(output)
    recording = read_recording(meta_path)
    reception = receive_samples(
        recording.samples,
        recording.sample_rate,
        modem_sample_rate=modem_sample_rate,
        receiver_factory=receiver_factory,
        chunk=chunk,
    )
    assembler = ImageAssembler(max_pixels=max_pixels)
    first_complete: int | None = None
    seen: dict[int, list[RxFrame]] = {}
    for frame in reception.frames:
        sid = frame.header.session_id
        seen.setdefault(sid, []).append(frame)
        if assembler.add_received(frame) and first_complete is None:
            first_complete = sid

    settings = recording.settings
    channel_settings = settings.get("channel") if isinstance(settings.get("channel"), Mapping) else {}
    recorded_snr = channel_settings.get("snr_db") if isinstance(channel_settings, Mapping) else None
    snr_db = float(recorded_snr) if isinstance(recorded_snr, (int, float)) and math.isfinite(recorded_snr) else None
    source = recording.global_info.get(SOURCE_KEY)
    source = source if isinstance(source, Mapping) else {}
    extra: dict[str, object] = {
        "recording": str(recording.meta_path),
        "sample_rate": recording.sample_rate,
        "modem_sample_rate": float(modem_sample_rate),
        "resample": f"{reception.conversion.up}/{reception.conversion.down}",
        "resample_error_ppm": reception.conversion.error_ppm,
        "bursts_detected": len(reception.frames),
        "sessions": len(seen),
        "snr_source": "metadata" if snr_db is not None else None,
    }

    if not seen:
        frames_sent = int(source.get("frames", 0))
        k = int(source.get("source_symbols", frames_sent))  # (a recording of frame format 2 names K)
        return LinkSummary(
            exact=False,
            frames_sent=frames_sent,
            frames_received=0,
            frames_lost=frames_sent,
            bpsp=float(source.get("bpsp", 0.0)),
            snr_db=snr_db,
            snr_unified_db=None,
            seconds=time.monotonic() - started,
            channel="recording",
            source_symbols=k,
            repair=float(source.get("repair", 0.0)),
            missing=tuple(range(k)),
            error="no burst header decoded in the recording",
            extra=extra | {"rx_snr_estimate_db": None, "rx_cfo_estimate_hz": None},
        )

    if first_complete is not None:
        sid = first_complete
    else:  # the session with the most intact frames; the first seen on a tie
        sid = max(seen, key=lambda s: (assembler.report(s).received, -list(seen).index(s)))
    frames = seen[sid]
    report = assembler.report(sid)
    mcs = mcs_by_id(frames[0].header.mcs)
    lengths = {f.header.symbol_id: f.header.payload_len for f in frames}
    counts: dict[int, int] = {}
    for f in frames:
        counts[f.header.symbol_id] = counts.get(f.header.symbol_id, 0) + 1

    image: ReceivedImage | None = None
    error: str | None = None
    bpsp = float(source.get("bpsp", 0.0))
    subpixels = int(source.get("subpixels", 0))
    if report.complete:
        stream = assembler.stream(sid)
        try:
            header, _ = read_header(stream)
            subpixels = header.subpixels
            bpsp = 8 * len(stream) / subpixels
            image = assembler.decode(sid)
        except DdmError as exc:
            error = str(exc)
    else:
        error = f"{report.received} intact symbols of K={report.source_symbols}: too few to rebuild the stream"
    n_cu = max(sum(reception.format.burst_len(mcs, n) for n in lengths.values()), int(source.get("n_channel_uses", 0)))
    frames_sent = max(len(lengths), int(source.get("frames", 0)))
    unified = unified_snr_db(snr_db, n_cu, subpixels) if snr_db is not None and n_cu and subpixels else None

    written: str | None = None
    if image is not None:
        save_image(output, image.pixels, force=force)
        written = str(output)
        recorded_sha = recording.global_info.get(f"{NAMESPACE}:image_sha256")
        extra["image_sha256"] = pixel_sha256(image.pixels).hex()
        extra["metadata_sha256_match"] = None if recorded_sha is None else recorded_sha == extra["image_sha256"]
    estimates = [f.snr_db for f in frames if math.isfinite(f.snr_db)]
    cfos = [f.cfo_hz for f in frames if math.isfinite(f.cfo_hz)]
    extra |= {
        "session_id": sid,
        "frames_corrupted": report.corrupted,
        "duplicates": report.duplicates,
        "rx_snr_estimate_db": sum(estimates) / len(estimates) if estimates else None,
        "rx_cfo_estimate_hz": sum(cfos) / len(cfos) if cfos else None,
    }
    return LinkSummary(
        exact=image is not None,
        frames_sent=frames_sent,
        frames_received=report.received,
        frames_lost=frames_sent - report.received,
        bpsp=bpsp,
        snr_db=snr_db,
        snr_unified_db=unified,
        seconds=time.monotonic() - started,
        channel="recording",
        mcs=mcs.name,
        n_channel_uses=n_cu,
        subpixels=subpixels,
        transmissions=max(counts.values()),
        source_symbols=report.source_symbols,
        repair=float(source.get("repair", 0.0)),
        frames_needed=report.needed,
        missing=report.missing,
        output=written,
        error=None if image is not None else error,
        extra=extra,
    )
