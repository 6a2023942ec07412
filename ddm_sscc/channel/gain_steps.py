"""AGC-like gain steps: the receive gain jumps by a few dB at random instants.

A radio's automatic gain control changes its analog gain in discrete steps when the
input level drifts; the receiver sees the amplitude jump in the middle of a stream.
Kept simple: steps are instantaneous (no settling transient) and independent of the
signal.

* Events form a Bernoulli process over samples: the gaps between them are geometric
  with mean ``interval`` samples (at least 1), the first one counted from the stream
  start.
* The gain is ``k · step_db`` dB with an integer level ``k`` starting at 0; at each
  event ``k`` moves one step up or down with equal probability, reflected at
  ``±max_steps`` (a level at the bound moves back inward).  So the gain stays within
  ``±max_steps · step_db`` dB.
* ``y[n] = x[n] · 10**(k[n] · step_db / 20)``, the new gain applying from the event's
  sample on.

Random draws happen per event (direction, then the next gap), never per call, so any
chunking gives the same output.
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.channel._checks import bounded, generator, non_negative, positive_int
from ddm_sscc.channel.stage import Stage

MAX_STEP_DB = 20.0
DEFAULT_MAX_STEPS = 2


class GainSteps(Stage):
    """Instantaneous ±``step_db`` gain steps on average every ``interval`` samples (module docstring).

    Args:
        step_db: size of one step in dB (0: the identity, no draws consumed).
        interval: mean samples between steps (a positive int).
        rng: numpy Generator or non-negative int seed.
        max_steps: the level ``k`` stays within ``±max_steps``.

    ``events`` lists ``(sample_index, gain_db)`` of every step applied so far.
    """

    def __init__(
        self, step_db: float, interval: int, rng: np.random.Generator | int, max_steps: int = DEFAULT_MAX_STEPS
    ) -> None:
        self.step_db = non_negative("agc_step_db", step_db)
        bounded("agc_step_db", step_db, MAX_STEP_DB)
        self.interval = positive_int("agc_step_interval", interval)
        self.max_steps = positive_int("max_steps", max_steps)
        self._rng = generator(rng)
        self._p = 1.0 / self.interval
        self._n = 0
        self._level = 0
        self._next = int(self._rng.geometric(self._p)) if self.step_db else -1
        self.events: list[tuple[int, float]] = []

    @property
    def gain_db(self) -> float:
        """The gain (dB) the next sample gets."""
        return self._level * self.step_db

    def _step(self) -> None:
        if abs(self._level) == self.max_steps:
            self._level -= int(np.sign(self._level))
            self._rng.random()  # the direction draw is consumed anyway: one draw per event
        else:
            self._level += 1 if self._rng.random() < 0.5 else -1

    def _process(self, x: np.ndarray) -> np.ndarray:
        start, stop = self._n, self._n + x.size
        self._n = stop
        if not self.step_db:
            return x
        level = np.full(x.size, self._level, dtype=np.float64)
        while self._next < stop:
            self._step()
            level[self._next - start :] = self._level
            self.events.append((self._next, self.gain_db))
            self._next += int(self._rng.geometric(self._p))
        return x * 10.0 ** (level * self.step_db / 20.0)
