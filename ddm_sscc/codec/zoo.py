"""Model zoo: the probability models this installation can code with, by id.

The decoder looks the header's model id up here, then checks the weights
hash (:meth:`DiffusionCodec.check_model`) before decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.codec.engine import DiffusionCodec
from ddm_sscc.errors import ModelMismatchError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

_CHECKPOINTS = {
    # id: (file in WEIGHTS_DIR, its SHA-256); see weights/MODEL_CARD.md
    "ddm-transformer-t1": (
        "ddm-transformer-t1.safetensors",
        "775923847444af7ef04cb610b0b4aef93ad5c2f6531eed7719051faa32cda341",
    ),
}


def _checkpoint_codec(model_id: str) -> DiffusionCodec:
    from ddm_sscc.codec.checkpoint import read_calibration  # lazy: safetensors + network
    from ddm_sscc.codec.diffusion_model import DiffusionModel

    name, sha = _CHECKPOINTS[model_id]
    model = DiffusionModel.from_file(WEIGHTS_DIR / name, model_id, bytes.fromhex(sha))
    return DiffusionCodec(model, read_calibration(WEIGHTS_DIR / name))


_REGISTRY: dict[str, Callable[[], DiffusionCodec]] = {
    ContextMeanModel.model_id: lambda: DiffusionCodec(ContextMeanModel()),
    **{model_id: (lambda m=model_id: _checkpoint_codec(m)) for model_id in _CHECKPOINTS},
}

DEFAULT_MODEL = ContextMeanModel.model_id
"""The model ``encode`` uses when none is named."""


def available_models() -> list[str]:
    """Ids of every model in the zoo."""
    return sorted(_REGISTRY)


def load_codec(model_id: str | None = None) -> DiffusionCodec:
    """The codec for ``model_id`` (default: :data:`DEFAULT_MODEL`)."""
    model_id = model_id or DEFAULT_MODEL
    try:
        factory = _REGISTRY[model_id]
    except KeyError:
        raise ModelMismatchError(
            f"model {model_id!r} is not installed (available: {', '.join(available_models())})"
        ) from None
    return factory()
