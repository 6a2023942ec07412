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

from ddm_sscc.codec.calibration import TemperatureCalibration
from ddm_sscc.codec.network import DiffusionTransformer, NetworkConfig
from ddm_sscc.errors import ModelMismatchError

CALIBRATION_PREFIX = "calibration."
"""Tensors of the temperature calibration, when the checkpoint has one."""


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
        tensors = {k: v for k, v in load_file(str(path)).items() if not k.startswith(CALIBRATION_PREFIX)}
        if not strict:
            own = model.state_dict()
            tensors = {k: v for k, v in tensors.items() if k in own and own[k].shape == v.shape}
        model.load_state_dict(tensors, strict=strict)
    except (SafetensorError, KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:
        raise ModelMismatchError(f"{path}: not a usable model checkpoint ({exc})") from None
    return model.eval(), json.loads(metadata.get("facts", "{}")), sha


def read_calibration(path: str | os.PathLike[str]) -> TemperatureCalibration | None:
    """The calibration stored in a checkpoint, or None if it has none."""
    try:
        tensors = {
            k[len(CALIBRATION_PREFIX) :]: v
            for k, v in load_file(str(path)).items()
            if k.startswith(CALIBRATION_PREFIX)
        }
        if not tensors:
            return None
        calibration = TemperatureCalibration()
        calibration.load_state_dict(tensors)
    except (SafetensorError, RuntimeError, OSError) as exc:
        raise ModelMismatchError(f"{path}: unusable calibration ({exc})") from None
    return calibration.eval()


def add_calibration(source: str | os.PathLike[str], target: str | os.PathLike[str], calibration: TemperatureCalibration,
                    facts: dict) -> bytes:
    """Copy a checkpoint (tensors as stored) with a calibration and extra facts; returns the new SHA-256."""
    from safetensors import safe_open

    with safe_open(str(source), framework="pt") as handle:
        metadata = dict(handle.metadata() or {})
    tensors = {k: v for k, v in load_file(str(source)).items() if not k.startswith(CALIBRATION_PREFIX)}
    tensors |= {CALIBRATION_PREFIX + k: v.detach().to(torch.float64).contiguous() for k, v in calibration.state_dict().items()}
    metadata["facts"] = json.dumps(json.loads(metadata.get("facts", "{}")) | facts)
    tmp = Path(f"{target}.part")
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, target)
    return file_sha256(target)
