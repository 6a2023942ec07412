"""``capture``, ``replay``: SigMF recordings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ddm_sscc.cli.common import (
    emit,
    fountain_options,
    number_in,
    output_options,
    positive_int,
    summary_out,
)
from ddm_sscc.errors import DdmError

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    pass


def _add_capture(sub: argparse._SubParsersAction) -> None:
    cap = sub.add_parser("capture", help="record IQ from a Pluto, a ZeroMQ stream or the simulator as SigMF")
    cap.add_argument("--radio", required=True, choices=("pluto", "zmq", "sim"), help="where the samples come from")
    cap.add_argument("--seconds", type=number_in(0, 600, above=True), default=2.0, help="seconds to record (pluto, zmq; default 2)")
    cap.add_argument("-o", "--output", required=True, help="recording base name, e.g. capture/NAME")
    cap.add_argument("--config", help="Pluto settings (pluto; default: the shipped pluto_2g4.yaml)")
    cap.add_argument("--address", default="tcp://127.0.0.1:5602", help="ZMQ PUB address to subscribe to, e.g. channel_zmq's output (zmq)")
    cap.add_argument("--sample-rate", type=number_in(1e3, 61.44e6), default=2e6, help="sample rate of the ZMQ stream (default 2e6)")
    cap.add_argument("--image", help="image to send (sim), e.g. builtin:astronaut")
    cap.add_argument("--channels", help="channel profiles (sim; default: the shipped channels.yaml)")
    cap.add_argument("--profile", default="pluto-like", help="channel profile name (sim; default pluto-like)")
    cap.add_argument("--seed", type=int, default=0, help="seed of the simulation (sim)")
    fountain_options(cap, carousel=False, what=" (sim)")
    cap.add_argument("--datatype", default="ci16_le", choices=("ci16_le", "cf32_le"), help="sample format (default ci16_le)")
    output_options(cap)


def _add_replay(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("replay", help="run the receiver on a SigMF recording and recover the image")
    rep.add_argument("recording", help="NAME.sigmf-meta (or NAME)")
    rep.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    rep.add_argument("--max-pixels", type=positive_int, default=1 << 26,
                     help="refuse images with more pixels (H·W) before decoding (default 2^26 = 67108864)")
    output_options(rep)


def _capture(args: argparse.Namespace) -> int:
    from ddm_sscc.output_file import check_output
    from ddm_sscc.recording.capture import record_capture
    from ddm_sscc.recording.sigmf_recording import recording_paths

    for path in recording_paths(args.output):  # refuse before recording seconds of IQ
        check_output(path, args.force)
    extra: dict[str, Any] = {}
    sha = None
    if args.radio == "pluto":
        from ddm_sscc.radio.config import DEFAULT_PLUTO_CONFIG, load_pluto_config
        from ddm_sscc.radio.pluto import PlutoRadio

        config = load_pluto_config(args.config or DEFAULT_PLUTO_CONFIG)
        rate, frequency, hw = config.sample_rate, config.center_frequency, f"ADALM-PLUTO at {config.uri}"
        extra["ddm_sscc:radio_config"] = config.model_dump()
        with PlutoRadio(config) as radio:
            samples = radio.receive(int(round(args.seconds * rate)), flush=True)
    elif args.radio == "zmq":
        from ddm_sscc.radio.zmq_source import capture_zmq

        rate, frequency, hw = args.sample_rate, None, f"ZeroMQ stream {args.address}"
        samples = capture_zmq(args.address, int(round(args.seconds * rate)))
    else:
        from ddm_sscc.radio.config import DEFAULT_CHANNEL_PROFILES, load_channel_profiles
        from ddm_sscc.recording.simulated_capture import simulate_capture

        if not args.image:
            raise DdmError("--radio sim needs --image")
        args.channels = args.channels or str(DEFAULT_CHANNEL_PROFILES)
        profiles = load_channel_profiles(args.channels)
        if args.profile not in profiles:
            raise DdmError(f"{args.channels}: no profile {args.profile!r} (known: {', '.join(profiles)})")
        channel = profiles[args.profile]
        samples, info = simulate_capture(args.image, channel, seed=args.seed, repair=args.repair)
        rate, frequency, hw = 2e6, None, "ddm-sscc simulated channel"
        sha = str(info["image_sha256"])
        extra["ddm_sscc:settings"] = info["settings"]
        extra["ddm_sscc:source"] = {k: info[k] for k in ("bpsp", "subpixels", "frames", "source_symbols", "repair", "n_channel_uses")}
    result = record_capture(
        samples, rate, args.output, frequency=frequency, hw=hw, datatype=args.datatype, extra_global=extra,
        description=f"ddm-sscc capture --radio {args.radio}", image_sha256=sha, force=args.force,
    )  # fmt: skip
    record = result.record()
    summary = (
        f"{record['meta']}: {record['samples']} samples ({record['seconds']:.2f} s at {rate / 1e6:g} MS/s), "
        f"{record['bursts']} bursts ({record['bursts_ok']} intact)"
        + (f", image sha256 {sha[:16]}…" if (sha := record["image_sha256"]) else "")
    )
    emit(args, record, summary)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from ddm_sscc.recording.replay import replay_recording

    return summary_out(args, replay_recording(args.recording, args.output, force=args.force, max_pixels=args.max_pixels))


COMMANDS = {"capture": (_add_capture, _capture), "replay": (_add_replay, _replay)}
"""Subcommand name → (adds its parser, runs it)."""
