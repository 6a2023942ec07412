import numpy as np
import pytest
import torch

from ddm_sscc.codec import CodecSettings, DiffusionCodec
from ddm_sscc.codec.checkpoint import add_calibration, load_network, read_calibration, save_network
from ddm_sscc.codec.container import unpack
from ddm_sscc.codec.diffusion_model import DiffusionModel
from ddm_sscc.codec.network import DiffusionTransformer
from ddm_sscc.training.calibrate import STEP_COUNTS, code_length_bits, collect, fit
from ddm_sscc.training.data import CropSet
from tests.conftest import real_image
from tests.core.training.test_training import SMALL


class Overconfident(DiffusionModel):
    """A model whose tables are far too sharp: calibration must flatten them."""

    def logits(self, canvas, positions, step):
        return 4.0 * super().logits(canvas, positions, step)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    net = DiffusionTransformer(SMALL)
    for p in net.heads.parameters():  # give the random net opinions
        torch.nn.init.normal_(p, std=0.5)
    path = tmp_path_factory.mktemp("ckpt") / "m.safetensors"
    save_network(path, net)
    return path


@pytest.fixture(scope="module")
def crops():
    return CropSet(np.stack([real_image(16, 16, 3), real_image(16, 16, 3)[::-1].copy()]), np.array([3, 3], np.uint8))


def test_collect_weights_count_every_coded_subpixel(checkpoint, crops):
    model = DiffusionModel.from_file(checkpoint, "m")
    samples = collect(model, crops, keep=20)
    assert float(samples.weight.sum()) == pytest.approx(2 * 16 * 16 * 3 * len(STEP_COUNTS))
    assert samples.logits.shape[1] == 256 and len(samples.target) == len(samples.ratio)


def test_fit_flattens_overconfident_tables_and_is_stored(checkpoint, crops, tmp_path):
    net, _, sha = load_network(checkpoint)
    model = Overconfident(net, "m", sha)
    samples = collect(model, crops, keep=64)
    calibration = fit(samples, iterations=150)
    assert code_length_bits(samples, calibration) < code_length_bits(samples, None) - 0.1
    assert calibration.temperature(0.5, 3, 16) > 1.5
    target = tmp_path / "cal.safetensors"
    add_calibration(checkpoint, target, calibration, {"calibration": {"note": "test"}})
    loaded = read_calibration(target)
    assert loaded.temperature(0.5, 3, 16) == calibration.temperature(0.5, 3, 16)
    assert read_calibration(checkpoint) is None
    net2, facts, _ = load_network(target)  # the network ignores the calibration tensors
    assert facts["calibration"] == {"note": "test"}
    for p, q in zip(net.state_dict().values(), net2.state_dict().values()):
        assert torch.equal(p, q)


def test_calibrated_codec_round_trips_and_records_it(checkpoint, crops, tmp_path):
    net, _, sha = load_network(checkpoint)
    calibration = fit(collect(Overconfident(net, "m", sha), crops, keep=32), iterations=50)
    codec = DiffusionCodec(Overconfident(net, "m", sha), calibration)
    image = real_image(12, 20, 3)
    on = codec.encode(image)
    off = codec.encode(image, CodecSettings(calibrate=False))
    assert unpack(on)[0].calibrated and not unpack(off)[0].calibrated
    assert len(on) < len(off)
    assert np.array_equal(codec.decode(on), image) and np.array_equal(codec.decode(off), image)
