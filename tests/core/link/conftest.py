"""Fixtures shared by the image link tests: a small real image and its ``.ddm`` stream."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.codec import CodecSettings, load_codec
from tests.conftest import real_image

MAX_PAYLOAD = 200


@pytest.fixture(scope="session")
def pixels() -> np.ndarray:
    return real_image(24, 32, 3)


@pytest.fixture(scope="session")
def ddm(pixels) -> bytes:
    return load_codec(None).encode(pixels, CodecSettings())
