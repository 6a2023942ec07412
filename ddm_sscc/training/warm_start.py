"""Starting a new run from another run's network, with feature groups added.

A new feature group's columns sit just before the step conditioning (always the last two
columns, :func:`~ddm_sscc.codec.local_features.features`).  The new network copies every
weight of the old one and gives the added columns zero input weights, so at step 0 it
computes exactly what the old network did and training only has to learn what the new
inputs add.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch

from ddm_sscc.codec.feature_network import FeatureNetwork, FeatureNetworkConfig
from ddm_sscc.errors import ConfigError

ADDABLE_GROUPS = ("block_phase", "block_window")
"""Feature groups a warm start may add, in the order :func:`~ddm_sscc.codec.local_features.features`
writes them (each just before the step conditioning): a group may be added only after every group
the source already has."""
_CONDITIONING = 2


def widened(old: FeatureNetwork, config: FeatureNetworkConfig) -> FeatureNetwork:
    """A network of ``config`` that computes what ``old`` computes; ``config`` may only add
    groups of :data:`ADDABLE_GROUPS` to ``old.config``."""
    added = [g for g in ADDABLE_GROUPS if getattr(config, g) and not getattr(old.config, g)]
    had = [i for i, g in enumerate(ADDABLE_GROUPS) if getattr(old.config, g)]
    in_order = all(ADDABLE_GROUPS.index(g) > max(had, default=-1) for g in added)
    if replace(old.config, **{g: True for g in added}) != config or not in_order:
        raise ConfigError(f"a warm start may only add {' or '.join(ADDABLE_GROUPS)} (in that order) to the network "
                          f"it starts from: {old.config.to_dict()} cannot become {config.to_dict()}")
    new = FeatureNetwork(config)
    with torch.no_grad():
        for old_mlp, new_mlp in zip(old.heads, new.heads):
            old_layers = [m for m in old_mlp if isinstance(m, torch.nn.Linear)]
            new_layers = [m for m in new_mlp if isinstance(m, torch.nn.Linear)]
            for i, (a, b) in enumerate(zip(old_layers, new_layers)):
                b.bias.copy_(a.bias)
                if i:
                    b.weight.copy_(a.weight)
                    continue
                kept = a.weight.shape[1] - _CONDITIONING
                b.weight.zero_()
                b.weight[:, :kept] = a.weight[:, :kept]
                b.weight[:, -_CONDITIONING:] = a.weight[:, kept:]
    return new


def warm_start_config(run_dir: Path, **added: bool) -> FeatureNetworkConfig:
    """The network settings of a run started from ``run_dir``: that run's, with the groups of
    ``added`` (names from :data:`ADDABLE_GROUPS`) switched on where True."""
    from ddm_sscc.training.feature_loop import _run_metadata

    old, _ = _run_metadata(_network_file(run_dir))
    return replace(old, **{g: True for g, on in added.items() if on})


def warm_start_network(run_dir: Path, config: FeatureNetworkConfig) -> FeatureNetwork:
    """:func:`widened` of the float network of the run in ``run_dir``."""
    from ddm_sscc.training.feature_loop import load_float_network

    old, _ = load_float_network(_network_file(run_dir))
    return widened(old, config)


def _network_file(run_dir: Path) -> Path:
    path = run_dir / "network.safetensors"
    if not path.is_file():
        raise ConfigError(f"{run_dir}: no network.safetensors to start from (not a `ddm-sscc train` run directory)")
    return path
