import math

import numpy as np
import pytest

from ddm_sscc.codec.schedule import ScheduleKind, cosine_schedule, effective_steps, linear_schedule, step_counts
from ddm_sscc.errors import ConfigError


@pytest.mark.parametrize("kind", list(ScheduleKind))
@pytest.mark.parametrize("positions", [1, 2, 3, 15, 16, 17, 100, 1023, 393216])
@pytest.mark.parametrize("steps", [1, 2, 4, 8, 16, 32, 64])
def test_counts_sum_to_n_and_every_step_reveals(kind, positions, steps):
    steps = effective_steps(positions, steps)
    counts = step_counts(kind, positions, steps)
    assert counts.dtype == np.int64 and len(counts) == steps
    assert counts.sum() == positions
    assert counts.min() >= 1


@pytest.mark.parametrize("steps", [4, 16, 64])
def test_cosine_follows_the_masked_fraction_curve(steps):
    positions = 512 * 768
    masked = positions - np.cumsum(cosine_schedule(positions, steps))
    for t in range(1, steps + 1):
        target = math.cos(math.pi / 2 * t / steps)
        assert abs(masked[t - 1] / positions - target) <= (steps + 1) / positions


def test_cosine_reveals_few_early_and_many_late():
    counts = cosine_schedule(393216, 16)
    assert np.all(np.diff(counts) >= 0)
    assert counts[0] < counts[-1] / 10
    assert np.ptp(linear_schedule(393216, 16)) <= 1


def test_fewer_positions_than_steps_clamps():
    assert effective_steps(1, 16) == 1
    assert effective_steps(15, 16) == 15
    assert cosine_schedule(1, 1).tolist() == [1]
    with pytest.raises(ConfigError):
        cosine_schedule(3, 4)
    with pytest.raises(ConfigError):
        effective_steps(10, 0)


def test_default_steps_grow_with_the_image_where_more_steps_code_smaller():
    from ddm_sscc.codec.schedule import DEFAULT_STEPS, LARGE_IMAGE_PIXELS, LARGE_IMAGE_STEPS, default_steps, steps_label

    assert default_steps(1) == default_steps(64 * 64) == default_steps(LARGE_IMAGE_PIXELS - 1) == DEFAULT_STEPS
    assert default_steps(LARGE_IMAGE_PIXELS) == default_steps(768 * 512) == LARGE_IMAGE_STEPS
    assert steps_label(16) == "16" and steps_label(None) == f"{DEFAULT_STEPS}/{LARGE_IMAGE_STEPS} by size"


@pytest.mark.parametrize(("shape", "given", "recorded"), [((128, 128), None, 64), ((127, 128), None, 32),
                                                          ((128, 128), 16, 16), ((3, 5), None, 15)])
def test_the_header_records_the_steps_the_size_rule_chose(shape, given, recorded):
    """The decoder reads T from the header, so only the encoder applies the rule."""
    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.codec.container import read_header

    codec = load_codec("context-mean-v1")
    image = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    data = codec.encode(image, CodecSettings(steps=given))
    assert read_header(data)[0].steps == recorded
    assert np.array_equal(codec.decode(data), image)
