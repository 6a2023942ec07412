"""Small simulated captures shared by the recording tests (coded once per session)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.recording import SOURCE_KEY, annotate_bursts, simulate_capture, write_recording
from tests.conftest import real_image

PLUTO_LIKE = ChannelConfig(
    kind="awgn",
    snr_db=18.0,
    cfo_hz=20e3,
    sco_ppm=8.0,
    phase_noise_linewidth_hz=50.0,
    iq_amplitude_db=0.2,
    iq_phase_deg=1.0,
    dc_offset=0.01 - 0.02j,
    agc_step_db=2.0,
    agc_step_interval=30_000,
    adc_bits=12,
    adc_full_scale=4.0,
)


@dataclass(frozen=True)
class Capture:
    pixels: np.ndarray
    samples: np.ndarray
    info: dict
    sample_rate: float


def capture_globals(info: dict) -> dict[str, object]:
    """The global keys make_references.py writes for a simulated capture."""
    return {
        "ddm_sscc:image_sha256": info["image_sha256"],
        "ddm_sscc:session_id": info["session_id"],
        "ddm_sscc:settings": info["settings"],
        SOURCE_KEY: {k: info[k] for k in ("bpsp", "subpixels", "frames", "source_symbols", "repair", "n_channel_uses")},
    }


def write_capture(path_base, capture: Capture, datatype: str = "ci16_le", **kwargs):
    """Write ``capture`` with its annotations and globals; returns the meta path."""
    annotations = annotate_bursts(capture.samples, sample_rate=capture.sample_rate)
    meta, _ = write_recording(
        path_base,
        capture.samples,
        capture.sample_rate,
        datatype=datatype,
        frequency=2.45e9,
        annotations=annotations,
        extra_global=capture_globals(capture.info),
        **kwargs,
    )
    return meta


def make_capture(sample_rate: float = 2e6, seed: int = 1, height: int = 24, width: int = 32) -> Capture:
    pixels = real_image(height, width, 3)
    samples, info = simulate_capture(
        pixels, PLUTO_LIKE, max_payload=256, sample_rate=sample_rate, gap=(500, 3000), lead=3000, seed=seed
    )
    return Capture(pixels, samples, info, sample_rate)


@pytest.fixture(scope="session")
def capture() -> Capture:
    """A 24×32 RGB crop at 2 MS/s through the Pluto-like channel: a few frames of 256 bytes."""
    return make_capture()


@pytest.fixture(scope="session")
def capture_2m5() -> Capture:
    """The same image captured at 2.5 MS/s (the modem's stream resampled by 5/4 before the channel)."""
    return make_capture(sample_rate=2.5e6, seed=2)
