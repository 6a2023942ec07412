"""IQ recordings as SigMF ``NAME.sigmf-meta`` + ``NAME.sigmf-data`` pairs (sigmf-python, its bundled schema).

**Sample scaling.**  In memory, samples are ``complex64`` normalised to the ADC's full
scale (±1.0), as GNU Radio's Pluto source delivers them.  On disk, sample ``x`` is stored
as ``x · full_scale`` and the global key ``ddm_sscc:full_scale`` records that factor.
The default for ``ci16_le`` is 2048: ADALM-PLUTO's native 12-bit codes (−2048 … 2047)
in int16, LSB-aligned as libiio delivers them, so a 12-bit quantised stream
(:class:`~ddm_sscc.channel.AdcQuantiser`) is stored exactly, and headroom up to ±16
full scale is left.  ``cf32_le`` defaults to 1.0 (stored as is).  A reader without the
key (a foreign file) gets SigMF's own fixed-point convention, ``2**(bits−1)``
(32768 for ci16), as sigmf-python's ``autoscale`` applies it.

**Metadata written** (``global``): ``core:datatype``, ``core:sample_rate``,
``core:version``, ``core:sha512``, ``core:num_channels`` (1), ``core:offset`` (0),
``core:hw``, ``core:recorder``, ``core:author`` and ``core:description`` when given,
``core:extensions`` declaring every namespace used (``ddm_sscc`` version
:data:`EXTENSION_VERSION`), ``ddm_sscc:full_scale``, ``ddm_sscc:sample_count`` (complex
samples in the data file), plus the caller's namespaced ``extra_global`` keys (by
convention ``ddm_sscc:image_sha256``, ``ddm_sscc:session_id``, ``ddm_sscc:settings``,
``ddm_sscc:radio_config``).  One capture segment at sample 0 with ``core:datetime``
(ISO-8601, UTC, ``…Z``) and ``core:frequency`` (Hz) when given.  Annotations as given
(:mod:`ddm_sscc.recording.annotations`).  The metadata is validated against the SigMF
schema before anything is written.

Every problem with a file being read is a one-line :class:`RecordingError`.
"""

from __future__ import annotations

import io
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import numpy as np
import sigmf
from sigmf import sigmffile
from sigmf.error import SigMFError

from ddm_sscc.errors import ConfigError, RecordingError
from ddm_sscc.output_file import check_output, write_atomic
from ddm_sscc.recording.annotations import NAMESPACE, Annotation

WRITE_DATATYPES = ("ci16_le", "cf32_le")
DEFAULT_FULL_SCALE = {"ci16_le": 2048.0, "cf32_le": 1.0}
EXTENSION_VERSION = "1.0.0"
FULL_SCALE_KEY = f"{NAMESPACE}:full_scale"
SAMPLE_COUNT_KEY = f"{NAMESPACE}:sample_count"
DEFAULT_RECORDER = "ddm-sscc"
_MESSAGE_LIMIT = 240


@dataclass(frozen=True, eq=False)  # holds an array: compare .samples explicitly
class Recording:
    """A SigMF recording read into memory.

    Attributes:
        samples: complex64 ``(n,)``, normalised to full scale ±1.0 (module docstring).
        sample_rate: Hz.
        frequency: centre frequency (Hz) of the first capture segment, or None.
        global_info: the ``global`` object as read (``ddm_sscc:settings`` etc.).
        annotations: the annotations, sorted by ``sample_start``.
        captures: the capture segments as read.
        datatype: the SigMF datatype on disk.
        full_scale: the stored value of amplitude 1.0.
        meta_path, data_path: the two files.
    """

    samples: np.ndarray
    sample_rate: float
    frequency: float | None
    global_info: dict[str, object]
    annotations: tuple[Annotation, ...]
    captures: tuple[dict[str, object], ...] = ()
    datatype: str = "cf32_le"
    full_scale: float = 1.0
    meta_path: Path | None = None
    data_path: Path | None = None

    @property
    def duration(self) -> float:
        """Seconds of signal."""
        return self.samples.size / self.sample_rate

    @property
    def settings(self) -> dict[str, object]:
        """``ddm_sscc:settings`` (how a simulated capture was made), or an empty dict."""
        value = self.global_info.get(f"{NAMESPACE}:settings")
        return dict(value) if isinstance(value, Mapping) else {}


def recording_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(NAME.sigmf-meta, NAME.sigmf-data)`` for ``NAME``, ``NAME.sigmf-meta`` or ``NAME.sigmf-data``."""
    names = sigmffile.get_sigmf_filenames(Path(path))
    return Path(names["meta_fn"]), Path(names["data_fn"])


# ---- writing ------------------------------------------------------------------------


def write_recording(
    path_base: str | os.PathLike[str],
    samples: np.ndarray,
    sample_rate: float,
    *,
    frequency: float | None = None,
    datatype: str = "ci16_le",
    full_scale: float | None = None,
    hw: str | None = None,
    author: str | None = None,
    recorder: str | None = DEFAULT_RECORDER,
    description: str | None = None,
    datetime_utc: datetime | None = None,
    extra_global: Mapping[str, object] | None = None,
    annotations: Iterable[Annotation] = (),
    force: bool = False,
) -> tuple[Path, Path]:
    """Write ``samples`` as ``path_base.sigmf-data`` + ``path_base.sigmf-meta``; returns (meta, data) paths.

    Args:
        path_base: ``NAME`` (a ``.sigmf-meta``/``.sigmf-data`` suffix is dropped).
        samples: complex ``(n,)``, full scale ±1.0; finite.
        sample_rate: Hz, > 0.
        frequency: centre frequency (Hz) for the capture segment, or None.
        datatype: ``"ci16_le"`` (rounded to int16; a value beyond ±32767 is refused) or ``"cf32_le"``.
        full_scale: stored value of amplitude 1.0 (default 2048 for ci16_le, 1.0 for cf32_le).
        hw, author, recorder, description: the ``core:`` text fields (None: left out).
        datetime_utc: the capture's start time (default: now), written in UTC.
        extra_global: namespaced global keys (``"ns:key"``, not ``core:``) with JSON values.
        annotations: written sorted by ``sample_start``; each must end within the samples.
        force: replace existing files; otherwise an existing meta or data file is an error.

    Raises:
        OutputExistsError: a target exists and ``force`` is off (checked before anything is written).
        ConfigError: a bad argument.  RecordingError: the metadata does not validate.
    """
    meta_path, data_path = recording_paths(path_base)
    check_output(meta_path, force)
    check_output(data_path, force)
    rate = _positive_number("sample_rate", sample_rate)
    if frequency is not None:
        frequency = _finite_number("frequency", frequency)
    if datatype not in WRITE_DATATYPES:
        raise ConfigError(f"datatype must be one of {', '.join(WRITE_DATATYPES)}, got {datatype!r}")
    scale = DEFAULT_FULL_SCALE[datatype] if full_scale is None else _positive_number("full_scale", full_scale)
    raw = _encode(samples, datatype, scale)
    n = len(raw) // sigmffile.dtype_info(datatype)["sample_size"]
    notes = sorted(annotations, key=lambda a: a.sample_start)
    for a in notes:
        if not isinstance(a, Annotation):
            raise ConfigError(f"annotations must be Annotation objects, got {type(a).__name__}")
        if a.sample_start + (a.sample_count or 0) > n:
            raise ConfigError(f"annotation at sample {a.sample_start} ends beyond the {n} samples")
    extra = _plain_json("extra_global", dict(extra_global or {}))
    for key in extra:
        if not isinstance(key, str) or ":" not in key or key.startswith("core:") or key.split(":", 1)[0] == "":
            raise ConfigError(f"extra_global key {key!r} must be namespaced as 'ns:key' and not core")
    global_info: dict[str, object] = {
        sigmf.DATATYPE_KEY: datatype,
        sigmf.SAMPLE_RATE_KEY: rate,
        FULL_SCALE_KEY: scale,
        SAMPLE_COUNT_KEY: n,
    }
    for key, value in ((sigmf.HW_KEY, hw), (sigmf.AUTHOR_KEY, author), (sigmf.RECORDER_KEY, recorder)):
        if value is not None:
            global_info[key] = str(value)
    if description is not None:
        global_info[sigmf.DESCRIPTION_KEY] = str(description)
    global_info.update(extra)
    fields_used = [k for a in notes for k in a.fields]
    global_info[sigmf.EXTENSIONS_KEY] = _extensions(list(global_info) + fields_used)
    when = (datetime_utc or datetime.now(UTC)).astimezone(UTC)
    capture: dict[str, object] = {sigmf.DATETIME_KEY: when.isoformat(timespec="microseconds").replace("+00:00", "Z")}
    if frequency is not None:
        capture[sigmf.FREQUENCY_KEY] = frequency
    try:
        meta = sigmf.SigMFFile(global_info=global_info)
        meta.set_data_file(data_buffer=io.BytesIO(raw))  # computes core:sha512
        meta.add_capture(0, metadata=capture)
        for a in notes:
            body = _plain_json("annotation", a.to_sigmf())
            start, count = body.pop(sigmf.SAMPLE_START_KEY), body.pop(sigmf.SAMPLE_COUNT_KEY, None)
            meta.add_annotation(start, count, metadata=body)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)  # undeclared extension namespaces
            meta.validate()
        text = meta.dumps(pretty=True) + "\n"
    except jsonschema.ValidationError as exc:
        raise RecordingError(
            f"{meta_path}: metadata does not validate against the SigMF schema: {_schema_message(exc)}"
        ) from None
    except (SigMFError, DeprecationWarning) as exc:
        raise RecordingError(f"{meta_path}: cannot build the SigMF metadata: {_one_line(exc)}") from None
    data_existed = data_path.exists()
    write_atomic(data_path, raw, force)
    try:
        write_atomic(meta_path, text.encode(), force)
    except BaseException:
        if not data_existed:
            data_path.unlink(missing_ok=True)
        raise
    return meta_path, data_path


def _encode(samples: object, datatype: str, scale: float) -> bytes:
    """Little-endian interleaved I/Q bytes of ``samples · scale``."""
    try:
        x = np.asarray(samples)
    except (TypeError, ValueError):
        raise ConfigError("samples must be a 1-D array of complex numbers") from None
    if x.ndim != 1 or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ConfigError(f"samples must be a 1-D numeric array, got shape {x.shape} and dtype {x.dtype}")
    if x.size == 0:
        raise ConfigError("samples must not be empty")
    x = x.astype(np.complex128) * scale
    if not np.all(np.isfinite(x)):
        raise ConfigError("samples must be finite (NaN or inf found)")
    if datatype == "cf32_le":
        return x.astype("<c8").tobytes()
    iq = np.rint(np.stack([x.real, x.imag], axis=1))
    peak = float(np.max(np.abs(iq))) if iq.size else 0.0
    if peak > 32767:
        raise ConfigError(
            f"samples reach {peak / scale:.3g} × full scale, beyond ci16_le's ±{32767 / scale:.4g} at full_scale "
            f"{scale:g}; scale them down or write cf32_le"
        )
    return iq.astype("<i2").tobytes()


def _extensions(keys: Iterable[str]) -> list[dict[str, object]]:
    namespaces = sorted({k.split(":", 1)[0] for k in keys if ":" in k} - {"core"})
    return [
        {"name": ns, "version": EXTENSION_VERSION if ns == NAMESPACE else "0.0.0", "optional": True}
        for ns in namespaces
    ]


def _plain_json(what: str, value: Mapping[str, object]) -> dict[str, object]:
    """``value`` as plain JSON types (numpy scalars and tuples converted); ConfigError otherwise."""

    def plain(v: object) -> object:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, tuple):
            return list(v)
        raise TypeError(f"{type(v).__name__} is not JSON serialisable")

    try:
        return json.loads(json.dumps(value, default=plain, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what} must hold finite JSON values: {exc}") from None


def _finite_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return float(value)


def _positive_number(name: str, value: object) -> float:
    result = _finite_number(name, value)
    if result <= 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    return result


# ---- reading ------------------------------------------------------------------------


def read_recording(meta_path: str | os.PathLike[str]) -> Recording:
    """Read a SigMF recording (``NAME``, ``NAME.sigmf-meta`` or ``NAME.sigmf-data``) into memory.

    Checked, each failure a one-line :class:`RecordingError`: the meta file exists and is
    JSON; ``core:sample_rate`` is present and > 0; the datatype is complex, signed or
    float, single channel; the metadata validates against the SigMF schema; the data file
    exists, holds a whole number of samples, as many as ``ddm_sscc:sample_count`` says
    and enough for every capture segment and annotation; its SHA-512 matches
    ``core:sha512`` when present.
    """
    meta_file, _ = recording_paths(meta_path)
    where = str(meta_file)
    if not meta_file.is_file():
        raise RecordingError(f"{where}: no such SigMF metadata file")
    try:
        metadata = json.loads(meta_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RecordingError(f"{where}: not a SigMF metadata file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise RecordingError(
            f"{where}: not a SigMF metadata file (invalid JSON: {exc.msg} at line {exc.lineno})"
        ) from None
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("global"), dict):
        raise RecordingError(f"{where}: not a SigMF metadata file (no 'global' object)")
    info = metadata["global"]
    rate = _check_sample_rate(where, info.get(sigmf.SAMPLE_RATE_KEY, None))
    datatype, dtype = _check_datatype(where, info.get(sigmf.DATATYPE_KEY))
    if info.get(sigmf.NUM_CHANNELS_KEY, 1) != 1:
        raise RecordingError(
            f"{where}: {info.get(sigmf.NUM_CHANNELS_KEY)!r} channels; only single-channel recordings are supported"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undeclared extensions of foreign files
        try:
            sigmf.validate.validate(metadata, sigmf.schema.get_schema())
        except jsonschema.ValidationError as exc:
            raise RecordingError(
                f"{where}: metadata does not validate against the SigMF schema: {_schema_message(exc)}"
            ) from None
        except (jsonschema.SchemaError, KeyError, TypeError) as exc:
            raise RecordingError(
                f"{where}: metadata does not validate against the SigMF schema: {_one_line(exc)}"
            ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # core:dataset beside a compliant data file: it wins
            data_file = sigmffile.get_dataset_filename_from_metadata(meta_file, metadata)
    except SigMFError as exc:
        raise RecordingError(f"{where}: {_one_line(exc)}") from None
    if data_file is None:
        raise RecordingError(f"{where}: data file {recording_paths(meta_file)[1]} not found")
    data_file = Path(data_file)
    captures = [c for c in metadata.get("captures", []) if isinstance(c, dict)]
    if info.get(sigmf.TRAILING_BYTES_KEY, 0) or any(c.get(sigmf.HEADER_BYTES_KEY, 0) for c in captures):
        raise RecordingError(f"{where}: datasets with header or trailing bytes are not supported")
    n = _check_size(where, data_file, dtype["sample_size"], info, captures, metadata.get("annotations", []))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handle = sigmffile.fromfile(meta_file, skip_checksum=sigmf.SHA512_KEY not in info, autoscale=False)
            raw = handle.read_samples()
    except SigMFError as exc:
        text = _one_line(exc)
        if "hash" in text.lower():
            text = f"data file {data_file} does not match the core:sha512 in the metadata (modified or corrupted)"
        raise RecordingError(f"{where}: {text}") from None
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{where}: cannot read {data_file}: {_one_line(exc)}") from None
    full_scale = _full_scale(where, info, dtype)
    samples = (np.asarray(raw, dtype=np.complex64).ravel() / np.float32(full_scale)).astype(np.complex64)
    assert samples.size == n
    frequency = captures[0].get(sigmf.FREQUENCY_KEY) if captures else None
    try:
        notes = tuple(Annotation.from_sigmf(a) for a in metadata.get("annotations", []))
    except RecordingError as exc:
        raise RecordingError(f"{where}: {exc}") from None
    return Recording(
        samples=samples,
        sample_rate=rate,
        frequency=float(frequency) if isinstance(frequency, (int, float)) else None,
        global_info=dict(info),
        annotations=tuple(sorted(notes, key=lambda a: a.sample_start)),
        captures=tuple(captures),
        datatype=datatype,
        full_scale=full_scale,
        meta_path=meta_file,
        data_path=data_file,
    )


def _check_sample_rate(where: str, value: object) -> float:
    if value is None:
        raise RecordingError(f"{where}: no core:sample_rate in the global metadata")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordingError(f"{where}: core:sample_rate must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise RecordingError(f"{where}: core:sample_rate must be > 0, got {value!r}")
    return float(value)


def _check_datatype(where: str, value: object) -> tuple[str, dict]:
    if not isinstance(value, str):
        raise RecordingError(f"{where}: core:datatype missing or not a string ({value!r})")
    try:
        dtype = sigmffile.dtype_info(value)
    except (SigMFError, KeyError, IndexError, TypeError) as exc:
        raise RecordingError(f"{where}: unsupported core:datatype {value!r} ({_one_line(exc)})") from None
    if not value.startswith("c") or value not in _READABLE:
        raise RecordingError(
            f"{where}: unsupported core:datatype {value!r}; readable: {', '.join(_READABLE)} (complex, signed or float)"
        )
    return value, dtype


_READABLE = tuple(f"c{kind}{suffix}" for kind in ("f32", "f64", "i32", "i16") for suffix in ("_le", "_be")) + ("ci8",)


def _check_size(
    where: str, data_file: Path, sample_size: int, info: Mapping[str, object], captures: list[dict], annotations: object
) -> int:
    """Complex samples in ``data_file``; RecordingError if it is shorter than the metadata says."""
    try:
        size = data_file.stat().st_size
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read data file {data_file}: {exc.strerror or exc}") from None
    n, remainder = divmod(size, sample_size)
    if remainder:
        raise RecordingError(
            f"{where}: data file {data_file} is truncated: {size} bytes is not a whole number of {sample_size}-byte samples"
        )
    if n == 0:
        raise RecordingError(f"{where}: data file {data_file} holds no samples")
    expected = info.get(SAMPLE_COUNT_KEY)
    if isinstance(expected, int) and not isinstance(expected, bool) and expected != n:
        state = "truncated" if n < expected else "longer than recorded"
        raise RecordingError(f"{where}: data file {data_file} is {state}: {n} samples, the metadata says {expected}")
    for capture in captures:
        start = capture.get(sigmf.SAMPLE_START_KEY, 0)
        if isinstance(start, int) and start > 0 and start >= n:
            raise RecordingError(
                f"{where}: data file {data_file} is truncated: {n} samples, but a capture segment starts at sample {start}"
            )
    for a in annotations if isinstance(annotations, list) else []:
        if isinstance(a, dict):
            end = a.get(sigmf.SAMPLE_START_KEY, 0) + a.get(sigmf.SAMPLE_COUNT_KEY, 0)
            if end > n:
                raise RecordingError(
                    f"{where}: data file {data_file} is truncated: {n} samples, but an annotation ends at sample {end}"
                )
    return n


def _full_scale(where: str, info: Mapping[str, object], dtype: dict) -> float:
    value = info.get(FULL_SCALE_KEY)
    if value is None:
        return float(2 ** (8 * dtype["component_size"] - 1)) if dtype["is_fixedpoint"] else 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise RecordingError(f"{where}: {FULL_SCALE_KEY} must be a positive number, got {value!r}")
    return float(value)


def _schema_message(exc: jsonschema.ValidationError) -> str:
    location = "/".join(str(p) for p in exc.absolute_path)
    return _one_line(f"{location}: {exc.message}" if location else exc.message)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"
