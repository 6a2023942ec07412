"""SigMF annotations of a recording: one per received burst, with the frame it carried.

An :class:`Annotation` is one entry of a SigMF ``annotations`` list: ``core:sample_start``,
``core:sample_count``, ``core:label``, ``core:comment`` and any namespaced fields.  The
bursts of a recording are annotated (:func:`annotate_bursts`) with

==========================  =======================================================
``core:sample_start``       first sample of the burst's STF (recording samples)
``core:sample_count``       burst length, preamble to last payload sample
                            (``BurstFormat.burst_len`` at the modem rate, scaled to
                            the recording's rate)
``core:label``              ``"ddm symbol I (source, K=…)"`` or ``(repair, …)``; `` lost``
                            appended if the payload failed
``ddm_sscc:session_id``     the frame header's transmission id (int)
``ddm_sscc:symbol_id``      the frame's RaptorQ symbol id (int)
``ddm_sscc:source_symbols`` the transfer's source symbol count K (int)
``ddm_sscc:cfo_hz``         the receiver's CFO estimate (Hz)
``ddm_sscc:snr_db``         the receiver's SNR estimate per used carrier (dB)
``ddm_sscc:payload_ok``     whether the payload passed its CRC-32 (bool)
==========================  =======================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ddm_sscc.errors import RecordingError
from ddm_sscc.phy.mcs import mcs_by_id
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver, RxFrame
from ddm_sscc.recording.reception import receive_samples

NAMESPACE = "ddm_sscc"
_CORE = ("core:sample_start", "core:sample_count", "core:label", "core:comment")


@dataclass(frozen=True)
class Annotation:
    """One SigMF annotation.

    Attributes:
        sample_start: first sample it applies to (recording samples, ≥ 0).
        sample_count: samples it covers, or None (to the end of the recording).
        label: short text (``core:label``), or None.
        comment: free text (``core:comment``), or None.
        fields: the other fields (``"ns:key"`` → JSON value), e.g. ``"ddm_sscc:symbol_id"`` or
            ``"core:freq_lower_edge"``.
    """

    sample_start: int
    sample_count: int | None = None
    label: str | None = None
    comment: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("sample_start", "sample_count"):
            value = getattr(self, name)
            if value is None and name == "sample_count":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise RecordingError(f"annotation {name} must be a non-negative integer, got {value!r}")
        for key in self.fields:
            if not isinstance(key, str) or key in _CORE:
                raise RecordingError(f"annotation field {key!r} must be a string key other than {', '.join(_CORE)}")

    def get(self, key: str, default: object = None) -> object:
        """A namespaced field, e.g. ``get("ddm_sscc:symbol_id")``."""
        return self.fields.get(key, default)

    def to_sigmf(self) -> dict[str, object]:
        """The SigMF annotation object (a plain dict)."""
        out: dict[str, object] = {"core:sample_start": int(self.sample_start)}
        if self.sample_count is not None:
            out["core:sample_count"] = int(self.sample_count)
        if self.label is not None:
            out["core:label"] = self.label
        if self.comment is not None:
            out["core:comment"] = self.comment
        out.update(self.fields)
        return out

    @classmethod
    def from_sigmf(cls, data: Mapping[str, object]) -> Annotation:
        """From a SigMF annotation object; other keys (frequency edges, extensions) go to ``fields``."""
        label, comment = data.get("core:label"), data.get("core:comment")
        return cls(
            sample_start=data.get("core:sample_start"),  # type: ignore[arg-type]
            sample_count=data.get("core:sample_count"),  # type: ignore[arg-type]
            label=label if isinstance(label, str) else None,
            comment=comment if isinstance(comment, str) else None,
            fields={k: v for k, v in data.items() if k not in _CORE},
        )


def burst_annotation(frame: RxFrame, burst_len: int, *, start: int | None = None) -> Annotation:
    """The annotation of one received burst (module docstring); ``start``/``burst_len`` in recording samples."""
    h = frame.header
    kind = "repair" if h.is_repair else "source"
    label = f"ddm symbol {h.symbol_id} ({kind}, K={h.source_symbols})" + ("" if frame.ok else " lost")
    return Annotation(
        sample_start=int(frame.start if start is None else start),
        sample_count=int(burst_len),
        label=label,
        fields={
            f"{NAMESPACE}:session_id": int(h.session_id),
            f"{NAMESPACE}:symbol_id": int(h.symbol_id),
            f"{NAMESPACE}:source_symbols": int(h.source_symbols),
            f"{NAMESPACE}:cfo_hz": _finite(frame.cfo_hz),
            f"{NAMESPACE}:snr_db": _finite(frame.snr_db),
            f"{NAMESPACE}:payload_ok": bool(frame.ok),
        },
    )


def annotate_bursts(
    samples: np.ndarray,
    receiver_factory: Callable[[], OfdmReceiver] | None = None,
    *,
    sample_rate: float | None = None,
    modem_sample_rate: float = 2e6,
) -> list[Annotation]:
    """Run a fresh receiver over ``samples`` and annotate every burst whose header decoded.

    Args:
        samples: complex baseband, shape ``(n,)``, at ``sample_rate`` (None: the modem rate).
        receiver_factory: builds the receiver (default ``OfdmReceiver`` of the default
            ``OfdmTransmitter`` at ``modem_sample_rate``).
        sample_rate: the samples' rate (Hz); they are resampled to ``modem_sample_rate``
            for reception and the annotations mapped back to recording samples.
        modem_sample_rate: the OFDM modem's rate (Hz).

    Returns:
        Annotations sorted by ``sample_start``, one per burst (payload failures included).
    """
    reception = receive_samples(
        samples,
        sample_rate if sample_rate is not None else modem_sample_rate,
        modem_sample_rate=modem_sample_rate,
        receiver_factory=receiver_factory,
    )
    n = int(np.asarray(samples).size)
    out = []
    for frame in reception.frames:
        modem_len = reception.format.burst_len(mcs_by_id(frame.header.mcs), frame.header.payload_len)
        start = round(reception.conversion.to_input_index(frame.start))
        stop = round(reception.conversion.to_input_index(frame.start + modem_len))
        start = min(max(start, 0), n)
        out.append(burst_annotation(frame, max(0, min(stop, n) - start), start=start))
    return sorted(out, key=lambda a: a.sample_start)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
