"""Integer features of the revealed neighbourhood at the positions one step queries.

The feature network (:mod:`ddm_sscc.codec.feature_network`) sees each queried
sub-pixel through a fixed vector of integers computed here.  The same function
feeds training and coding, so the network is trained on exactly the inputs it
will see.  Every operation is int64 arithmetic (prefix sums, box sums, floor
division) or a correctly rounded IEEE square root, so the features are
bit-identical on every CPU, thread count and library kernel.

Per step the canvas is summarised once (prefix sums of the revealed mask, of
each channel and of the squares the spreads need); each call then costs
``O(n)`` for the ``n`` queried positions.  "Revealed" for the spatial context
means revealed in an *earlier* step (all channels known); the co-located
lower channels of the queried position itself are known too and are used.

Units: pixel values are in quarter steps (``4·v``); features are relative to
a *base* prediction (the local mean, or for channel ``c > 0`` the co-located
channel ``c − 1`` plus the local mean colour difference), so the network
predicts corrections.  Every feature lies in ``[−FEATURE_LIMIT, FEATURE_LIMIT]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ddm_sscc.codec.gather import gather
from ddm_sscc.codec.tokens import MASK

RADII = (1, 2, 3, 5, 8, 13, 21, 34)
"""Half-sizes of the square boxes whose revealed-pixel statistics are features."""
WINDOW = 2
"""Half-size of the raw window: the ``5 × 5`` neighbours (centre excluded)."""
COMPACT_RADII = (1, 2, 5, 13, 34)
"""The boxes of the *compact* feature set (a fast model's): every other scale of ``RADII``."""
COMPACT_WINDOW = 1
"""The compact feature set's raw window: the ``3 × 3`` neighbours."""
VALUE_SCALE = 4
"""Features count pixel values in quarter steps."""
BASE_MIN_NEIGHBOURS = 6
"""The base is the mean of the smallest box holding at least this many revealed pixels."""
PLANE_RADII = (2, 5, 13, 34)
"""Boxes (from ``RADII``) whose revealed pixels are fitted with a plane when a model uses planes."""
GRADIENT_STEPS = 64
"""Plane gradients count 1/64 pixel per pixel."""
LATTICE_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))
"""Directions of the lattice neighbours, at the queried position's lattice spacing."""
LATTICE_TOP = 1 << 12
"""Spacing given to position (0, 0), which lies on every lattice."""
JPEG_BLOCK = 8
"""Side of a JPEG block: a decoded JPEG's errors jump at the block edges, which lie at multiples of 8."""
BLOCK_PHASE_COLUMNS = 2 * JPEG_BLOCK + 2
"""The block-phase features: one-hot ``y mod 8`` and ``x mod 8``, then ``⌊y/8⌋ mod 2`` and ``⌊x/8⌋ mod 2``
(4:2:0 chroma is coded in 16 × 16 blocks)."""
_BLOCK_J = torch.arange(JPEG_BLOCK * JPEG_BLOCK, dtype=torch.int64)[:, None]
"""Raster index of each pixel of a JPEG block (the block-window features' neighbours), ``(64, 1)``."""
FEATURE_LIMIT = 4095
DENSITY_SCALE = 256
UNKNOWN_BASE = 128 * VALUE_SCALE


def _window_offsets(half: int) -> tuple[tuple[int, int], ...]:
    return tuple((dy, dx) for dy in range(-half, half + 1) for dx in range(-half, half + 1) if (dy, dx) != (0, 0))


def _deltas(offsets: tuple[tuple[int, int], ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``dy`` and ``dx`` of ``offsets`` as int64 ``(D, 1)`` columns (what :func:`_neighbours_into` takes)."""
    dy, dx = (torch.tensor([o[i] for o in offsets], dtype=torch.int64)[:, None] for i in (0, 1))
    return dy, dx


_OFFSETS = _window_offsets(WINDOW)
_COMPACT_OFFSETS = _window_offsets(COMPACT_WINDOW)
_WINDOW_DELTAS = {False: _deltas(_OFFSETS), True: _deltas(_COMPACT_OFFSETS)}
"""The raw window's ``(dy, dx)`` columns of the full (False) and the compact (True) feature set."""
_LATTICE_DY, _LATTICE_DX = _deltas(LATTICE_OFFSETS)
_NEIGHBOUR_CHUNK = 4096
"""Positions per batched neighbour gather: ``(24, 4096)`` int64 temporaries stay in L2 cache."""


def step_quantities(mask_ratio: float, index: int, steps: int) -> tuple[int, int]:
    """The two step-conditioning features: masked fraction and step position, in 1/256."""
    return int(mask_ratio * 256), (index * 256) // steps


def box_radii(compact: bool = False) -> tuple[int, ...]:
    """The box radii of the full (``RADII``) or the compact (``COMPACT_RADII``) feature set."""
    return COMPACT_RADII if compact else RADII


def window_offsets(compact: bool = False) -> tuple[tuple[int, int], ...]:
    """The raw window's ``(dy, dx)`` of the full (``5 × 5``) or the compact (``3 × 3``) feature set."""
    return _COMPACT_OFFSETS if compact else _OFFSETS


def feature_count(channel: int, channels: int, planes: bool = False, lattice: bool = False,
                  compact: bool = False, block_phase: bool = False, block_window: bool = False) -> int:
    """Length of the feature vector of ``channel`` in a ``channels``-channel image."""
    per_radius = 3 if channel == 0 else 5 + (channel >= 2)
    per_neighbour = 2 if channel == 0 else 5
    per_plane = (3 if channel == 0 else 4) if planes else 0
    per_lattice = 2 if channel == 0 else 3
    lattice_columns = 1 + len(LATTICE_OFFSETS) * per_lattice if lattice else 0
    return (len(box_radii(compact)) * per_radius + len(window_offsets(compact)) * per_neighbour + 2
            + len(PLANE_RADII) * per_plane + lattice_columns + (BLOCK_PHASE_COLUMNS if block_phase else 0)
            + (len(_BLOCK_J) * per_lattice if block_window else 0))


SPREAD_LIMIT = VALUE_SCALE * 128
"""Bound of a box's spread ``⌊VALUE_SCALE · std⌋`` of values in [0, 255] (std ≤ 127.5)."""
DIFF_SPREAD_LIMIT = VALUE_SCALE * 255
"""Bound of the spread of colour differences in [−255, 255], and of a neighbour's lower-channel difference."""


def feature_limits(channel: int, channels: int, planes: bool = False, lattice: bool = False,
                   value_limit: int = FEATURE_LIMIT, compact: bool = False, block_phase: bool = False,
                   block_window: bool = False) -> torch.Tensor:
    """Bound of each feature's magnitude, in the order :func:`features` writes them: int64 ``(F,)``.

    Densities, known flags, spreads and the step conditioning have bounds that follow from
    their definitions (a test checks :func:`features` against them). Values relative to the base prediction (and the plane fits) get ``value_limit``: they can
    reach ``FEATURE_LIMIT`` only far from any prediction, so an arithmetic that clamps them to
    a smaller ``value_limit`` (:class:`~ddm_sscc.codec.integer_network.Arithmetic`) keeps every
    usual value and buys finer weights.
    """
    flag, v = DENSITY_SCALE, value_limit
    limits: list[int] = []
    for _ in box_radii(compact):
        limits += [flag, v, SPREAD_LIMIT]  # density, own mean, spread
        if channel > 0:
            limits += [v, DIFF_SPREAD_LIMIT]  # colour-difference prediction, its spread
        if channel >= 2:
            limits.append(v)  # prediction from the first channel
    per_neighbour = [flag, v] if channel == 0 else [flag, v, v, flag, DIFF_SPREAD_LIMIT]
    limits += per_neighbour * len(window_offsets(compact))
    if planes:
        limits += [v] * (len(PLANE_RADII) * (3 if channel == 0 else 4))
    if lattice:
        # the level (log2 of the spacing, × 256) has no smaller bound: coordinates may exceed 2^12
        limits += [FEATURE_LIMIT] + ([flag, v] if channel == 0 else [flag, v, v]) * len(LATTICE_OFFSETS)
    if block_phase:
        limits += [flag] * BLOCK_PHASE_COLUMNS
    if block_window:
        limits += ([flag, v] if channel == 0 else [flag, v, v]) * len(_BLOCK_J)
    limits += [flag, flag]  # mask ratio and step position, in 1/256
    assert len(limits) == feature_count(channel, channels, planes, lattice, compact, block_phase, block_window)
    return torch.tensor(limits, dtype=torch.int64).clamp_(max=FEATURE_LIMIT)


@dataclass
class StepSummary:
    """Prefix sums of one step's canvas, shared by the calls for its channels.

    Attributes:
        known: bool ``(H, W)``: revealed in an earlier step.
        channels: C.
        stacked: ``((H+1)·(W+1), 1 + 3C [+ 5 + 2C])``, one row per grid point (so a box
            corner is one row gather): the zero-padded prefix sums of ``known``, of each channel
            where known, of each channel's squares, and of ``(v_c − v_{c−1})²`` (column block 0
            unused); with ``planes``, then of ``x``, ``y``, ``x²``, ``y²``, ``xy`` where known and of
            ``x·v_c``, ``y·v_c`` (the moments a least-squares plane needs).  int64 with ``planes``;
            otherwise the sums modulo 2^32 (unsigned 32-bit, wrapping), held in an int32 tensor:
            every *box* sum is below 2^32 (:data:`_WRAPPED_BOX_LIMIT`), so a box's four corners
            give it exactly (:func:`_box_stats`), for half the memory traffic of int64.
        tile_height: the canvas is a column of independent tiles of this height (training
            batches, :func:`summarise`); the whole height for one image.
    """

    known: torch.Tensor
    channels: int
    stacked: torch.Tensor
    planes: bool = False
    lattice: bool = False
    tile_height: int = 0
    compact: bool = False
    """The compact feature set (:data:`COMPACT_RADII`, the ``3 × 3`` window)."""
    block_phase: bool = False
    """The position's phase in the JPEG block grid (:data:`BLOCK_PHASE_COLUMNS`)."""
    block_window: bool = False
    """The revealed pixels of the position's own JPEG block (:func:`_block_window_into`)."""
    _boxes: dict = field(default_factory=dict)

    def row_bounds(self, ys: torch.Tensor) -> tuple[torch.Tensor | int, torch.Tensor | int]:
        """First row and end row of the tile holding each of ``ys``: plain ints for one image."""
        height = self.known.shape[0]
        if self.tile_height in (0, height):
            return 0, height
        top = ys - ys % self.tile_height
        return top, top + self.tile_height

    def box_stats(self, positions: torch.Tensor) -> list:
        """Statistics of every box of the feature set (:func:`box_radii`) around ``positions``.

        Cached per step: the channels of a step query the same positions (the same chunks of
        one tensor, so the same memory), and the statistics do not depend on the channel.
        """
        key = (positions.data_ptr(), len(positions))
        if key not in self._boxes:
            width = self.known.shape[1]
            ys, xs = positions // width, positions % width
            top, bottom = self.row_bounds(ys)
            self._boxes[key] = [_box_stats(self, ys, xs, r, top, bottom, width) for r in box_radii(self.compact)]
        return self._boxes[key]


_WRAPPED_BOX_LIMIT = (2 * RADII[-1] + 1) ** 2 * 255**2
"""The largest box sum of a statistic without planes (a box of radius 34 of squares of 255)."""
assert _WRAPPED_BOX_LIMIT < 1 << 32


def summarise(canvas: torch.Tensor, planes: bool = False, lattice: bool = False,
              tile_height: int | None = None, compact: bool = False, block_phase: bool = False,
              block_window: bool = False) -> StepSummary:
    """Summarise an int64 canvas ``(C, H, W)`` (values 0..255 or MASK) at the start of a step.

    ``planes``, ``lattice``, ``block_phase`` and ``block_window`` add those feature groups, ``compact`` takes the
    compact set (a network's :class:`FeatureNetworkConfig`).
    With ``tile_height``, the canvas is ``H / tile_height`` images stacked vertically (a training
    batch), and every feature of a position is the one it has in its own image alone.
    """
    channels, height, width = canvas.shape
    known = canvas[channels - 1] != MASK  # the last channel is revealed only with the whole position
    count = 1 + 3 * channels + ((5 + 2 * channels) if planes else 0)
    # Filled and summed in place in (H+1, W+1, P) layout, the one the box queries gather rows from;
    # unsigned 32-bit sums wrap, which is defined (and what the corners undo) in numpy
    grid = np.zeros((height + 1, width + 1, count), dtype=np.int64 if planes else np.uint32)
    signed = torch.from_numpy(grid if planes else grid.view(np.int32))
    _fill_statistics(signed[1:, 1:], canvas, known, planes)
    _prefix_sums_(grid)
    stacked = signed.reshape(-1, count)
    if tile_height is not None and (tile_height < 1 or height % tile_height):
        raise ValueError(f"a canvas of height {height} is not made of tiles of height {tile_height}")
    return StepSummary(known=known, channels=channels, stacked=stacked, planes=planes, lattice=lattice,
                       tile_height=tile_height or height, compact=compact, block_phase=block_phase,
                       block_window=block_window)


def features(canvas: torch.Tensor, summary: StepSummary, positions: torch.Tensor, channel: int,
             mask_ratio_q: int | torch.Tensor, step_q: int | torch.Tensor,
             dtype: torch.dtype = torch.int64, limits: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Features of ``channel`` at ``positions``.

    Args:
        canvas: int64 ``(C, H, W)``; channels ``< channel`` are revealed at ``positions``.
        summary: :func:`summarise` of the canvas at the start of this step.
        positions: int64 ``(n,)`` flat indices.
        channel: the channel being predicted.
        mask_ratio_q: masked fraction before the step, in 1/256 (0..256); per position (int64
            ``(n,)``) in a tiled canvas whose tiles are at different steps.
        step_q: step index over steps, in 1/256 (0..255); likewise.
        dtype: of the features: int64, or float64 (every feature is an integer ≤ ``FEATURE_LIMIT``,
            so exact) for the integer network's GEMM, which then needs no conversion pass.
        limits: int64 ``(F,)``, each ≤ ``FEATURE_LIMIT``: clamp every feature to its own bound
            instead (a head's column limits, :attr:`~ddm_sscc.codec.integer_network.IntegerHead.input_limits`),
            in the same pass.

    Returns:
        ``(base, feats)``: int64 ``(n,)`` base prediction in quarter pixel steps, and
        ``(n, feature_count(channel, C))`` of ``dtype``.
    """
    width = canvas.shape[2]
    ys, xs = positions // width, positions % width
    top, bottom = summary.row_bounds(ys)
    n = len(positions)
    lower = gather(canvas[channel - 1], positions) if channel > 0 else None
    stats = summary.box_stats(positions)

    def box_mean(total: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
        return torch.div(VALUE_SCALE * total, count.clamp(min=1), rounding_mode="floor")

    # Per box: the channel's own mean and, for c > 0, the colour-difference prediction
    # (the co-located lower channel plus the mean difference); the latter is the prediction.
    own = [box_mean(sums[channel], count) for count, sums, *_ in stats]
    diffs = [sums[channel] - sums[channel - 1] for _, sums, *_ in stats] if channel > 0 else None
    preds = own if channel == 0 else [VALUE_SCALE * lower + box_mean(d, st[0]) for d, st in zip(diffs, stats)]

    # Base: the smallest box with enough revealed pixels, else the smallest with any.
    fallback = torch.full((n,), UNKNOWN_BASE, dtype=torch.int64) if channel == 0 else VALUE_SCALE * lower
    chosen = fallback
    seen_any = torch.zeros(n, dtype=torch.bool)
    undecided = torch.ones(n, dtype=torch.bool)
    for (count, *_), pred in zip(stats, preds):
        fallback = torch.where(~seen_any & (count > 0), pred, fallback)
        seen_any |= count > 0
        take = undecided & (count >= BASE_MIN_NEIGHBOURS)
        chosen = torch.where(take, pred, chosen)
        undecided &= ~take
    base = torch.where(undecided, fallback, chosen)

    feats = torch.empty((feature_count(channel, summary.channels, summary.planes, summary.lattice, summary.compact,
                                       summary.block_phase, summary.block_window), n), dtype=dtype)
    columns: list[torch.Tensor] = []
    first = gather(canvas[0], positions) if channel >= 2 else None
    for r, (count, sums, squares, diff_squares, area, _) in enumerate(stats):
        has = count > 0
        columns.append(torch.div(DENSITY_SCALE * count, area, rounding_mode="floor"))
        columns.append(torch.where(has, own[r] - base, 0))
        columns.append(_spread(sums[channel], squares[channel], count))
        if channel > 0:
            columns.append(torch.where(has, preds[r] - base, 0))
            columns.append(_spread(diffs[r], diff_squares[channel], count))
        if channel >= 2:
            columns.append(torch.where(has, VALUE_SCALE * first + box_mean(sums[channel] - sums[0], count) - base, 0))
    row = _put(feats, 0, columns)
    dy, dx = _WINDOW_DELTAS[summary.compact]
    row = _neighbours_into(feats, row, canvas, summary.known, ys, xs, dy, dx, top, bottom, channel, base, lower, True)
    if summary.planes:
        row = _put(feats, row, _plane_columns(stats, box_radii(summary.compact), ys, xs, channel, summary.channels,
                                              base, lower))
    if summary.lattice:
        row = _lattice_into(feats, row, canvas, summary.known, ys, xs, top, bottom, channel, base, lower)
    if summary.block_phase:
        row = _block_phase_into(feats, row, ys - top, xs)
    if summary.block_window:
        row = _block_window_into(feats, row, canvas, summary.known, ys, xs, top, bottom, channel, base, lower)
    # the step conditioning stays last (the export's offline calibration reads the mask ratio there)
    feats[row] = torch.as_tensor(mask_ratio_q, dtype=torch.int64)
    feats[row + 1] = torch.as_tensor(step_q, dtype=torch.int64)
    assert row + 2 == len(feats)
    # built as (F, n) rows and handed out transposed: the GEMM reads either layout
    if limits is None:
        feats.clamp_(-FEATURE_LIMIT, FEATURE_LIMIT)
    else:
        bound = limits.to(dtype)[:, None]
        # minimum and maximum broadcast several times faster than clamp with tensor bounds
        torch.minimum(feats, bound, out=feats)
        torch.maximum(feats, -bound, out=feats)
    feats = feats.T
    return base, feats


def _plane_columns(stats: list, radii: tuple[int, ...], ys: torch.Tensor, xs: torch.Tensor, channel: int,
                   channels: int, base: torch.Tensor, lower: torch.Tensor | None) -> list[torch.Tensor]:
    """Least-squares planes through each ``PLANE_RADII`` box's revealed pixels, at the queried position.

    Per box: the plane's value minus the base and its two gradients (1/64 pixel per pixel);
    for ``c > 0`` also the co-located lower channel plus the plane of ``v_c − v_{c−1}``.
    Exact int64: moments about the queried position times ``n``, divided by ``n`` (floored,
    so that the 2×2 solve of the largest box stays below 2^63). In a box with few revealed
    pixels the floors make the fit approximate; that is the version that was measured.
    """
    columns = []
    for radius in PLANE_RADII:
        count, sums, *_, moments = stats[radii.index(radius)]
        sx, sy, sxx, syy, sxy = moments[:5]
        xv, yv = moments[5 : 5 + channels], moments[5 + channels :]
        n = count.clamp(min=1)
        mx, my = sx - xs * count, sy - ys * count  # first moments about the queried position
        vxx = torch.div(count * (sxx - 2 * xs * sx + xs * xs * count) - mx * mx, n, rounding_mode="floor")
        vyy = torch.div(count * (syy - 2 * ys * sy + ys * ys * count) - my * my, n, rounding_mode="floor")
        vxy = torch.div(count * (sxy - xs * sy - ys * sx + xs * ys * count) - mx * my, n, rounding_mode="floor")
        det = vxx * vyy - vxy * vxy  # < 2^45: each factor ≤ 4761 · 34²
        fits = (count >= 3) & (det > 0)
        safe = det.clamp(min=1)
        targets = [(sums[channel], xv[channel], yv[channel])]
        if channel > 0:
            targets.append((sums[channel] - sums[channel - 1], xv[channel] - xv[channel - 1], yv[channel] - yv[channel - 1]))
        for i, (sv, sxv, syv) in enumerate(targets):
            vxv = torch.div(count * (sxv - xs * sv) - mx * sv, n, rounding_mode="floor")
            vyv = torch.div(count * (syv - ys * sv) - my * sv, n, rounding_mode="floor")
            gx = torch.div(GRADIENT_STEPS * (vxv * vyy - vxy * vyv), safe, rounding_mode="floor")
            gy = torch.div(GRADIENT_STEPS * (vyv * vxx - vxy * vxv), safe, rounding_mode="floor")
            gx = torch.where(fits, gx.clamp(-FEATURE_LIMIT, FEATURE_LIMIT), 0)
            gy = torch.where(fits, gy.clamp(-FEATURE_LIMIT, FEATURE_LIMIT), 0)
            centre = torch.div(VALUE_SCALE * (GRADIENT_STEPS * sv - gx * mx - gy * my), GRADIENT_STEPS * n,
                               rounding_mode="floor")
            if i == 0:
                columns += [torch.where(fits, centre - base, 0), gx, gy]
            else:
                columns.append(torch.where(fits, VALUE_SCALE * lower + centre - base, 0))
    return columns


def lattice_spacing(ys: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """The dyadic lattice spacing of each position: the largest power of two dividing both coordinates.

    In the lattice order (:func:`~ddm_sscc.codec.order.lattice_order`) a position of spacing ``s``
    is revealed after the whole lattice of spacing ``2s``, so its neighbours at distance ``s``
    (diagonal ones for a cell centre, axial ones for an edge midpoint) are known.
    """
    both = ys | xs
    return torch.where(both == 0, LATTICE_TOP, both & -both)


def _lattice_into(feats: torch.Tensor, row: int, canvas: torch.Tensor, known: torch.Tensor, ys: torch.Tensor,
                  xs: torch.Tensor, top: torch.Tensor | int, bottom: torch.Tensor | int, channel: int,
                  base: torch.Tensor, lower: torch.Tensor | None) -> int:
    """Raw neighbours at the position's lattice spacing, which the ``5 × 5`` window misses at coarse levels.

    Into ``feats`` from ``row`` (returns the next row): the spacing's log2 (×256), then per direction
    of ``LATTICE_OFFSETS``: whether the neighbour is known (×256), its value minus the base and, for
    ``c > 0``, its colour-difference prediction.
    """
    spacing = lattice_spacing(ys - top, xs)
    level = torch.frexp(spacing.to(torch.float64)).exponent.to(torch.int64) - 1  # log2 of a power of two, exact
    feats[row] = level * DENSITY_SCALE
    return _neighbours_into(feats, row + 1, canvas, known, ys, xs, _LATTICE_DY * spacing, _LATTICE_DX * spacing,
                            top, bottom, channel, base, lower, False)


def _block_phase_into(feats: torch.Tensor, row: int, ys: torch.Tensor, xs: torch.Tensor) -> int:
    """Where the position lies in the JPEG block grid of its image (``ys`` relative to its tile), as flags (×256).

    A JPEG-decoded image's errors are independent per block, so neighbours across a block edge
    predict worse than neighbours inside one; only the phase tells the network where the edges are.
    """
    columns = [ys % JPEG_BLOCK == p for p in range(JPEG_BLOCK)] + [xs % JPEG_BLOCK == p for p in range(JPEG_BLOCK)]
    columns += [(ys // JPEG_BLOCK) % 2 == 1, (xs // JPEG_BLOCK) % 2 == 1]
    return _put(feats, row, [DENSITY_SCALE * c.to(torch.int64) for c in columns])


def _block_window_into(feats: torch.Tensor, row: int, canvas: torch.Tensor, known: torch.Tensor, ys: torch.Tensor,
                       xs: torch.Tensor, top: torch.Tensor | int, bottom: torch.Tensor | int, channel: int,
                       base: torch.Tensor, lower: torch.Tensor | None) -> int:
    """Every pixel of the position's own 8 × 8 JPEG block, in the block's raster order (so a column
    is a place in the block, not an offset from the position): known (×256), value − base and, for
    ``c > 0``, the colour-difference prediction, as the lattice neighbours.  A decoded block is a
    few quantised DCT coefficients, so its revealed pixels constrain the rest more than the same
    pixels across an edge; with the block phase the network can learn that structure.
    """
    dy = _BLOCK_J // JPEG_BLOCK - (ys - top) % JPEG_BLOCK
    dx = _BLOCK_J % JPEG_BLOCK - xs % JPEG_BLOCK
    return _neighbours_into(feats, row, canvas, known, ys, xs, dy, dx, top, bottom, channel, base, lower, False)


def _neighbours_into(feats: torch.Tensor, row: int, canvas: torch.Tensor, known: torch.Tensor, ys: torch.Tensor,
                     xs: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor, top: torch.Tensor | int,
                     bottom: torch.Tensor | int, channel: int, base: torch.Tensor, lower: torch.Tensor | None,
                     lower_mask: bool) -> int:
    """The neighbours ``(y + dy, x + dx)`` of every queried position, ``D`` per position, into ``feats``
    from ``row`` (returns the next row). Per neighbour: known (×256), value − base and, for ``c > 0``,
    the colour-difference prediction ``v_c − v_{c−1} + lower`` and, with ``lower_mask``, whether
    channel ``c − 1`` is known there (×256) and its difference from the queried position's.

    ``dy``, ``dx``: int64 ``(D, 1)`` (fixed offsets) or ``(D, n)``. All neighbours are gathered at once,
    over chunks of positions that keep the ``(D, chunk)`` temporaries in cache.
    """
    width = canvas.shape[2]
    per = 2 if channel == 0 else 5 if lower_mask else 3
    known_flat, own = known.reshape(-1), canvas[channel].reshape(-1)
    below = canvas[channel - 1].reshape(-1) if channel > 0 else None
    for lo in range(0, len(ys), _NEIGHBOUR_CHUNK):
        sl = slice(lo, lo + _NEIGHBOUR_CHUNK)
        y = ys[sl] + (dy if dy.shape[1] == 1 else dy[:, sl])
        x = xs[sl] + (dx if dx.shape[1] == 1 else dx[:, sl])
        t, b = (top[sl], bottom[sl]) if isinstance(top, torch.Tensor) else (top, bottom)
        inside = (y >= t) & (y < b) & (x >= 0) & (x < width)
        flat = y.clamp_(t, b - 1).mul_(width).add_(x.clamp_(0, width - 1))
        seen = inside & gather(known_flat, flat)
        value = gather(own, flat)
        centre = base[sl]
        o = feats[row : row + len(dy) * per, sl]
        torch.mul(seen, DENSITY_SCALE, out=o[0::per])
        o[1::per] = torch.where(seen, VALUE_SCALE * value - centre, 0)
        if below is not None:
            neighbour_lower = gather(below, flat)
            o[2::per] = torch.where(seen, VALUE_SCALE * (value - neighbour_lower + lower[sl]) - centre, 0)
            if lower_mask:
                lower_seen = inside & (neighbour_lower != MASK)
                torch.mul(lower_seen, DENSITY_SCALE, out=o[3::per])
                o[4::per] = torch.where(lower_seen, VALUE_SCALE * (neighbour_lower - lower[sl]), 0)
    return row + len(dy) * per


def _put(feats: torch.Tensor, row: int, columns: list[torch.Tensor]) -> int:
    """Write ``columns`` as rows of ``feats`` from ``row``; returns the next row."""
    for i, column in enumerate(columns):
        feats[row + i] = column
    return row + len(columns)


def _spread(total: torch.Tensor, squares: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """``⌊VALUE_SCALE · std⌋`` of a box from its sums; exact: int64 then one correctly rounded sqrt."""
    n = count.clamp(min=1)
    scatter = (squares * n - total * total).clamp(min=0)  # n² · variance, exact in int64
    root = torch.floor(torch.sqrt(scatter.to(torch.float64))).to(torch.int64)  # < 2^53: exact input
    return torch.div(VALUE_SCALE * root, n, rounding_mode="floor")


def _box_stats(summary: StepSummary, ys: torch.Tensor, xs: torch.Tensor, radius: int,
               top: torch.Tensor | int, bottom: torch.Tensor | int, width: int):
    y0, y1 = (ys - radius).clamp(min=top), (ys + radius + 1).clamp(max=bottom)
    x0, x1 = (xs - radius).clamp(min=0), (xs + radius + 1).clamp(max=width)
    stride = width + 1
    r0, r1 = y0 * stride, y1 * stride

    def corner(index: torch.Tensor) -> torch.Tensor:
        # ((H+1)·(W+1), 1 + 3C): one row gather per corner fetches every statistic;
        # index_select gathers rows about twice as fast as indexing
        return torch.index_select(summary.stacked, 0, index).to(torch.int64)

    sums = (corner(r1 + x1) - corner(r0 + x1)).sub_(corner(r1 + x0)).add_(corner(r0 + x0))
    if summary.stacked.dtype == torch.int32:  # sums modulo 2^32 of boxes whose sums are < 2^32
        sums &= 0xFFFFFFFF
    sums = sums.T
    c = summary.channels
    area = (y1 - y0) * (x1 - x0)
    moments = sums[1 + 3 * c :] if summary.planes else None
    return sums[0], sums[1 : 1 + c], sums[1 + c : 1 + 2 * c], sums[1 + 2 * c : 1 + 3 * c], area, moments


def _fill_statistics(out: torch.Tensor, canvas: torch.Tensor, known: torch.Tensor, planes: bool) -> None:
    """The per-pixel statistics :class:`StepSummary` sums, into ``out`` ``(H, W, P)`` (int64, or
    int32 without planes: every statistic is then below 2^16)."""
    channels, height, width = canvas.shape
    c = channels
    out[:, :, 0] = known
    values = out[:, :, 1 : 1 + c]
    torch.mul(canvas.permute(1, 2, 0), known[:, :, None], out=values)  # 0 where unknown
    torch.mul(values, values, out=out[:, :, 1 + c : 1 + 2 * c])
    out[:, :, 1 + 2 * c] = 0  # no channel below the first
    diffs = out[:, :, 2 + 2 * c : 1 + 3 * c]
    torch.sub(values[:, :, 1:], values[:, :, :-1], out=diffs)
    diffs.mul_(diffs)
    if planes:
        k = known.to(torch.int64)
        ys = torch.arange(height, dtype=torch.int64)[:, None].expand(height, width)
        xs = torch.arange(width, dtype=torch.int64)[None, :].expand(height, width)
        moments = out[:, :, 1 + 3 * c :]
        for i, plane in enumerate((xs * k, ys * k, xs * xs * k, ys * ys * k, xs * ys * k)):
            moments[:, :, i] = plane
        torch.mul(values, xs[:, :, None], out=moments[:, :, 5 : 5 + c])
        torch.mul(values, ys[:, :, None], out=moments[:, :, 5 + c :])


def _prefix_sums_(grid: np.ndarray) -> None:
    """In place: ``grid[y, x] = Σ grid[≤y, ≤x]`` over its first two axes, in its own dtype
    (int64, exact; or uint32, modulo 2^32).

    Rows are added one after the other (each a contiguous ``W·P`` vector), which is several
    times faster than a cumulative sum along the outer axis."""
    for y in range(1, len(grid)):
        np.add(grid[y], grid[y - 1], out=grid[y])
    np.add.accumulate(grid, axis=1, out=grid, dtype=grid.dtype)
