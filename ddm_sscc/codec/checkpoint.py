"""Network checkpoints as safetensors (never pickle), identified by their SHA-256.

The file's metadata holds the :class:`NetworkConfig` (JSON) and free-form
training facts; the SHA-256 of the whole file is the ``weights_sha256`` that
goes into every ``.ddm`` header.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ddm_sscc.codec.network import DiffusionTransformer, NetworkConfig
from ddm_sscc.errors import ModelMismatchError


def file_sha256(path: str | os.PathLike[str]) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def save_network(path: str | os.PathLike[str], model: DiffusionTransformer, facts: dict | None = None) -> bytes:
    """Write the weights (float32, contiguous) and metadata; returns the file's SHA-256."""
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    metadata = {"config": json.dumps(model.config.to_dict()), "facts": json.dumps(facts or {})}
    tmp = Path(f"{path}.part")
    save_file(state, str(tmp), metadata=metadata)
    os.replace(tmp, path)
    return file_sha256(path)


def load_network(
    path: str | os.PathLike[str],
    expected_sha256: bytes | None = None,
    strict: bool = True,
    config: NetworkConfig | None = None,
) -> tuple[DiffusionTransformer, dict, bytes]:
    """Load a checkpoint on CPU in eval mode.

    ``strict=False`` with a ``config`` builds that network and takes only the
    tensors whose names and shapes match (warm starts across architectures).

    Raises:
        ModelMismatchError: the file is missing, unreadable, or its hash is not ``expected_sha256``.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelMismatchError(f"{path}: model checkpoint not found")
    sha = file_sha256(path)
    if expected_sha256 is not None and sha != expected_sha256:
        raise ModelMismatchError(f"{path}: checkpoint is corrupted (SHA-256 {sha.hex()[:16]}…, expected {expected_sha256.hex()[:16]}…)")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        model = DiffusionTransformer(config or NetworkConfig(**json.loads(metadata["config"])))
        tensors = load_file(str(path))
        if not strict:
            own = model.state_dict()
            tensors = {k: v for k, v in tensors.items() if k in own and own[k].shape == v.shape}
        model.load_state_dict(tensors, strict=strict)
    except (SafetensorError, KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:
        raise ModelMismatchError(f"{path}: not a usable model checkpoint ({exc})") from None
    return model.eval(), json.loads(metadata.get("facts", "{}")), sha
