"""ddm-sscc: lossless image transmission with a discrete-diffusion source codec.

The core package never imports GNU Radio or pmt; ``ddm_blocks`` wraps it.
"""

from ddm_sscc.errors import (
    CodecError,
    ConfigError,
    ContainerError,
    DdmError,
    ImageError,
    IntegrityError,
    ModelMismatchError,
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
    "OutputExistsError",
    "__version__",
]
