"""The SHA-256 of a weights file: the ``weights_sha256`` that goes into every ``.ddm`` header."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike[str]) -> bytes:
    """SHA-256 of the whole file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()
