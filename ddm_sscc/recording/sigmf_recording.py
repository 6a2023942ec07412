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

Every problem with a file being read is a one-line :class:`RecordingError`.  The
``ddm_sscc:`` keys are exactly those of :mod:`ddm_sscc.recording.project_keys`, each with
the type and range listed there, on writing and on reading.  On reading, the metadata must
also be strict JSON (no ``NaN``/``Infinity``, no number that overflows a float such as
``1e400``, no integer of more than :data:`MAX_JSON_INT_DIGITS` digits), nested at most
:data:`MAX_JSON_DEPTH` levels, with integers where SigMF asks for integers (``1.0`` is
not a sample index), ``core:sample_rate`` within 1 S/s … 1e12 S/s, ``core:dataset`` a
file name beside the metadata, and every sample of the data file finite.
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
from ddm_sscc.recording import project_keys
from ddm_sscc.recording.annotations import NAMESPACE, Annotation
from ddm_sscc.recording.project_keys import FULL_SCALE_MAX, FULL_SCALE_MIN, SAMPLE_RATE_MAX, SAMPLE_RATE_MIN

WRITE_DATATYPES = ("ci16_le", "cf32_le")
DEFAULT_FULL_SCALE = {"ci16_le": 2048.0, "cf32_le": 1.0}
EXTENSION_VERSION = "1.0.0"
FULL_SCALE_KEY = f"{NAMESPACE}:full_scale"
SAMPLE_COUNT_KEY = f"{NAMESPACE}:sample_count"
DEFAULT_RECORDER = "ddm-sscc"
_MESSAGE_LIMIT = 240
MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays in a metadata file (ddm-sscc writes 5 levels)."""
MAX_JSON_INT_DIGITS = 40
"""Longest integer literal in a metadata file (SigMF's largest integers have 20 digits)."""
# SigMF integer fields: the schema's "integer" type also admits 1.0, which sigmf-python
# cannot use as an index.
_CORE_INTEGERS = {
    "global": ("core:num_channels", "core:offset", "core:trailing_bytes"),
    "captures": ("core:sample_start", "core:global_index", "core:header_bytes"),
    "annotations": ("core:sample_start", "core:sample_count"),
}


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
    if not SAMPLE_RATE_MIN <= rate <= SAMPLE_RATE_MAX:
        raise ConfigError(f"sample_rate must lie in [{SAMPLE_RATE_MIN:g}, {SAMPLE_RATE_MAX:g}] S/s, got {rate:g}")
    if frequency is not None:
        frequency = _finite_number("frequency", frequency)
    if datatype not in WRITE_DATATYPES:
        raise ConfigError(f"datatype must be one of {', '.join(WRITE_DATATYPES)}, got {datatype!r}")
    scale = DEFAULT_FULL_SCALE[datatype] if full_scale is None else _positive_number("full_scale", full_scale)
    if not FULL_SCALE_MIN <= scale <= FULL_SCALE_MAX:
        raise ConfigError(f"full_scale must lie in [{FULL_SCALE_MIN:g}, {FULL_SCALE_MAX:g}], got {scale:g}")
    raw = _encode(samples, datatype, scale)
    n = len(raw) // sigmffile.dtype_info(datatype)["sample_size"]
    notes = sorted(annotations, key=lambda a: a.sample_start)
    for a in notes:
        if not isinstance(a, Annotation):
            raise ConfigError(f"annotations must be Annotation objects, got {type(a).__name__}")
        if a.sample_start + (a.sample_count or 0) > n:
            raise ConfigError(f"annotation at sample {a.sample_start} ends beyond the {n} samples")
        try:
            project_keys.check_annotation(_plain_json("annotation", dict(a.fields)))
        except project_keys.InvalidKey as exc:
            raise ConfigError(f"annotation at sample {a.sample_start}: {exc}") from None
    extra = _plain_json("extra_global", dict(extra_global or {}))
    for key in extra:
        if not isinstance(key, str) or ":" not in key or key.startswith("core:") or key.split(":", 1)[0] == "":
            raise ConfigError(f"extra_global key {key!r} must be namespaced as 'ns:key' and not core")
    try:
        project_keys.check_global(extra)
    except project_keys.InvalidKey as exc:
        raise ConfigError(f"extra_global: {exc}") from None
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
        metadata = json.loads(meta_file.read_text(encoding="utf-8"), parse_int=_parse_int)
    except UnicodeDecodeError:
        raise RecordingError(f"{where}: not a SigMF metadata file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise RecordingError(
            f"{where}: not a SigMF metadata file (invalid JSON: {exc.msg} at line {exc.lineno})"
        ) from None
    except _JsonLimit as exc:
        raise RecordingError(f"{where}: not a SigMF metadata file ({exc})") from None
    except RecursionError:
        raise RecordingError(
            f"{where}: not a SigMF metadata file (nested more than {MAX_JSON_DEPTH} levels deep)"
        ) from None
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read: {exc.strerror or exc}") from None
    _check_json_values(where, metadata)
    if not isinstance(metadata, dict) or not isinstance(metadata.get("global"), dict):
        raise RecordingError(f"{where}: not a SigMF metadata file (no 'global' object)")
    _check_core_integers(where, metadata)
    info = metadata["global"]
    rate = _check_sample_rate(where, info.get(sigmf.SAMPLE_RATE_KEY, None))
    datatype, dtype = _check_datatype(where, info.get(sigmf.DATATYPE_KEY))
    if info.get(sigmf.NUM_CHANNELS_KEY, 1) != 1:
        raise RecordingError(
            f"{where}: {_one_line(repr(info.get(sigmf.NUM_CHANNELS_KEY)))} channels; "
            "only single-channel recordings are supported"
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
    _check_project_keys(where, metadata)
    dataset = info.get(sigmf.DATASET_KEY)
    if isinstance(dataset, str) and (Path(dataset).name != dataset or dataset in ("", ".", "..")):
        raise RecordingError(
            f"{where}: core:dataset must name a file beside the metadata, got {_one_line(repr(dataset))}"
        )
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
    stored = np.asarray(raw, dtype=np.complex64).ravel()
    _check_finite(where, data_file, stored, "holds a non-finite sample (NaN or infinity)")
    with np.errstate(over="ignore"):
        samples = (stored / np.float32(full_scale)).astype(np.complex64)
    _check_finite(where, data_file, samples, f"has a sample beyond complex64 range once divided by {FULL_SCALE_KEY}")
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
        raise RecordingError(f"{where}: core:sample_rate must be a number, got {_one_line(repr(value))}")
    if not math.isfinite(value) or value <= 0:
        raise RecordingError(f"{where}: core:sample_rate must be > 0, got {value!r}")
    if not SAMPLE_RATE_MIN <= value <= SAMPLE_RATE_MAX:
        raise RecordingError(
            f"{where}: core:sample_rate must lie in [{SAMPLE_RATE_MIN:g}, {SAMPLE_RATE_MAX:g}] S/s, got {value!r}"
        )
    return float(value)


class _JsonLimit(ValueError):
    """A JSON literal beyond what a metadata file needs (message for the user)."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise _JsonLimit(f"an integer of {len(text.lstrip('-'))} digits; at most {MAX_JSON_INT_DIGITS} are read")
    return int(text)


def _check_json_values(where: str, metadata: object) -> None:
    """No non-finite number anywhere, and at most :data:`MAX_JSON_DEPTH` levels (iteratively)."""
    stack: list[tuple[object, tuple[str, ...]]] = [(metadata, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise RecordingError(
                f"{where}: {'/'.join(path) or 'metadata'}: {value!r} is not a finite number "
                "(NaN, Infinity and literals beyond a float such as 1e400 are refused)"
            )
        if isinstance(value, dict | list):
            if len(path) >= MAX_JSON_DEPTH:
                raise RecordingError(f"{where}: {'/'.join(path[:4])}/…: nested more than {MAX_JSON_DEPTH} levels deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((item, (*path, _one_line(key)[:60])) for key, item in items)


def _check_core_integers(where: str, metadata: dict) -> None:
    """SigMF's integer fields hold JSON integers (the schema also admits ``1.0``)."""
    info = metadata.get("global")
    places: list[tuple[str, object]] = [("global", info)]
    for section in ("captures", "annotations"):
        entries = metadata.get(section)
        if isinstance(entries, list):
            places += [(f"{section}/{i}", entry) for i, entry in enumerate(entries)]
    for place, entry in places:
        if not isinstance(entry, dict):
            continue  # the schema says what is wrong
        for key in _CORE_INTEGERS[place.split("/")[0]]:
            value = entry.get(key)
            if isinstance(value, float):
                raise RecordingError(f"{where}: {place}/{key} must be an integer, got {value!r}")


def _check_project_keys(where: str, metadata: dict) -> None:
    """The ``ddm_sscc:`` keys of every object (:mod:`ddm_sscc.recording.project_keys`)."""
    try:
        project_keys.check_global(metadata["global"])
        for i, capture in enumerate(metadata.get("captures", [])):
            project_keys.check_capture(capture, i)
        for i, annotation in enumerate(metadata.get("annotations", [])):
            project_keys.check_annotation(annotation, i)
    except project_keys.InvalidKey as exc:
        raise RecordingError(f"{where}: {_one_line(exc)}") from None


def _check_finite(where: str, data_file: Path, samples: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(samples)
    if bad.any():
        raise RecordingError(f"{where}: data file {data_file} {what} (sample {int(np.argmax(bad))})")


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
    return float(value)  # checked with the other ddm_sscc keys


def _schema_message(exc: jsonschema.ValidationError) -> str:
    location = "/".join(str(p) for p in exc.absolute_path)
    return _one_line(f"{location}: {exc.message}" if location else exc.message)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"
