"""The zoo finds a file's model by its weights' SHA-256 (``.ddm`` format 3 stores no model id)."""

import pytest

from ddm_sscc.codec import available_models, load_codec
from ddm_sscc.codec.container import read_header
from ddm_sscc.codec.zoo import codec_for_header, model_for_weights, model_name
from ddm_sscc.errors import ModelMismatchError
from tests.conftest import OtherWeightsModel, real_image


def test_every_installed_model_is_found_by_its_weights():
    hashes = {load_codec(m).model.weights_sha256: m for m in available_models()}
    assert len(hashes) == len(available_models()), "two zoo models share weights"
    for sha, model_id in hashes.items():
        assert model_for_weights(sha) == model_id
    assert model_for_weights(b"\x42" * 32) is None


@pytest.mark.parametrize("model_id", [None, "ddm-featmlp-lattice-v9"])
def test_a_format_3_header_names_its_model_by_hash(model_id):
    codec = load_codec(model_id)
    data = codec.encode(real_image(8, 8, 3))
    header, _ = read_header(data)
    assert header.version == 3 and header.model_id is None
    used = model_name(header)
    assert used == model_id if model_id else used in ("ddm-featmlp-lattice-v9", "ddm-featmlp-tiny-v5")
    assert codec_for_header(header).model.model_id == used
    assert data == load_codec(used).encode(real_image(8, 8, 3))


def test_the_default_keeps_the_shorter_file_of_its_two_models_on_small_images():
    """Up to SMALL_IMAGE_PIXELS pixels the default codes with DEFAULT_MODEL and SMALL_IMAGE_MODEL
    and keeps the shorter file; larger images take DEFAULT_MODEL alone; it decodes both."""
    import numpy as np

    from ddm_sscc.codec import DEFAULT_MODEL, CodecSettings
    from ddm_sscc.codec.zoo import SMALL_IMAGE_MODEL, SMALL_IMAGE_PIXELS

    default, main, small = load_codec(), load_codec(DEFAULT_MODEL), load_codec(SMALL_IMAGE_MODEL)
    settings = CodecSettings(steps=8)
    chosen = set()
    for height, width in [(64, 64), (1, 1), (3, 5), (32, 32), (24, 40), (65, 64), (1, SMALL_IMAGE_PIXELS + 1), (1, 5000)]:
        for channels in (1, 3):
            image = real_image(height, width, channels)
            data = default.encode(image, settings)
            ours = main.encode(image, settings)
            if height * width <= SMALL_IMAGE_PIXELS:
                theirs = small.encode(image, settings)
                assert data == (ours if len(ours) <= len(theirs) else theirs), (height, width)
            else:
                assert data == ours
            chosen.add(model_name(read_header(data)[0]))
            assert np.array_equal(default.decode(data), image)
    # a thumbnail through JPEG, the regime the small-image model was trained for, goes to it
    import skimage.data
    from PIL import Image

    from ddm_sscc.training.tiny_images import jpeg_round_trip

    thumbnail = jpeg_round_trip(np.asarray(Image.fromarray(skimage.data.astronaut()).resize((32, 32), Image.Resampling.BOX)), 75)
    data = default.encode(thumbnail, settings)
    assert data == small.encode(thumbnail, settings) and len(data) < len(main.encode(thumbnail, settings))
    chosen.add(model_name(read_header(data)[0]))
    assert np.array_equal(default.decode(data), thumbnail)
    assert chosen == {DEFAULT_MODEL, SMALL_IMAGE_MODEL}  # each wins somewhere, so both paths are tested
    other, _ = read_header(load_codec("ddm-featmlp-lattice-v8").encode(real_image(4, 4, 1), settings))
    with pytest.raises(ModelMismatchError, match="this decoder has ddm-featmlp-lattice-v9"):
        default.check_model(other)


def test_the_default_tries_the_small_image_model_at_several_steps_when_none_are_given():
    """With T left to the codec, a small image is coded by DEFAULT_MODEL at the size rule's T and
    by SMALL_IMAGE_MODEL at each T of SMALL_IMAGE_STEPS; the shortest file is kept (the first on a
    tie) and decodes, its header recording the T it was coded at."""
    import numpy as np
    import skimage.data
    from PIL import Image

    from ddm_sscc.codec import DEFAULT_MODEL, CodecSettings
    from ddm_sscc.codec.default_codec import SMALL_IMAGE_STEPS
    from ddm_sscc.codec.zoo import SMALL_IMAGE_MODEL
    from ddm_sscc.training.tiny_images import jpeg_round_trip

    default, main, small = load_codec(), load_codec(DEFAULT_MODEL), load_codec(SMALL_IMAGE_MODEL)
    assert len(SMALL_IMAGE_STEPS) > 1
    thumbnail = jpeg_round_trip(np.asarray(Image.fromarray(skimage.data.astronaut()).resize((32, 32), Image.Resampling.BOX)), 75)
    steps_kept = set()
    for image in (real_image(32, 32, 3), real_image(24, 40, 1), thumbnail):
        files = [main.encode(image)] + [small.encode(image, CodecSettings(steps=t)) for t in SMALL_IMAGE_STEPS]
        data = default.encode(image)
        assert data == min(files, key=len)
        steps_kept.add(read_header(data)[0].steps)
        assert np.array_equal(default.decode(data), image)
    assert steps_kept <= set(SMALL_IMAGE_STEPS)  # the size rule's T for these sizes is among them
    # 2 x 3 pixels: every T runs as 6 steps, so the small model codes it once
    tried = default.candidates(2, 3, CodecSettings())
    assert [(codec.model.model_id, s.steps) for codec, s in tried] == [(DEFAULT_MODEL, None), (SMALL_IMAGE_MODEL, 6)]
    assert len(default.candidates(32, 32, CodecSettings(steps=8))) == 2


def test_unknown_weights_and_a_wrong_model_are_refused():
    from ddm_sscc.codec.engine import DiffusionCodec

    header, _ = read_header(DiffusionCodec(OtherWeightsModel()).encode(real_image(8, 8, 1)))
    assert model_name(header) is None
    with pytest.raises(ModelMismatchError, match="no installed model has"):
        codec_for_header(header)
    good, _ = read_header(load_codec().encode(real_image(8, 8, 1)))
    with pytest.raises(ModelMismatchError, match="this decoder has context-mean-v1"):
        codec_for_header(good, "context-mean-v1")
