"""The one exception tree of ddm-sscc.

Every failure a user can cause (a malformed file, image, stream, config or
radio setting) raises a subclass of :class:`DdmError`.  The CLI prints
``ddm-sscc: error: <message>`` for each and exits non-zero; anything else
escaping is a bug.
"""

from __future__ import annotations


class DdmError(Exception):
    """Base class of every error ddm-sscc raises on bad input or state."""


class ConfigError(DdmError):
    """An invalid setting: codec parameters, radio or modem configuration."""


class ImageError(DdmError):
    """An input image that cannot be coded (format, mode, bit depth, size)."""


class OutputError(DdmError):
    """An output file cannot be written where asked."""


class OutputExistsError(OutputError):
    """The output path exists and ``--force`` was not given."""


class CodecError(DdmError):
    """The source codec failed to encode or decode."""


class ContainerError(CodecError):
    """A ``.ddm`` file is malformed: bad magic, version, header or payload."""


class ModelMismatchError(ContainerError):
    """A ``.ddm`` file was made with a model this decoder does not have."""


class ImageTooLargeError(CodecError):
    """A file or stream describes an image above the decoder's pixel limit."""


class IntegrityError(CodecError):
    """Decoded pixels do not match the SHA-256 recorded by the encoder."""


class FrameError(DdmError):
    """A link-layer frame is malformed: bad header, CRC, length or sequence, or a stream has gaps."""


class RadioError(DdmError):
    """A radio cannot be found or opened, refuses a setting, or fails while streaming."""


class RecordingError(DdmError):
    """An IQ recording (SigMF) is missing, malformed, truncated or cannot be written."""
