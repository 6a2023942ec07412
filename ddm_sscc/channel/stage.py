"""The streaming-stage contract shared by every channel model and impairment.

A stage maps an input stream of complex baseband samples to an output stream.
``process(x)`` takes the next samples of the stream (1-D, any numeric dtype,
converted to complex) and returns the next output samples as a 1-D
``complex64`` array; all state (time index, phase, fading realisation, filter
history) is kept between calls, so any split of a stream into chunks gives the
same concatenated output as one call.

Stages that interpolate (tapped-delay-line fading, fractional timing offset,
sampling-clock offset) are *delay compensated*: an output sample is aligned
with the input sample at the same index, so a zero-delay channel adds no
delay.  They therefore hold back the last few samples of each call (the
filter's look-ahead) until later input arrives; ``flush()`` ends a burst by
returning them, computed as if the input were followed by zeros.  Over a
whole stream, ``process`` + ``flush`` return exactly as many samples as were
given (except for a sampling-clock offset, which changes the rate).
``process_burst(x)`` does both for a single burst.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EMPTY = np.zeros(0, dtype=np.complex64)


def as_samples(x: object) -> np.ndarray:
    """``x`` as a 1-D ``complex128`` array (computation precision); refuses other shapes."""
    array = np.asarray(x)
    if array.ndim != 1:
        raise ValueError(f"channel input must be a 1-D array of samples, got shape {array.shape}")
    return array.astype(np.complex128, copy=False)


class Stage:
    """Base class of streaming stages; subclasses implement :meth:`_process`."""

    def process(self, x: object) -> np.ndarray:
        """The next output samples for the next input samples ``x``: ``complex64``, shape ``(m,)``."""
        samples = as_samples(x)
        if samples.size == 0:
            return EMPTY.copy()
        return np.asarray(self._process(samples), dtype=np.complex64)

    def flush(self) -> np.ndarray:
        """The held-back output samples at the end of a burst (``complex64``; empty for memoryless stages)."""
        return EMPTY.copy()

    def process_burst(self, x: object) -> np.ndarray:
        """``process(x)`` followed by ``flush()``: a whole burst in, its whole output out (``complex64``)."""
        return np.concatenate([self.process(x), self.flush()])

    def _process(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Chain(Stage):
    """Stages applied in order; itself a streaming stage.  An empty chain is the identity."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages: tuple[Stage, ...] = tuple(stages)

    def _process(self, x: np.ndarray) -> np.ndarray:
        for stage in self.stages:
            x = stage.process(x)
        return x

    def flush(self) -> np.ndarray:
        # What one stage releases at the end still has to pass through the stages after it.
        y = EMPTY.copy()
        for stage in self.stages:
            y = np.concatenate([stage.process(y), stage.flush()])
        return y
