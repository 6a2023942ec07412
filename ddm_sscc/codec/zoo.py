"""Model zoo: the probability models this installation can code with, by id.

The decoder looks the header's model id up here, then checks the weights
hash (:meth:`DiffusionCodec.check_model`) before decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable

from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.codec.engine import DiffusionCodec
from ddm_sscc.errors import ModelMismatchError

_REGISTRY: dict[str, Callable[[], DiffusionCodec]] = {
    ContextMeanModel.model_id: lambda: DiffusionCodec(ContextMeanModel()),
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
