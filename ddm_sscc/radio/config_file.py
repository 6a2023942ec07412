"""Reading radio configuration files: YAML → a mapping, and pydantic errors → one line.

Every problem a user can cause becomes one :class:`ConfigError` line that starts with
the file name, then the key, then what is wrong and what is allowed, e.g.::

    radio_config/pluto_2g4.yaml: sample_rate: 300000 is below 521000 S/s (2084000 S/s without the FIR)

YAML is parsed with ``yaml.safe_load`` only.  PyYAML follows YAML 1.1, which reads a
float without a dot or without a sign in its exponent (``2.42e9``, ``2e+6``) as *text*;
such a value is refused with the spelling to use instead (``2_420_000_000``).

Before anything is built, the file's event stream is checked so that no file can make
the loader recurse or allocate without bound: at most :data:`MAX_FILE_BYTES` bytes,
collections nested at most :data:`MAX_DEPTH` levels, no alias to a node that contains
it, and at most :data:`MAX_EXPANDED` characters once every alias is expanded (an alias
bomb would otherwise blow up in validation and error messages).
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

MAX_FILE_BYTES = 1 << 20
"""Largest configuration file read (the shipped ones are a few KiB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and sequences (the shipped files nest 3 levels)."""
MAX_EXPANDED = 200_000
"""Most characters of scalar text (plus one per node) once aliases are expanded."""
_VALUE_LIMIT = 120
"""Longest rendering of a value in an error message."""


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
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{name}: larger than {MAX_FILE_BYTES} bytes; not a configuration file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        _check_structure(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {_yaml_problem(exc)}") from None
    except _StructureError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        # PyYAML's constructors raise these for values its resolver accepted
        # (2001-13-45, a 5000-digit int, !!float abc, !!timestamp x).
        problem = str(exc)
        if "integer string conversion" in problem:  # CPython's limit on int("…") (sys.get_int_max_str_digits)
            problem = "an integer with thousands of digits"
        raise ConfigError(f"{name}: not valid YAML: a value cannot be read: {short_text(problem)}") from None
    if data is None:
        raise ConfigError(f"{name}: empty file, expected a mapping of settings")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{name}: expected a mapping of settings at the top level, got {_kind(data)}")
    for key in data:
        if not isinstance(key, str):
            raise ConfigError(f"{name}: key {key!r} is not text")
    return dict(data)


class _StructureError(Exception):
    """A YAML file too large, deep or alias-expanded to load (message without the file name)."""


def _check_structure(text: str) -> None:
    """Walk the YAML event stream (no recursion, nothing built) and enforce the limits of the module docstring.

    Raises:
        _StructureError: too deep, a self-referencing alias, or too large once aliases are expanded.
        yaml.YAMLError: not YAML at all (left to the caller's message).
    """
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    open_nodes: list[list] = []  # [anchor, size] per open collection
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise _StructureError(
                    f"nested more than {MAX_DEPTH} levels deep (line {line}); a configuration file needs a few"
                )
            open_nodes.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1 + len(event.value)
            if event.anchor is not None:
                sizes[event.anchor] = size
        elif isinstance(event, yaml.AliasEvent):
            if any(node[0] == event.anchor for node in open_nodes):
                raise _StructureError(f"alias *{event.anchor} refers to a node that contains it (a recursive value)")
            size = sizes.get(event.anchor, 1)  # an undefined alias is the composer's error
        else:
            continue
        if open_nodes:
            open_nodes[-1][1] += size
        else:
            total += size
        if total + sum(node[1] for node in open_nodes) > MAX_EXPANDED:
            raise _StructureError(
                f"more than {MAX_EXPANDED} characters once its aliases are expanded; not a configuration file"
            )


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
        if _NUMBER_TEXT.match(value.strip()) and not math.isfinite(float(value.strip().replace("_", ""))):
            return f"the text {short_repr(value)} (a number beyond the range of a float)"
        if _NUMBER_TEXT.match(value.strip()):
            return (
                f"the text {value!r} (PyYAML reads a number without a dot or exponent sign "
                f"as text: write {_yaml_number(value.strip())})"
            )
        return f"the text {short_repr(value)}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return short_repr(value)


def short_repr(value: object) -> str:
    """``repr(value)`` on one line, cut to :data:`_VALUE_LIMIT` characters: a value in an error message."""
    return short_text(repr(value), _VALUE_LIMIT)


def key_text(key: object) -> str:
    """A key as written in an error message: as is when plain text, else its (short) repr (``'\\r'``)."""
    text = str(key)
    plain = text and text.isprintable() and text == text.strip() and len(text) <= 60
    return text if plain else short_repr(key)


def short_text(text: str, limit: int = 240) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    key = ".".join(key_text(part) for part in first["loc"])
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
