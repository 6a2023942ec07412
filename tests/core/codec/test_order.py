import time
from fractions import Fraction

import numpy as np
import pytest

from ddm_sscc.codec.order import OrderKind, halton_order, lattice_order, make_order, random_order, raster_order
from ddm_sscc.errors import ConfigError

SIZES = [(1, 1), (1, 7), (7, 1), (3, 5), (31, 33), (32, 32), (64, 48), (17, 100), (512, 768), (768, 512)]


def radical_inverse(i: int, base: int) -> Fraction:
    result, scale = Fraction(0), Fraction(1, base)
    while i:
        i, digit = divmod(i, base)
        result += digit * scale
        scale /= base
    return result


def reference_halton(height: int, width: int) -> list[int]:
    """Straight from the definition, with exact fractions: Halton point i, truncated to the
    2^a × 3^b cell grid, scaled onto H × W, duplicates skipped."""
    a = max(0, (width - 1).bit_length())
    b = 0
    while 3**b < height:
        b += 1
    seen, order = set(), []
    for i in range(2**a * 3**b):
        cx = int(radical_inverse(i, 2) * 2**a)
        cy = int(radical_inverse(i, 3) * 3**b)
        pos = (cy * height // 3**b) * width + cx * width // 2**a
        if pos not in seen:
            seen.add(pos)
            order.append(pos)
    return order


@pytest.mark.parametrize("height,width", SIZES)
def test_every_order_is_a_permutation(height, width):
    for kind in OrderKind:
        order = make_order(kind, height, width, seed=7)
        assert order.dtype == np.int64
        assert np.array_equal(np.sort(order), np.arange(height * width))


@pytest.mark.parametrize("height,width", [(1, 1), (2, 2), (3, 5), (9, 8), (17, 64), (31, 33)])
def test_halton_matches_the_definition(height, width):
    assert halton_order(height, width).tolist() == reference_halton(height, width)


def test_halton_golden():
    # Frozen: a change here changes every .ddm bitstream.
    assert halton_order(3, 5).tolist() == [0, 7, 11, 3, 5, 13, 1, 9, 10, 2, 6, 8, 4, 12, 14]


def test_halton_prefixes_spread_over_the_image():
    # The first 1/16 of the order should touch every 64×64 block of a 512×768 image.
    order = halton_order(512, 768)[: 512 * 768 // 16]
    blocks = set(((order // 768) // 64 * 100 + (order % 768) // 64).tolist())
    assert len(blocks) == (512 // 64) * (768 // 64)
    # whereas raster's first 1/16 stays in the top rows
    assert raster_order(512, 768)[: 512 * 768 // 16].max() // 768 < 512 // 16


def test_halton_is_fast_for_kodak_size():
    best = min(_timed(lambda: halton_order(512, 768)) for _ in range(5))
    assert best < 0.050, f"halton_order(512, 768) took {best * 1e3:.1f} ms"


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def reference_lattice(height: int, width: int) -> list[int]:
    """From the definition: coarsest dyadic level first, cell centres before edge midpoints,
    Halton order inside each set."""
    def zeros(v: int) -> int:
        return 99 if v == 0 else (v & -v).bit_length() - 1

    rank = {p: i for i, p in enumerate(reference_halton(height, width))}
    def key(p: int) -> tuple[int, int, int]:
        tx, ty = zeros(p % width), zeros(p // width)
        return (-min(tx, ty), tx != ty, rank[p])
    return sorted(range(height * width), key=key)


@pytest.mark.parametrize("height,width", [(1, 1), (1, 7), (3, 5), (9, 8), (17, 64), (31, 33)])
def test_lattice_matches_the_definition(height, width):
    assert lattice_order(height, width).tolist() == reference_lattice(height, width)


def test_lattice_golden():
    # Frozen: a change here changes every .ddm bitstream of a lattice-trained model.
    assert lattice_order(3, 5).tolist() == _GOLDEN_LATTICE


_GOLDEN_LATTICE = [0, 4, 12, 10, 2, 14, 6, 8, 7, 11, 3, 5, 13, 1, 9]


def test_lattice_finishes_each_level_before_the_next():
    # After the coarse levels, every pixel of the last (finest) level has its four direct
    # neighbours revealed before it, except the neighbours of its own (edge) set.
    height, width = 64, 96
    order = lattice_order(height, width)
    place = np.empty(height * width, dtype=np.int64)
    place[order] = np.arange(height * width)
    y, x = np.divmod(np.arange(height * width), width)
    centres = (x % 2 == 1) & (y % 2 == 1)
    edges = (x % 2) != (y % 2)
    assert place[centres].max() < place[edges].min()
    assert place[~(centres | edges)].max() < place[centres].min()
    # an edge midpoint's four neighbours are all centres or coarser: revealed before it
    inner = edges & (x > 0) & (x < width - 1) & (y > 0) & (y < height - 1)
    yi, xi = y[inner], x[inner]
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        assert np.all(place[(yi + dy) * width + xi + dx] < place[inner])


def test_lattice_is_fast_for_kodak_size():
    best = min(_timed(lambda: lattice_order(512, 768)) for _ in range(3))
    assert best < 0.3, f"lattice_order(512, 768) took {best * 1e3:.1f} ms"


def test_random_order_depends_on_seed_and_is_stable():
    a, b = random_order(16, 16, 1), random_order(16, 16, 2)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, random_order(16, 16, 1))
    # Frozen: the order is part of the bitstream format, independent of numpy's generators.
    assert random_order(2, 4, 0).tolist() == _GOLDEN_RANDOM


_GOLDEN_RANDOM = [1, 4, 5, 7, 6, 0, 3, 2]


def test_bad_sizes_and_seeds_are_refused():
    with pytest.raises(ConfigError):
        halton_order(0, 5)
    with pytest.raises(ConfigError):
        random_order(2, 2, -1)
