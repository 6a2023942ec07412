"""DeepJSCC symbols through the project's simulated channel, with an ideal coherent receiver.

The symbols of one image are one burst of ``n`` complex samples at unit mean
power, passed through :class:`ddm_sscc.channel.Channel` built from the given
:class:`~ddm_sscc.channel.ChannelConfig` (so the noise, fading and seed are
exactly those the digital link gets):

* ``awgn``: ``y = x + n``, returned as received.
* ``rayleigh``: ``y = h·x + n`` with one gain per image (``block_samples=None``)
  or a new gain every ``block_samples`` symbols.  The receiver is ideal and
  coherent: it knows every gain (perfect CSI, from the fading stage's
  ``last_gains``) and equalises symbol by symbol, ``ŷ = conj(h)·y / |h|²``
  (zero forcing; a deep fade leaves a large noise ``n/h``, as it would).
* ``selective``: refused (:class:`ConfigError`): analog symbols sent back to back
  without OFDM would suffer inter-symbol interference, which this baseline does
  not model.

Impairments, AGC steps and ADC quantisation in the config are applied as
configured and not compensated (the OFDM receiver's synchronisation and
estimation have no counterpart here).
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError

MIN_GAIN_POWER = 1e-30
"""|h|² floor of the equaliser, against division by an exact zero."""


def send_symbols(symbols: np.ndarray, config: ChannelConfig) -> np.ndarray:
    """One burst through the channel and the coherent receiver.

    Args:
        symbols: complex ``(n,)``, unit mean power.
        config: the channel; ``kind`` ``"awgn"`` or ``"rayleigh"``.

    Returns:
        complex64 ``(n,)``: the received symbols, equalised for fading.
    """
    if not isinstance(config, ChannelConfig):
        raise ConfigError(f"send_symbols needs a ChannelConfig, got {type(config).__name__}")
    if config.kind == "selective":
        raise ConfigError("DeepJSCC sends single-carrier analog symbols: use channel kind 'awgn' or 'rayleigh'")
    x = np.asarray(symbols).reshape(-1)
    channel = Channel(config)
    # Fading gains of this burst, one per symbol, recorded as the burst passes (the fading stage comes first).
    y = channel.process_burst(x)
    if y.size != x.size:
        raise ConfigError(
            f"the channel changed the number of symbols ({x.size} → {y.size}); drop sco_ppm for DeepJSCC"
        )
    if config.kind == "rayleigh":
        assert channel.fading is not None
        h = channel.fading.last_gains
        y = y * np.conj(h) / np.maximum(np.abs(h) ** 2, MIN_GAIN_POWER)
    return y.astype(np.complex64)
