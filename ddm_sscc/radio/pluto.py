"""One ADALM-PLUTO through pyadi-iio: open, configure, transmit, receive.

pyadi-iio (``import adi``) and libiio (``import iio``) are imported only when a radio is
opened or listed, so the core imports without them.  Every failure of the radio (not
found, a setting refused, a buffer error) raises one :class:`RadioError` line.

Attribute names are pyadi-iio's (``adi/ad936x.py``): ``sample_rate``, ``rx_lo``/``tx_lo``,
``rx_rf_bandwidth``/``tx_rf_bandwidth``, ``gain_control_mode_chan0``,
``rx_hardwaregain_chan0``, ``tx_hardwaregain_chan0`` (the negative attenuation),
``rx_buffer_size``, ``tx_cyclic_buffer``.  pyadi-iio has no property for the
``ad9361-phy`` device attribute ``xo_correction`` nor for disabling the FIR, so those
go through its attribute helpers ``_set_iio_dev_attr`` and ``_set_iio_attr``.
"""

from __future__ import annotations

import contextlib
import os
import types
from collections.abc import Iterator
from typing import Any

import numpy as np

from ddm_sscc.errors import ConfigError, RadioError
from ddm_sscc.radio.config import PlutoConfig
from ddm_sscc.radio.config_file import one_line
from ddm_sscc.radio.iq_scaling import from_pyadi_rx, to_pyadi_tx

#: pyadi-iio's ``sample_rate`` setter steps through this rate before switching the FIR off.
_FIR_SWITCH_RATE = 3_000_000


def _reason(exc: BaseException) -> str:
    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _libiio_reason(uri: str) -> str | None:
    """Why libiio cannot open ``uri`` (pyadi-iio hides it behind "No device found"), or None."""
    try:
        import iio  # noqa: PLC0415

        iio.Context(uri)
    except OSError as exc:
        return f"{exc.strerror or exc} (errno {exc.errno})" if exc.errno else _reason(exc)
    except Exception as exc:  # noqa: BLE001
        return _reason(exc)
    return None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C libraries write there directly) for the duration."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def list_radios(iio_module: types.ModuleType | Any | None = None) -> list[tuple[str, str]]:
    """``(uri, description)`` of every iio context libiio finds (USB, and network if enabled), sorted by URI.

    Uses ``iio.scan_contexts()``; returns ``[]`` when libiio is missing or the scan fails.
    ``iio_module`` replaces ``import iio`` (tests).
    """
    try:
        if iio_module is None:
            import iio as iio_module  # noqa: PLC0415 - optional system library, loaded on use
        with _quiet_stderr():  # libiio prints its own scan errors (e.g. no Avahi daemon) to fd 2
            found = iio_module.scan_contexts()
        return sorted((str(uri), one_line(str(desc))) for uri, desc in dict(found).items())
    except Exception:  # noqa: BLE001 - "no radios" whatever went wrong
        return []


class PlutoRadio:
    """An open Pluto with every setting of a :class:`PlutoConfig` applied.

    Args:
        config: the settings; applied in the order xo_correction → sample rate/FIR →
            RF bandwidths → LOs → RX gain mode/gain → TX attenuation → RX buffer size.
        adi_module: replaces ``import adi`` (tests pass a fake with a ``Pluto`` class).

    Raises:
        RadioError: ``no Pluto at URI: reason`` when the context cannot be opened, or
            ``Pluto at URI: cannot set NAME = VALUE: reason`` when a setting is refused.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, config: PlutoConfig, adi_module: types.ModuleType | Any | None = None) -> None:
        if not isinstance(config, PlutoConfig):
            raise ConfigError(f"PlutoRadio needs a PlutoConfig, got {type(config).__name__}")
        self.config = config
        self.uri = config.uri
        self._tx_len: int | None = None
        self._tx_cyclic = False
        self._rx_leftover = np.zeros(0, dtype=np.complex64)
        real_adi = adi_module is None
        try:
            if adi_module is None:
                import adi as adi_module  # noqa: PLC0415 - optional, heavy, needs libiio
        except Exception as exc:  # noqa: BLE001 - ImportError, or libiio's own load errors
            raise RadioError(f"no Pluto at {self.uri}: pyadi-iio cannot be imported ({_reason(exc)})") from None
        try:
            self._dev: Any = adi_module.Pluto(self.uri)
        except Exception as exc:  # noqa: BLE001 - pyadi raises bare Exception("No device found")
            reason = (_libiio_reason(self.uri) if real_adi else None) or _reason(exc)
            raise RadioError(f"no Pluto at {self.uri}: {reason}") from None
        try:
            self._configure()
        except BaseException:
            self.close()
            raise

    # ---- settings -----------------------------------------------------------------
    def _set(self, name: str, value: object) -> None:
        try:
            setattr(self._dev, name, value)
        except Exception as exc:  # noqa: BLE001
            raise RadioError(f"Pluto at {self.uri}: cannot set {name} = {value!r}: {_reason(exc)}") from None

    def _call(self, what: str, func: Any, *args: object) -> Any:
        try:
            return func(*args)
        except Exception as exc:  # noqa: BLE001
            raise RadioError(f"Pluto at {self.uri}: {what} failed: {_reason(exc)}") from None

    def _set_channel_attr(self, channel: str, name: str, value: int) -> None:
        """A channel attribute of ``ad9361-phy``, written as pyadi's own ``sample_rate`` setter does."""
        self._call(f"setting {channel} {name} = {value}", self._dev._set_iio_attr, channel, name, False, value)

    def _configure(self) -> None:
        c = self.config
        dev = self._dev
        if c.xo_correction is not None:
            self._call(
                f"setting xo_correction = {c.xo_correction}", dev._set_iio_dev_attr, "xo_correction", c.xo_correction
            )
        rate = int(round(c.sample_rate))
        if c.fir_enabled:
            self._set("sample_rate", rate)  # pyadi loads and enables its FIR for this rate
        else:
            # as pyadi's own setter does: a rate valid with and without the FIR, FIR off, then the rate
            self._set_channel_attr("voltage0", "sampling_frequency", _FIR_SWITCH_RATE)
            self._set_channel_attr("out", "voltage_filter_fir_en", 0)
            self._set_channel_attr("voltage0", "sampling_frequency", rate)
        bandwidth = int(round(c.rf_bandwidth))
        self._set("rx_rf_bandwidth", bandwidth)
        self._set("tx_rf_bandwidth", bandwidth)
        lo = int(round(c.center_frequency))
        self._set("rx_lo", lo)
        self._set("tx_lo", lo)
        self._set("gain_control_mode_chan0", c.rx_gain_mode)
        if c.rx_gain_mode == "manual":
            self._set("rx_hardwaregain_chan0", float(c.rx_gain_db))
        self._set("tx_hardwaregain_chan0", -float(c.tx_attenuation_db))
        self._set("rx_buffer_size", int(c.buffer_size))

    @property
    def device(self) -> Any:
        """The underlying ``adi.Pluto`` object (for settings this class does not cover)."""
        self._check_open()
        return self._dev

    def _check_open(self) -> None:
        if self._dev is None:
            raise RadioError(f"Pluto at {self.uri} is closed")

    # ---- transmit -----------------------------------------------------------------
    def transmit(self, samples: np.ndarray, cyclic: bool = False) -> None:
        """Send ``samples`` (L,) complex, any level: scaled to peak ``config.tx_scale`` (per rail).

        The peak normalisation is per call, so the RF level is set by
        ``tx_attenuation_db``, not by the samples' amplitude.  ``cyclic=True`` makes the
        radio repeat exactly these L samples until :meth:`stop_transmit` (pad them with
        :func:`~ddm_sscc.radio.burst_padding.pad_to_buffer` for a gap at the wrap); with
        ``cyclic=False`` each call queues one buffer of L samples, and a call with another
        length (or after a cyclic one) starts a new TX buffer.
        """
        self._check_open()
        data = to_pyadi_tx(samples, self.config.tx_scale)
        if data.size == 0:
            raise ConfigError("nothing to transmit: 0 samples")
        cyclic = bool(cyclic)
        if self._tx_len is not None and (cyclic or self._tx_cyclic or self._tx_len != data.size):
            self._call("tx_destroy_buffer", self._dev.tx_destroy_buffer)
            self._tx_len = None
        if self._tx_len is None:
            self._set("tx_cyclic_buffer", cyclic)
        self._call("tx", self._dev.tx, data)
        self._tx_len, self._tx_cyclic = data.size, cyclic

    def stop_transmit(self) -> None:
        """Destroy the TX buffer: a cyclic transmission stops (no-op when nothing is queued)."""
        self._check_open()
        if self._tx_len is not None:
            self._call("tx_destroy_buffer", self._dev.tx_destroy_buffer)
        self._tx_len, self._tx_cyclic = None, False

    # ---- receive ------------------------------------------------------------------
    def receive(self, n_samples: int, flush: bool = False) -> np.ndarray:
        """The next ``n_samples`` received samples: (n,) complex64, ADC full scale ±1.0.

        Calls ``rx()`` (``config.buffer_size`` samples each) as often as needed; samples
        beyond ``n_samples`` are kept for the next call, so consecutive calls are
        contiguous.  ``flush=True`` drops those and the RX buffer first, so the capture
        starts now instead of with samples queued earlier (e.g. before a transmission).
        """
        self._check_open()
        if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 1:
            raise ConfigError(f"n_samples must be a positive integer, got {n_samples!r}")
        n = int(n_samples)
        if flush:
            self._rx_leftover = np.zeros(0, dtype=np.complex64)
            self._call("rx_destroy_buffer", self._dev.rx_destroy_buffer)
        parts = [self._rx_leftover]
        have = self._rx_leftover.size
        while have < n:
            raw = self._call("rx", self._dev.rx)
            chunk = from_pyadi_rx(np.asarray(raw).ravel())
            if chunk.size == 0:
                raise RadioError(f"Pluto at {self.uri}: rx returned no samples")
            parts.append(chunk)
            have += chunk.size
        x = np.concatenate(parts)
        self._rx_leftover = x[n:].copy()
        return x[:n]

    # ---- lifetime -----------------------------------------------------------------
    def close(self) -> None:
        """Stop transmitting, drop the buffers and release the iio context (idempotent, never raises)."""
        dev, self._dev = getattr(self, "_dev", None), None
        if dev is None:
            return
        for name in ("tx_destroy_buffer", "rx_destroy_buffer"):
            try:
                getattr(dev, name)()
            except Exception:  # noqa: BLE001, S110 - best effort while closing
                pass
        try:
            close = getattr(dev, "close", None)
            if close is not None:
                close()
        except Exception:  # noqa: BLE001, S110
            pass
        self._tx_len = None

    def __enter__(self) -> PlutoRadio:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if getattr(self, "_dev", None) is None else "open"
        return f"PlutoRadio({self.uri!r}, {state})"
