"""ddm-sscc: lossless image transmission with a discrete-diffusion source codec.

The core package never imports GNU Radio or pmt; ``ddm_blocks`` wraps it.
"""

import os

# torch's OpenMP workers spin while waiting for work.  The testbed runs several
# processes at once (TX, channel, RX) on small machines, where spinning threads
# starve each other: two concurrent 512×512 encodes on 2 cores took 69 s each
# with the default policy and 6.4 s with PASSIVE (2.5 s vs 4.3 s when alone).
# Must be set before torch loads; a value the user exported wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from ddm_sscc.errors import (  # noqa: E402
    CodecError,
    ConfigError,
    ContainerError,
    DdmError,
    ImageError,
    IntegrityError,
    ModelMismatchError,
    OutputError,
    OutputExistsError,
)

__version__ = "0.1.0"

__all__ = [
    "CodecError",
    "ConfigError",
    "ContainerError",
    "DdmError",
    "ImageError",
    "IntegrityError",
    "ModelMismatchError",
    "OutputError",
    "OutputExistsError",
    "__version__",
]
