"""Write safetensors files whose bytes depend only on their tensors and metadata.

A weights file is identified by its SHA-256 (every ``.ddm`` header carries it), so exporting
the same run twice must give the same file. safetensors 0.8 writes ``__metadata__`` in a
hash map's random order (safetensors/safetensors#584, open), so two exports of the same run
differed in their header alone. Here safetensors still serialises the file; only the
metadata's keys are put in sorted order afterwards, keeping the header's length and every
tensor's bytes, and the result is read back with safetensors before it is written.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import torch

_LENGTH = struct.Struct("<Q")


def canonical_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> bytes:
    """The safetensors serialisation of ``tensors`` with ``metadata``'s keys in sorted order."""
    from safetensors.torch import load, save

    data = save(tensors, metadata=metadata)
    (length,) = _LENGTH.unpack_from(data)
    header = json.loads(data[8 : 8 + length])
    header["__metadata__"] = dict(sorted(header.get("__metadata__", {}).items()))
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    if len(text) > length:  # serde_json and json escape alike for strings; never expected
        raise RuntimeError("safetensors header grew when its metadata keys were sorted")
    out = data[:8] + text.ljust(length, b" ") + data[8 + length :]
    _check_same_content(load(out), tensors)
    return out


def save_canonical(tensors: dict[str, torch.Tensor], path: str | os.PathLike[str], metadata: dict[str, str]) -> None:
    """Write :func:`canonical_bytes` to ``path`` atomically (a ``.part`` file, then a rename), mode 0644."""
    tmp = Path(f"{path}.part")
    tmp.write_bytes(canonical_bytes(tensors, metadata))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _check_same_content(read: dict[str, torch.Tensor], written: dict[str, torch.Tensor]) -> None:
    if read.keys() != written.keys() or not all(torch.equal(read[k], written[k].cpu()) for k in read):
        raise RuntimeError("safetensors file changed its tensors when its metadata keys were sorted")
