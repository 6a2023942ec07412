"""An image over the link: image ↔ frames sessions, the link summary, and the ZeroMQ link runner.

Nothing here imports GNU Radio: ``ddm_blocks`` wraps these objects, and the link
runner starts the GRC flowgraphs as separate programs.
"""

from ddm_sscc.link.image_assembly import ImageAssembler, ReceivedImage
from ddm_sscc.link.image_frames import ImageFrames, encode_image_frames, frames_from_ddm, session_id_for
from ddm_sscc.link.summary import LinkSummary

__all__ = [
    "ImageAssembler",
    "ImageFrames",
    "LinkSummary",
    "ReceivedImage",
    "encode_image_frames",
    "frames_from_ddm",
    "session_id_for",
]
