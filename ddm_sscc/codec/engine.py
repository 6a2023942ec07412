"""Synchronized reverse arithmetic coding.

Encoder and decoder run *the same* reverse-denoising loop
(:func:`_reverse_process`): both start from the all-MASK canvas, take the
positions of each step from the order and the schedule, ask the model for
tables, and fill the positions in.  The only difference is the callback at
the coding point: the encoder codes the true values, the decoder reads them
back.  Because the loop is shared, the two cannot drift apart.

Per step ``t`` (positions ``S_t``) and channel ``c`` (colour is coded
channel-conditionally, R → G|R → B|R,G):

1. ``logits = model.logits(canvas, S_t, StepInfo(t, T, mask_ratio, c, C))``
2. ``freqs = frequency_tables(logits, τ(mask_ratio, t))``
3. one range-coder call codes all ``|S_t|`` values of channel ``c``
4. ``canvas[c, S_t] = values``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ddm_sscc.codec.calibration import Calibration
from ddm_sscc.codec.coder import StepDecoder, StepEncoder
from ddm_sscc.codec.container import Header, pack, stored_pixel_hash, unpack
from ddm_sscc.codec.model import AdaptiveModel, CalibrationMode, DenoisingModel, StepInfo, narrow_tables, trained_order
from ddm_sscc.codec.narrow_tables import NarrowTables
from ddm_sscc.codec.order import OrderKind, make_order
from ddm_sscc.codec.schedule import MAX_STEPS, ScheduleKind, default_steps, effective_steps, step_counts
from ddm_sscc.codec.tables import frequency_tables
from ddm_sscc.codec.tokens import check_image, image_to_tokens, masked_canvas, pixel_sha256, tokens_to_image
from ddm_sscc.errors import ConfigError, ImageTooLargeError, IntegrityError, ModelMismatchError

CALIBRATIONS = ("off", "offline", "online")
"""The encoder's ``--calibration`` choices (:meth:`CodecSettings.for_calibration`)."""
DEFAULT_MAX_PIXELS = 1 << 26
"""Decoders refuse larger images before allocating anything (like Pillow's decompression-bomb
guard): a lossless stream of a flat image is tiny, so the file size cannot bound the work.
Raise it with ``--max-pixels`` (or the blocks' ``max_pixels``) for bigger photographs."""

CHUNK_POSITIONS = 16384
"""Positions whose tables are made and coded at once (memory, not bits: see the loop)."""

Progress = Callable[[int, int], None]
"""Called as ``progress(steps_done, steps_total)`` after every step."""


@dataclass(frozen=True)
class CodecSettings:
    """Encoder choices; the decoder reads them all from the header.

    Attributes:
        steps: T, the number of denoising steps (clamped to H·W); None (the default) picks it
            by image size (:func:`~ddm_sscc.codec.schedule.default_steps`).
        order: which positions each step reveals; None (the default) is the order the
            model was trained for (:func:`~ddm_sscc.codec.model.trained_order`).
        schedule: how many positions each step reveals.
        order_seed: seed of the ``random`` order (ignored by the others).
        calibrate: apply the model's temperature calibration, if it has one.
        adapt: with ``calibrate``, adapt to the image while coding (online calibration),
            for models that support it (:class:`~ddm_sscc.codec.model.AdaptiveModel`).
        narrow: code narrow tables (:mod:`~ddm_sscc.codec.narrow_tables`) with models that
            make them: the same bits to within the tables' rounding, in less time.
    """

    steps: int | None = None
    order: OrderKind | None = None
    schedule: ScheduleKind = ScheduleKind.COSINE
    order_seed: int = 0
    calibrate: bool = True
    adapt: bool = True
    narrow: bool = True

    def __post_init__(self) -> None:
        if self.steps is not None and not 1 <= self.steps <= MAX_STEPS:
            raise ConfigError(f"steps must be in 1..{MAX_STEPS}, got {self.steps}")
        if not isinstance(self.order, OrderKind | None) or not isinstance(self.schedule, ScheduleKind):
            raise ConfigError("order and schedule must be OrderKind and ScheduleKind members")
        if not 0 <= self.order_seed < 1 << 64:
            raise ConfigError(f"order seed must be in 0..2^64-1, got {self.order_seed}")

    @classmethod
    def for_calibration(cls, calibration: str, **fields) -> CodecSettings:
        """Settings for an ``encode --calibration`` choice (one of :data:`CALIBRATIONS`): ``off``,
        ``offline`` (``calibrate`` only) or ``online`` (``calibrate`` and ``adapt``); ``fields`` the rest."""
        if calibration not in CALIBRATIONS:
            raise ConfigError(f"calibration must be off, offline or online, got {calibration!r}")
        return cls(calibrate=calibration != "off", adapt=calibration == "online", **fields)

    def steps_for(self, positions: int) -> int:
        """The T an image of ``positions`` = H·W pixels is coded with (before clamping to H·W)."""
        return self.steps if self.steps is not None else default_steps(positions)


class DiffusionCodec:
    """A denoising model (and its calibration) bound to the coding engine.

    Args:
        model: any :class:`~ddm_sscc.codec.model.DenoisingModel`.
        calibration: the model's temperature calibration, or None if it has none.
    """

    def __init__(self, model: DenoisingModel, calibration: Calibration | None = None) -> None:
        self.model = model
        self.calibration = calibration

    def encode(self, image: np.ndarray, settings: CodecSettings = CodecSettings(), progress: Progress | None = None) -> bytes:
        """Code a uint8 ``(H, W)`` or ``(H, W, C)`` image into ``.ddm`` bytes."""
        image = check_image(image)
        height, width, channels = image.shape
        adaptive_model = isinstance(self.model, AdaptiveModel)
        calibrated = settings.calibrate and (self.calibration is not None or adaptive_model)
        order = settings.order if settings.order is not None else trained_order(self.model)
        header = Header(
            height=height,
            width=width,
            channels=channels,
            steps=effective_steps(height * width, settings.steps_for(height * width)),
            order=order,
            schedule=settings.schedule,
            order_seed=settings.order_seed if order == OrderKind.RANDOM else 0,
            calibrated=calibrated,
            adaptive=calibrated and settings.adapt and adaptive_model,
            model_id=None,  # the weights' hash names the model
            weights_sha256=self.model.weights_sha256,
            pixel_sha256=stored_pixel_hash(pixel_sha256(image)),
            narrow=settings.narrow and adaptive_model and narrow_tables(self.model),
        )
        truth = image_to_tokens(image)
        encoder = StepEncoder()

        def code(tables: np.ndarray | NarrowTables, positions: torch.Tensor, channel: int) -> np.ndarray:
            values = truth[channel].reshape(-1)[positions].numpy()
            if isinstance(tables, NarrowTables):
                encoder.encode_narrow(values, tables)
            else:
                encoder.encode(values, tables)
            return values

        _reverse_process(header, self.model, self.calibration, code, progress)
        return pack(header, encoder.payload())

    def decode(self, data: bytes, progress: Progress | None = None, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        """Decode ``.ddm`` bytes into the exact uint8 ``(H, W, C)`` image.

        Raises:
            ImageTooLargeError: the header's image has more than ``max_pixels`` pixels (checked
                before anything is allocated).
            ContainerError: the file is malformed or corrupted.
            ModelMismatchError: it was made with other weights (checked first).
            IntegrityError: the decoded pixels do not match the recorded SHA-256.
        """
        header, payload = unpack(data)
        check_pixel_limit(header, max_pixels)
        self.check_model(header)
        decoder = StepDecoder(payload)

        def code(tables: np.ndarray | NarrowTables, positions: torch.Tensor, channel: int) -> np.ndarray:
            return decoder.decode_narrow(tables) if isinstance(tables, NarrowTables) else decoder.decode(tables)

        canvas = _reverse_process(header, self.model, self.calibration, code, progress)
        image = tokens_to_image(canvas)
        if not header.matches_pixels(pixel_sha256(image)):
            raise IntegrityError("decoded pixels do not match the SHA-256 in the .ddm header; the file is corrupt")
        return image

    def check_model(self, header: Header) -> None:
        """Refuse a header made with another model, other weights or a missing calibration."""
        other_id = header.model_id is not None and header.model_id != self.model.model_id
        if other_id or header.weights_sha256 != self.model.weights_sha256:
            made_with = f"model {header.model_id}, " if header.model_id else ""
            raise ModelMismatchError(
                f"file was made with {made_with}weights {header.weights_sha256.hex()[:16]}…; "
                f"this decoder has {self.model.model_id}, weights {self.model.weights_sha256.hex()[:16]}…"
            )
        adaptive_model = isinstance(self.model, AdaptiveModel)
        if header.narrow and not (adaptive_model and narrow_tables(self.model)):
            raise ModelMismatchError(f"file codes narrow tables, model {self.model.model_id} makes none")
        if header.adaptive and not adaptive_model:
            raise ModelMismatchError(f"file uses online adaptation, model {self.model.model_id} has none")
        if header.calibrated and self.calibration is None and not adaptive_model:
            raise ModelMismatchError(f"file uses temperature calibration, model {self.model.model_id} has none")


def check_pixel_limit(header: Header, max_pixels: int) -> None:
    """Refuse a header whose image exceeds ``max_pixels`` (H·W)."""
    if header.positions > max_pixels:
        raise ImageTooLargeError(
            f"the .ddm header describes a {header.width}×{header.height} image ({header.positions} pixels), "
            f"above the decoder's limit of {max_pixels}; raise it with --max-pixels if the file is trusted"
        )


def _reverse_process(
    header: Header,
    model: DenoisingModel,
    calibration: Calibration | None,
    code: Callable[[np.ndarray | NarrowTables, torch.Tensor, int], np.ndarray],
    progress: Progress | None,
) -> torch.Tensor:
    """The shared denoising loop; ``code`` codes (or decodes) one batch of values."""
    positions_total = header.positions
    order = make_order(header.order, header.height, header.width, header.order_seed)
    counts = step_counts(header.schedule, positions_total, header.steps)
    canvas = masked_canvas(header.height, header.width, header.channels)
    session = None
    if isinstance(model, AdaptiveModel):
        mode = CalibrationMode.ONLINE if header.adaptive else CalibrationMode.OFFLINE if header.calibrated else CalibrationMode.OFF
        session = model.start_image(header.channels, mode)
    revealed = 0
    with torch.inference_mode():
        for t, count in enumerate(counts.tolist()):
            positions = torch.from_numpy(order[revealed : revealed + count])
            mask_ratio = (positions_total - revealed) / positions_total
            tau = calibration.temperature(mask_ratio, t, header.steps) if header.calibrated and calibration else 1.0
            for channel in range(header.channels):
                info = StepInfo(index=t, steps=header.steps, mask_ratio=mask_ratio, channel=channel, channels=header.channels)
                values = []
                # Chunks bound the memory of a big step (a full table row is 2 KiB); the canvas
                # is written only after the whole (step, channel), so every chunk sees what one
                # call would have seen, and the bitstream does not depend on the chunk size.
                # Narrow tables (about 150 B a row) are coded once per (step, channel): their
                # coding order groups rows by width over the whole step.
                narrow = []
                for lo in range(0, len(positions), CHUNK_POSITIONS):
                    part = positions[lo : lo + CHUNK_POSITIONS]
                    if session is None:
                        freqs = frequency_tables(model.logits(canvas, part, info), tau)
                    elif header.narrow:
                        narrow.append(session.tables(canvas, part, info, narrow=True))
                        continue
                    else:
                        freqs = session.tables(canvas, part, info)
                    values.append(np.asarray(code(freqs, part, channel), dtype=np.int64))
                if narrow:
                    values.append(np.asarray(code(NarrowTables.concatenate(narrow), positions, channel), dtype=np.int64))
                canvas[channel].view(-1)[positions] = torch.from_numpy(np.concatenate(values))
            revealed += count
            if progress is not None:
                progress(t + 1, header.steps)
    return canvas
