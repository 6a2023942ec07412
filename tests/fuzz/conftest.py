"""Hypothesis settings profiles for the fuzz tests, chosen by ``DDM_FUZZ_PROFILE``.

* ``default``: 100 examples per test, so ``tests/fuzz`` stays well under 30 s;
* ``fuzz``: 10 000 examples per test and no deadline, for a long hunt
  (``DDM_FUZZ_PROFILE=fuzz .venv/bin/python -m pytest tests/fuzz``);
* ``ci``: the default budget, derandomized (the same examples on every run).

No profile keeps an example database, and Hypothesis' own caches go to the temporary
directory (:func:`tests.fuzz.fuzzers.keep_hypothesis_out_of_the_checkout`), so no
``.hypothesis`` directory appears in the checkout; a failure prints the falsifying example
(add it to ``test_crashers.py``).
``benchmarks/fuzz_parsers.py`` runs the same fuzzers with a far larger budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.fuzz.fuzzers import keep_hypothesis_out_of_the_checkout

keep_hypothesis_out_of_the_checkout()

_COMMON = {
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("default", max_examples=100, deadline=None, **_COMMON)
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=10_000, deadline=None, **_COMMON)
settings.load_profile(os.environ.get("DDM_FUZZ_PROFILE", "default"))
