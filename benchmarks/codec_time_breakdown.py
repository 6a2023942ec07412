"""Where an encode and a decode of one image spend their time, stage by stage (feature models).

    .venv/bin/python benchmarks/codec_time_breakdown.py [IMAGE] [--model ID] [--steps T] [--threads N]
        [--tables narrow|full]

Wraps the feature model's stages with wall-clock timers (this script only; the codec is
unchanged): the step summary (prefix sums), the features, the integer network, the
frequency tables, the online adaptation's learning, and the range coder. "other" is the
rest (order, engine, container). Prints the settings, the seconds per stage for the encode
and the decode, and the SHA-256 of the bitstream, so that a speed change can be checked to
leave the bytes unchanged. Compare versions in the same session: these machines are noisy,
and a job on the other core slows everything (memory bandwidth).

``ddm_sscc`` is imported before torch, as in the CLI, so that its ``OMP_WAIT_POLICY=PASSIVE``
applies (``ddm_sscc/__init__.py``); the header line prints the policy in force.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import platform
import time
from collections.abc import Callable

import ddm_sscc  # noqa: F401  (first: its OpenMP wait policy must be set before torch loads)

# isort: split
import numpy as np
import torch

from ddm_sscc.codec import (
    CodecSettings,
    coder,
    feature_model,
    integer_network,
    load_codec,
    narrow_tables,
    online_adaptation,
    tables,
)
from ddm_sscc.codec.schedule import DEFAULT_STEPS
from ddm_sscc.image_io import load_image

SPENT: collections.Counter = collections.Counter()


def _timed(owner: object, name: str, stage: str) -> None:
    original: Callable = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[stage] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def _instrument() -> None:
    _timed(feature_model, "summarise", "summary")
    _timed(feature_model, "features", "features")
    _timed(integer_network.IntegerHead, "mixture", "network")
    _timed(tables.LogisticMixtureTables, "frequencies", "tables")
    _timed(narrow_tables.NarrowTables, "_build", "tables")
    _timed(narrow_tables.NarrowTables, "outside", "tables")
    _timed(online_adaptation.OnlineAdaptation, "update", "adaptation")
    _timed(coder.StepEncoder, "encode", "range coder")
    _timed(coder.StepDecoder, "decode", "range coder")


def _report(label: str, seconds: float) -> None:
    parts = "  ".join(f"{stage} {SPENT[stage]:.2f}" for stage in
                      ("summary", "features", "network", "tables", "adaptation", "range coder"))
    print(f"{label}: {seconds:.2f} s = {parts}  other {seconds - sum(SPENT.values()):.2f}")
    SPENT.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=os.path.join(os.environ.get("DDM_DATA", "../shared/datasets"),
                                                                 "kodak", "kodim23.png"))
    parser.add_argument("--model", default=None, help="zoo model id or weights file (default: the default model)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the CLI)")
    parser.add_argument("--tables", choices=("narrow", "full"), default="narrow",
                        help="narrow tables (the default for models that make them) or full 256-entry ones")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    image = load_image(args.image).pixels
    codec = load_codec(args.model)
    _instrument()
    print(f"{args.image} {image.shape[1]}x{image.shape[0]}x{image.shape[2] if image.ndim == 3 else 1}, "
          f"model {codec.model.model_id}, T = {args.steps}, {args.tables} tables, torch threads {args.threads}, "
          f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    start = time.perf_counter()
    data = codec.encode(image, CodecSettings(steps=args.steps, narrow=args.tables == "narrow"))
    _report("encode", time.perf_counter() - start)
    start = time.perf_counter()
    decoded = codec.decode(data)
    _report("decode", time.perf_counter() - start)
    exact = np.array_equal(decoded, image)
    print(f"{len(data)} bytes, {8 * len(data) / image.size:.4f} bpsp, exact {exact}, "
          f"sha256 {hashlib.sha256(data).hexdigest()[:16]}")
    if not exact:
        raise SystemExit("decoded image differs")


if __name__ == "__main__":
    main()
