"""One digital trial over the simulated OFDM link."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.experiments.sweep import link_trial
from ddm_sscc.experiments.sweep.batched_receiver import _RecordingFormat, decode_payloads
from ddm_sscc.experiments.sweep.link_trial import fractional_delay, link_bursts, run_digital_trial
from ddm_sscc.experiments.sweep.source_coding import make_source
from ddm_sscc.experiments.sweep.tasks import TrialTask
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.burst_format import BurstFormat
from tests.core.experiments.sweep.conftest import quick_settings


def task(system: str, snr: float, channel: str = "awgn", mcs: str = "qpsk-1/2", trial: int = 0) -> TrialTask:
    return TrialTask("a.png", 0, system, channel, snr, trial, mcs, mcs, 12 * 16)


@pytest.mark.parametrize("system", ["ddm", "jpegxl", "png", "raw"])
def test_high_snr_is_exact_and_hopeless_snr_is_not(system, tiny_images):
    settings = quick_settings()
    source = make_source(tiny_images[0][1], system, settings)
    good = run_digital_trial(task(system, 15.0), source, settings)
    bad = run_digital_trial(task(system, -8.0), source, settings)
    assert good.exact and good.frames_lost == 0 and good.frames_sent >= 1
    assert not bad.exact and bad.frames_lost == bad.frames_sent
    assert good.n_cu == sum(b.size for b in link_bursts(source, "qpsk-1/2", 1024).bursts)
    assert good.source_bits == source.bits and good.bpsp == pytest.approx(source.bpsp)
    expected_unified = 15.0 + 10 * np.log10(good.n_cu / source.subpixels)
    assert good.snr_unified_db == pytest.approx(expected_unified)
    assert good.psnr is None and good.fading_blocks == 0
    assert good.repair == 0.0 and good.frames_needed == good.frames_sent and bad.frames_needed is None


def test_repair_frames_carry_the_image_through_lost_frames(tiny_images):
    """Block fading at a middle SNR loses frames; with repair frames any K of them suffice."""
    settings = quick_settings(max_payload=64, channel="rayleigh")
    repaired = quick_settings(max_payload=64, channel="rayleigh", repair=1.0)
    source = make_source(tiny_images[0][1], "raw", settings)
    k = -(-len(source.stream) // 64)
    plain = [run_digital_trial(task("raw", 8.0, "rayleigh", trial=t), source, settings) for t in range(3)]
    coded = [run_digital_trial(task("raw", 8.0, "rayleigh", trial=t), source, repaired) for t in range(3)]
    assert any(r.frames_lost for r in plain) and not all(r.exact for r in plain)
    for row in coded:
        assert row.frames_sent == 2 * k and row.repair == 1.0
        assert row.exact == (row.frames_needed is not None)
    assert sum(r.exact for r in coded) > sum(r.exact for r in plain)
    exact = [r for r in coded if r.exact]
    assert exact and all(k <= r.frames_needed <= k + 3 for r in exact)
    assert any(r.frames_lost for r in exact)  # exact although frames were lost


def test_fast_rayleigh_trials_fade_every_resource_element(tiny_images):
    settings = quick_settings(channel="fast-rayleigh")
    source = make_source(tiny_images[0][1], "raw", settings)
    good = run_digital_trial(task("raw", 25.0, "fast-rayleigh"), source, settings)
    bad = run_digital_trial(task("raw", -5.0, "fast-rayleigh"), source, settings)
    assert good.exact and not bad.exact
    assert good.n_cu == sum(b.size for b in link_bursts(source, "qpsk-1/2", 1024).bursts)
    assert good.fading_blocks > 48 * good.frames_sent  # data subcarriers × OFDM symbols


def test_rayleigh_counts_one_fading_block_per_frame(tiny_images):
    settings = quick_settings(max_payload=200, channel="rayleigh")
    source = make_source(tiny_images[0][1], "raw", settings)
    row = run_digital_trial(task("raw", 40.0, "rayleigh"), source, settings)
    assert row.frames_sent == row.fading_blocks == -(-len(source.stream) // 200)


def test_batched_payload_decoding_gives_the_frames_of_the_plain_receiver(tiny_images):
    # a waterfall SNR with some frames lost and some delivered, at two MCSs
    settings = quick_settings(max_payload=64)
    source = make_source(tiny_images[0][1], "raw", settings)
    for mcs, snr in (("qpsk-1/2", -1.0), ("16qam-3/4", 6.0)):
        rows = [run_digital_trial(task("raw", snr, mcs=mcs), source, settings, batched=b) for b in (True, False)]
        assert rows[0].without_timing() == rows[1].without_timing()
        assert 0 < rows[0].frames_lost < rows[0].frames_sent


def test_burst_draws_place_each_burst_after_its_gap_and_replay_the_trials_channels(tiny_images):
    settings = quick_settings(max_payload=64)
    source = make_source(tiny_images[0][1], "raw", settings)
    link = link_bursts(source, "qpsk-1/2", 64)
    draws = list(link_trial.burst_draws(link, np.random.default_rng(5), 20e3))
    again = list(link_trial.burst_draws(link, np.random.default_rng(5), 20e3))
    assert [d.index for d in draws] == list(range(len(link.bursts))) and len(draws) > 2
    for draw, burst in zip(draws, link.bursts):
        tail = link_trial.HALF_WIDTH + (link_trial.TAIL if draw.index == len(draws) - 1 else 0)
        gap = draw.segment.size - burst.size - tail
        assert link_trial.GAP_MIN <= gap < link_trial.GAP_MAX
        assert np.array_equal(draw.segment[gap : gap + burst.size], burst) and not draw.segment[:gap].any()
        assert abs(draw.cfo_hz) <= 20e3 and 0 <= draw.timing < 1
    assert [(d.cfo_hz, d.timing, d.seed) for d in draws] == [(d.cfo_hz, d.timing, d.seed) for d in again]
    # the same draw through the same channel twice: the same samples (the replay tool relies on it)
    first = link_trial.through_channel(draws[1], "awgn", 3.0)
    assert np.array_equal(first, link_trial.through_channel(draws[1], "awgn", 3.0))
    assert not np.array_equal(first, link_trial.through_channel(dataclasses.replace(draws[1], seed=7), "awgn", 3.0))


def test_decode_payloads_matches_burst_format_bit_for_bit():
    rng = np.random.default_rng(3)
    fmt = BurstFormat()
    records = []
    for mcs_name, length in (("qpsk-1/2", 1024), ("qpsk-1/2", 37), ("64qam-5/6", 500)):
        mcs = mcs_by_name(mcs_name)
        n_bits = fmt.payload_capacity(mcs, length)[0]
        llr = (rng.standard_normal(n_bits) * 3 + 1.5).astype(np.float32)
        records.append((mcs, length, llr))
    headers = [single_symbol_header(1, length, mcs.id) for mcs, length, _ in records]
    got = decode_payloads(records, headers, fmt.max_iter)
    for (mcs, length, llr), payload in zip(records, got):
        raw, _ = fmt.decode_payload_llr(mcs, length, llr)
        assert payload is None  # random LLRs fail the CRC …
        assert len(raw) == length + 4
    # … and a clean one decodes: LLRs of the real coded bits
    payload = bytes(range(200))
    mcs = mcs_by_name("qpsk-3/4")
    frame = Frame(single_symbol_header(2, len(payload), mcs.id), payload)
    grid = fmt.payload_grid(mcs, frame.payload_with_crc())
    llr = fmt.constellation(mcs.modulation).demap(grid, np.full(grid.shape, 0.1)).ravel()
    assert decode_payloads([(mcs, len(payload), llr)], [frame.header], fmt.max_iter) == [payload]
    other = single_symbol_header(3, len(payload), mcs.id)  # the CRC-32 covers the header too
    assert decode_payloads([(mcs, len(payload), llr)], [other], fmt.max_iter) == [None]
    recorder = _RecordingFormat(fmt.config, fmt.max_iter)
    assert recorder.decode_payload_llr(mcs, len(payload), llr)[0] == b"" and len(recorder.records) == 1


def test_fractional_delay_matches_the_channel_resampler():
    rng = np.random.default_rng(0)
    x = np.zeros(600, np.complex64)
    x[50:550] = (rng.standard_normal(500) + 1j * rng.standard_normal(500)) / np.sqrt(2)
    for delay in (0.0, 0.25, 0.731):
        reference = Channel(ChannelConfig(timing_offset=delay)).process_burst(x)
        ours = fractional_delay(x, delay)
        assert ours.dtype == np.complex64 and ours.shape == x.shape
        assert np.max(np.abs(ours - reference)) < 1e-5


def test_trials_are_deterministic_and_differ_between_trials(tiny_images):
    settings = quick_settings(max_payload=64)
    source = make_source(tiny_images[0][1], "raw", settings)
    a = run_digital_trial(task("raw", -1.0), source, settings)
    b = run_digital_trial(task("raw", -1.0), source, settings)
    assert a.without_timing() == b.without_timing()
    other = [run_digital_trial(task("raw", -1.0, trial=t), source, settings).frames_lost for t in range(1, 4)]
    assert len(set(other + [a.frames_lost])) > 1  # independent realisations


def test_complete_but_wrong_stream_is_decoded_and_fails(monkeypatch, tiny_images):
    settings = quick_settings()
    source = make_source(tiny_images[0][1], "raw", settings)
    decoded = []

    class Corrupting(Reassembler):
        def data(self, session_id):
            data = bytearray(super().data(session_id))
            data[-1] ^= 0xFF  # an error every CRC missed
            return bytes(data)

    real_decode = link_trial.decode_source

    def spy(stream, system, shape, model=None):
        decoded.append(system)
        return real_decode(stream, system, shape, model)

    monkeypatch.setattr(link_trial, "Reassembler", Corrupting)
    monkeypatch.setattr(link_trial, "decode_source", spy)
    row = run_digital_trial(task("raw", 15.0), source, settings)
    assert row.frames_lost == 0 and not row.exact and decoded == ["raw"]
    broken = dataclasses.replace(source, system="png")  # a PNG decoder on raw bytes: fails, not exact
    assert not run_digital_trial(task("png", 15.0), broken, settings).exact
