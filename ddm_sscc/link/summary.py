"""The one summary of an image transfer, shared by ``link``, ``replay`` and the experiments."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class LinkSummary:
    """What happened to one image on one link.

    ``frames_lost`` counts the frames of the session that never arrived intact
    (``frames_sent`` per transmission minus the distinct symbols received), so a
    frame whose header was destroyed too is counted as well.  The frames are RaptorQ
    symbols: ``source_symbols`` (``K``) of them carry the stream and ``repair`` per
    source symbol follow; ``frames_needed`` is how many intact ones the receiver held
    when the stream became decodable (None if it never did), and ``missing`` lists the
    source symbols that never arrived (which a fountain can do without).  ``snr_db`` is the
    channel's Es/N0 per sample (None: no noise, or unknown for a radio);
    ``snr_unified_db`` adds ``10·log10(n_channel_uses / subpixels)``.
    """

    exact: bool
    frames_sent: int
    frames_received: int
    frames_lost: int
    bpsp: float
    snr_db: float | None
    snr_unified_db: float | None
    seconds: float
    channel: str = ""
    mcs: str = ""
    n_channel_uses: int = 0
    subpixels: int = 0
    transmissions: int = 1
    source_symbols: int = 0
    repair: float = 0.0
    carousel: bool = False
    frames_needed: int | None = None
    missing: tuple[int, ...] = ()
    output: str | None = None
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["missing"] = list(self.missing)
        extra = out.pop("extra")
        return out | extra

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False, allow_nan=False, default=_plain)

    def lines(self) -> list[str]:
        """The human summary, a few lines."""
        simulated = self.channel in ("awgn", "rayleigh", "selective")
        snr = f"{self.snr_db:.2f} dB" if self.snr_db is not None else ("no noise" if simulated else "unknown")
        unified = "" if self.snr_unified_db is None else f", unified SNR {self.snr_unified_db:.2f} dB"
        sent = f"{self.frames_sent} sent" + (
            f" (K={self.source_symbols} source, " + ("carousel)" if self.carousel else f"repair {self.repair:g})")
            if self.source_symbols
            else ""
        )
        needed = "" if self.frames_needed is None else f", decodable after {self.frames_needed}"
        missing = f" (source symbols {_short(self.missing)})" if self.missing and not self.exact else ""
        out = [
            f"frames: {sent}, {self.frames_received} received, {self.frames_lost} lost{missing}{needed}",
            f"channel: {self.channel or '?'}, SNR {snr}{unified}, MCS {self.mcs or '?'}, "
            f"{self.n_channel_uses} channel uses for {self.subpixels} sub-pixels",
            f"source: {self.bpsp:.4f} bpsp",
            f"exact recovery: {'yes' if self.exact else 'no'}"
            + (f" -> {self.output}" if self.exact and self.output else "")
            + (f" ({self.error})" if self.error else ""),
            f"seconds: {self.seconds:.1f}",
        ]
        return out


def _short(seqs: tuple[int, ...], limit: int = 10) -> str:
    text = ", ".join(str(s) for s in seqs[:limit])
    return text + (", …" if len(seqs) > limit else "")


def _plain(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
