"""Fuzz the four input parsers with a large budget and report what each did.

    nice .venv/bin/python benchmarks/fuzz_parsers.py [--inputs 100000] [--parsers container framing sigmf yaml]
                                                     [--seed 0] [--timeout 10] [--weights 3,3,2,2]

The fuzzers are those of ``tests/fuzz`` (:mod:`tests.fuzz.fuzzers`): the ``.ddm``
container, link-layer frames and reassembly, SigMF metadata, and the radio configuration
YAML.  ``--inputs`` generated inputs in total are split among the parsers by ``--weights``
(and within a parser evenly among its fuzzers); Hypothesis generates them (generation
phase only: no shrinking, no example database).

Per parser it prints the inputs run; the outcomes: *accepted* (a valid input, every
property held) or *refused* with a one-line error of the parser's own class; the slowest
input's time (the garbage collector is paused during each input, so Hypothesis' own heap
does not bill its collections to a parser) and that input re-run three times (best time:
a slow input stays slow, a scheduling hiccup does not); the process's peak memory so far
(``resource.getrusage``, ``ru_maxrss``: Hypothesis' bookkeeping included) and its growth
during the parser's run; and every *unexpected* outcome with its input: an
exception other than the one-line error, a broken property (``AssertionError``) or an
input that ran longer than ``--timeout`` seconds (a hang).  The exit status is 1 when
there was any.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core; must precede the numpy import

import argparse
import collections
import gc
import resource
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fuzz

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.fuzz.fuzzers import ACCEPTED, PARSERS, REFUSED

UNEXPECTED = "unexpected"
_INPUT_LIMIT = 400  # characters of an input's repr that are printed


class InputTimeout(Exception):
    """One input ran longer than ``--timeout`` seconds."""


def _alarm(signum, frame):
    raise InputTimeout


@dataclass
class Stats:
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    slowest: float = 0.0
    slowest_input: str = ""
    slowest_value: object = None
    slowest_target: object = None
    unexpected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return sum(self.outcomes.values())


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _INPUT_LIMIT else text[:_INPUT_LIMIT] + f"… ({len(text)} characters)"


def fuzz(target, strategy, budget: int, stats: Stats, timeout: float, run_seed: int) -> None:
    """Run ``target`` on ``budget`` inputs drawn from ``strategy``, recording every outcome in ``stats``."""

    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(run_seed)
    @given(strategy)
    def one(value):
        gc.disable()
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            outcome = target(value)
            assert outcome in (ACCEPTED, REFUSED), f"target returned {outcome!r}"
        except InputTimeout:
            outcome = UNEXPECTED
            stats.unexpected.append((f"no answer within {timeout:g} s (a hang)", _shown(value)))
        except Exception as exc:  # noqa: BLE001  (everything else is what the fuzzer looks for)
            outcome = UNEXPECTED
            message = " ".join(str(exc).split())[:300]
            stats.unexpected.append((f"{type(exc).__name__}: {message}", _shown(value)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - started
            gc.enable()
        stats.outcomes[outcome] += 1
        if elapsed > stats.slowest:
            stats.slowest, stats.slowest_input, stats.slowest_value, stats.slowest_target = (
                elapsed,
                _shown(value),
                value,
                target,
            )

    one()


def retime(stats: Stats, repeats: int = 3) -> float:
    """Best of ``repeats`` runs of the slowest input (GC paused, as in the fuzzing)."""
    best = float("inf")
    for _ in range(repeats):
        gc.disable()
        started = time.perf_counter()
        try:
            stats.slowest_target(stats.slowest_value)
        except Exception:  # noqa: BLE001, S110  (already reported)
            pass
        finally:
            best = min(best, time.perf_counter() - started)
            gc.enable()
    return best


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="generated inputs in total (default 100000)")
    parser.add_argument("--parsers", nargs="+", choices=sorted(PARSERS), default=list(PARSERS))
    parser.add_argument(
        "--weights",
        default="3,3,2,2",
        help="shares of the budget for container,framing,sigmf,yaml (default 3,3,2,2: the file-based two are slower)",
    )
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds after which one input counts as a hang")
    args = parser.parse_args()
    weights = dict(zip(PARSERS, (float(w) for w in args.weights.split(",")), strict=True))
    total_weight = sum(weights[name] for name in args.parsers)
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")  # RuntimeWarnings of refused inputs are not outcomes

    print(f"fuzz_parsers: {args.inputs} inputs, seed {args.seed}, per-input timeout {args.timeout:g} s")
    print(f"{'parser':<10} {'inputs':>8} {'accepted':>9} {'refused':>9} {'unexpected':>10} "
          f"{'slowest s':>10} {'peak MiB':>9} {'growth':>7} {'wall s':>7}")  # fmt: skip
    started_all = time.perf_counter()
    reports = []
    any_unexpected = False
    for name in args.parsers:
        budget = round(args.inputs * weights[name] / total_weight)
        stats = Stats()
        before = peak_mib()
        started = time.perf_counter()
        fuzzers = PARSERS[name]
        for i, (target, strategy) in enumerate(fuzzers):
            share = budget // len(fuzzers) + (1 if i < budget % len(fuzzers) else 0)
            fuzz(target, strategy, share, stats, args.timeout, args.seed + i)
        wall = time.perf_counter() - started
        after = peak_mib()
        print(
            f"{name:<10} {stats.inputs:>8} {stats.outcomes[ACCEPTED]:>9} {stats.outcomes[REFUSED]:>9} "
            f"{stats.outcomes[UNEXPECTED]:>10} {stats.slowest:>10.4f} {after:>9.1f} {after - before:>7.1f} {wall:>7.1f}",
            flush=True,
        )
        reports.append((name, stats))
        any_unexpected |= bool(stats.unexpected)
    print(f"total: {sum(s.inputs for _, s in reports)} inputs in {time.perf_counter() - started_all:.1f} s")
    for name, stats in reports:
        again = retime(stats) if stats.slowest_target is not None else float("nan")
        print(
            f"\n{name}: slowest input ({stats.slowest:.4f} s; re-run: best of 3 {again:.4f} s): {stats.slowest_input}"
        )
        if not stats.unexpected:
            print(f"{name}: no unexpected exception")
        for problem, value in stats.unexpected[:20]:
            print(f"{name}: UNEXPECTED {problem}\n    input: {value}")
        if len(stats.unexpected) > 20:
            print(f"{name}: … {len(stats.unexpected) - 20} more unexpected outcomes")
    return 1 if any_unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
