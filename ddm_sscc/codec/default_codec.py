"""The default codec: the photo model, and for small images also a thumbnail model, whichever codes shorter.

A 32×32 image is most often a whole scene shrunk to a thousand pixels (a thumbnail, the CIFAR
proxy), often with JPEG history; the photo model was trained on crops of full-resolution
photos.  A model fine-tuned on thumbnails codes those about 4 % shorter and small crops of
full-resolution photos about 2 % longer (MODEL_CARD, ``ddm-featmlp-tiny-v1``), and one network
trained on both regimes served each worse than its specialist.  So for an image of at most
``small_pixels`` pixels the default encoder codes with both models and keeps the shorter file
(a small image codes in well under a second); larger images take the photo model alone.
Nothing new goes into the file: the header names the model by its weights' SHA-256, as for
any model, and the decoder takes whichever of the two that is.

When the caller leaves T to the codec (``CodecSettings.steps`` None), the thumbnail model is
tried at each T of ``small_steps`` too: which T codes an image shortest varies from image to
image, and the header records T, so the decoder still decodes once.  On held-out thumbnails the
shortest of T = 32, 24 and 48 is 0.18 % shorter than T = 32 alone
(``benchmarks/tiny_steps_search.py``), for two more encodes of a thousand pixels.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ddm_sscc.codec.container import Header, read_header
from ddm_sscc.codec.engine import DEFAULT_MAX_PIXELS, CodecSettings, DiffusionCodec, Progress
from ddm_sscc.codec.schedule import effective_steps
from ddm_sscc.codec.tokens import check_image

SMALL_IMAGE_STEPS = (32, 24, 48)
"""The T the thumbnail model is tried at when the caller gives none (the first is the size rule's,
so that a tie keeps it)."""


class DefaultCodec:
    """Two :class:`DiffusionCodec` behind one codec's interface.

    Args:
        main: the codec of every image.
        small: the codec also tried on images of at most ``small_pixels`` pixels (H·W).
        small_pixels: the largest H·W for which both are tried.
        small_steps: the T ``small`` is tried at when the settings leave T to the codec.

    ``model`` and ``calibration`` are the main codec's (what is reported as the default).
    """

    def __init__(self, main: DiffusionCodec, small: DiffusionCodec, small_pixels: int,
                 small_steps: tuple[int, ...] = SMALL_IMAGE_STEPS) -> None:
        self.main, self.small, self.small_pixels = main, small, int(small_pixels)
        self.small_steps = tuple(small_steps)
        self.model, self.calibration = main.model, main.calibration

    def candidates(self, height: int, width: int, settings: CodecSettings) -> list[tuple[DiffusionCodec, CodecSettings]]:
        """The codecs and settings an image of ``height × width`` pixels is coded with (the
        shortest file is kept; the first on a tie)."""
        if height * width > self.small_pixels:
            return [(self.main, settings)]
        if settings.steps is not None:
            return [(self.main, settings), (self.small, settings)]
        # on an image of fewer pixels than a T, that T runs as H·W steps: try it once
        small_steps = dict.fromkeys(effective_steps(height * width, t) for t in self.small_steps)
        return [(self.main, settings)] + [(self.small, dataclasses.replace(settings, steps=t)) for t in small_steps]

    def encode(self, image: np.ndarray, settings: CodecSettings = CodecSettings(), progress: Progress | None = None) -> bytes:
        """Code a uint8 ``(H, W)`` or ``(H, W, C)`` image: the shortest of its candidates' files
        (the main model's on a tie)."""
        height, width = check_image(image).shape[:2]
        # each candidate reports its own steps (a bar restarts); an exception from progress aborts any
        files = [codec.encode(image, tried, progress) for codec, tried in self.candidates(height, width, settings)]
        return min(files, key=len)

    def decode(self, data: bytes, progress: Progress | None = None, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        """Decode ``.ddm`` bytes made by either codec (the header's weights say which)."""
        header, _ = read_header(data)  # the chosen codec's decode checks the whole file
        return self.codec_named(header).decode(data, progress, max_pixels)

    def check_model(self, header: Header) -> None:
        """Refuse a header that neither model made (:meth:`DiffusionCodec.check_model`)."""
        self.codec_named(header).check_model(header)

    def codec_named(self, header: Header) -> DiffusionCodec:
        """The codec whose weights the header names; the main one (which then refuses it) otherwise."""
        return self.small if header.weights_sha256 == self.small.model.weights_sha256 else self.main
