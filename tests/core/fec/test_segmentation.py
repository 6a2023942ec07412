"""Code-block segmentation, shortening and repetition rate matching."""

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.ldpc import LdpcCode, LdpcEncoder
from ddm_sscc.fec.segmentation import CodeBlockCoder, combine_repeats, repeat_to

CODER = CodeBlockCoder(LdpcEncoder(LdpcCode.ieee80211n(648, "1/2")))


@pytest.mark.parametrize("n_bits", [1, 100, 324, 325, 1000])
def test_layout_splits_evenly_and_counts_sent_bits(n_bits):
    lay = CODER.layout(n_bits)
    assert lay.info.sum() == n_bits and lay.info.max() - lay.info.min() <= 1 and lay.info.max() <= 324
    assert lay.n_coded == n_bits + lay.n_blocks * 324


def test_shortened_blocks_round_trip_through_bpsk_llrs():
    bits = np.random.default_rng(0).integers(0, 2, 1000, dtype=np.uint8)
    coded = CODER.encode(bits)
    assert coded.size == CODER.layout(1000).n_coded
    out = CODER.decode(4.0 * (1.0 - 2.0 * coded), 1000)
    assert np.array_equal(out.bits, bits) and out.ok.all()


def test_repetitions_are_combined_not_dropped():
    bits = np.random.default_rng(1).integers(0, 2, 200, dtype=np.uint8)
    n_coded = CODER.layout(200).n_coded
    coded = CODER.encode(bits, n_out=2 * n_coded)
    assert np.array_equal(coded[:n_coded], coded[n_coded:])
    llr = 1.0 - 2.0 * coded.astype(np.float32)
    llr[:n_coded] = 0.0  # first copy erased: the repeat alone must carry the message
    assert np.array_equal(CODER.decode(llr, 200).bits, bits)


def test_combine_adds_cyclic_repeats():
    assert np.allclose(combine_repeats(np.arange(7, dtype=np.float32), 3), [0 + 3 + 6, 1 + 4, 2 + 5])


def test_rate_matching_refuses_puncturing_and_short_input():
    with pytest.raises(ConfigError, match="puncturing"):
        repeat_to(np.zeros(10, np.uint8), 5)
    with pytest.raises(ConfigError, match="cannot carry"):
        CODER.decode(np.zeros(10, np.float32), 100)
