"""``radios``, ``tx``, ``rx``, ``loopback``: ADALM-PLUTO radios."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ddm_sscc.cli.common import (
    PROG,
    calibration_option,
    emit,
    fountain_options,
    number_in,
    output_options,
    positive_int,
    radio_options,
    summary_out,
)
from ddm_sscc.codec.schedule import DEFAULT_STEPS_HELP
from ddm_sscc.errors import DdmError

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    pass


def _add_radios(sub: argparse._SubParsersAction) -> None:
    radios = sub.add_parser("radios", help="list the IIO contexts (Plutos over USB or the network) libiio can reach")
    radios.add_argument("--json", action="store_true", help="print one JSON object")


def _add_tx(sub: argparse._SubParsersAction) -> None:
    tx = sub.add_parser("tx", help="transmit an image with an ADALM-PLUTO (flowgraphs/tx_pluto.grc)")
    tx.add_argument("image", help="image file or builtin:NAME")
    radio_options(tx)
    tx.add_argument("--repeat", type=positive_int, default=1, help="transmissions of the image (default 1)")
    tx.add_argument("--loop", type=number_in(0, 3600), metavar="INTERVAL", help="repeat forever, INTERVAL s apart (Ctrl-C stops)")
    tx.add_argument("--seconds", type=number_in(0, 1e6, above=True), help="with --loop: stop after this many seconds")
    tx.add_argument("--model", default="", help="codec model id (default: the default model)")
    tx.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    calibration_option(tx)
    fountain_options(tx, carousel=True)
    tx.add_argument("--json", action="store_true", help="print one JSON object")


def _add_rx(sub: argparse._SubParsersAction) -> None:
    rx = sub.add_parser("rx", help="receive an image with an ADALM-PLUTO (flowgraphs/rx_pluto.grc)")
    radio_options(rx)
    rx.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    rx.add_argument("--timeout", type=number_in(0, 86400, above=True), default=120.0, help="give up after this many seconds (default 120)")
    output_options(rx)


def _add_loopback(sub: argparse._SubParsersAction) -> None:
    loop = sub.add_parser("loopback", help="one Pluto, TX cabled to RX through an attenuator (pyadi-iio)")
    loop.add_argument("image", help="image file or builtin:NAME")
    radio_options(loop)
    loop.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    loop.add_argument("--model", default="", help="codec model id (default: the default model)")
    loop.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    calibration_option(loop)
    fountain_options(loop, carousel=False)
    output_options(loop)


def _radio_configs(args: argparse.Namespace):
    from ddm_sscc.radio.config import DEFAULT_MODEM_CONFIG, DEFAULT_PLUTO_CONFIG, load_modem_config, load_pluto_config

    args.config = args.config or str(DEFAULT_PLUTO_CONFIG)
    config = load_pluto_config(args.config)
    modem = load_modem_config(args.modem or DEFAULT_MODEM_CONFIG)
    for warning in config.warnings():
        print(f"{PROG}: warning: {args.config}: {warning}", file=sys.stderr)
    return config, modem


def _radios(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto import list_radios

    found = list_radios()
    if args.json:
        print(json.dumps({"radios": [{"uri": uri, "description": desc} for uri, desc in found]}))
    elif found:
        for uri, desc in found:
            print(f"{uri}\t{desc}")
    else:
        print("no IIO contexts found (is the Pluto plugged in? `iio_info -s` scans the same way)")
    return 0


def _tx(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto_flowgraphs import run_pluto_tx

    config, modem = _radio_configs(args)
    if args.seconds is not None and args.loop is None and not args.carousel:
        raise DdmError("--seconds goes with --loop or --carousel")
    if args.carousel and args.loop is not None:
        raise DdmError("--carousel sends without end already: leave out --loop")
    status = None if args.json else (lambda text: print(f"{PROG} tx: {text}", file=sys.stderr))
    record = run_pluto_tx(
        config, modem, args.image, repeat=args.repeat, loop_interval=args.loop, seconds=args.seconds,
        model=args.model, steps=args.steps, repair=args.repair, carousel=args.carousel, status=status,
        calibration=args.calibration,
    )  # fmt: skip
    summary = (
        f"{args.image}: {record['frames']} frames ({record['mcs']}), {record['bytes']} bytes, {record['bpsp']:.4f} bpsp, "
        f"session 0x{record['session_id']:08x}, {record['airtime_s']:.2f} s on air per transmission, "
        f"{config.center_frequency / 1e6:g} MHz via {config.uri}"
    )
    emit(args, record, summary)
    return 0


def _rx(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto_flowgraphs import run_pluto_rx

    config, _ = _radio_configs(args)
    summary = run_pluto_rx(config, args.output, force=args.force, timeout=args.timeout)
    return summary_out(args, summary)


def _loopback(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.image_loopback import run_image_loopback

    config, modem = _radio_configs(args)
    summary = run_image_loopback(
        config, modem, args.image, args.output, force=args.force, model=args.model, steps=args.steps, repair=args.repair,
        calibration=args.calibration,
    )
    return summary_out(args, summary)


COMMANDS = {"radios": (_add_radios, _radios), "tx": (_add_tx, _tx), "rx": (_add_rx, _rx), "loopback": (_add_loopback, _loopback)}
"""Subcommand name → (adds its parser, runs it)."""
