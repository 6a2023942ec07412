"""Radios: ADALM-PLUTO configuration, IQ scaling, buffer padding, the Pluto device and loopback.

numpy, pydantic and PyYAML only at import time: pyadi-iio (``adi``) and libiio (``iio``)
are imported when a radio is opened or listed, and GNU Radio never (the gr-iio
conventions are documented in :mod:`ddm_sscc.radio.iq_scaling`).
"""

from ddm_sscc.radio.burst_padding import pad_to_buffer
from ddm_sscc.radio.config import (
    ModemConfig,
    PlutoConfig,
    load_channel_profiles,
    load_modem_config,
    load_pluto_config,
)
from ddm_sscc.radio.iq_scaling import from_pyadi_rx, to_gr_float, to_pyadi_tx
from ddm_sscc.radio.loopback import loopback_cycle, run_pluto_loopback
from ddm_sscc.radio.pluto import PlutoRadio, list_radios
from ddm_sscc.radio.xo_correction import cfo_ppm, xo_correction_for

__all__ = [
    "ModemConfig",
    "PlutoConfig",
    "PlutoRadio",
    "cfo_ppm",
    "from_pyadi_rx",
    "list_radios",
    "load_channel_profiles",
    "load_modem_config",
    "load_pluto_config",
    "loopback_cycle",
    "pad_to_buffer",
    "run_pluto_loopback",
    "to_gr_float",
    "to_pyadi_tx",
    "xo_correction_for",
]
