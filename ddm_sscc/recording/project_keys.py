"""The ``ddm_sscc:`` keys of a SigMF recording: exactly these exist, each with the value it may hold.

ddm-sscc writes (:func:`~ddm_sscc.recording.sigmf_recording.write_recording`,
:func:`~ddm_sscc.recording.capture.record_capture`, ``ddm-sscc capture``,
``capture/make_references.py``) and accepts on reading:

``global``
    ==========================  =========================================================
    ``ddm_sscc:full_scale``     number in [:data:`FULL_SCALE_MIN`, :data:`FULL_SCALE_MAX`]:
                                the stored value of amplitude 1.0
    ``ddm_sscc:sample_count``   integer ≥ 1: complex samples in the data file
    ``ddm_sscc:image_sha256``   64 lowercase hex digits: pixel SHA-256 of the sent image
    ``ddm_sscc:session_id``     integer 0 … 2**32 − 1: the frames' session id
    ``ddm_sscc:settings``       object: how a simulated capture was made (:data:`SETTINGS`;
                                ``channel`` is a :class:`~ddm_sscc.channel.ChannelConfig`)
    ``ddm_sscc:radio_config``   object: a :class:`~ddm_sscc.radio.config.PlutoConfig`
    ``ddm_sscc:source``         object: what the transmitter knew (:data:`SOURCE`)
    ==========================  =========================================================

annotations (one per burst, :mod:`ddm_sscc.recording.annotations`)
    ``ddm_sscc:session_id`` (0 … 2**32 − 1), ``ddm_sscc:symbol_id`` (0 … 2**24 − 1),
    ``ddm_sscc:source_symbols`` (1 … 56403), ``ddm_sscc:cfo_hz`` and ``ddm_sscc:snr_db``
    (a finite number within ±:data:`CFO_LIMIT_HZ` / ±:data:`SNR_LIMIT_DB`, or null),
    ``ddm_sscc:payload_ok`` (true/false).

capture segments
    none.

Any other ``ddm_sscc:`` key, a value of the wrong type, a non-finite or an absurd number
is refused: :class:`InvalidKey`, whose message names the key (the callers add the file).
Keys of other namespaces are left alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from ddm_sscc.errors import DdmError
from ddm_sscc.fec.fountain import MAX_SOURCE_SYMBOLS
from ddm_sscc.fec.framing import MAX_PAYLOAD, MAX_SYMBOL_ID, MIN_PAYLOAD
from ddm_sscc.fec.transfer import MAX_REPAIR
from ddm_sscc.recording.annotations import NAMESPACE

FULL_SCALE_MIN, FULL_SCALE_MAX = 1e-6, 1e10
SAMPLE_RATE_MIN, SAMPLE_RATE_MAX = 1.0, 1e12
"""Sample rates (S/s) a recording may have: the SigMF schema's maximum, and at least 1 S/s."""
CFO_LIMIT_HZ = 1e12
SNR_LIMIT_DB = 1000.0
BPSP_MAX = 1e6
_U32 = (1 << 32) - 1
_BIG = (1 << 63) - 1
MAX_FRAMES = MAX_SOURCE_SYMBOLS + math.ceil(MAX_REPAIR * MAX_SOURCE_SYMBOLS)
"""Frames of one transmission at most: ``K`` source and ``⌈R·K⌉`` repair symbols (replay lists them)."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_VALUE_LIMIT = 80


class InvalidKey(DdmError):
    """A ``ddm_sscc:`` key that does not exist, or a value it may not hold."""


# ---- value checks: each returns None when fine, else what is wrong ---------------------


def _shown(value: object) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 1] + "…"


def _key(key: object) -> str:
    """A key in a message: as is when plain printable text, else its repr."""
    return key if isinstance(key, str) and key.isprintable() and len(key) <= _VALUE_LIMIT else _shown(key)


def _integer(low: int, high: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be an integer in {low} … {high}, got {_shown(value)}"
        if not low <= value <= high:
            return f"must be an integer in {low} … {high}, got {value}"
        return None

    return check


def _number(low: float, high: float, unit: str = "", nullable: bool = False) -> Callable[[object], str | None]:
    kind = "a positive number" if low > 0 else "a number"
    allowed = f"{kind} in [{low:g}, {high:g}]{f' {unit}' if unit else ''}" + (" or null" if nullable else "")

    def check(value: object) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be {allowed}, got {_shown(value)}"
        if not (math.isfinite(value) and low <= value <= high):
            return f"must be {allowed}, got {value!r}"
        return None

    return check


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be text, got {_shown(value)}"


def _boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {_shown(value)}"


def _sha256(value: object) -> str | None:
    if isinstance(value, str) and _SHA256.fullmatch(value):
        return None
    return f"must be a SHA-256 as 64 lowercase hex digits, got {_shown(value)}"


def _mcs(value: object) -> str | None:
    from ddm_sscc.phy.mcs import mcs_by_name

    if not isinstance(value, str):
        return f"must be an MCS name, got {_shown(value)}"
    try:
        mcs_by_name(value)
    except DdmError as exc:
        return f"is not an MCS: {' '.join(str(exc).split())}"
    return None


def _gap(value: object) -> str | None:
    wrong = f"must be [min, max] sample counts with 0 <= min <= max, got {_shown(value)}"
    if not isinstance(value, list) or len(value) != 2:
        return wrong
    if any(_integer(0, _BIG)(v) for v in value) or value[0] > value[1]:
        return wrong
    return None


def _channel(value: object) -> str | None:
    from ddm_sscc.channel.model import ChannelConfig

    if not isinstance(value, Mapping):
        return f"must be an object of channel settings, got {_shown(value)}"
    try:
        ChannelConfig.from_dict(value)
    except DdmError as exc:
        return f"is not a valid channel: {' '.join(str(exc).split())}"
    return None


def _steps(value: object) -> str | None:
    from ddm_sscc.codec.schedule import MAX_STEPS

    return _integer(1, MAX_STEPS)(value)


SETTINGS: dict[str, Callable[[object], str | None]] = {
    "channel": _channel,
    "mcs": _mcs,
    "max_payload": _integer(MIN_PAYLOAD, MAX_PAYLOAD),
    "sample_rate": _number(SAMPLE_RATE_MIN, SAMPLE_RATE_MAX, "S/s"),
    "modem_sample_rate": _number(SAMPLE_RATE_MIN, SAMPLE_RATE_MAX, "S/s"),
    "gap": _gap,
    "lead": _integer(0, _BIG),
    "seed": _integer(0, _BIG),
    "repeat": _integer(1, _BIG),
    "repair": _number(0.0, MAX_REPAIR),
    "model_id": _text,
    "steps": _steps,
    "image": _text,
    "crop": _text,
}
"""``ddm_sscc:settings``: what :func:`~ddm_sscc.recording.simulate_capture` records (``image`` when
given by name) and ``crop`` (``capture/make_references.py``); any subset."""

SOURCE: dict[str, Callable[[object], str | None]] = {
    "bpsp": _number(0.0, BPSP_MAX),
    "subpixels": _integer(1, _BIG),
    "frames": _integer(1, MAX_FRAMES),
    "source_symbols": _integer(1, MAX_SOURCE_SYMBOLS),
    "repair": _number(0.0, MAX_REPAIR),
    "n_channel_uses": _integer(0, _BIG),
}
"""``ddm_sscc:source``: what the transmitter knew (replay falls back on it); any subset."""


def _object(name: str, fields: Mapping[str, Callable[[object], str | None]]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not isinstance(value, Mapping):
            return f"must be an object ({', '.join(fields)}), got {_shown(value)}"
        for key, item in value.items():
            if key not in fields:
                return f"has an unknown key {_shown(key)} (known: {', '.join(fields)})"
            problem = fields[key](item)
            if problem:
                return f"/{key} {problem}"  # read as KEY/key must be …
        return None

    return check


def _radio_config(value: object) -> str | None:
    from ddm_sscc.radio.config import PlutoConfig

    if not isinstance(value, Mapping):
        return f"must be an object of Pluto settings, got {_shown(value)}"
    try:
        PlutoConfig.from_dict(value, source="Pluto config")
    except DdmError as exc:
        return f"is not a valid Pluto config: {' '.join(str(exc).split()).removeprefix('Pluto config: ')}"
    return None


GLOBAL: dict[str, Callable[[object], str | None]] = {
    f"{NAMESPACE}:full_scale": _number(FULL_SCALE_MIN, FULL_SCALE_MAX),
    f"{NAMESPACE}:sample_count": _integer(1, _BIG),
    f"{NAMESPACE}:image_sha256": _sha256,
    f"{NAMESPACE}:session_id": _integer(0, _U32),
    f"{NAMESPACE}:settings": _object("settings", SETTINGS),
    f"{NAMESPACE}:radio_config": _radio_config,
    f"{NAMESPACE}:source": _object("source", SOURCE),
}

ANNOTATION: dict[str, Callable[[object], str | None]] = {
    f"{NAMESPACE}:session_id": _integer(0, _U32),
    f"{NAMESPACE}:symbol_id": _integer(0, MAX_SYMBOL_ID),
    f"{NAMESPACE}:source_symbols": _integer(1, MAX_SOURCE_SYMBOLS),
    f"{NAMESPACE}:cfo_hz": _number(-CFO_LIMIT_HZ, CFO_LIMIT_HZ, "Hz", nullable=True),
    f"{NAMESPACE}:snr_db": _number(-SNR_LIMIT_DB, SNR_LIMIT_DB, "dB", nullable=True),
    f"{NAMESPACE}:payload_ok": _boolean,
}


# ---- the checks --------------------------------------------------------------------------


def _check(where: str, values: Mapping[object, object], known: Mapping[str, Callable[[object], str | None]]) -> None:
    for key, value in values.items():
        if not isinstance(key, str) or not key.startswith(f"{NAMESPACE}:"):
            continue
        if key not in known:
            listed = ", ".join(known) if known else "none"
            raise InvalidKey(f"{where}{_key(key)} is not a {NAMESPACE} key of this object (known: {listed})")
        problem = known[key](value)
        if problem:
            raise InvalidKey(f"{where}{key}{'' if problem.startswith('/') else ' '}{problem}")


def check_global(info: Mapping[object, object]) -> None:
    """Every ``ddm_sscc:`` key of a ``global`` object (:class:`InvalidKey` naming the first bad one)."""
    _check("global/", info, GLOBAL)


def check_annotation(fields: Mapping[object, object], index: int | None = None) -> None:
    """Every ``ddm_sscc:`` key of one annotation."""
    _check("annotations/" + ("" if index is None else f"{index}/"), fields, ANNOTATION)


def check_capture(segment: Mapping[object, object], index: int | None = None) -> None:
    """A capture segment carries no ``ddm_sscc:`` key."""
    _check("captures/" + ("" if index is None else f"{index}/"), segment, {})
