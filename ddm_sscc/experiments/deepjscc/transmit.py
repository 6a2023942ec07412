"""One image through DeepJSCC and the simulated channel: pixels in, reconstructed pixels and channel uses out."""

from __future__ import annotations

import numpy as np
import torch

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ImageError
from ddm_sscc.experiments.deepjscc.channel_adapter import send_symbols
from ddm_sscc.experiments.deepjscc.model import DeepJscc


@torch.no_grad()
def deepjscc_transmit(model: DeepJscc, pixels: np.ndarray, channel: ChannelConfig) -> tuple[np.ndarray, int]:
    """Encode, send over ``channel`` (:func:`send_symbols`, ideal coherent receiver) and decode one image.

    Greyscale images are sent as three equal channels, and the three decoded
    channels are averaged back into one.  Deterministic: the same model, image
    and channel config (seed included) give the same output.

    Args:
        model: a :class:`DeepJscc` (run in eval mode, on CPU).
        pixels: uint8 ``(H, W, C)`` with ``C`` 1 or 3.
        channel: the channel, ``kind`` ``"awgn"`` or ``"rayleigh"``.

    Returns:
        ``(recon, n_channel_uses)``: uint8 ``(H, W, C)``, and the number of complex
        symbols sent, ``model.n_symbols(H, W)`` (for the unified SNR).
    """
    array = np.asarray(pixels)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (1, 3) or min(array.shape[:2]) < 1:
        raise ImageError(f"DeepJSCC sends uint8 (H, W, 1|3) images, got {array.dtype} {array.shape}")
    h, w, c = array.shape
    rgb = np.repeat(array, 3, axis=2) if c == 1 else array
    was_training = model.training
    model.eval()
    images = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).to(torch.float32)[None] / 255.0
    symbols = model.encode(images)[0].numpy()
    received = torch.from_numpy(send_symbols(symbols, channel))[None]
    out = model.decode(received, h, w)[0].numpy().transpose(1, 2, 0).astype(np.float64)  # (H, W, 3) in [0, 1]
    model.train(was_training)
    if c == 1:
        out = out.mean(axis=2, keepdims=True)
    recon = np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
    return recon, int(symbols.size)
