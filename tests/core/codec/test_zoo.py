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


def test_a_format_3_header_names_its_model_by_hash():
    codec = load_codec()
    header, _ = read_header(codec.encode(real_image(8, 8, 3)))
    assert header.version == 3 and header.model_id is None
    assert model_name(header) == codec.model.model_id
    assert codec_for_header(header).model.model_id == codec.model.model_id


def test_unknown_weights_and_a_wrong_model_are_refused():
    from ddm_sscc.codec.engine import DiffusionCodec

    header, _ = read_header(DiffusionCodec(OtherWeightsModel()).encode(real_image(8, 8, 1)))
    assert model_name(header) is None
    with pytest.raises(ModelMismatchError, match="no installed model has"):
        codec_for_header(header)
    good, _ = read_header(load_codec().encode(real_image(8, 8, 1)))
    with pytest.raises(ModelMismatchError, match="this decoder has context-mean-v1"):
        codec_for_header(good, "context-mean-v1")
