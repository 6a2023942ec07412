"""Zero padding of TX bursts to whole radio buffers.

Why: both ways of feeding a Pluto move samples in buffers, not one by one.

* A gr-iio Pluto sink collects ``buffer_size`` samples before it pushes anything to
  the radio; the tail of the last burst waits until the next samples fill its buffer.
  Padding a transmission to a multiple of ``buffer_size`` sends every burst *now*, and
  whole.
* A cyclic pyadi-iio buffer (``tx_cyclic_buffer = True``) repeats exactly the array
  given to ``tx()``, end joined to start.  The zeros make the gap between the last
  burst of one cycle and the first burst of the next; ``lead`` zeros guarantee such a
  gap even when the bursts happen to fill whole buffers.

``lead`` zeros go first: a receiver (and an AGC) sees silence before the first STF,
and no burst starts in the very first samples a radio emits after starting a buffer.
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.errors import ConfigError


def _non_negative_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def pad_to_buffer(samples: np.ndarray, buffer_size: int, lead: int = 0) -> np.ndarray:
    """``lead`` zeros, then ``samples``, then zeros up to a multiple of ``buffer_size``.

    Args:
        samples: (L,) complex baseband samples (any complex or real dtype).
        buffer_size: radio buffer length in samples, ≥ 1.
        lead: zeros before the samples, ≥ 0.

    Returns:
        (k·buffer_size,) complex64 with ``k = ceil((lead + L) / buffer_size)``, at least 1;
        ``out[lead:lead + L] == samples``, zeros elsewhere.
    """
    size = _non_negative_int("buffer_size", buffer_size, 1)
    lead = _non_negative_int("lead", lead, 0)
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ConfigError(f"samples must be a 1-D array, got shape {x.shape}")
    used = lead + x.size
    total = max(1, -(-used // size)) * size
    out = np.zeros(total, dtype=np.complex64)
    out[lead:used] = x
    return out
