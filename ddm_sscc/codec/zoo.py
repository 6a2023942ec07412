"""Model zoo: the probability models this installation can code with, by id.

A ``.ddm`` header names its model by the weights' SHA-256 (format 3; formats 1 and 2 also
stored the id). The decoder finds the installed model with those weights here
(:func:`codec_for_header`), then checks it (:meth:`DiffusionCodec.check_model`) before
decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.codec.default_codec import SMALL_IMAGE_STEPS, DefaultCodec
from ddm_sscc.codec.engine import DiffusionCodec
from ddm_sscc.errors import ModelMismatchError

if TYPE_CHECKING:
    from ddm_sscc.codec.container import Header

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

_FEATURE_MODELS = {
    # id: (file in WEIGHTS_DIR, its SHA-256); see weights/MODEL_CARD.md
    "ddm-featmlp-int-v1": (
        "ddm-featmlp-int-v1.safetensors",
        "61c009d97652a467922d28867285b7f8c6000b15e1e59d109d445227bb6ca46b",
    ),
    "ddm-featmlp-int-v2": (
        "ddm-featmlp-int-v2.safetensors",
        "6cdec467bb6628ba3cce49388cd3041a16ee2bf235fcb73d8a0baf267ff0fc54",
    ),
    "ddm-featmlp-lattice-v3": (
        "ddm-featmlp-lattice-v3.safetensors",
        "a0d125cd710a82eb30bc8caf37b2cc0481d6da9b084a72d4997ff6d0daa52db1",
    ),
    "ddm-featmlp-lattice-v4": (
        "ddm-featmlp-lattice-v4.safetensors",
        "884d8be6c8d084d108171beff272d5b05c1f3444a71eaa27989eb48972fe70e6",
    ),
    "ddm-featmlp-lattice-v5": (
        "ddm-featmlp-lattice-v5.safetensors",
        "b20a6aa8d970574e29592e7ac3f17e1eae6539a50d1fb8c884a0665e3505ee71",
    ),
    "ddm-featmlp-lattice-v6": (
        "ddm-featmlp-lattice-v6.safetensors",
        "2d15e0437d6083ac7fa59a2c71b2c456b523e8fbbc24c84284fdfb68fa4045bf",
    ),
    "ddm-featmlp-lattice-v7": (
        "ddm-featmlp-lattice-v7.safetensors",
        "6a3210582a5b3b61b722673f1c7601e840ac9bc9881ddd998a7abb486535fcf6",
    ),
    "ddm-featmlp-lattice-v8": (
        "ddm-featmlp-lattice-v8.safetensors",
        "9b5467114917bc7dfc01361f4e498f610fa5da180437ef3bead519f8c2a42919",
    ),
    "ddm-featmlp-lattice-v9": (
        "ddm-featmlp-lattice-v9.safetensors",
        "136e975be32b5e7ac23e2be362848baaedd9f816b389164ee212414e7cfc3707",
    ),
    "ddm-featmlp-compact-v1": (  # the fast setting: --steps 16 --calibration offline
        "ddm-featmlp-compact-v1.safetensors",
        "289710f5be19415e7ffea65665fe1f7c5fe58a3c8deb327e9a7d71773df1f29f",
    ),
    "ddm-featmlp-tiny-v1": (  # thumbnails: the default's small-image model until tiny-v3
        "ddm-featmlp-tiny-v1.safetensors",
        "5d22eea5dc476ed15a12d197273453836ee6996289350f8276931a8d893f7590",
    ),
    "ddm-featmlp-tiny-v3": (  # thumbnails, JPEG block phase: the default's small-image model until tiny-v4
        "ddm-featmlp-tiny-v3.safetensors",
        "a76e0dbcefe4cf5f8f1bf80459e18028161cb763e803cf37da4e2b3eb9dc3490",
    ),
    "ddm-featmlp-tiny-v4": (  # thumbnails, JPEG block phase and block window: the small-image model until tiny-v5
        "ddm-featmlp-tiny-v4.safetensors",
        "ae858d9c661ef414bec11fba7aa0f8ca7d851558d4b88d308d680178f66c225e",
    ),
    "ddm-featmlp-tiny-v5": (  # tiny-v4's run trained on to 20,000 steps: the default also tries it
        "ddm-featmlp-tiny-v5.safetensors",
        "44b3c786f6abb081ca3a8aa2b357c42a69307dd44c7f2dc0f983983840f0174f",
    ),
}
"""Every model here must pass the cross-machine test (tests/core/codec/test_cross_machine.py).

``ddm-transformer-t1`` left the zoo: a float network, its tables changed with the CPU's
kernels (ATEN_CPU_CAPABILITY), so its files did not decode on another machine."""


def _feature_codec(model_id: str) -> DiffusionCodec:
    from ddm_sscc.codec.feature_model import FeatureModel  # lazy: safetensors

    name, sha = _FEATURE_MODELS[model_id]
    return DiffusionCodec(FeatureModel.from_file(WEIGHTS_DIR / name, bytes.fromhex(sha)))


_REGISTRY: dict[str, Callable[[], DiffusionCodec]] = {
    ContextMeanModel.model_id: lambda: DiffusionCodec(ContextMeanModel()),
    **{model_id: (lambda m=model_id: _feature_codec(m)) for model_id in _FEATURE_MODELS},
}

DEFAULT_MODEL = "ddm-featmlp-lattice-v9"
"""The model ``encode``, ``link``, the GNU Radio blocks and ``sweep`` use when none is named,
for every image larger than :data:`SMALL_IMAGE_PIXELS`."""
SMALL_IMAGE_MODEL = "ddm-featmlp-tiny-v5"
"""The thumbnail model the default also tries on images of at most :data:`SMALL_IMAGE_PIXELS`
pixels, keeping the shorter file (:mod:`.default_codec`)."""
SMALL_IMAGE_PIXELS = 64 * 64
"""The largest H·W for which the default tries :data:`SMALL_IMAGE_MODEL` too."""

WEIGHTS_SUFFIX = ".safetensors"
"""``--model`` also takes a path to a feature-model weights file ending in this."""


def default_description() -> str:
    """What the default codec is, in words: both models and the size that divides them."""
    tries = "/".join(str(t) for t in SMALL_IMAGE_STEPS)
    return (f"{DEFAULT_MODEL}, or {SMALL_IMAGE_MODEL} (T={tries} when T is by size) where shorter on images of at most "
            f"{SMALL_IMAGE_PIXELS} pixels")


def available_models() -> list[str]:
    """Ids of every model in the zoo."""
    return sorted(_REGISTRY)


def load_codec(model_id: str | None = None) -> DiffusionCodec | DefaultCodec:
    """The codec for ``model_id``, or for a weights file's path.

    Without one, the default (:class:`DefaultCodec`): :data:`DEFAULT_MODEL`, and for images of at
    most :data:`SMALL_IMAGE_PIXELS` pixels also :data:`SMALL_IMAGE_MODEL`, whichever codes
    shorter.  A named model codes every image itself.
    """
    if not model_id:
        return DefaultCodec(load_codec(DEFAULT_MODEL), load_codec(SMALL_IMAGE_MODEL), SMALL_IMAGE_PIXELS)
    if model_id.endswith(WEIGHTS_SUFFIX):
        from ddm_sscc.codec.feature_model import FeatureModel

        return DiffusionCodec(FeatureModel.from_file(model_id))
    try:
        factory = _REGISTRY[model_id]
    except KeyError:
        raise ModelMismatchError(
            f"model {model_id!r} is not installed (available: {', '.join(available_models())})"
        ) from None
    return factory()


@cache
def _models_by_weights() -> dict[bytes, str]:
    context_mean = ContextMeanModel()
    by_sha = {bytes.fromhex(sha): model_id for model_id, (_, sha) in _FEATURE_MODELS.items()}
    return by_sha | {context_mean.weights_sha256: context_mean.model_id}


def model_for_weights(weights_sha256: bytes) -> str | None:
    """The id of the installed model whose weights have this SHA-256; None when none has them."""
    return _models_by_weights().get(bytes(weights_sha256))


def model_name(header: Header) -> str | None:
    """The model a header names: its stored id (formats 1 and 2), else the installed model
    with its weights; None when neither says."""
    return header.model_id or model_for_weights(header.weights_sha256)


def codec_for_header(header: Header, model: str | None = None) -> DiffusionCodec:
    """The codec that decodes a file with this header, checked against it.

    Args:
        header: the file's header.
        model: an id or a weights file to use instead of the installed model with the
            header's weights (``--model``).

    Raises:
        ModelMismatchError: no installed model has the header's weights, or ``model`` is not
            the one the file was made with.
    """
    if model is None:
        model = model_for_weights(header.weights_sha256)
        if model is None:
            made_with = f"model {header.model_id}, " if header.model_id else ""
            raise ModelMismatchError(
                f"file was made with {made_with}weights {header.weights_sha256.hex()[:16]}…, which no installed "
                f"model has (installed: {', '.join(available_models())}); give its weights file with --model"
            )
    codec = load_codec(model)
    codec.check_model(header)
    return codec
