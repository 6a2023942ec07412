"""``ddm-sscc bench``: DDM against classical lossless codecs on the same pixels.

Every codec's output is decoded and compared with the input; a codec that is
not lossless on an image stops the benchmark.  bpsp is pooled, total bits
over total sub-pixels (for equal-sized images, the mean of per-image bpsp);
DDM's bits are the whole ``.ddm`` file, header included.  Seconds are wall
time per image, measured in this process, one codec after another.
"""

from __future__ import annotations

import csv
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, OrderKind, ScheduleKind, load_codec
from ddm_sscc.codec.model import AdaptiveModel, trained_order
from ddm_sscc.codec.schedule import steps_label
from ddm_sscc.codec.threads import network_threads
from ddm_sscc.codec.zoo import default_description
from ddm_sscc.errors import CodecError
from ddm_sscc.experiments.baselines import baselines, matches
from ddm_sscc.experiments.datasets import iter_dataset

SWEEP_STEPS = (8, 16, 32, 64)
ABLATION_IMAGES = 4


@dataclass(frozen=True)
class BenchSettings:
    dataset: str
    limit: int | None = None
    crop: int | None = None
    steps: int | None = None
    model: str | None = None
    ablation: bool = False
    sweep_steps: bool = False
    calibration: str = "online"
    """``off``, ``offline`` or ``online`` (the encoder's ``--calibration``) for the main table and the T sweep."""

    def __post_init__(self) -> None:
        CodecSettings.for_calibration(self.calibration)  # refused before the images load


def center_crop(image: np.ndarray, size: int | None) -> np.ndarray:
    """The central ``size × size`` part (images smaller than that stay whole)."""
    if size is None:
        return image
    h, w = image.shape[:2]
    y, x = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return np.ascontiguousarray(image[y : y + size, x : x + size])


def run_bench(settings: BenchSettings, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Measure every codec on the dataset; returns rows, summary and (optionally) ablation and sweep."""
    images = [(label, center_crop(px, settings.crop)) for label, px in iter_dataset(settings.dataset, settings.limit)]
    codec = load_codec(settings.model)
    # as encode's --calibration: a model without that calibration codes as it can
    ddm_settings = CodecSettings.for_calibration(settings.calibration, steps=settings.steps)
    coders = [("ddm", lambda im: codec.encode(im, ddm_settings), codec.decode, lambda im, out: np.array_equal(im, out))]
    coders += [(b.name, b.encode, b.decode, matches) for b in baselines()]
    rows = []
    for i, (label, image) in enumerate(images):
        for name, encode, decode, same in coders:
            start = time.perf_counter()
            data = encode(image)
            mid = time.perf_counter()
            out = decode(data)
            end = time.perf_counter()
            if not same(image, out):
                raise CodecError(f"{name} did not decode {label} exactly")
            rows.append({"image": label, "codec": name, "bytes": len(data), "subpixels": image.size,
                         "bpsp": 8 * len(data) / image.size, "encode_s": mid - start, "decode_s": end - mid})
        if progress:
            progress(f"{i + 1}/{len(images)} {label}")
    result: dict[str, Any] = {
        "dataset": settings.dataset,
        "images": len(images),
        "settings": asdict(settings) | {"model": settings.model or default_description(), "order": trained_order(codec.model).name.lower()},
        "machine": f"{platform.node()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
                   f"network GEMM threads {network_threads() or torch.get_num_threads()}",
        "rows": _summary(rows, [c[0] for c in coders]),
        "per_image": rows,
    }
    subset = images[:ABLATION_IMAGES]
    if settings.ablation:
        result["ablation"] = _ablation(codec, subset, settings.steps, progress)
    if settings.sweep_steps:
        result["sweep_steps"] = _sweep(codec, subset, progress, settings.calibration)
    return result


def _summary(rows: list[dict], names: list[str]) -> list[dict]:
    out = []
    for name in names:
        mine = [r for r in rows if r["codec"] == name]
        bits = sum(8 * r["bytes"] for r in mine)
        out.append({"codec": name, "bpsp": bits / sum(r["subpixels"] for r in mine),
                    "encode_s": float(np.mean([r["encode_s"] for r in mine])),
                    "decode_s": float(np.mean([r["decode_s"] for r in mine]))})
    return out


def ablation_rows(default_order: str) -> list[tuple[str, str, str]]:
    """(order, schedule, calibration): the default (first row, with the model's own order),
    then one factor changed at a time."""
    orders = [o for o in ("halton", "lattice", "raster", "random") if o != default_order]
    return [(default_order, "cosine", "online"), *((o, "cosine", "online") for o in orders),
            (default_order, "linear", "online"), (default_order, "cosine", "offline"), (default_order, "cosine", "off")]


def _calibration_settings(codec, calibration: str) -> dict | None:
    """CodecSettings arguments for a calibration mode, or None if the model has no such mode."""
    adaptive = isinstance(codec.model, AdaptiveModel)
    if calibration == "off":
        return {"calibrate": False}
    if calibration == "offline":
        return {"calibrate": True, "adapt": False} if adaptive or codec.calibration is not None else None
    return {"calibrate": True, "adapt": True} if adaptive else None


def _ablation(codec, subset, steps, progress) -> list[dict]:
    rows = []
    for order, schedule, calibration in ablation_rows(trained_order(codec.model).name.lower()):
        row = {"order": order, "schedule": schedule, "calibration": calibration}
        mode = _calibration_settings(codec, calibration)
        if mode is None:
            rows.append(row | {"bpsp": None, "note": f"{codec.model.model_id} has no {calibration} calibration"})
            continue
        cfg = CodecSettings(steps=steps, order=OrderKind[order.upper()], schedule=ScheduleKind[schedule.upper()], **mode)
        bits = sum(8 * len(codec.encode(im, cfg)) for _, im in subset)
        rows.append(row | {"bpsp": bits / sum(im.size for _, im in subset), "note": ""})
        if progress:
            progress(f"ablation {order}/{schedule}/{calibration}")
    return rows


def _sweep(codec, subset, progress, calibration: str) -> list[dict]:
    rows = []
    for steps in SWEEP_STEPS:
        cfg = CodecSettings.for_calibration(calibration, steps=steps)
        start = time.perf_counter()
        bits = 0
        for _, im in subset:
            data = codec.encode(im, cfg)
            if not np.array_equal(codec.decode(data), im):
                raise CodecError(f"ddm did not decode exactly at T={steps}")
            bits += 8 * len(data)
        rows.append({"steps": steps, "bpsp": bits / sum(im.size for _, im in subset),
                     "seconds_per_image": (time.perf_counter() - start) / len(subset)})
        if progress:
            progress(f"sweep T={steps}")
    return rows


def to_markdown(result: dict[str, Any]) -> str:
    """The benchmark as Markdown tables, with what was measured and how."""
    s = result["settings"]
    lines = [
        f"Dataset {result['dataset']}: {result['images']} images"
        + (f", centre-cropped to {s['crop']}×{s['crop']}" if s["crop"] else ", full size")
        + f"; DDM model {s['model']}, T={steps_label(s['steps'])}, {s.get('order', 'halton')}/cosine, "
        + f"calibration {s.get('calibration', 'online')}; {result['machine']}.",
        "",
        "| codec | bpsp | encode s/image | decode s/image |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['codec']} | {r['bpsp']:.4f} | {r['encode_s']:.3f} | {r['decode_s']:.3f} |" for r in result["rows"]]
    if "ablation" in result:
        lines += ["", f"Ablation on the first {min(ABLATION_IMAGES, result['images'])} images (DDM bpsp; "
                  "the first row is the default, each other row changes one factor):", "",
                  "| order | schedule | calibration | bpsp |", "|---|---|---|---|"]
        lines += [f"| {r['order']} | {r['schedule']} | {r['calibration']} | "
                  f"{'n/a (' + r['note'] + ')' if r['bpsp'] is None else format(r['bpsp'], '.4f')} |"
                  for r in result["ablation"]]
    if "sweep_steps" in result:
        lines += ["", f"Steps sweep on the first {min(ABLATION_IMAGES, result['images'])} images:", "",
                  "| T | bpsp | encode+decode s/image |", "|---|---|---|"]
        lines += [f"| {r['steps']} | {r['bpsp']:.4f} | {r['seconds_per_image']:.2f} |" for r in result["sweep_steps"]]
    return "\n".join(lines)


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
