"""The integer features: the plane, lattice-neighbour and block-phase options (``FeatureNetworkConfig.planes``,
``.lattice``, ``.block_phase``)."""

import numpy as np
import pytest
import torch

from ddm_sscc.codec.local_features import (
    BLOCK_PHASE_COLUMNS,
    DENSITY_SCALE,
    GRADIENT_STEPS,
    LATTICE_OFFSETS,
    LATTICE_TOP,
    PLANE_RADII,
    VALUE_SCALE,
    feature_count,
    feature_limits,
    features,
    lattice_spacing,
    summarise,
)
from ddm_sscc.codec.order import lattice_order
from ddm_sscc.codec.tokens import MASK


def sparse_canvas(image: np.ndarray, seed: int = 0, revealed: float = 0.3) -> torch.Tensor:
    canvas = torch.from_numpy(image.astype(np.int64).copy())
    hidden = torch.from_numpy(np.random.default_rng(seed).random(image.shape[1:]) > revealed)
    canvas[:, hidden] = MASK
    return canvas


def test_planes_recover_a_linear_image():
    """On v = 20 + 2x + y (≤ 237) the fitted planes give the value within a quarter step and the
    gradients within 1/64 (the moments are floored once), in boxes with enough revealed pixels."""
    height, width = 60, 80
    ys, xs = np.mgrid[0:height, 0:width]
    image = (20 + 2 * xs + ys)[None]
    canvas = sparse_canvas(image)
    queried = [(30, 40), (12, 9), (50, 70)]
    for y, x in queried:
        canvas[:, y, x] = MASK
    positions = torch.tensor([y * width + x for y, x in queried])
    summary = summarise(canvas, planes=True)
    base, feats = features(canvas, summary, positions, 0, 200, 50)
    plain = feature_count(0, 1)
    assert feats.shape[1] == feature_count(0, 1, planes=True) == plain + 3 * len(PLANE_RADII)
    planes = feats[:, plain - 2 : -2].reshape(len(queried), len(PLANE_RADII), 3)  # before the two step columns
    truth = torch.tensor([VALUE_SCALE * int(image[0, y, x]) for y, x in queried])
    for r in range(1, len(PLANE_RADII)):  # the 5×5 box holds too few revealed pixels for this
        assert (base + planes[:, r, 0] - truth).abs().max() <= 1
        assert (planes[:, r, 1] - 2 * GRADIENT_STEPS).abs().max() <= 1
        assert (planes[:, r, 2] - GRADIENT_STEPS).abs().max() <= 1


@pytest.mark.parametrize("option", ["planes", "lattice", "block_phase", "block_window"])
def test_optional_features_extend_the_plain_ones(option):
    """Models without an option (v1, v2, v3) see exactly the features they were trained on."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(3, 40, 50))
    canvas = sparse_canvas(image, seed=1, revealed=0.5)
    positions = torch.nonzero(canvas[0].reshape(-1) == MASK)[:, 0][:200]
    for channel in range(3):
        plain = features(canvas, summarise(canvas), positions, channel, 100, 30)
        extended = features(canvas, summarise(canvas, **{option: True}), positions, channel, 100, 30)
        assert torch.equal(plain[0], extended[0])
        width = plain[1].shape[1]
        assert torch.equal(plain[1][:, :-2], extended[1][:, : width - 2])
        assert torch.equal(plain[1][:, -2:], extended[1][:, -2:])
        assert extended[1].shape[1] == feature_count(channel, 3, **{option: True}) > width
        canvas[channel].reshape(-1)[positions] = torch.from_numpy(image[channel].reshape(-1)[positions.numpy()])


def test_compact_features_are_the_full_ones_at_fewer_boxes_and_a_smaller_window():
    """The compact set (a fast model's) is a subset of the full set's columns: the boxes of
    COMPACT_RADII, the 3 × 3 of the 5 × 5 window, then the same lattice and step columns."""
    from ddm_sscc.codec.local_features import COMPACT_RADII, RADII, window_offsets

    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(3, 40, 50))
    canvas = sparse_canvas(image, seed=2, revealed=0.5)
    positions = torch.nonzero(canvas[0].reshape(-1) == MASK)[:, 0][:200]
    for channel in range(3):
        full = features(canvas, summarise(canvas, lattice=True), positions, channel, 100, 30)
        compact = features(canvas, summarise(canvas, lattice=True, compact=True), positions, channel, 100, 30)
        per_radius, per_neighbour = (3, 2) if channel == 0 else (5 + (channel >= 2), 5)
        columns = [RADII.index(r) * per_radius + i for r in COMPACT_RADII for i in range(per_radius)]
        start = len(RADII) * per_radius
        columns += [start + window_offsets().index(o) * per_neighbour + i
                    for o in window_offsets(compact=True) for i in range(per_neighbour)]
        columns += list(range(start + len(window_offsets()) * per_neighbour, full[1].shape[1]))
        assert compact[1].shape[1] == feature_count(channel, 3, lattice=True, compact=True) == len(columns)
        # values are relative to the base, the first box with enough revealed pixels: where both sets
        # chose the same box, every compact column is the full set's
        same = compact[0] == full[0]
        assert 50 < int(same.sum()) < len(same)
        assert torch.equal(compact[1][same], full[1][same][:, columns])
        canvas[channel].reshape(-1)[positions] = torch.from_numpy(image[channel].reshape(-1)[positions.numpy()])


def test_lattice_spacing_is_the_largest_common_power_of_two():
    ys = torch.arange(40).repeat_interleave(40)
    xs = torch.arange(40).repeat(40)
    spacing = lattice_spacing(ys, xs)
    for y, x, s in zip(ys.tolist(), xs.tolist(), spacing.tolist()):
        expected = LATTICE_TOP if y == x == 0 else max(p for p in (1, 2, 4, 8, 16, 32) if y % p == 0 and x % p == 0)
        assert s == expected, (y, x)


@pytest.mark.parametrize("height, width", [(16, 16), (37, 53), (5, 90)])
def test_the_lattice_order_reveals_a_position_after_its_lattice_neighbours(height, width):
    """What the lattice features are for: at its turn in the lattice order, a position's neighbours at
    its spacing are known, diagonal ones for a cell centre and axial ones for an edge midpoint."""
    order = lattice_order(height, width)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ys, xs = torch.from_numpy(order // width), torch.from_numpy(order % width)
    spacing = lattice_spacing(ys, xs).numpy()
    checked = 0
    for p, y, x, s in zip(order, ys.tolist(), xs.tolist(), spacing):
        if s == LATTICE_TOP:
            continue
        centre = (y // s) % 2 == 1 and (x // s) % 2 == 1
        for dy, dx in LATTICE_OFFSETS:
            if (dy != 0 and dx != 0) != centre:
                continue
            ny, nx = y + dy * s, x + dx * s
            if 0 <= ny < height and 0 <= nx < width:
                assert rank[ny * width + nx] < rank[p], ((y, x), (ny, nx))
                checked += 1
    assert checked > 2 * height * width


def test_lattice_features_read_the_neighbours_at_the_spacing():
    """A queried edge midpoint at spacing 4 sees its axial neighbours at distance 4 (value − base)."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(1, 32, 32))
    canvas = torch.full((1, 32, 32), MASK, dtype=torch.int64)
    canvas[:, ::4, ::4] = torch.from_numpy(image[:, ::4, ::4])
    y, x = 8, 12  # spacing 4
    base, feats = features(canvas, summarise(canvas, lattice=True), torch.tensor([y * 32 + x]), 0, 100, 30)
    lattice = feats[0, feature_count(0, 1) - 2 : -2]
    assert int(lattice[0]) == 2 * 256  # log2 of the spacing
    for i, (dy, dx) in enumerate(LATTICE_OFFSETS):
        seen, value = lattice[1 + 2 * i], lattice[2 + 2 * i]
        ny, nx = y + 4 * dy, x + 4 * dx
        assert int(seen) == 256 and int(value) == VALUE_SCALE * int(image[0, ny, nx]) - int(base[0])


def test_wrapped_prefix_sums_give_exact_box_sums_past_2_to_the_32():
    """Without planes the summary's prefix sums are kept modulo 2^32; on a bright 320×320 image
    the sums of squares pass 2^32 (65,025 × 102,400) and every box still equals int64's."""
    image = np.full((3, 320, 320), 255)
    image[1, ::3] = 254  # channel differences too
    canvas = sparse_canvas(image, seed=2, revealed=0.9)
    wrapped, exact = summarise(canvas), summarise(canvas, planes=True)
    assert wrapped.stacked.dtype == torch.int32 and exact.stacked.dtype == torch.int64
    assert int(exact.stacked[-1, 4]) > 1 << 32  # the last corner's sum of R squares
    positions = torch.tensor([0, 319, 160 * 320 + 160, 320 * 320 - 1, 300 * 320 + 7])
    for ours, theirs in zip(wrapped.box_stats(positions), exact.box_stats(positions)):
        for a, b in zip(ours[:5], theirs[:5]):
            assert torch.equal(a, b)


def test_block_phase_flags_the_position_in_its_own_images_jpeg_grid():
    """One flag of y mod 8, one of x mod 8, then ⌊y/8⌋ and ⌊x/8⌋ mod 2, each ×256, with y counted
    from the top of the position's own tile (a training batch stacks images vertically)."""
    rng = np.random.default_rng(5)
    tile, width = 24, 20
    image = rng.integers(0, 256, size=(3, 2 * tile, width))
    canvas = sparse_canvas(image, seed=3, revealed=0.4)
    queried = [(0, 0), (7, 9), (tile + 7, 9), (tile + 17, 19), (tile - 1, 8)]
    positions = torch.tensor([y * width + x for y, x in queried])
    summary = summarise(canvas, lattice=True, tile_height=tile, block_phase=True)
    for channel in range(3):
        feats = features(canvas, summary, positions, channel, 100, 30)[1]
        assert feats.shape[1] == feature_count(channel, 3, lattice=True, block_phase=True)
        phase = feats[:, -2 - BLOCK_PHASE_COLUMNS : -2]
        for row, (y, x) in zip(phase, queried):
            y %= tile
            expected = torch.zeros(BLOCK_PHASE_COLUMNS, dtype=torch.int64)
            expected[[y % 8, 8 + x % 8]] = DENSITY_SCALE
            expected[16], expected[17] = DENSITY_SCALE * ((y // 8) % 2), DENSITY_SCALE * ((x // 8) % 2)
            assert torch.equal(row, expected), (y, x)
        limits = feature_limits(channel, 3, lattice=True, block_phase=True)
        assert (feats.abs() <= limits).all()
        assert torch.equal(limits[-2 - BLOCK_PHASE_COLUMNS : -2], torch.full((BLOCK_PHASE_COLUMNS,), DENSITY_SCALE))


def test_block_window_is_the_positions_own_jpeg_block_by_place():
    """Column j of the block window is pixel j (raster order) of the position's own 8 × 8 block,
    counted from the top of its tile: known (×256) and value − base, as the lattice neighbours;
    places outside the image or not yet revealed are 0."""
    rng = np.random.default_rng(6)
    tile, width = 20, 13  # neither a multiple of 8: the last blocks are cut
    image = rng.integers(0, 256, size=(1, 2 * tile, width))
    canvas = sparse_canvas(image, seed=4, revealed=0.5)
    queried = [(0, 0), (tile + 3, 12), (tile + 17, 9), (9, 5)]
    for y, x in queried:
        canvas[:, y, x] = MASK
    positions = torch.tensor([y * width + x for y, x in queried])
    summary = summarise(canvas, tile_height=tile, block_phase=True, block_window=True)
    base, feats = features(canvas, summary, positions, 0, 100, 30)
    assert feats.shape[1] == feature_count(0, 1, block_phase=True, block_window=True)
    window = feats[:, -2 - 128 : -2].reshape(len(queried), 64, 2)
    for k, (y, x) in enumerate(queried):
        top = y - y % tile
        for j in range(64):
            by, bx = top + (y - top) // 8 * 8 + j // 8, x // 8 * 8 + j % 8
            inside = by < top + tile and bx < width
            known = inside and int(canvas[0, by, bx]) != MASK
            expected = [DENSITY_SCALE, VALUE_SCALE * int(canvas[0, by, bx]) - int(base[k])] if known else [0, 0]
            assert window[k, j].tolist() == expected, (y, x, j)
