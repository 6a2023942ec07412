"""DeepJSCC weights as safetensors (never pickle), identified by their SHA-256.

A weights file ``NAME.safetensors`` holds float32 tensors and, as metadata,
the :class:`DeepJsccConfig` (JSON) and free-form training facts.  Beside it,
``NAME.json`` records the file's SHA-256 (hex) and the same facts; a file is
only ever loaded against a known hash (the sidecar's or one given), and a
mismatch is refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from ddm_sscc.codec.file_hash import file_sha256
from ddm_sscc.codec.safetensors_file import save_canonical
from ddm_sscc.errors import ConfigError, ModelMismatchError
from ddm_sscc.experiments.deepjscc.model import DeepJscc, DeepJsccConfig


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """``NAME.json`` beside ``NAME.safetensors``."""
    return Path(path).with_suffix(".json")


def save_deepjscc(path: str | os.PathLike[str], model: DeepJscc, facts: dict | None = None) -> str:
    """Write the weights and the sidecar; returns the file's SHA-256 as hex."""
    path = Path(path)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    metadata = {"config": model.config.to_json(), "facts": json.dumps(facts or {}, sort_keys=True)}
    save_canonical(state, path, metadata)
    sha = file_sha256(path).hex()
    record = {"file": path.name, "sha256": sha, "config": json.loads(model.config.to_json()), "facts": facts or {}}
    tmp_json = Path(f"{sidecar_path(path)}.part")
    tmp_json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    os.replace(tmp_json, sidecar_path(path))
    return sha


def recorded_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 (hex) that the sidecar of ``path`` records; ModelMismatchError if there is none."""
    side = sidecar_path(path)
    try:
        sha = json.loads(side.read_text())["sha256"]
        bytes.fromhex(sha)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelMismatchError(f"{side}: no usable SHA-256 record for {Path(path).name} ({exc})") from None
    return str(sha).lower()


def load_deepjscc_file(path: str | os.PathLike[str], expected_sha256: str) -> tuple[DeepJscc, dict]:
    """Load weights on CPU in eval mode after checking the file's SHA-256 (hex) against ``expected_sha256``.

    Raises:
        ModelMismatchError: the file is missing, its hash differs, or it is not a DeepJSCC checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelMismatchError(f"{path}: DeepJSCC weights not found")
    sha = file_sha256(path).hex()
    if sha != expected_sha256.lower():
        raise ModelMismatchError(
            f"{path}: DeepJSCC weights are corrupted or not the recorded ones "
            f"(SHA-256 {sha[:16]}…, expected {expected_sha256[:16]}…)"
        )
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        model = DeepJscc(DeepJsccConfig.from_json(metadata["config"]))
        model.load_state_dict(load_file(str(path)), strict=True)
        facts = json.loads(metadata.get("facts", "{}"))
    except (SafetensorError, ConfigError, KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:
        raise ModelMismatchError(f"{path}: not a usable DeepJSCC checkpoint ({exc})") from None
    return model.eval(), facts
