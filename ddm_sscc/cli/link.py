"""``link``: an image over the three-process ZeroMQ link."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ddm_sscc.cli.common import (
    PROG,
    calibration_option,
    fountain_options,
    number_in,
    output_options,
    positive_int,
    snr_db,
)
from ddm_sscc.codec.schedule import DEFAULT_STEPS_HELP

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    pass


def _add_link(sub: argparse._SubParsersAction) -> None:
    link = sub.add_parser(
        "link", help="send an image over TX, channel and RX flowgraphs running as three processes (ZeroMQ)"
    )
    link.add_argument("image", help="image file or builtin:NAME")
    link.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    link.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "selective"), help="channel model")
    link.add_argument("--snr", type=snr_db, default=20.0, help="SNR in dB (Es/N0 per sample), or inf (default 20)")
    link.add_argument("--mcs", default="qpsk-1/2", help="payload MCS (default qpsk-1/2)")
    link.add_argument("--cfo-hz", type=number_in(-200e3, 200e3), default=0.0, help="carrier frequency offset in Hz (default 0)")
    link.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (default EPA)")
    link.add_argument("--doppler", type=number_in(0, 1e4), default=0.0, help="maximum Doppler shift in Hz (selective)")
    link.add_argument("--seed", type=int, default=0, help="seed of the channel's random draws (default 0)")
    link.add_argument("--model", default="", help="codec model id (default: the default model)")
    link.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    calibration_option(link)
    link.add_argument("--max-payload", type=positive_int, default=1024, help="payload bytes per frame (default 1024)")
    link.add_argument("--timeout", type=number_in(0, 86400, above=True), default=300.0, help="give up after this many seconds (default 300)")
    link.add_argument(
        "--idle-timeout", type=number_in(0, 3600, above=True), default=8.0, help="end when no frame arrived for this many seconds (default 8)"
    )
    fountain_options(link, carousel=True)
    link.add_argument("--frame-rate", type=number_in(0, 1e5), default=None,
                      help="frames per second the TX sends (default: all at once; 100 with --carousel)")
    link.add_argument("--rx-delay", type=number_in(0, 3600), default=0.0,
                      help="start the receiver this many seconds after the transmitter starts sending (default 0)")
    output_options(link)


def _link_status(state: dict) -> None:
    """One overwritten status line on a terminal while the link runs."""
    tx, rx = state.get("tx"), state.get("rx") or {}
    if tx is None:
        text = "coding the image …"
    else:
        k = tx.get("source_symbols", "?")
        text = f"{rx.get('frames_received', 0)} frames received (K={k}), {rx.get('frames_lost', 0)} lost"
    print(f"\r{PROG} link: {text} ({state['seconds']:.0f} s)\033[K", end="", file=sys.stderr, flush=True)


def _link(args: argparse.Namespace) -> int:
    from ddm_sscc.link.zmq_link import LinkSettings, run_zmq_link

    settings = LinkSettings(
        image=args.image,
        output=args.output,
        channel=args.channel,
        snr_db=args.snr,
        mcs=args.mcs,
        cfo_hz=args.cfo_hz,
        seed=args.seed,
        profile=args.profile,
        doppler_hz=args.doppler,
        model=args.model,
        steps=args.steps,
        calibration=args.calibration,
        max_payload=args.max_payload,
        timeout=args.timeout,
        idle_timeout=args.idle_timeout,
        force=args.force,
        repair=args.repair,
        carousel=args.carousel,
        frame_rate=args.frame_rate if args.frame_rate is not None else (100.0 if args.carousel else 0.0),
        rx_delay=args.rx_delay,
    )
    summary = run_zmq_link(settings, _link_status if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if args.json:
        print(summary.to_json())
    else:
        print("\n".join(summary.lines()))
    return 0 if summary.exact else 1


COMMANDS = {"link": (_add_link, _link)}
"""Subcommand name → (adds its parser, runs it)."""
