"""The integer feature model's weights file: safetensors, integers only, identified by its SHA-256.

Tensors (all int64 in the file):

* ``head{h}.weight{i}``, ``head{h}.bias{i}``, ``head{h}.shift{i}``: the integer layers of
  :mod:`ddm_sscc.codec.integer_network`, heads in the order of ``feature_network.HEADS``;
* ``cdf_table`` (2049,), ``reciprocals`` (J,): the constants of the mixture table recipe
  (:class:`ddm_sscc.codec.tables.LogisticMixtureTables`);
* ``log2_table`` (1024,): ``log2`` of mantissas in 1/256 bit, for the online adaptation's
  code lengths (:mod:`ddm_sscc.codec.online_adaptation`);
* ``offline_shift`` (heads, 16): the offline temperature calibration, a scale-index shift per
  head and mask-ratio bucket.

Metadata: ``model_id``, ``config`` (the :class:`FeatureNetworkConfig` as JSON), ``facts`` and,
from ``ddm-featmlp-int-v2`` on, ``adaptation`` (the :class:`AdaptationConfig` of the online
adaptation's contexts, as JSON; absent means scale buckets only, as in ``ddm-featmlp-int-v1``)
and, from ``ddm-featmlp-lattice-v7`` on, ``arithmetic`` (the integer layers'
:class:`~ddm_sscc.codec.integer_network.Arithmetic`, as JSON; absent means float64; its
``value_limit``, from ``ddm-featmlp-lattice-v8`` on, may be absent too, meaning 0).
Storing the tables, rather than computing them with this machine's ``exp`` and
``log``, is what makes every decoder use the same numbers; the file's hash covers them.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ddm_sscc.codec.feature_network import HEADS, LOG_SCALE_MIN, FeatureNetworkConfig
from ddm_sscc.codec.file_hash import file_sha256
from ddm_sscc.codec.integer_network import FLOAT64, LOG_SCALE_STEPS, SCALE_INDICES, WEIGHT_LIMIT, Arithmetic
from ddm_sscc.codec.online_adaptation import SCALE_CONTEXTS, AdaptationConfig
from ddm_sscc.errors import ModelMismatchError

LOG2_TABLE_BITS = 10
LOG2_UNITS = 256
CALIBRATION_BUCKETS = 16
MAX_WEIGHTS_BYTES = 10 << 20


@dataclass
class FeatureWeights:
    """Everything the integer feature model reads from its file."""

    model_id: str
    config: FeatureNetworkConfig
    heads: list[dict[str, torch.Tensor]]
    cdf_table: torch.Tensor
    reciprocals: torch.Tensor
    log2_table: torch.Tensor
    offline_shift: torch.Tensor
    facts: dict
    sha256: bytes
    adaptation: AdaptationConfig = SCALE_CONTEXTS
    arithmetic: Arithmetic = FLOAT64


def reciprocal_table() -> np.ndarray:
    """``round(2^16 / s_j)`` with ``ln s_j = LOG_SCALE_MIN + j/16``: int64 (J,)."""
    return np.asarray([round(65536.0 / math.exp(LOG_SCALE_MIN + j / LOG_SCALE_STEPS)) for j in range(SCALE_INDICES)], dtype=np.int64)


def log2_table() -> np.ndarray:
    """``round(256 · log2(0.5 + (i + ½)/2^11))`` for the 1024 mantissa bins of [0.5, 1): int64."""
    size = 1 << LOG2_TABLE_BITS
    return np.asarray([round(LOG2_UNITS * math.log2(0.5 + (i + 0.5) / (2 * size))) for i in range(size)], dtype=np.int64)


def save_feature_weights(path: str | os.PathLike[str], model_id: str, config: FeatureNetworkConfig,
                         heads: list[dict[str, torch.Tensor]], offline_shift: torch.Tensor, facts: dict,
                         adaptation: AdaptationConfig = SCALE_CONTEXTS, arithmetic: Arithmetic = FLOAT64) -> bytes:
    """Write a weights file; returns its SHA-256."""
    from ddm_sscc.codec.safetensors_file import save_canonical
    from ddm_sscc.codec.tables import logistic_cdf_table

    tensors = {f"head{h}.{name}": t.to(torch.int64).contiguous() for h, head in enumerate(heads) for name, t in head.items()}
    tensors["cdf_table"] = torch.from_numpy(logistic_cdf_table())
    tensors["reciprocals"] = torch.from_numpy(reciprocal_table())
    tensors["log2_table"] = torch.from_numpy(log2_table())
    tensors["offline_shift"] = offline_shift.to(torch.int64).contiguous()
    metadata = {"model_id": model_id, "config": json.dumps(config.to_dict()), "facts": json.dumps(facts)}
    if adaptation != SCALE_CONTEXTS:
        fields: dict = {"offset_cuts": list(adaptation.offset_cuts)}
        if adaptation.regression:  # absent in older files, so exporting their runs again writes the same metadata
            fields["regression"] = True
        metadata["adaptation"] = json.dumps(fields)
    if arithmetic != FLOAT64:  # absent in older files, so exporting their runs again writes the same metadata
        metadata["arithmetic"] = json.dumps(arithmetic.to_dict())
    save_canonical(tensors, path, metadata)
    return file_sha256(path)


def load_feature_weights(path: str | os.PathLike[str], expected_sha256: bytes | None = None) -> FeatureWeights:
    """Read and check a weights file.

    Raises:
        ModelMismatchError: missing, too large, wrong hash, or not a well-formed weights file
            (the message names the file).
    """
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise ModelMismatchError(f"{path}: model weights not found")
    if path.stat().st_size > MAX_WEIGHTS_BYTES:
        raise ModelMismatchError(f"{path}: {path.stat().st_size} bytes is more than a feature model's {MAX_WEIGHTS_BYTES}")
    sha = file_sha256(path)
    if expected_sha256 is not None and sha != expected_sha256:
        raise ModelMismatchError(f"{path}: weights are corrupted or replaced (SHA-256 {sha.hex()[:16]}…, expected {expected_sha256.hex()[:16]}…)")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        tensors = load_file(str(path))
        config = FeatureNetworkConfig(**json.loads(metadata["config"]))
        heads = [{k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(f"head{h}.")} for h in range(len(HEADS))]
        weights = FeatureWeights(
            model_id=metadata["model_id"], config=config, heads=heads,
            cdf_table=tensors["cdf_table"], reciprocals=tensors["reciprocals"], log2_table=tensors["log2_table"],
            offline_shift=tensors["offline_shift"], facts=json.loads(metadata.get("facts", "{}")), sha256=sha,
            adaptation=_adaptation(metadata), arithmetic=_arithmetic(metadata),
        )
        _check_shapes(weights)
    except (SafetensorError, KeyError, TypeError, ValueError, RuntimeError, OSError) as exc:
        raise ModelMismatchError(f"{path}: not a usable feature-model weights file ({exc})") from None
    return weights


def _adaptation(metadata: dict) -> AdaptationConfig:
    if "adaptation" not in metadata:
        return SCALE_CONTEXTS
    fields = json.loads(metadata["adaptation"])
    if (not isinstance(fields, dict) or not {"offset_cuts"} <= set(fields) <= {"offset_cuts", "regression"}
            or not isinstance(fields["offset_cuts"], list)):
        raise ValueError(f"adaptation metadata {metadata['adaptation'][:80]!r} is not {{'offset_cuts': [...], 'regression': bool}}")
    return AdaptationConfig(offset_cuts=tuple(fields["offset_cuts"]), regression=fields.get("regression", False))


def _arithmetic(metadata: dict) -> Arithmetic:
    if "arithmetic" not in metadata:
        return FLOAT64
    fields = json.loads(metadata["arithmetic"])
    required = {"gemm", "activation_limit", "input_limb_bits"}
    if not isinstance(fields, dict) or not required <= set(fields) <= required | {"value_limit"}:
        raise ValueError(f"arithmetic metadata {metadata['arithmetic'][:80]!r} is not "
                         "{'gemm': ..., 'activation_limit': ..., 'input_limb_bits': ...[, 'value_limit': ...]}")
    return Arithmetic(**fields)


def _check_shapes(w: FeatureWeights) -> None:
    from ddm_sscc.codec.local_features import feature_count

    k = w.config.components
    for (channels, channel), head in zip(HEADS, w.heads):
        width = feature_count(channel, channels, **w.config.feature_groups())
        for i in range(w.config.layers + 1):
            weight, bias, shift = head[f"weight{i}"], head[f"bias{i}"], head[f"shift{i}"]
            out = w.config.hidden if i < w.config.layers else 3 * k
            if weight.shape != (out, width) or bias.shape != (out,) or shift.shape != (out,):
                raise ValueError(f"head {channels}/{channel} layer {i} has shape {tuple(weight.shape)}, expected {(out, width)}")
            # the bounds that keep every float64 partial sum an exact integer (integer_network.py)
            if (weight.dtype != torch.int64 or int(weight.abs().max()) > WEIGHT_LIMIT or int(bias.abs().max()) >= 1 << 40
                    or int(shift.min()) < 0 or int(shift.max()) > 62):
                raise ValueError(f"head {channels}/{channel} layer {i} is outside the integer ranges")
            limits = (w.arithmetic.input_limits(channels, channel, **w.config.feature_groups())
                      if i == 0 else None)
            inexact = int((~w.arithmetic.exact_rows(weight, bias, shift, i, i == w.config.layers, limits)).sum())
            if inexact:
                raise ValueError(f"head {channels}/{channel} layer {i}: {inexact} rows exceed the "
                                 f"{w.arithmetic.gemm} arithmetic's exactness bound")
            width = out
    if w.cdf_table.shape != (2049,) or w.reciprocals.shape != (SCALE_INDICES,) or w.log2_table.shape != (1 << LOG2_TABLE_BITS,):
        raise ValueError("recipe tables have the wrong shapes")
    if w.offline_shift.shape != (len(HEADS), CALIBRATION_BUCKETS):
        raise ValueError(f"offline_shift has shape {tuple(w.offline_shift.shape)}")
