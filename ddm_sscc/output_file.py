"""Writing output files without ever losing what the user had.

An existing file is only replaced with ``force``; the new content goes to a
temporary file beside the target and is renamed over it once complete, so an
error half-way never leaves a truncated file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ddm_sscc.errors import OutputError, OutputExistsError


def check_output(path: str | os.PathLike[str], force: bool) -> Path:
    """Fail early if ``path`` exists (and ``force`` is off), is a directory, or cannot be created."""
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{path} is a directory")
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; use --force to overwrite it")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: directory {parent} is not writable")
    return path


def write_atomic(path: str | os.PathLike[str], write: Callable[[BinaryIO], None] | bytes, force: bool = False) -> None:
    """Write ``path`` from bytes or a callback, atomically."""
    path = check_output(path, force)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(write, bytes):
                handle.write(write)
            else:
                write(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        check_output(path, force)  # still ours to write?
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
