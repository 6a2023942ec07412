"""How narrow tables would split a held-out photo's rows for each reach (``NARROW_REACH``).

Encodes one image with a zoo model (narrow tables, the default), records every row's mixture
(means, scale indices, logits) and value as the coder sees them, then applies the window rule
of :mod:`ddm_sscc.codec.narrow_tables` with each reach: the share of rows per width, the mean
table width (entries built and range coded per row, escape included) and the share of rows
that escape. The reach changes the time, never the code length (the tables are a
factorisation), so this is how it is chosen. Default image: the first held-out photo.

    .venv/bin/python benchmarks/narrow_table_widths.py [IMAGE] [--model ID] [--reach 4,5,6,8]
"""

from __future__ import annotations

import argparse

import ddm_sscc  # noqa: F401  (first: its OpenMP wait policy must be set before torch loads)

# isort: split
import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, coder, load_codec, narrow_tables
from ddm_sscc.codec.narrow_tables import NARROW_WIDTHS
from ddm_sscc.codec.tokens import VOCAB_SIZE
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def recorded_rows(image: np.ndarray, model: str | None) -> tuple:
    """The model's mixture tables, and the means, scale indices and values of every coded row,
    in coding order (the window rule does not look at the mixture logits)."""
    params: list[tuple[torch.Tensor, torch.Tensor]] = []
    values: list[np.ndarray] = []
    build, encode = narrow_tables.NarrowTables.__init__, coder.StepEncoder.encode_narrow

    def recording_build(self, tables, means_q, scale_index, logits_q):
        params.append((means_q.clone(), scale_index.clone()))
        build(self, tables, means_q, scale_index, logits_q)

    def recording_encode(self, row_values, tables):
        values.append(np.asarray(row_values, dtype=np.int64))
        encode(self, row_values, tables)

    narrow_tables.NarrowTables.__init__, coder.StepEncoder.encode_narrow = recording_build, recording_encode
    try:
        codec = load_codec(model)
        codec.encode(image, CodecSettings())
    finally:
        narrow_tables.NarrowTables.__init__, coder.StepEncoder.encode_narrow = build, encode
    means, scales = (torch.cat([p[i] for p in params]) for i in range(2))
    return codec.model.tables, means, scales, torch.from_numpy(np.concatenate(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=str(data_root() / "train" / DEFAULT_HOLDOUT[0]))
    parser.add_argument("--model", help="zoo model id or weights file (default: the default model)")
    parser.add_argument("--reach", default="4,5,6,8", help="comma-separated reaches in scales")
    args = parser.parse_args()
    torch.set_num_threads(1)
    tables, means, scales, values = recorded_rows(load_image(args.image).pixels, args.model)
    print(f"# {args.image}: {len(values)} rows (the step chunks concatenated), model {args.model or 'default'}")
    whole = tables.whole_pixels(means)
    for reach in (int(r) for r in args.reach.split(",")):
        steps = tables.narrow_reach(reach)[scales]
        lo, hi = (whole - steps).min(dim=1).values, (whole + steps).max(dim=1).values + 1
        width = torch.full_like(lo, VOCAB_SIZE)
        for w in reversed(NARROW_WIDTHS):
            width = torch.where(hi - lo <= w, w, width)
        start = torch.minimum(torch.div(lo + hi - width, 2, rounding_mode="floor").clamp(min=0), VOCAB_SIZE - width)
        escaped = ((values < start) | (values >= start + width)) & (width < VOCAB_SIZE)
        entries = torch.where(width < VOCAB_SIZE, width + 1, VOCAB_SIZE).double().mean()
        shares = "  ".join(f"{w}: {float((width == w).double().mean()):.3f}" for w in (*NARROW_WIDTHS, VOCAB_SIZE))
        print(
            f"reach {reach}: widths {shares}; mean entries {float(entries):.1f}; "
            f"escaped {float(escaped.double().mean()):.4f}"
        )


if __name__ == "__main__":
    main()
