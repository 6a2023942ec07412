"""What the channel estimator's delay window costs: FER with the adaptive window and with fixed ones.

    .venv/bin/python benchmarks/estimator_taps.py [--frames 800] [--snr 0.75,1.0] [--channel awgn]
        [--profile EPA] [--max-delay 6] [--seed 31]

``ddm-sscc per`` (qpsk-1/2, 1024-byte payloads, CFO ±20 kHz, random fractional timing)
three times on the same seed, so on the same noise and channels:

* ``adaptive``: the receiver as shipped, which fits each burst's delay window by Mallows' C_p
  (:mod:`ddm_sscc.phy.ofdm.channel_estimation`);
* ``widest``: always the widest window, taps −(backoff+2) … cyclic prefix (23 for the default
  numerology), the receiver before the adaptive window;
* ``max_delay N``: a fixed window cut to N taps after the FFT window start.  It would lose
  multipath channels whose delay spread exceeds it: a yardstick, not a setting to ship.
"""

from __future__ import annotations

import argparse

from ddm_sscc.experiments import per
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm import channel_estimation


def run(args: argparse.Namespace, snrs: list[float], **estimator: object) -> list[per.PerPoint]:
    """PER points with every receiver's ChannelEstimator built with ``estimator`` keyword overrides."""
    original_init = channel_estimation.ChannelEstimator.__init__

    def patched(self, config, max_delay=None, pre_taps=4, adaptive=True):  # noqa: ANN001 - same signature
        kwargs = {"max_delay": max_delay, "pre_taps": pre_taps, "adaptive": adaptive, **estimator}
        original_init(self, config, **kwargs)

    channel_estimation.ChannelEstimator.__init__ = patched
    try:
        settings = per.PerSettings(
            mcs=mcs_by_name(args.mcs), channel=args.channel, profile=args.profile, payload_len=1024, seed=args.seed
        )
        return per.run_per(settings, snrs, args.frames)
    finally:
        channel_estimation.ChannelEstimator.__init__ = original_init


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=800)
    parser.add_argument("--snr", default="0.75,1.0", help="comma-separated SNR points, dB")
    parser.add_argument("--mcs", default="qpsk-1/2")
    parser.add_argument("--channel", default="awgn", choices=["awgn", "selective"])
    parser.add_argument("--profile", default="EPA", help="TDL profile for --channel selective")
    parser.add_argument("--max-delay", type=int, default=6, help="last tap of the fixed short window")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    snrs = [float(x) for x in args.snr.split(",")]
    adaptive = run(args, snrs)
    widest = run(args, snrs, adaptive=False)
    short = run(args, snrs, adaptive=False, max_delay=args.max_delay)
    where = args.channel + (f" {args.profile}" if args.channel == "selective" else "")
    print(f"{args.mcs}, {where}, {args.frames} frames per point, seed {args.seed}; FER (same noise for all)")
    print(f"{'SNR dB':>7} {'adaptive':>9} {'widest':>9} {'max_delay ' + str(args.max_delay):>12} {'reference':>10}")
    for a, w, s in zip(adaptive, widest, short):
        print(f"{a.snr_db:7.2f} {a.fer:9.4f} {w.fer:9.4f} {s.fer:12.4f} {a.fer_reference:10.4f}")


if __name__ == "__main__":
    main()
