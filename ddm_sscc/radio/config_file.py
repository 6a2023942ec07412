"""Reading radio configuration files: YAML → a mapping, and pydantic errors → one line.

Every problem a user can cause becomes one :class:`ConfigError` line that starts with
the file name, then the key, then what is wrong and what is allowed, e.g.::

    radio_config/pluto_2g4.yaml: sample_rate: 300000 is below 521000 S/s (2084000 S/s without the FIR)

YAML is parsed with ``yaml.safe_load`` only.  PyYAML follows YAML 1.1, which reads a
float without a dot or without a sign in its exponent (``2.42e9``, ``2e+6``) as *text*;
such a value is refused with the spelling to use instead (``2_420_000_000``).
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ddm_sscc.errors import ConfigError

_NUMBER_TEXT = re.compile(r"^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def read_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The top-level mapping of the YAML file ``path`` (keys are strings).

    Raises:
        ConfigError: one line naming ``path`` when the file is missing, unreadable, not
            UTF-8, not YAML, empty, not a mapping, or has a non-string key.
    """
    name = str(path)
    file = Path(path)
    if not file.exists():
        raise ConfigError(f"{name}: no such file")
    if not file.is_file():
        raise ConfigError(f"{name}: not a file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        raise ConfigError(f"{name}: empty file, expected a mapping of settings")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{name}: expected a mapping of settings at the top level, got {_kind(data)}")
    for key in data:
        if not isinstance(key, str):
            raise ConfigError(f"{name}: key {key!r} is not text")
    return dict(data)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """``line L column C: problem`` of a PyYAML error, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
    return one_line(f"{where}{problem}")


def _kind(value: object) -> str:
    """``a list``, ``a str``, … for error messages."""
    names = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}
    return names.get(type(value), f"a {type(value).__name__}")


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(text).split())


def format_number(value: float | int) -> str:
    """``300000`` for 300000.0, ``89.8`` for 89.8: numbers as a user would write them."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def _yaml_number(text: str) -> str:
    """How to write the number ``text`` so that PyYAML reads a number (``2_420_000_000``, ``1.0e-07``)."""
    value = float(text.replace("_", ""))
    candidates = [f"{int(value):_}"] if value == int(value) and abs(value) < 1e16 else []
    candidates += [repr(value), f"{value:.6e}"]
    return next(c for c in candidates if isinstance(yaml.safe_load(c), int | float))


def _got(value: object) -> str:
    if isinstance(value, str):
        if _NUMBER_TEXT.match(value.strip()):
            return (
                f"the text {value!r} (PyYAML reads a number without a dot or exponent sign "
                f"as text: write {_yaml_number(value.strip())})"
            )
        return f"the text {value!r}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "string_type": "text",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
}


def validation_message(
    source: str, exc: ValidationError, allowed: Mapping[str, str], known: list[str] | None = None
) -> str:
    """One line for a pydantic :class:`ValidationError`: ``SOURCE: KEY: what is wrong (allowed: …)``.

    Args:
        source: what to name first (a file name, ``"file: profiles: name"``).
        exc: the validation error; its first error is described, the others counted.
        allowed: per key, a description of the allowed values (``"0 … 89.75 dB"``).
        known: the accepted keys, listed for an unknown key.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"])
    kind = first["type"]
    value = first.get("input")
    hint = allowed.get(key, "")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, known or [], n=1) or [
            k for k in known or [] if k.startswith(key) or key.startswith(k)
        ]
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        text = f"unknown key ({suggestion}known: {', '.join(known or [])})"
    elif kind == "missing":
        text = f"missing (required: {hint})" if hint else "missing (required)"
    elif kind in _TYPE_WORDS:
        text = f"must be {_TYPE_WORDS[kind]}, got {_got(value)}" + (f" (allowed: {hint})" if hint else "")
    elif kind == "finite_number":
        text = f"must be a finite number, got {value!r}" + (f" (allowed: {hint})" if hint else "")
    elif kind == "literal_error":
        text = f"{value!r} is not one of {hint}"
    elif kind in ("value_error", "assertion_error"):
        text = one_line(str(first.get("ctx", {}).get("error", first["msg"])))
    else:
        text = one_line(first["msg"]) + (f" (allowed: {hint})" if hint else "")
    more = len(errors) - 1
    tail = f" (+{more} more error{'s' if more != 1 else ''})" if more else ""
    return f"{source}: {key}: {text}{tail}" if key else f"{source}: {text}{tail}"
