"""Subprocess half of test_cross_machine.py: encode or decode under this process's CPU-kernel settings.

    python -m tests.core.codec.cross_machine_worker encode|decode DIR THREADS

``encode`` writes ``DIR/<model>_<image>.ddm`` for every zoo model and test image;
``decode`` decodes every such file in DIR and exits non-zero on any mismatch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, available_models, load_codec
from ddm_sscc.codec.threads import NETWORK_THREADS_VARIABLE
from tests.conftest import real_image

IMAGES = {"rgb": (40, 36, 3), "grey": (20, 24, 1)}


def main(mode: str, folder: Path, threads: int) -> int:
    # every operation on ``threads`` threads, the GEMMs' included (a library user's setting);
    # the CLI's (one thread, two in the GEMMs) is between the two
    os.environ.pop(NETWORK_THREADS_VARIABLE, None)
    torch.set_num_threads(threads)
    for model_id in available_models():
        codec = load_codec(model_id)
        for name, shape in IMAGES.items():
            image = real_image(*shape)
            path = folder / f"{model_id}_{name}.ddm"
            if mode == "encode":
                path.write_bytes(codec.encode(image, CodecSettings(steps=8)))
            elif not np.array_equal(codec.decode(path.read_bytes()), image):
                print(f"{path.name}: decoded pixels differ", file=sys.stderr)
                return 1
    print(torch.backends.cpu.get_cpu_capability())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
