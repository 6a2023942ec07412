"""Weights files are byte-reproducible: the same tensors and metadata give the same SHA-256."""

import hashlib
import json
import struct

import torch
from safetensors import safe_open
from safetensors.torch import load_file

from ddm_sscc.codec.safetensors_file import canonical_bytes, save_canonical

TENSORS = {"b": torch.arange(6, dtype=torch.int64).reshape(2, 3), "a": torch.tensor([1.5, -2.0])}
METADATA = {f"key{i}": json.dumps({"value": i, "text": "ü / \\ \" \n"}) for i in (7, 3, 11, 0, 5, 9, 1)}


def _metadata_keys_in_file(data: bytes) -> list[str]:
    (length,) = struct.unpack_from("<Q", data)
    return list(json.loads(data[8 : 8 + length])["__metadata__"])


def test_the_same_content_gives_the_same_bytes_whatever_the_dict_order():
    # safetensors alone writes metadata in a random order: seven keys in a row of equal orders
    # would be a 1-in-5040 chance per pair.
    digests = {hashlib.sha256(canonical_bytes(TENSORS, dict(reversed(METADATA.items()) if i % 2 else METADATA.items())))
               .hexdigest() for i in range(6)}
    assert len(digests) == 1
    assert _metadata_keys_in_file(canonical_bytes(TENSORS, METADATA)) == sorted(METADATA)


def test_the_file_reads_back_with_safetensors(tmp_path):
    path = tmp_path / "w.safetensors"
    save_canonical(TENSORS, path, METADATA)
    read = load_file(str(path))
    assert read.keys() == TENSORS.keys() and all(torch.equal(read[k], TENSORS[k]) for k in TENSORS)
    with safe_open(str(path), framework="pt") as handle:
        assert handle.metadata() == METADATA
    assert not list(tmp_path.glob("*.part")) and (path.stat().st_mode & 0o777) == 0o644


def test_exporting_the_same_weights_twice_gives_the_same_file(tmp_path):
    from ddm_sscc.codec.feature_weights import load_feature_weights, save_feature_weights
    from ddm_sscc.codec.zoo import WEIGHTS_DIR

    w = load_feature_weights(WEIGHTS_DIR / "ddm-featmlp-lattice-v9.safetensors")
    facts = {"run": "runs/x", "export": {"float_bpsp": 3.1, "examples": 10}}
    shas = {save_feature_weights(tmp_path / f"{i}.safetensors", "ddm-featmlp-x", w.config, w.heads, w.offline_shift,
                                 facts, w.adaptation, w.arithmetic) for i in range(3)}
    assert len(shas) == 1
