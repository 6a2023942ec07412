"""Narrow tables: valid tables, the full table's probabilities factored, and an exact round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddm_sscc.codec.coder import StepDecoder, StepEncoder
from ddm_sscc.codec.feature_weights import reciprocal_table
from ddm_sscc.codec.narrow_tables import NARROW_WIDTHS, NarrowTables
from ddm_sscc.codec.tables import TABLE_TOTAL, LogisticMixtureTables, logistic_cdf_table

TABLES = LogisticMixtureTables(torch.from_numpy(reciprocal_table()), torch.from_numpy(logistic_cdf_table()))


def _params(n: int, seed: int, k: int = 2, max_scale: int | None = None):
    """Mixtures with means over the whole clamped range and narrow to full scales."""
    g = torch.Generator().manual_seed(seed)
    means = torch.randint(-64 * 16, 320 * 16, (n, k), generator=g)
    scales = torch.randint(0, max_scale or len(TABLES.reciprocals), (n, k), generator=g)
    logits = torch.randint(-200, 200, (n, k), generator=g)
    return means, scales, logits


@pytest.fixture(scope="module")
def mixed():
    """Rows of every width: most narrow (small scales), some wide."""
    parts = [_params(3000, 1, max_scale=60), _params(500, 2), _params(400, 3, k=1, max_scale=50)]
    return [torch.cat([p[i] if p[i].shape[1] == 2 else p[i].repeat(1, 2) for p in parts]) for i in range(3)]


def test_groups_partition_the_rows_with_valid_tables(mixed):
    narrow = NarrowTables(TABLES, *mixed)
    assert {g.width for g in narrow.groups} == {*NARROW_WIDTHS, 256}
    rows = torch.cat([g.rows for g in narrow.groups])
    assert sorted(rows.tolist()) == list(range(narrow.rows))
    for g in narrow.groups:
        assert (g.rows[1:] > g.rows[:-1]).all()
        assert g.freqs.shape == (len(g.rows), 256 if g.full else g.width + 1)
        assert g.freqs.min() >= 1 and (g.freqs.sum(axis=1) == TABLE_TOTAL).all()
        assert (g.start >= 0).all() and (g.start + g.width <= 256).all()


def test_they_factor_the_full_tables(mixed):
    """In the window, every value but the mode has its full-table frequency; the escape holds the
    outside values' frequencies (floors included) to within 256 of 2^20; an outside value's
    share of it is its share of the full table's."""
    full = TABLES.frequencies(*mixed)
    narrow = NarrowTables(TABLES, *mixed)
    for g in narrow.groups:
        rows = g.rows.numpy()
        if g.full:
            assert np.array_equal(g.freqs, full[rows])
            continue
        cols = g.start.numpy()[:, None] + np.arange(g.width)
        window = np.take_along_axis(full[rows], cols, axis=1)
        differ = window != g.freqs[:, : g.width]
        assert differ.sum(axis=1).max() <= 1  # only the mode takes the remainder
        outside = full[rows].sum(axis=1) - window.sum(axis=1)
        assert np.abs(g.freqs[:, g.width] - outside).max() < 256
        escaped = torch.ones(len(rows), dtype=torch.bool)
        table = narrow.outside(g, escaped)
        assert table.shape == (len(rows), 256 - g.width) and table.min() >= 1
        assert (table.sum(axis=1) == TABLE_TOTAL).all()
        keep = np.ones((len(rows), 256), dtype=bool)
        np.put_along_axis(keep, cols, False, axis=1)
        expected = full[rows][keep].reshape(len(rows), -1) / outside[:, None]
        assert np.abs(table / TABLE_TOTAL - expected).max() < 2e-3


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(0, 300), far=st.floats(0, 1))
def test_encode_narrow_round_trips_any_values(seed, n, far):
    """Values near the means and anywhere (escapes), over several batches: decoded exactly."""
    means, scales, logits = _params(n, seed, max_scale=70)
    rng = np.random.default_rng(seed)
    near = np.clip(means[:, 0].numpy() // 16 + rng.integers(-3, 4, n), 0, 255)
    values = np.where(rng.random(n) < far, rng.integers(0, 256, n), near)
    encoder = StepEncoder()
    encoder.encode_narrow(values, NarrowTables(TABLES, means, scales, logits))
    encoder.encode(values[::-1].copy(), TABLES.frequencies(means, scales, logits))
    encoder.encode_narrow(values, NarrowTables(TABLES, means, scales, logits))
    decoder = StepDecoder(encoder.payload())
    assert np.array_equal(decoder.decode_narrow(NarrowTables(TABLES, means, scales, logits)), values)
    assert np.array_equal(decoder.decode(TABLES.frequencies(means, scales, logits)), values[::-1])
    assert np.array_equal(decoder.decode_narrow(NarrowTables(TABLES, means, scales, logits)), values)


def test_escapes_cost_what_full_tables_charge():
    """Values anywhere, mostly far in the tails: narrow coding costs the full tables' bits to within
    0.5 % (measured 0.16 %: the escape's floor of 256 − w stands for the outside values' floors,
    which their masses' rounding can push above it)."""
    means, scales, logits = _params(2000, 7, max_scale=40)
    values = np.random.default_rng(7).integers(0, 256, 2000)
    narrow, full = StepEncoder(), StepEncoder()
    narrow.encode_narrow(values, NarrowTables(TABLES, means, scales, logits))
    full.encode(values, TABLES.frequencies(means, scales, logits))
    assert abs(len(narrow.payload()) / len(full.payload()) - 1) < 5e-3


def test_chunks_concatenate_to_the_tables_of_all_rows(mixed):
    """The engine builds a step's tables in chunks; concatenated, they are the step's tables."""
    whole = NarrowTables(TABLES, *mixed)
    cuts = [0, 1, 700, 2900, len(mixed[0])]
    merged = NarrowTables.concatenate([NarrowTables(TABLES, *(p[a:b] for p in mixed)) for a, b in zip(cuts, cuts[1:])])
    assert merged.rows == whole.rows and len(merged.groups) == len(whole.groups)
    for m, w in zip(merged.groups, whole.groups):
        assert m.width == w.width and torch.equal(m.rows, w.rows) and torch.equal(m.start, w.start)
        assert np.array_equal(m.freqs, w.freqs)
    escaped = torch.ones(len(whole.groups[0].rows), dtype=torch.bool)
    assert np.array_equal(merged.outside(merged.groups[0], escaped), whole.outside(whole.groups[0], escaped))
