"""The ``ddm-sscc`` command line.

Every subcommand prints a short human summary, or one JSON object with
``--json``.  Errors the user can cause print ``ddm-sscc: error: <message>``
on one line and exit with status 1 (2 for usage errors).

One module per group of subcommands owns their parsers and handlers
(:mod:`.codec`, :mod:`.training`, :mod:`.link`, :mod:`.radio`, :mod:`.recording`,
:mod:`.experiments`); this module only assembles them and runs one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ddm_sscc import __version__
from ddm_sscc.cli import codec, experiments, link, radio, recording, training
from ddm_sscc.cli.common import PROG, fail, positive_int
from ddm_sscc.codec.threads import use_codec_threads, use_torch_threads
from ddm_sscc.errors import DdmError

COMMANDS = codec.COMMANDS | training.COMMANDS | experiments.COMMANDS | link.COMMANDS | radio.COMMANDS | recording.COMMANDS
ORDER = ("encode", "decode", "info", "pack-crops", "train", "export-model", "bench", "per", "link", "radios", "tx", "rx",
         "loopback", "capture", "replay", "sweep", "models")
"""The order of the subcommands in ``--help``."""
assert set(ORDER) == set(COMMANDS)
THREADS_OF_TORCH = frozenset({"train"})
"""Subcommands whose ``--threads`` is torch's thread count, and torch's own count without it (training
is large GEMMs, which more threads speed up); every other one codes with one thread and runs the
network's GEMMs with ``--threads`` (default two: ``ddm_sscc/codec/threads.py``)."""


class _OneLineErrors(argparse.ArgumentParser):
    """Usage errors are one line too (exit status 2), naming the flag and pointing at ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _OneLineErrors(prog=PROG, description="Lossless image transmission with a discrete-diffusion codec.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--threads", type=positive_int,
                        help="threads for the codec network's GEMMs, the rest codes on one, which is faster "
                             "(ddm_sscc/codec/threads.py); default 2 (1 on one core); torch's thread count for "
                             "train (default torch's own); never changes the output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in ORDER:
        COMMANDS[name][0](sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command not in THREADS_OF_TORCH:
            use_codec_threads(args.threads)
        elif args.threads:
            use_torch_threads(args.threads)
        return COMMANDS[args.command][1](args)
    except DdmError as exc:
        return fail(str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}")
    except MemoryError:
        return fail("out of memory")
    except RuntimeError as exc:  # torch's allocator reports exhaustion as a RuntimeError
        if "allocate" in str(exc) and "memory" in str(exc):
            return fail("out of memory")
        raise
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
