import hashlib

import numpy as np
import pytest
import torch

from ddm_sscc.codec.tables import EXP_TABLE, TABLE_TOTAL, frequency_tables, quantize_temperature
from ddm_sscc.errors import CodecError


def logits(n=300, seed=0, spread=6.0):
    return torch.from_numpy(np.random.default_rng(seed).normal(0, spread, (n, 256)).astype(np.float32))


def test_exp_table_is_frozen():
    # The table is part of the bitstream format (version 1): a change here must bump it.
    assert len(EXP_TABLE) == 345
    assert hashlib.sha256(EXP_TABLE.astype("<i8").tobytes()).hexdigest()[:16] == "4507ffac2284e15c"


def test_rows_sum_to_total_and_keep_every_value_codable():
    freqs = frequency_tables(torch.cat([logits(), torch.full((1, 256), -1e30), torch.zeros(1, 256)]))
    assert freqs.dtype == np.int64
    assert np.all(freqs.sum(axis=1) == TABLE_TOTAL)
    assert freqs.min() >= 1
    assert np.all(freqs[-1] == TABLE_TOTAL // 256)  # uniform logits: uniform table


def test_tables_follow_softmax():
    x = logits(50)
    p = torch.softmax(x.double(), dim=1).numpy()
    q = frequency_tables(x) / TABLE_TOTAL
    big = p > 1e-3
    assert np.max(np.abs(q[big] / p[big] - 1)) < 0.07  # logits are quantised to 1/16 nat


def test_temperature_sharpens_and_flattens():
    x = logits(20, spread=1.0)

    def entropy(freqs):
        p = freqs / TABLE_TOTAL
        return float(-(p * np.log2(p)).sum())

    assert entropy(frequency_tables(x, 0.5)) < entropy(frequency_tables(x, 1.0)) < entropy(frequency_tables(x, 2.0))
    assert quantize_temperature(1e-9) == quantize_temperature(1 / 16)


def test_independent_of_chunking_and_threads():
    x = logits(3000)
    whole = frequency_tables(x)
    parts = np.concatenate([frequency_tables(x[:1]), frequency_tables(x[1:777]), frequency_tables(x[777:])])
    assert np.array_equal(whole, parts)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = frequency_tables(x)
    finally:
        torch.set_num_threads(threads)
    assert np.array_equal(whole, single)


def test_bad_logits_are_refused():
    bad = logits(3)
    bad[1, 5] = float("nan")
    with pytest.raises(CodecError, match="NaN"):
        frequency_tables(bad)
    with pytest.raises(CodecError, match="shape"):
        frequency_tables(torch.zeros(3, 255))
    with pytest.raises(CodecError):
        quantize_temperature(0.0)
