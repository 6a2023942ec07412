"""How much the channel estimator's delay window costs on AWGN: FER with the default window and a shorter one.

    .venv/bin/python benchmarks/estimator_taps.py [--frames 800] [--snr 0.75,1.0] [--max-delay 6] [--seed 31]

``ddm-sscc per`` (qpsk-1/2, AWGN, 1024-byte payloads, CFO ±20 kHz) twice on the same
seed, so the same noise: once with the receiver's estimator as shipped (taps from −(backoff+2)
to the cyclic prefix, 23 for the default numerology) and once with the window cut to
``--max-delay`` taps after the FFT window start.  A flat channel needs only the few taps of
the timing backoff and the fractional delay; every extra tap adds estimation noise.  The cut
window would lose multipath channels whose delay spread exceeds it: this is a measurement of
the loss, not a setting to ship.
"""

from __future__ import annotations

import argparse

from ddm_sscc.experiments import per
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm import channel_estimation


def run(frames: int, snrs: list[float], seed: int) -> list[per.PerPoint]:
    settings = per.PerSettings(mcs=mcs_by_name("qpsk-1/2"), channel="awgn", payload_len=1024, seed=seed)
    return per.run_per(settings, snrs, frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=800)
    parser.add_argument("--snr", default="0.75,1.0", help="comma-separated SNR points, dB")
    parser.add_argument("--max-delay", type=int, default=6, help="last tap of the shortened window")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    snrs = [float(x) for x in args.snr.split(",")]
    shipped = run(args.frames, snrs, args.seed)
    original_init = channel_estimation.ChannelEstimator.__init__

    def shortened(self, config, max_delay=None, pre_taps=4):  # noqa: ANN001 - same signature as the original
        original_init(self, config, max_delay=args.max_delay, pre_taps=pre_taps)

    channel_estimation.ChannelEstimator.__init__ = shortened
    try:
        short = run(args.frames, snrs, args.seed)
    finally:
        channel_estimation.ChannelEstimator.__init__ = original_init
    print(f"qpsk-1/2, AWGN, {args.frames} frames per point, seed {args.seed}; FER (same noise for both)")
    print(f"{'SNR dB':>7} {'shipped window':>15} {'max_delay ' + str(args.max_delay):>14} {'reference':>10}")
    for a, b in zip(shipped, short):
        print(f"{a.snr_db:7.2f} {a.fer:15.4f} {b.fer:14.4f} {a.fer_reference:10.4f}")


if __name__ == "__main__":
    main()
