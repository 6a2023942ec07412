"""What every subcommand module shares: argument types, output, errors, progress."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    pass

PROG = "ddm-sscc"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


SNR_LIMIT_DB = 200.0
"""SNRs beyond ±200 dB are typing errors, not experiments."""


def number_in(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in ``[low, high]`` (``(low, high]`` with ``above``).

    argparse names the flag in its one-line error, so every float option is checked where it
    enters, with its range in the message.
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = math.isfinite(value) and (value > low if above else value >= low) and value <= high
        if not ok:
            if math.isinf(high):
                raise argparse.ArgumentTypeError(f"must be a finite number {'>' if above else '≥'} {low:g}, got {text!r}")
            bracket = "(" if above else "["
            raise argparse.ArgumentTypeError(f"must be a finite number in {bracket}{low:g}, {high:g}], got {text!r}")
        return value

    return parse


positive_float = number_in(0, math.inf, above=True)
"""A finite number > 0."""


def seed_value(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value < 1 << 64:
        raise argparse.ArgumentTypeError("must be in 0..2^64-1")
    return value


def snr_db(text: str) -> float | None:
    """An SNR in dB; ``inf`` means no noise (None)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of dB or inf, got {text!r}") from None
    if value == float("inf"):
        return None
    if value != value or value == float("-inf"):
        raise argparse.ArgumentTypeError(f"expected a finite SNR or inf, got {text!r}")
    if abs(value) > SNR_LIMIT_DB:
        raise argparse.ArgumentTypeError(f"must be within ±{SNR_LIMIT_DB:g} dB (or inf), got {text!r}")
    return value


def radio_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--radio", default="pluto", choices=("pluto",), help="radio kind (default pluto)")
    parser.add_argument("--config", help="Pluto settings (YAML; default: the shipped pluto_2g4.yaml)")
    parser.add_argument("--modem", help="modem settings (YAML; default: the shipped ofdm_default.yaml)")


def fountain_options(parser: argparse.ArgumentParser, *, carousel: bool, what: str = "") -> None:
    """``--repair R`` (and ``--carousel``): the RaptorQ outer code's settings."""
    from ddm_sscc.fec.transfer import MAX_REPAIR

    parser.add_argument(
        "--repair", type=number_in(0, MAX_REPAIR), default=0.0,
        help=f"RaptorQ repair frames per source frame, sent after them (0 to {MAX_REPAIR:g}; default 0){what}",
    )  # fmt: skip
    if carousel:
        parser.add_argument(
            "--carousel", action="store_true",
            help="one-way broadcast: after the source frames, fresh repair frames until stopped "
            "(a receiver that starts late still decodes)",
        )  # fmt: skip


def calibration_option(parser: argparse.ArgumentParser) -> None:
    """``--calibration``, as ``encode``'s, for the commands that code an image to send it."""
    parser.add_argument("--calibration", choices=("off", "offline", "online"), default="online",
                        help="table calibration, as encode's (default online; the fast setting: --model "
                             "ddm-featmlp-compact-v1 --steps 16 --calibration offline)")


def output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--force", action="store_true", help="overwrite an existing output file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


@contextlib.contextmanager
def step_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over denoising steps on stderr, shown only on a terminal."""
    from tqdm import tqdm

    with tqdm(desc=label, unit="step", leave=False, disable=not sys.stderr.isatty()) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def emit(args: argparse.Namespace, record: dict[str, Any], summary: str) -> None:
    print(json.dumps(record) if args.json else summary)


def summary_out(args: argparse.Namespace, summary) -> int:
    if args.json:
        print(summary.to_json())
    else:
        print("\n".join(summary.lines()))
        ppm = summary.extra.get("cfo_ppm")
        if ppm is not None:
            cfo = summary.extra.get("rx_cfo_estimate_hz")
            line = f"measured CFO {cfo:+.0f} Hz = {ppm:+.2f} ppm"
            xo = summary.extra.get("xo_correction_suggested")
            print(line + (f"; xo_correction {xo} on this receiver would remove it" if xo else ""))
    return 0 if summary.exact else 1
