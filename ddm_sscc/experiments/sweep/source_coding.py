"""Source coding of the digital systems: the byte stream each sends for an image, its decoder, and a disk cache.

* ``ddm``: the whole ``.ddm`` stream (header included) of :func:`ddm_sscc.codec.load_codec` with
  ``CodecSettings.for_calibration(calibration, steps=steps)`` (the order the model was trained
  for, cosine schedule, ``sweep --calibration``: online by default).
* ``jpegxl`` / ``png``: imagecodecs with the settings of ``ddm-sscc bench``
  (:func:`ddm_sscc.experiments.baselines.baselines`: JPEG-XL lossless effort 9, PNG level 9).
* ``raw``: a 5-byte header ``>HHB`` (H, W, C) followed by the 8-bit pixels in ``(H, W, C)`` order.

Every stream is verified once when it is made: decoded, and its pixel SHA-256
(:func:`ddm_sscc.codec.tokens.pixel_sha256`) compared with the image's; a system
whose own decoder is not exact raises :class:`CodecError`.  The decoders are
deterministic, so a stream that later arrives byte-identical decodes exactly:
the link trials rely on that and decode only streams that arrived complete but
different (:mod:`.link_trial`).

The cache (``RESULTS_DIR/source_cache/``) holds one stream per (pixel SHA-256,
system, settings that change the stream: model, steps and calibration for DDM, the codec
settings and the imagecodecs version for the others) as ``KEY.bin`` plus
``KEY.json`` (bits, sub-pixels, pixel and stream SHA-256, shape), so an image is
coded once per sweep directory, not once per SNR point, and resumes reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from ddm_sscc.errors import CodecError, ConfigError
from ddm_sscc.experiments.sweep.settings import DIGITAL_SYSTEMS, SweepSettings

CACHE_DIR = "source_cache"
_RAW_HEADER = struct.Struct(">HHB")


@dataclass(frozen=True)
class SourceStream:
    """The verified byte stream one digital system sends for one image.

    Attributes:
        system: ``ddm``, ``jpegxl``, ``png`` or ``raw``.
        stream: the bytes sent over the link (the system's whole file, headers included).
        pixel_sha256: hex SHA-256 of the image's pixels (shape bound in).
        shape: ``(H, W, C)`` of the image.
        settings_key: what besides the pixels determined the stream (cache key part).
    """

    system: str
    stream: bytes
    pixel_sha256: str
    shape: tuple[int, int, int]
    settings_key: str

    @property
    def bits(self) -> int:
        """Source bits ``B = 8·len(stream)``."""
        return 8 * len(self.stream)

    @property
    def subpixels(self) -> int:
        """``N_sp = H·W·C``."""
        h, w, c = self.shape
        return h * w * c

    @property
    def bpsp(self) -> float:
        return self.bits / self.subpixels

    @property
    def stream_sha256(self) -> str:
        return hashlib.sha256(self.stream).hexdigest()


def pixel_sha256_hex(pixels: np.ndarray) -> str:
    """Hex SHA-256 of uint8 ``(H, W, C)`` pixels, the codec's definition (shape bound in)."""
    from ddm_sscc.codec.tokens import pixel_sha256

    return pixel_sha256(pixels).hex()


def settings_key(system: str, settings: SweepSettings) -> str:
    """The settings that change ``system``'s stream, as a short text (part of the cache key)."""
    if system == "ddm":
        from ddm_sscc.codec.schedule import steps_label
        from ddm_sscc.codec.zoo import default_description

        key = f"ddm model={settings.model or default_description()} steps={steps_label(settings.steps)} trained-order cosine"  # the model's own order
        # online was the only calibration before --calibration: its key stays, so cached streams stay valid
        return key if settings.calibration == "online" else f"{key} calibration={settings.calibration}"
    if system in ("jpegxl", "png"):
        import imagecodecs

        return f"{system} {_baseline(system).settings} imagecodecs={imagecodecs.__version__}"
    if system == "raw":
        return "raw u8 HWC header>HHB"
    raise ConfigError(f"{system!r} is not a digital system ({', '.join(DIGITAL_SYSTEMS)})")


def encode_source(pixels: np.ndarray, system: str, settings: SweepSettings) -> bytes:
    """The stream ``system`` sends for uint8 ``(H, W, C)`` ``pixels`` (not yet verified)."""
    pixels = _image(pixels)
    if system == "ddm":
        from ddm_sscc.codec import CodecSettings

        return _codec(settings.model).encode(pixels, CodecSettings.for_calibration(settings.calibration, steps=settings.steps))
    if system in ("jpegxl", "png"):
        return bytes(_baseline(system).encode(pixels))
    if system == "raw":
        h, w, c = pixels.shape
        if h > 0xFFFF or w > 0xFFFF:
            raise ConfigError(f"raw header holds at most 65535×65535 pixels, got {h}×{w}")
        return _RAW_HEADER.pack(h, w, c) + pixels.tobytes()
    raise ConfigError(f"{system!r} is not a digital system ({', '.join(DIGITAL_SYSTEMS)})")


def decode_source(stream: bytes, system: str, shape: tuple[int, int, int], model: str | None = None) -> np.ndarray:
    """Decode a stream of ``system`` to uint8 ``(H, W, C)``.

    ``shape`` is the image's shape (imagecodecs returns greyscale as ``(H, W)``); ``model`` is
    the DDM model id (the ``.ddm`` header names it too; the codec refuses a mismatch).
    Corrupted streams raise :class:`CodecError` (whatever the third-party decoder raised).
    """
    try:
        if system == "ddm":
            return _codec(model).decode(bytes(stream))
        if system in ("jpegxl", "png"):
            out = np.asarray(_baseline(system).decode(bytes(stream)))
            return out.reshape(out.shape[0], out.shape[1], -1)
        if system == "raw":
            h, w, c = _RAW_HEADER.unpack_from(stream)
            body = bytes(stream)[_RAW_HEADER.size :]
            if len(body) != h * w * c:
                raise CodecError(f"raw stream holds {len(body)} pixel bytes, its header says {h}×{w}×{c}")
            return np.frombuffer(body, dtype=np.uint8).reshape(h, w, c).copy()
    except CodecError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupted stream may make a third-party decoder raise anything
        raise CodecError(f"{system} stream does not decode: {exc}") from None
    raise ConfigError(f"{system!r} is not a digital system ({', '.join(DIGITAL_SYSTEMS)})")


def make_source(pixels: np.ndarray, system: str, settings: SweepSettings) -> SourceStream:
    """Encode ``pixels`` with ``system`` and verify the decode once (:class:`CodecError` if not exact)."""
    pixels = _image(pixels)
    sha = pixel_sha256_hex(pixels)
    stream = encode_source(pixels, system, settings)
    decoded = decode_source(stream, system, pixels.shape, settings.model)
    if decoded.shape != pixels.shape or pixel_sha256_hex(decoded) != sha:
        raise CodecError(f"{system} does not decode its own stream exactly (pixel SHA-256 differs)")
    return SourceStream(system, bytes(stream), sha, tuple(int(v) for v in pixels.shape), settings_key(system, settings))


def cache_key(pixel_sha256: str, system: str, key: str) -> str:
    """File stem of a cached stream: pixel hash prefix, system, hash of the settings key."""
    return f"{pixel_sha256[:24]}_{system}_{hashlib.sha256(key.encode()).hexdigest()[:12]}"


class SourceCache:
    """Verified streams under ``RESULTS_DIR/source_cache/`` (module docstring).  Written by one process only."""

    def __init__(self, results_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(results_dir) / CACHE_DIR

    def _paths(self, pixel_sha256: str, system: str, key: str) -> tuple[Path, Path]:
        stem = cache_key(pixel_sha256, system, key)
        return self.folder / f"{stem}.bin", self.folder / f"{stem}.json"

    def get(self, pixel_sha256: str, system: str, key: str) -> SourceStream | None:
        """The cached stream, or None if absent or damaged (a damaged entry is simply redone)."""
        data_path, meta_path = self._paths(pixel_sha256, system, key)
        try:
            meta = json.loads(meta_path.read_text())
            stream = data_path.read_bytes()
        except (OSError, ValueError):
            return None
        if (
            meta.get("pixel_sha256") != pixel_sha256
            or meta.get("system") != system
            or meta.get("settings_key") != key
            or meta.get("stream_sha256") != hashlib.sha256(stream).hexdigest()
            or meta.get("bits") != 8 * len(stream)
        ):
            return None
        shape = tuple(int(v) for v in meta["shape"])
        return SourceStream(system, stream, pixel_sha256, shape, key)  # type: ignore[arg-type]

    def put(self, source: SourceStream) -> None:
        """Store a verified stream (atomically: a crash never leaves a half-written entry that loads)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data_path, meta_path = self._paths(source.pixel_sha256, source.system, source.settings_key)
        meta = {
            "system": source.system,
            "bits": source.bits,
            "subpixels": source.subpixels,
            "bpsp": source.bpsp,
            "shape": list(source.shape),
            "pixel_sha256": source.pixel_sha256,
            "stream_sha256": source.stream_sha256,
            "settings_key": source.settings_key,
        }
        _atomic_write(data_path, source.stream)
        _atomic_write(meta_path, (json.dumps(meta, indent=1) + "\n").encode())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _image(pixels: np.ndarray) -> np.ndarray:
    array = np.asarray(pixels)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (1, 3):
        raise ConfigError(f"images must be uint8 (H, W, 1|3), got {array.dtype} {array.shape}")
    return np.ascontiguousarray(array)


@lru_cache(maxsize=4)
def _codec(model: str | None):
    from ddm_sscc.codec import load_codec

    return load_codec(model)


@cache
def _baseline(system: str):
    from ddm_sscc.experiments.baselines import baselines

    return {b.name: b for b in baselines()}[system]
