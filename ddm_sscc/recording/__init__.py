"""IQ recordings: SigMF files, simulated captures, burst annotations and replay through the receiver.

* :mod:`.sigmf_recording`: :func:`write_recording` / :func:`read_recording` (``ci16_le``
  or ``cf32_le``, full-scale convention ``ddm_sscc:full_scale``, validated against the
  SigMF schema, every bad file a one-line :class:`~ddm_sscc.errors.RecordingError`).
* :mod:`.annotations`: :class:`Annotation` and :func:`annotate_bursts` (one per burst).
* :mod:`.simulated_capture`: :func:`simulate_capture`, an image's bursts with random gaps
  through a :class:`~ddm_sscc.channel.ChannelConfig`, at any sample rate.
* :mod:`.replay`: :func:`replay_recording`, a recording → the verified image and a
  :class:`~ddm_sscc.link.summary.LinkSummary`.
* :mod:`.rate`: rational resampling between a recording's rate and the modem's.
"""

from ddm_sscc.recording.annotations import Annotation, annotate_bursts
from ddm_sscc.recording.rate import RateConversion, rate_conversion
from ddm_sscc.recording.reception import Reception, receive_samples
from ddm_sscc.recording.replay import SOURCE_KEY, replay_recording
from ddm_sscc.recording.sigmf_recording import Recording, read_recording, recording_paths, write_recording
from ddm_sscc.recording.simulated_capture import simulate_capture

__all__ = [
    "SOURCE_KEY",
    "Annotation",
    "RateConversion",
    "Reception",
    "Recording",
    "annotate_bursts",
    "rate_conversion",
    "read_recording",
    "receive_samples",
    "recording_paths",
    "replay_recording",
    "simulate_capture",
    "write_recording",
]
