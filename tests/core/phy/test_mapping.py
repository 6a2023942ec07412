"""Gray constellations of IEEE 802.11a and their max-log / exact soft demappers."""

import time
import warnings

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.mapping import Constellation

NAMES = ["bpsk", "qpsk", "16qam", "64qam"]
K_MOD = {"bpsk": 1.0, "qpsk": 1 / np.sqrt(2), "16qam": 1 / np.sqrt(10), "64qam": 1 / np.sqrt(42)}
# 802.11a-1999 Tables 82–85: bits of one I (or Q) half -> PAM level.
PAM_TABLE = {
    "bpsk": {"0": -1, "1": 1},
    "qpsk": {"0": -1, "1": 1},
    "16qam": {"00": -3, "01": -1, "11": 1, "10": 3},
    "64qam": {"000": -7, "001": -5, "011": -3, "010": -1, "110": 1, "111": 3, "101": 5, "100": 7},
}


def bits_of(text: str) -> np.ndarray:
    return np.array([int(c) for c in text.replace(" ", "")], np.uint8)


def noisy(c: Constellation, n: int, noise_var: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, n * c.bits_per_symbol, dtype=np.uint8)
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * np.sqrt(noise_var / 2)
    return bits, (c.map(bits) + noise).astype(np.complex64)


def brute_maxlog(c: Constellation, y: np.ndarray, noise_var: float) -> np.ndarray:
    """Max-log by definition: min distance to a 1-labelled point minus to a 0-labelled one."""
    d = np.abs(y.astype(np.complex128)[:, None] - c.points.astype(np.complex128)[None, :]) ** 2 / noise_var
    ones = c.labels.astype(bool)
    return np.stack([d[:, ones[:, j]].min(1) - d[:, ~ones[:, j]].min(1) for j in range(c.bits_per_symbol)], 1)


@pytest.mark.parametrize("name", NAMES)
def test_points_follow_the_standard_tables(name):
    c = Constellation(name)
    m = c.bits_per_symbol
    assert c.points.dtype == np.complex64 and c.points.shape == (2**m,)
    assert c.labels.shape == (2**m, m)
    assert np.mean(np.abs(c.points) ** 2) == pytest.approx(1, abs=1e-6)
    table = PAM_TABLE[name]
    for label in range(2**m):
        text = format(label, f"0{m}b")
        if m == 1:
            expected = table[text]
        else:
            expected = table[text[: m // 2]] + 1j * table[text[m // 2 :]]
        assert c.points[label] == pytest.approx(expected * K_MOD[name], abs=1e-6)
        assert c.map(bits_of(text))[0] == c.points[label]


def test_a_few_points_by_hand():
    s10, s42 = np.sqrt(10), np.sqrt(42)
    assert Constellation("bpsk").map(bits_of("0 1")) == pytest.approx([-1, 1])
    assert Constellation("qpsk").map(bits_of("01"))[0] == pytest.approx((-1 + 1j) / np.sqrt(2))
    assert Constellation("16qam").map(bits_of("0000 1011")) == pytest.approx(np.array([-3 - 3j, 3 + 1j]) / s10)
    assert Constellation("64qam").map(bits_of("000000 100111 011010")) == pytest.approx(
        np.array([-7 - 7j, 7 + 3j, -3 - 1j]) / s42, abs=1e-6
    )


@pytest.mark.parametrize("name", NAMES)
def test_gray_neighbours_differ_in_one_bit(name):
    c = Constellation(name)
    spacing = 2 * c.scale
    for k, p in enumerate(c.points):
        neighbours = np.flatnonzero(np.abs(np.abs(c.points - p) - spacing) < 1e-4)
        assert len(neighbours) >= 1
        for n in neighbours:
            assert bin(k ^ n).count("1") == 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["maxlog", "exact"])
def test_hard_decisions_round_trip(name, method):
    c = Constellation(name)
    bits, y = noisy(c, 3000, noise_var=1e-4)
    for received in (c.map(bits), y):
        llr = c.demap(received, 1e-4, method=method)
        assert llr.dtype == np.float32 and llr.shape == bits.shape
        np.testing.assert_array_equal((llr < 0).astype(np.uint8), bits)


def test_shapes_and_dtypes():
    c = Constellation("16qam")
    bits = np.random.default_rng(0).integers(0, 2, (3, 2, 20)).astype(bool)
    symbols = c.map(bits)
    assert symbols.shape == (3, 2, 5) and symbols.dtype == np.complex64
    per_symbol_nv = np.full((2, 5), 0.01)
    for method in ("maxlog", "exact"):
        llr = c.demap(symbols, per_symbol_nv, method=method)
        assert llr.shape == (3, 2, 20) and llr.dtype == np.float32
        np.testing.assert_array_equal(llr < 0, bits)
    assert c.map(np.zeros(0, np.uint8)).shape == (0,)
    assert c.demap(np.zeros(0, np.complex64), 1.0).shape == (0,)


@pytest.mark.parametrize("name", NAMES)
def test_maxlog_is_max_log(name):
    """The closed-form piecewise-linear demapper equals the brute-force max-log."""
    c = Constellation(name)
    rng = np.random.default_rng(1)
    y = (rng.uniform(-1.5, 1.5, 20000) + 1j * rng.uniform(-1.5, 1.5, 20000)).astype(np.complex64)
    for nv in (2.0, 0.05, 1e-3):
        got = c.demap(y, nv).reshape(-1, c.bits_per_symbol)
        np.testing.assert_allclose(got, brute_maxlog(c, y, nv), rtol=1e-4, atol=1e-4 / nv)


@pytest.mark.parametrize("name", NAMES)
def test_exact_matches_the_definition(name):
    c = Constellation(name)
    bits, y = noisy(c, 2000, noise_var=0.2, seed=2)
    nv = 0.2
    like = np.exp(-np.abs(y.astype(np.complex128)[:, None] - c.points[None, :]) ** 2 / nv)
    ones = c.labels.astype(bool)
    expected = np.stack(
        [np.log(like[:, ~ones[:, j]].sum(1) / like[:, ones[:, j]].sum(1)) for j in range(c.bits_per_symbol)], 1
    )
    np.testing.assert_allclose(c.demap(y, nv, "exact").reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("nv", [3.0, 0.3, 0.01])
def test_maxlog_vs_exact(name, nv):
    """|exact - maxlog| <= ln(L/2) (L levels per dimension), so signs agree wherever |exact| exceeds it."""
    c = Constellation(name)
    levels_per_dim = 2 if c.bits_per_symbol <= 2 else 2 ** (c.bits_per_symbol // 2)
    bound = np.log(levels_per_dim / 2)
    rng = np.random.default_rng(3)
    y = (rng.uniform(-1.4, 1.4, 20000) + 1j * rng.uniform(-1.4, 1.4, 20000)).astype(np.complex64)
    maxlog, exact = c.demap(y, nv), c.demap(y, nv, "exact")
    tol = 1e-5 * (1 + np.abs(exact))
    assert np.all(np.abs(maxlog - exact) <= bound + tol)
    sure = np.abs(exact) > bound + tol
    np.testing.assert_array_equal(np.sign(maxlog[sure]), np.sign(exact[sure]))


@pytest.mark.parametrize("name", NAMES)
def test_maxlog_close_to_exact_at_high_snr(name):
    c = Constellation(name)
    nv = 10 ** (-25 / 10)  # Es/N0 = 25 dB
    _, y = noisy(c, 20000, noise_var=nv, seed=4)
    maxlog, exact = c.demap(y, nv), c.demap(y, nv, "exact")
    np.testing.assert_array_equal(np.sign(maxlog), np.sign(exact))
    big = np.abs(exact) > 20
    assert big.mean() > 0.9
    relative = np.abs(maxlog[big] - exact[big]) / np.abs(exact[big])
    assert np.mean(relative > 0.01) < 1e-3  # the rare misses are near decision boundaries


def test_bpsk_llr_scale():
    """p(y|s) ∝ exp(-|y-s|²/σ²); with 0 -> -1, 1 -> +1: LLR = (|y-1|² - |y+1|²)/σ² = -4·Re(y)/σ²."""
    c = Constellation("bpsk")
    rng = np.random.default_rng(5)
    y = (rng.standard_normal(1000) * 2 + 1j * rng.standard_normal(1000)).astype(np.complex64)
    for nv in (4.0, 1.0, 0.1):
        expected = -4 * y.real / nv
        for method in ("maxlog", "exact"):
            np.testing.assert_allclose(c.demap(y, nv, method), expected, rtol=1e-5, atol=1e-4)
    # QPSK is two BPSKs at K_mod = 1/√2: LLR_I = -4·Re(y)/(√2·σ²)
    q = Constellation("qpsk").demap(y, 0.5, "exact")
    np.testing.assert_allclose(q[0::2], -4 * y.real / (np.sqrt(2) * 0.5), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(q[1::2], -4 * y.imag / (np.sqrt(2) * 0.5), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["maxlog", "exact"])
def test_robust_to_zero_noise_and_non_finite_input(name, method):
    c = Constellation(name)
    m = c.bits_per_symbol
    bits, y = noisy(c, 8, noise_var=1e-3, seed=6)
    y[[1, 3, 5]] = [np.nan, np.inf, complex(1.0, -np.inf)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for nv in (0.0, -1.0, 1e-30, np.array([0.0] * 7 + [np.nan])):
            llr = c.demap(y, nv, method).reshape(8, m)
            assert np.all(np.isfinite(llr))
            assert np.all(llr[[1, 3, 5]] == 0)
            good = [0, 2, 4, 6]
            np.testing.assert_array_equal((llr[good] < 0).astype(np.uint8), bits.reshape(8, m)[good])
        assert np.all(c.demap(y, np.nan, method) == 0)  # unknown noise: no information
        assert np.all(c.demap(y, np.inf, method) == 0)
        huge = c.demap(np.array([1e30 + 1e30j], np.complex64), 0.0, method)
        assert np.all(np.isfinite(huge))


def test_bad_settings_raise_config_error():
    c = Constellation("16qam")
    bad_calls = [
        lambda: Constellation("8psk"),
        lambda: Constellation("QPSK "),
        lambda: c.map(np.zeros(6, np.uint8)),
        lambda: c.map(np.array([0, 1, 2, 0], np.uint8)),
        lambda: c.map(np.array([0, 1, -1, 0])),
        lambda: c.map(np.zeros(4, np.float32)),
        lambda: c.map(np.uint8(1)),
        lambda: c.demap(np.zeros(4, np.complex64), 1.0, method="approx"),
        lambda: c.demap(np.zeros(4, np.complex64), np.ones(3)),
        lambda: c.demap(np.zeros(4, np.complex64), np.ones((2, 4))),
        lambda: c.demap(np.complex64(0), 1.0),
    ]
    for call in bad_calls:
        with pytest.raises(ConfigError):
            call()


@pytest.mark.parametrize(("name", "limit_s"), [("qpsk", 0.05), ("64qam", 0.3)])
def test_maxlog_speed(name, limit_s):
    """Receiver hot path: 1e6 symbols (the best of 3; budget 50 ms QPSK, 300 ms 64-QAM on one core).

    Measured about 5 ms (QPSK) and 28 ms (64-QAM); the assertion leaves room for a busy machine.
    """
    c = Constellation(name)
    _, y = noisy(c, 10**6, noise_var=0.01, seed=7)
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        c.demap(y, 0.01)
        best = min(best, time.perf_counter() - start)
    assert best < limit_s, f"{name}: {best * 1e3:.1f} ms for 1e6 symbols"
