"""From a float training run to the integer weights file the codec ships.

1. Quantise every head (:func:`ddm_sscc.codec.integer_network.quantize`), with
   activation ranges measured on training examples.
2. Fit the offline calibration: per head and mask-ratio bucket, the scale-index
   shift that minimises the integer model's code length on training examples
   (never Kodak).
3. Write the weights file and return what it measured: the float network's code
   length, the integer network's with and without the offline calibration.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ddm_sscc.codec.feature_network import HEADS, FeatureNetworkConfig, mixture_nll_bits
from ddm_sscc.codec.feature_weights import CALIBRATION_BUCKETS, reciprocal_table, save_feature_weights
from ddm_sscc.codec.integer_network import FLOAT32_COLUMN_LIMITS, SCALE_INDICES, build_heads, quantize
from ddm_sscc.codec.online_adaptation import AdaptationConfig
from ddm_sscc.codec.tables import CDF_ONE, LogisticMixtureTables, logistic_cdf_table, mixture_weights
from ddm_sscc.training.chroma_history import with_chroma_history
from ddm_sscc.training.coding_steps import HeadBatch, batch_examples, to_grey
from ddm_sscc.training.feature_loop import CropSource, load_float_network
from ddm_sscc.training.film_grain import with_grain
from ddm_sscc.training.tiny_images import TINY_PER_CROP, TinyImageSource

SHIFTS = range(-8, 9)
ADAPTATION = AdaptationConfig(offset_cuts=(-32, -8, 8, 32), regression=True)
"""The online adaptation of new models: contexts by scale bucket × bucket of the mean's offset from
the base prediction (edges at ±½ and ±2 pixels), and the residual regression; both chosen on the
held-out photos."""
ARITHMETIC = FLOAT32_COLUMN_LIMITS
"""New exports run their layers as exact float32 GEMMs, the features in one GEMM with column limits
(``integer_network.FLOAT32_COLUMN_LIMITS``, from ``ddm-featmlp-lattice-v8``)."""


def draw_examples(images: list[np.ndarray], crops: int, seed: int, crop: int = 128, per_step: int = 1024,
                  net_cfg: FeatureNetworkConfig = FeatureNetworkConfig(), train: dict | None = None) -> dict[int, HeadBatch]:
    """Examples of every head: ``crops`` training crops, and greyscale copies of an eighth of them.

    A run trained with tiny images (``train["tiny_crops"]``, :mod:`ddm_sscc.training.tiny_images`)
    is measured on its own mix: that share of the crops are tiny images instead,
    :data:`TINY_PER_CROP` for each.  So is a run trained with chroma history or grain
    (``train["chroma_history"]``, ``train["grain"]``): those shares of its crops get them.
    """
    rng = np.random.default_rng(seed)
    train = train or {}
    tiny_crops = int(train.get("tiny_crops", 0))
    tiny = round(crops * tiny_crops / (tiny_crops + int(train.get("crops_per_batch", 1)))) if tiny_crops else 0
    drawn = CropSource(images, crop).draw(rng, crops - tiny)
    if share := float(train.get("chroma_history", 0.0)):
        drawn = with_chroma_history(drawn, rng, share)
    if share := float(train.get("grain", 0.0)):
        drawn = with_grain(drawn, rng, share)
    if tiny:
        drawn += TinyImageSource(images).draw(rng, TINY_PER_CROP * tiny)
    grey = [to_grey(c) for c in drawn[: max(1, crops // 8)] if c.shape[2] == 3]
    return batch_examples(drawn + grey, rng, per_step, net_cfg)


def integer_bits(tables: LogisticMixtureTables, mixture: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
                 target: torch.Tensor, shift: torch.Tensor | int = 0) -> torch.Tensor:
    """Code length (bits, float64) of each target under an integer mixture with a scale shift."""
    means, scales, logits = mixture
    scales = (scales + (shift[:, None] if isinstance(shift, torch.Tensor) else shift)).clamp(0, SCALE_INDICES - 1)
    mass = tables.masses_at(means, scales, logits, target).to(torch.float64)
    total = CDF_ONE * mixture_weights(logits).sum(dim=1).to(torch.float64)
    floor = total / (1 << 20)
    return -torch.log2((mass + floor) / (total + 256 * floor))


def export(run_network: Path, out_path: Path, model_id: str, images: list[np.ndarray], facts: dict,
           crops: int = 160, seed: int = 4242) -> dict:
    """Quantise and calibrate a trained network into ``out_path``; returns the measurements."""
    net, train_facts = load_float_network(run_network)
    k = net.config.components
    train = train_facts.get("train", {})
    crop = int(train.get("crop", 128))  # the run's crop size
    examples = draw_examples(images, crops, seed, crop, net_cfg=net.config, train=train)
    heads_int = quantize(net, {h: b.feats for h, b in examples.items()}, ARITHMETIC)
    heads = build_heads(heads_int, k, ARITHMETIC, **net.config.feature_groups())
    tables = LogisticMixtureTables(torch.from_numpy(reciprocal_table()), torch.from_numpy(logistic_cdf_table()))
    fit = draw_examples(images, crops, seed + 1, crop, net_cfg=net.config, train=train)
    offline = torch.zeros((len(HEADS), CALIBRATION_BUCKETS), dtype=torch.int64)
    report = {"float_bits": 0.0, "integer_bits": 0.0, "calibrated_bits": 0.0, "examples": 0}
    for head, batch in fit.items():
        with torch.no_grad():
            float_bits = mixture_nll_bits(net(head, batch.feats), batch.base, batch.target, k)
        bucket = torch.clamp(batch.feats[:, -2] * CALIBRATION_BUCKETS // 256, max=CALIBRATION_BUCKETS - 1)
        mixture = heads[head].mixture(batch.feats, batch.base)
        per_shift = torch.stack([integer_bits(tables, mixture, batch.target, s) for s in SHIFTS], dim=1)
        for b in range(CALIBRATION_BUCKETS):
            rows = bucket == b
            if int(rows.sum()) >= 200:
                offline[head, b] = SHIFTS[int(per_shift[rows].sum(dim=0).argmin())]
        report["float_bits"] += float(float_bits.sum())
        report["integer_bits"] += float(per_shift[:, SHIFTS.index(0)].sum())
        report["calibrated_bits"] += float(integer_bits(tables, mixture, batch.target, offline[head][bucket]).sum())
        report["examples"] += len(batch.target)
    for key in ("float_bits", "integer_bits", "calibrated_bits"):
        report[key.replace("_bits", "_bpsp")] = report.pop(key) / report["examples"]
    sha = save_feature_weights(out_path, model_id, net.config, heads_int, offline,
                               facts | {"training": train_facts} | {"export": report}, ADAPTATION, ARITHMETIC)
    return report | {"sha256": sha.hex(), "offline_shift": offline.tolist()}
