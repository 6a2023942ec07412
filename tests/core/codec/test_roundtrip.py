import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ddm_sscc.codec import CodecSettings, DiffusionCodec, OrderKind, ScheduleKind, available_models, load_codec
from ddm_sscc.codec.container import unpack
from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.codec.tokens import pixel_sha256
from ddm_sscc.codec.zoo import DEFAULT_MODEL, SMALL_IMAGE_MODEL, codec_for_header
from ddm_sscc.errors import ModelMismatchError
from tests.conftest import OtherWeightsModel, random_image, real_image

EXPECTED = Path(__file__).resolve().parents[2] / "expected"
SIZES = [(1, 1), (3, 5), (1, 5000), (31, 33), (32, 32), (64, 48)]


IN_USE = sorted({DEFAULT_MODEL, SMALL_IMAGE_MODEL, "ddm-featmlp-compact-v1", ContextMeanModel.model_id})
"""The models the commands code with: the default's two, the fast setting's and the parameter-free
reference.  The others stay in the zoo so that their files decode; they share the engine and the
feature model's code, so they get the round trips of every shape, the golden bitstreams of every
format and the cross-machine test, not every order, schedule, chunk size and thread count again."""


@pytest.fixture(scope="module", params=available_models())
def codec(request) -> DiffusionCodec:
    """Every model in the zoo (those in :data:`IN_USE` for tests marked ``in_use_only``)."""
    return load_codec(request.param)


in_use_only = pytest.mark.parametrize("codec", IN_USE, indirect=True)


@pytest.fixture(scope="module")
def context_mean() -> DiffusionCodec:
    return load_codec(ContextMeanModel.model_id)


@pytest.mark.parametrize("height,width", SIZES)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("source", ["random", "real"])
def test_exact_round_trip(codec, height, width, channels, source):
    if source == "random":
        image = random_image(height, width, channels)
    else:  # the photos are 512 wide: repeat a crop for longer strips
        image = np.resize(real_image(height, min(width, 300), channels), (height, width, channels))
    data = codec.encode(image, CodecSettings(steps=16))
    decoded = codec.decode(data)
    assert decoded.dtype == np.uint8 and decoded.shape == (height, width, channels)
    assert np.array_equal(decoded, image)


@pytest.mark.parametrize("order", list(OrderKind))
@pytest.mark.parametrize("schedule", list(ScheduleKind))
@pytest.mark.parametrize("steps", [1, 4, 64])
@in_use_only
def test_every_order_schedule_and_step_count(codec, order, schedule, steps):
    image = real_image(24, 20, 3)
    settings = CodecSettings(steps=steps, order=order, schedule=schedule, order_seed=99)
    assert np.array_equal(codec.decode(codec.encode(image, settings)), image)


def test_greyscale_2d_input_and_extremes(codec):
    for image in (np.zeros((9, 7), np.uint8), np.full((9, 7), 255, np.uint8)):
        assert np.array_equal(codec.decode(codec.encode(image))[:, :, 0], image)


def test_real_photo_compresses(codec):
    image = real_image(64, 64, 3)
    bpsp = 8 * len(codec.encode(image)) / image.size
    assert bpsp < 6.0, f"{codec.model.model_id} coded a real photo at {bpsp:.2f} bpsp"


@in_use_only
def test_32x32_rgb_round_trip_under_a_second(codec):
    image = real_image(32, 32, 3)
    codec.decode(codec.encode(image))  # warm-up
    start = time.perf_counter()
    assert np.array_equal(codec.decode(codec.encode(image, CodecSettings(steps=16))), image)
    assert time.perf_counter() - start < 1.0


class HalfTemperature:
    def temperature(self, mask_ratio, step, steps):
        return 0.5 + mask_ratio


def test_calibration_hook_changes_tables_and_is_recorded(context_mean):
    codec = context_mean
    image = real_image(32, 32, 3)
    calibrated = DiffusionCodec(ContextMeanModel(), HalfTemperature())
    plain_bytes = calibrated.encode(image, CodecSettings(calibrate=False))
    hot_bytes = calibrated.encode(image, CodecSettings(calibrate=True))
    assert plain_bytes == codec.encode(image)
    assert hot_bytes != plain_bytes
    assert unpack(hot_bytes)[0].calibrated and not unpack(plain_bytes)[0].calibrated
    assert np.array_equal(calibrated.decode(hot_bytes), image)
    with pytest.raises(ModelMismatchError, match="calibration"):
        codec.decode(hot_bytes)


def test_other_weights_are_refused_before_decoding(context_mean):
    data = DiffusionCodec(OtherWeightsModel()).encode(real_image(8, 8, 3))
    with pytest.raises(ModelMismatchError, match="context-mean-v1"):
        context_mean.decode(data)


def test_pixel_hash_binds_shape():
    image = real_image(4, 6, 1)
    assert pixel_sha256(image) != pixel_sha256(image.reshape(6, 4, 1))


@in_use_only
def test_decode_does_not_depend_on_threads(codec):
    image = real_image(48, 40, 3)
    data = codec.encode(image)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert codec.encode(image) == data
        assert np.array_equal(codec.decode(data), image)
    finally:
        torch.set_num_threads(before)


GOLDEN = {"context-mean-v1": "", "ddm-featmlp-int-v1": "featmlp_", "ddm-featmlp-int-v2": "featmlp2_",
          "ddm-featmlp-lattice-v3": "lattice3_", "ddm-featmlp-lattice-v4": "lattice4_",
          "ddm-featmlp-lattice-v5": "lattice5_", "ddm-featmlp-lattice-v6": "lattice6_",
          "ddm-featmlp-lattice-v7": "lattice7_", "ddm-featmlp-lattice-v8": "lattice8_",
          "ddm-featmlp-lattice-v9": "lattice9_", "ddm-featmlp-compact-v1": "compact1_",
          "ddm-featmlp-tiny-v1": "tiny1_", "ddm-featmlp-tiny-v3": "tiny3_",
          "ddm-featmlp-tiny-v4": "tiny4_", "ddm-featmlp-tiny-v5": "tiny5_"}
"""File-name prefix of each zoo model's golden bitstreams in tests/expected/."""
AFTER_FORMAT_1 = {"ddm-featmlp-lattice-v3", "ddm-featmlp-lattice-v4", "ddm-featmlp-lattice-v5",
                  "ddm-featmlp-lattice-v6", "ddm-featmlp-lattice-v7", "ddm-featmlp-lattice-v8",
                  "ddm-featmlp-lattice-v9", "ddm-featmlp-compact-v1", "ddm-featmlp-tiny-v1", "ddm-featmlp-tiny-v3",
                  "ddm-featmlp-tiny-v4", "ddm-featmlp-tiny-v5"}
"""Zoo models added after the compact header: no format 1 files."""
AFTER_FORMAT_2 = {"ddm-featmlp-lattice-v9", "ddm-featmlp-compact-v1", "ddm-featmlp-tiny-v1", "ddm-featmlp-tiny-v3",
                  "ddm-featmlp-tiny-v4", "ddm-featmlp-tiny-v5"}
"""Zoo models added after format 3: no format 2 files."""


def test_every_zoo_model_has_golden_bitstreams():
    assert set(GOLDEN) == set(available_models())


@pytest.mark.parametrize("name,channels", [("astronaut32_rgb", 3), ("camera32_grey", 1)])
def test_golden_bitstreams(codec, name, channels):
    """Bitstreams in tests/expected/ catch silent format drift: the encoder must reproduce
    them byte for byte and the decoder must read them."""
    image = real_image(32, 32, channels)
    golden = (EXPECTED / f"{GOLDEN[codec.model.model_id]}{name}.ddm").read_bytes()
    assert codec.encode(image, CodecSettings(steps=16)) == golden
    assert np.array_equal(codec.decode(golden), image)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("name,channels", [("astronaut32_rgb", 3), ("camera32_grey", 1)])
def test_older_format_golden_bitstreams_still_decode(codec, version, name, channels):
    """Files written in formats 1 and 2 decode to the same pixels, with the installed model their
    weights' hash names, and their payload is the one format 3 carries with full tables."""
    model_id = codec.model.model_id
    old_path = EXPECTED / f"format{version}" / f"{GOLDEN[model_id]}{name}.ddm"
    if model_id in (AFTER_FORMAT_1 if version == 1 else AFTER_FORMAT_2):
        assert not old_path.exists()
        pytest.skip(f"{model_id} came after format {version}")
    old = old_path.read_bytes()
    image = real_image(32, 32, channels)
    full = codec.encode(image, CodecSettings(steps=16, narrow=False))
    assert old[4] == version and full[4] == 3 and not unpack(full)[0].narrow
    old_header, old_payload = unpack(old)
    assert old_header.model_id == model_id and codec_for_header(old_header).model.model_id == model_id
    assert np.array_equal(codec.decode(old), image)
    assert old_payload == unpack(full)[1]
    id_bytes = 1 + len(model_id)  # format 3 dropped the id and its length byte
    assert len(old) - len(full) == id_bytes + (47 if version == 1 else 0)


@in_use_only
def test_narrow_tables_are_what_models_that_make_them_code(codec):
    """Feature models code narrow tables unless told not to; the image is the same, the size
    within a few bytes (they factor the same probabilities)."""
    image = real_image(40, 36, 3)
    narrow, full = codec.encode(image, CodecSettings(steps=16)), codec.encode(image, CodecSettings(steps=16, narrow=False))
    makes_narrow = getattr(codec.model, "narrow_tables", False)
    assert unpack(narrow)[0].narrow == makes_narrow and not unpack(full)[0].narrow
    assert np.array_equal(codec.decode(narrow), image) and np.array_equal(codec.decode(full), image)
    assert abs(len(narrow) - len(full)) <= 8
    if not makes_narrow:
        assert narrow == full


class RecordingModel(ContextMeanModel):
    """Logs what the engine shows the model, to check encoder and decoder stay in lock-step."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def logits(self, canvas, positions, step):
        masked_here = (canvas.reshape(canvas.shape[0], -1)[:, positions] == 256).all(dim=1).tolist()
        self.calls.append((step, positions.tolist(), hash(canvas.numpy().tobytes()), masked_here))
        return super().logits(canvas, positions, step)


def test_encoder_and_decoder_show_the_model_identical_inputs():
    image = real_image(20, 28, 3)
    encoder_model, decoder_model = RecordingModel(), RecordingModel()
    data = DiffusionCodec(encoder_model).encode(image, CodecSettings(steps=6))
    assert np.array_equal(DiffusionCodec(decoder_model).decode(data), image)
    assert encoder_model.calls == decoder_model.calls
    calls = encoder_model.calls
    assert len(calls) == 6 * 3
    # every position is queried once per channel; channel c sees channels < c revealed
    assert sorted(p for step, positions, _, _ in calls if step.channel == 0 for p in positions) == list(range(20 * 28))
    for step, _, _, masked_here in calls:
        assert masked_here == [c >= step.channel for c in range(3)]
    ratios = [step.mask_ratio for step, *_ in calls if step.channel == 0]
    assert ratios[0] == 1.0 and all(a > b for a, b in zip(ratios, ratios[1:]))


def test_independent_channel_variant_is_a_distinct_model():
    independent = DiffusionCodec(ContextMeanModel(channel_conditional=False))
    image = real_image(16, 16, 3)
    data = independent.encode(image)
    assert np.array_equal(independent.decode(data), image)
    assert independent.model.weights_sha256 != ContextMeanModel().weights_sha256
    with pytest.raises(ModelMismatchError):
        load_codec().decode(data)


def test_huge_headers_are_refused_before_allocating(tmp_path):
    """A 140-byte file with valid CRCs claiming an 8192×8192 image: one line, at once, no memory."""
    from ddm_sscc.codec.container import Header, pack
    from ddm_sscc.codec.engine import DEFAULT_MAX_PIXELS
    from ddm_sscc.errors import ImageTooLargeError
    from tests.conftest import run_cli

    codec = load_codec()
    header = Header(height=8192, width=8193, channels=3, steps=16, order=OrderKind.HALTON, schedule=ScheduleKind.COSINE,
                    order_seed=0, calibrated=True, adaptive=True, model_id=None,
                    weights_sha256=codec.model.weights_sha256, pixel_sha256=bytes(8))
    data = pack(header, bytes(8))
    assert 8192 * 8193 > DEFAULT_MAX_PIXELS and len(data) < 200
    with pytest.raises(ImageTooLargeError, match="8193×8192"):
        codec.decode(data)
    path = tmp_path / "bomb.ddm"
    path.write_bytes(data)
    start = time.perf_counter()
    result = run_cli("decode", str(path), "-o", str(tmp_path / "out.png"))
    assert result.returncode == 1 and "--max-pixels" in result.stderr and "Traceback" not in result.stderr
    assert time.perf_counter() - start < 10 and not (tmp_path / "out.png").exists()
    small = tmp_path / "small.ddm"
    small.write_bytes(pack(Header(**{**header.__dict__, "height": 30, "width": 40}), bytes(8)))
    refused = run_cli("decode", str(small), "-o", str(tmp_path / "out.png"), "--max-pixels", "1000")
    assert refused.returncode == 1 and "1200 pixels" in refused.stderr
    # with the limit above the image the decoder goes on, and fails on the payload
    raised = run_cli("decode", str(small), "-o", str(tmp_path / "out.png"), "--max-pixels", "1200")
    assert raised.returncode == 1 and "--max-pixels" not in raised.stderr and "Traceback" not in raised.stderr


@in_use_only
def test_chunked_steps_code_the_same_bits(codec, monkeypatch):
    """The engine may split a step into chunks to bound memory; the bitstream must not notice."""
    from ddm_sscc.codec import engine

    image = real_image(40, 36, 3)
    whole = codec.encode(image, CodecSettings(steps=8))
    monkeypatch.setattr(engine, "CHUNK_POSITIONS", 7)
    assert codec.encode(image, CodecSettings(steps=8)) == whole
    assert np.array_equal(codec.decode(whole), image)
