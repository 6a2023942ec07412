"""A fake ``adi`` (pyadi-iio) module: it stands in for ADALM-PLUTO hardware, which cannot exist here.

``FakePluto`` records every attribute set and every helper call, in order, and models
the pyadi-iio behaviour the radio code relies on (``tx_cyclic_buffer`` cannot change
while a TX buffer exists; a cyclic buffer cannot be pushed twice).  For loopback, its
``rx()`` plays the cyclic TX buffer, as a cable would, through a
:class:`ddm_sscc.channel.Channel`, then scales to 12-bit ADC codes (±2**11, rounded,
saturating at −2048 … 2047) like the real ``rx()``.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from ddm_sscc.channel import Channel, ChannelConfig

#: RMS of the received bursts in ADC codes: −18 dBFS, so OFDM peaks (≈ 4× RMS) do not clip.
RX_RMS_CODES = 2**11 / 8


class FakePluto:
    """Records settings like ``adi.Pluto`` would receive them; loops TX back to RX through a channel."""

    channel_config: ChannelConfig | None = None
    start_offset = 0
    fail_on: str | None = None
    instances: list[FakePluto] = []

    def __init__(self, uri: str = "") -> None:
        object.__setattr__(self, "settings", [])
        object.__setattr__(self, "calls", [])
        self._uri = uri
        self._txbuf: np.ndarray | None = None
        self._tx_cyclic_buffer = False
        self._pos = 0
        self._channel = Channel(self.channel_config or ChannelConfig())
        self.closed = False
        type(self).instances.append(self)

    # ---- attributes -------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or name == "closed":
            object.__setattr__(self, name, value)
            return
        if name == self.fail_on:
            raise OSError(22, "Invalid argument")
        if name == "tx_cyclic_buffer" and self._txbuf is not None:
            raise Exception("TX buffer already created, buffer must be destroyed then recreated")
        self.settings.append((name, value))
        object.__setattr__(self, name, value)

    def _set_iio_dev_attr(self, attr_name: str, value: Any, _ctrl: Any = None) -> None:
        self.settings.append((f"dev:{attr_name}", value))

    def _set_iio_attr(self, channel_name: str, attr_name: str, output: bool, value: Any, _ctrl: Any = None) -> None:
        self.settings.append((f"attr:{channel_name}.{attr_name}", value))

    # ---- buffers ----------------------------------------------------------------------
    def tx(self, data: np.ndarray) -> None:
        self.calls.append(("tx", len(data)))
        if self._txbuf is not None and getattr(self, "tx_cyclic_buffer", False):
            raise Exception("TX buffer has been submitted in cyclic mode")
        data = np.asarray(data)
        if self._txbuf is not None and len(data) != len(self._txbuf):
            raise Exception("Buffer length different than data length")
        # pyadi casts each rail to int16 with astype: check the radio code never relies on wrap-around
        assert np.all(np.abs(data.real) < 2**15) and np.all(np.abs(data.imag) < 2**15)
        assert np.array_equal(data.real, np.round(data.real)) and np.array_equal(data.imag, np.round(data.imag))
        self._txbuf = data.astype(np.complex128)

    def tx_destroy_buffer(self) -> None:
        self.calls.append(("tx_destroy_buffer",))
        self._txbuf = None

    def rx_destroy_buffer(self) -> None:
        self.calls.append(("rx_destroy_buffer",))

    def rx(self) -> np.ndarray:
        n = int(getattr(self, "rx_buffer_size", 1024))
        self.calls.append(("rx", n))
        if self._txbuf is None:
            x = np.zeros(n, dtype=np.complex128)
        else:
            cycle = self._txbuf
            index = (self.start_offset + self._pos + np.arange(n)) % cycle.size
            on = np.abs(cycle) > 0
            rms = np.sqrt(np.mean(np.abs(cycle[on]) ** 2)) if on.any() else 1.0
            x = cycle[index] / rms  # the bursts back at unit mean power: the channel's SNR reference
        self._pos += n
        y = self._channel.process(x.astype(np.complex64)).astype(np.complex128) * RX_RMS_CODES
        i = np.clip(np.round(y.real), -(2**11), 2**11 - 1)
        q = np.clip(np.round(y.imag), -(2**11), 2**11 - 1)
        return i + 1j * q

    def close(self) -> None:
        self.calls.append(("close",))
        self.closed = True

    def settings_dict(self) -> dict[str, Any]:
        return dict(self.settings)


def fake_adi(
    channel: ChannelConfig | None = None, start_offset: int = 0, fail_on: str | None = None
) -> types.SimpleNamespace:
    """A module-like object with a fresh ``Pluto`` class (its own ``instances`` list)."""
    cls = type(
        "Pluto",
        (FakePluto,),
        {"channel_config": channel, "start_offset": start_offset, "fail_on": fail_on, "instances": []},
    )
    return types.SimpleNamespace(Pluto=cls)


def missing_adi() -> types.SimpleNamespace:
    """A module whose ``Pluto`` fails to open, as pyadi-iio does without a radio."""

    def pluto(uri: str = "") -> None:
        raise Exception("No device found")

    return types.SimpleNamespace(Pluto=pluto)
