import pytest
import torch

from ddm_sscc.codec.checkpoint import load_network, save_network
from ddm_sscc.codec.network import ABSENT, DiffusionTransformer, NetworkConfig
from ddm_sscc.codec.tokens import MASK
from ddm_sscc.errors import ModelMismatchError

SMALL = NetworkConfig(dim=32, depth=2, heads=2, window=4, pixel_dim=8, feature_dim=16, head_hidden=32, local_dim=8)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return DiffusionTransformer(SMALL).eval()


@pytest.mark.parametrize("height,width", [(1, 1), (3, 5), (31, 33), (40, 8)])
def test_any_size_is_processed_whole(net, height, width):
    canvas = torch.randint(0, MASK + 1, (2, 3, height, width))
    with torch.inference_mode():
        feats = net.features(canvas, torch.tensor([0.3, 1.0]))
        assert feats.shape == (2, height, width, SMALL.feature_dim)
        logits = net.head_logits(feats.reshape(-1, SMALL.feature_dim), 2, torch.zeros(2 * height * width, 2, dtype=torch.long))
    assert logits.shape == (2 * height * width, 256) and torch.isfinite(logits).all()


def test_context_crosses_window_and_patch_borders():
    """A pixel outside a pixel's attention window still changes its features: no independent tiles.

    Windows are 4 tokens of 4 pixels; pixel (0, 28) sits in the second window of the first row,
    and after shifted-window and position-conv layers its influence reaches pixel (0, 0)."""
    torch.manual_seed(0)
    net = DiffusionTransformer(NetworkConfig(**{**SMALL.to_dict(), "depth": 4})).eval()
    for block in net.blocks:  # adaLN starts at zero: give the attention some weight
        torch.nn.init.normal_(block.ada.weight, std=0.02)
    torch.nn.init.normal_(net.local[-1].weight, std=0.1)
    canvas = torch.full((1, 3, 64, 64), MASK)
    other = canvas.clone()
    other[0, :, 0, 28] = 17
    with torch.inference_mode():
        a = net.features(canvas, torch.tensor([1.0]))[0, 0, 0]
        b = net.features(other, torch.tensor([1.0]))[0, 0, 0]
    assert not torch.equal(a, b)


def test_greyscale_canvas_uses_absent_channels(net):
    canvas = torch.full((1, 3, 4, 4), ABSENT)
    canvas[0, 0] = MASK
    with torch.inference_mode():
        assert torch.isfinite(net.features(canvas, torch.tensor([1.0]))).all()


def test_checkpoint_round_trip_and_hash(tmp_path, net):
    sha = save_network(tmp_path / "m.safetensors", net, {"note": "x"})
    loaded, facts, sha2 = load_network(tmp_path / "m.safetensors", expected_sha256=sha)
    assert sha == sha2 and facts == {"note": "x"} and loaded.config == SMALL
    for p, q in zip(net.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(p, q)


def test_bad_checkpoints_name_the_file(tmp_path, net):
    path = tmp_path / "m.safetensors"
    sha = save_network(path, net)
    with pytest.raises(ModelMismatchError, match="missing.safetensors"):
        load_network(tmp_path / "missing.safetensors")
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelMismatchError, match="m.safetensors.*corrupted"):
        load_network(path, expected_sha256=sha)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelMismatchError, match="not a usable model checkpoint"):
        load_network(path)
