"""Make the reference SigMF recordings in capture/ (see capture/README.md).

    .venv/bin/python capture/make_references.py [--force] [--out DIR] [--only NAME ...]

Each recording is a simulated ADALM-PLUTO-like capture of one image: a 96×128 crop of
``builtin:astronaut`` (rows 100:196, columns 180:308), coded with the default model and
steps (the committed ones: 16 steps, the default when they were made), framed at qpsk-1/2 with 1024-byte payloads, sent once with gaps of 2000–20000
samples and 20000 noise-only samples before and after, through the channel below,
annotated by a fresh receiver and written as ci16_le (12-bit codes, ``ddm_sscc:full_scale``
2048).  After writing, every recording is replayed and must give the image back exactly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import DdmError
from ddm_sscc.image_io import builtin_image
from ddm_sscc.recording import SOURCE_KEY, annotate_bursts, replay_recording, simulate_capture, write_recording

IMAGE = "builtin:astronaut"
CROP = (slice(100, 196), slice(180, 308))
CROP_TEXT = "rows 100:196, columns 180:308"
FREQUENCY = 2.45e9
HW = "simulated ADALM-PLUTO-like receiver (ddm_sscc.channel: 12-bit ADC, AGC steps, CFO, SCO, IQ imbalance, DC)"

PLUTO_LIKE = {
    "cfo_hz": 25e3,  # ≈ 10 ppm at 2.45 GHz
    "sco_ppm": 10.0,
    "timing_offset": 0.3,
    "phase_noise_linewidth_hz": 50.0,
    "iq_amplitude_db": 0.2,
    "iq_phase_deg": 1.5,
    "dc_offset": [0.02, 0.01],
    "agc_step_db": 2.0,
    "agc_step_interval": 100_000,
    "adc_bits": 12,
    "adc_full_scale": 4.0,
}

REFERENCES = {
    "awgn_pluto_like": {
        "channel": {"kind": "awgn", "snr_db": 15.0, **PLUTO_LIKE},
        "sample_rate": 2e6,
        "seed": 1,
        "description": "AWGN 15 dB with Pluto-like impairments, 2 MS/s",
    },
    "epa_pluto_like": {
        "channel": {"kind": "selective", "profile": "EPA", "doppler_hz": 1.0, "snr_db": 25.0, **PLUTO_LIKE},
        "sample_rate": 2e6,
        "seed": 4,
        "description": "EPA fading (1 Hz Doppler), 25 dB, with Pluto-like impairments, 2 MS/s",
    },
    "awgn_pluto_like_2m083": {
        "channel": {"kind": "awgn", "snr_db": 15.0, **PLUTO_LIKE},
        "sample_rate": 25e6 / 12,
        "seed": 3,
        "description": "AWGN 15 dB with Pluto-like impairments at 25/12 MS/s (AD9361's lowest rate "
        "without FIR decimation): the modem's 2 MS/s stream resampled by 25/24",
    },
}


def make(name: str, spec: dict, out: Path, force: bool) -> None:
    pixels = builtin_image(IMAGE.removeprefix("builtin:"))[CROP]
    channel = ChannelConfig.from_dict(spec["channel"])
    samples, info = simulate_capture(pixels, channel, sample_rate=spec["sample_rate"], seed=spec["seed"])
    annotations = annotate_bursts(samples, sample_rate=spec["sample_rate"])
    settings = info["settings"] | {"image": IMAGE, "crop": CROP_TEXT}
    meta, data = write_recording(
        out / name,
        samples,
        spec["sample_rate"],
        frequency=FREQUENCY,
        datatype="ci16_le",
        hw=HW,
        recorder="ddm-sscc capture/make_references.py (simulate_capture)",
        description=f"{spec['description']}; image {IMAGE} cropped to {CROP_TEXT}",
        extra_global={
            "ddm_sscc:image_sha256": info["image_sha256"],
            "ddm_sscc:session_id": info["session_id"],
            "ddm_sscc:settings": settings,
            SOURCE_KEY: {k: info[k] for k in ("bpsp", "subpixels", "frames", "source_symbols", "repair", "n_channel_uses")},
        },
        annotations=annotations,
        force=force,
    )
    ok = sum(bool(a.get("ddm_sscc:payload_ok")) for a in annotations)
    with tempfile.TemporaryDirectory() as tmp:
        summary = replay_recording(meta, Path(tmp) / "image.png")
    print(
        f"{meta.name}: {samples.size} samples at {spec['sample_rate']:.6g} S/s, {data.stat().st_size} bytes, "
        f"{len(annotations)} bursts annotated ({ok} intact), ADC clipped {info['adc_clipped']}, "
        f"{info['agc_steps']} AGC steps; replay: exact={summary.exact}, "
        f"{summary.frames_received}/{summary.frames_sent} frames"
    )
    if not summary.exact or summary.extra.get("image_sha256") != info["image_sha256"]:
        raise SystemExit(f"{name}: the replay did not recover the image exactly")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="replace existing recordings")
    parser.add_argument("--out", type=Path, default=HERE, help="output directory (default: capture/)")
    parser.add_argument("--only", nargs="+", choices=sorted(REFERENCES), help="make only these")
    args = parser.parse_args()
    try:
        for name in args.only or REFERENCES:
            make(name, REFERENCES[name], args.out, args.force)
    except DdmError as exc:
        raise SystemExit(f"make_references: error: {exc}") from None


if __name__ == "__main__":
    main()
