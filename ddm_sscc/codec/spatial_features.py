"""The input of the learned spatial features: the revealed canvas pooled into 2×2 cells.

The spatial network (a small convolutional net, :class:`ddm_sscc.codec.feature_network.SpatialNet`)
runs once per step over the whole canvas at half resolution; each queried position then
reads the feature vector of its cell.  Its cost per step is ``O(H·W)``, shared by every
position and channel of the step.

Planes, int64 ``(C + 1, ⌈H/2⌉, ⌈W/2⌉)``: for each channel the sum of the cell's revealed
values (0..1020), then ``255 ×`` the number of revealed pixels in the cell (0..1020), so every
plane has the same range.  "Revealed" means revealed in an earlier step, as for the
local features.  Pure integer arithmetic: the same on every machine.
"""

from __future__ import annotations

import torch

from ddm_sscc.codec.tokens import MASK

CELL = 2
"""Side of the square cell the canvas is pooled into."""
PLANE_LIMIT = 4 * 255


def cell_planes(canvas: torch.Tensor) -> torch.Tensor:
    """Pooled planes of an int64 canvas ``(C, H, W)`` (values 0..255 or MASK)."""
    channels, height, width = canvas.shape
    known = canvas[channels - 1] != MASK  # the last channel is revealed only with the whole position
    planes = torch.cat([torch.where(known, canvas, torch.zeros_like(canvas)), 255 * known.to(torch.int64)[None]])
    pad_h, pad_w = (-height) % CELL, (-width) % CELL
    planes = torch.nn.functional.pad(planes, (0, pad_w, 0, pad_h))
    h2, w2 = planes.shape[1] // CELL, planes.shape[2] // CELL
    return planes.reshape(channels + 1, h2, CELL, w2, CELL).sum(dim=(2, 4))


def cell_index(positions: torch.Tensor, width: int) -> torch.Tensor:
    """Flat index of the cell holding each flat position: int64 ``(n,)``."""
    cell_width = -(-width // CELL)
    return (positions // width // CELL) * cell_width + (positions % width) // CELL
