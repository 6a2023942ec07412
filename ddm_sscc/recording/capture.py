"""``ddm-sscc capture``: samples from a radio, a ZeroMQ stream or the simulator → an annotated SigMF recording."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ddm_sscc.codec.container import read_header
from ddm_sscc.errors import DdmError
from ddm_sscc.recording.annotations import Annotation, annotate_bursts
from ddm_sscc.recording.sigmf_recording import write_recording


@dataclass(frozen=True)
class CaptureResult:
    """What was written: the two files, and what the receiver saw in the samples."""

    meta_path: Path
    data_path: Path
    samples: int
    sample_rate: float
    annotations: tuple[Annotation, ...]
    image_sha256: str | None

    def record(self) -> dict[str, object]:
        ok = [a for a in self.annotations if a.get("ddm_sscc:payload_ok")]
        return {
            "meta": str(self.meta_path),
            "data": str(self.data_path),
            "samples": self.samples,
            "seconds": self.samples / self.sample_rate,
            "bursts": len(self.annotations),
            "bursts_ok": len(ok),
            "sessions": sorted({a.get("ddm_sscc:session_id") for a in self.annotations}),
            "image_sha256": self.image_sha256,
        }


def image_sha256_from_bursts(samples: np.ndarray, sample_rate: float, modem_sample_rate: float = 2e6) -> str | None:
    """The TX image's pixel SHA-256 when a first frame (symbol 0: the ``.ddm`` header) is in the samples intact.

    None when the header stores only a prefix of it (``.ddm`` format 2): the recording's
    ``image_sha256`` is always the full digest.
    """
    from ddm_sscc.recording.reception import receive_samples

    reception = receive_samples(samples, sample_rate, modem_sample_rate=modem_sample_rate)
    for frame in reception.frames:
        if frame.ok and frame.header.symbol_id == 0:
            try:
                header, _ = read_header(frame.payload)
            except DdmError:
                continue  # a header longer than one frame's payload, or not a .ddm stream
            return header.pixel_sha256.hex() if len(header.pixel_sha256) == 32 else None
    return None


def record_capture(
    samples: np.ndarray,
    sample_rate: float,
    path_base: str,
    *,
    frequency: float | None = None,
    hw: str,
    description: str,
    datatype: str = "ci16_le",
    extra_global: dict[str, object] | None = None,
    image_sha256: str | None = None,
    modem_sample_rate: float = 2e6,
    force: bool = False,
) -> CaptureResult:
    """Annotate every burst the receiver finds in ``samples`` and write the SigMF recording.

    ``image_sha256`` (the pixel SHA-256 of the transmitted image) is taken from the samples'
    first frame when not given and the frame is there.
    """
    annotations = annotate_bursts(samples, sample_rate=sample_rate, modem_sample_rate=modem_sample_rate)
    sha = image_sha256 or image_sha256_from_bursts(samples, sample_rate, modem_sample_rate)
    extra = dict(extra_global or {})
    if sha:
        extra["ddm_sscc:image_sha256"] = sha
    meta, data = write_recording(
        path_base,
        samples,
        sample_rate,
        frequency=frequency,
        datatype=datatype,
        hw=hw,
        description=description,
        extra_global=extra,
        annotations=annotations,
        force=force,
    )
    return CaptureResult(meta, data, int(np.asarray(samples).size), float(sample_rate), tuple(annotations), sha)
