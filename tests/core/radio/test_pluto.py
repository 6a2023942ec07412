"""PlutoRadio against a fake ``adi`` module.

The fake (:mod:`tests.core.radio.fake_adi`) stands in for ADALM-PLUTO hardware, which
cannot exist here: it records the attributes PlutoRadio sets.  One test checks that those
attribute names exist on the installed pyadi-iio's real ``adi.Pluto`` class.
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError, RadioError
from ddm_sscc.radio.config import PlutoConfig, load_pluto_config
from ddm_sscc.radio.pluto import PlutoRadio, list_radios
from tests.core.radio.fake_adi import fake_adi, missing_adi

CONFIG = load_pluto_config(Path(__file__).resolve().parents[3] / "radio_config" / "pluto_2g4.yaml")


def open_fake(config: PlutoConfig = CONFIG, **fake) -> tuple[PlutoRadio, object]:
    module = fake_adi(**fake)
    radio = PlutoRadio(config, adi_module=module)
    (device,) = module.Pluto.instances
    return radio, device


def test_every_setting_is_applied_in_order():
    radio, dev = open_fake()
    assert dev._uri == "ip:192.168.2.1"
    assert dev.settings == [
        ("sample_rate", 2_000_000),
        ("rx_rf_bandwidth", 2_000_000),
        ("tx_rf_bandwidth", 2_000_000),
        ("rx_lo", 2_420_000_000),
        ("tx_lo", 2_420_000_000),
        ("gain_control_mode_chan0", "manual"),
        ("rx_hardwaregain_chan0", 40.0),
        ("tx_hardwaregain_chan0", -10.0),
        ("rx_buffer_size", 32768),
    ]
    assert all(type(v) is int for k, v in dev.settings if k in ("sample_rate", "rx_lo", "tx_lo", "rx_rf_bandwidth"))
    radio.close()
    assert dev.closed


def test_xo_correction_first_fir_off_and_agc():
    config = CONFIG.model_copy(
        update={"xo_correction": 39_999_600, "fir_enabled": False, "sample_rate": 4e6, "rx_gain_mode": "slow_attack",
                "tx_attenuation_db": 20.25}
    )
    radio, dev = open_fake(config)
    names = [name for name, _ in dev.settings]
    assert dev.settings[0] == ("dev:xo_correction", 39_999_600)
    assert dev.settings[1:4] == [
        ("attr:voltage0.sampling_frequency", 3_000_000),
        ("attr:out.voltage_filter_fir_en", 0),
        ("attr:voltage0.sampling_frequency", 4_000_000),
    ]
    assert "sample_rate" not in names  # pyadi's setter would switch the FIR back on
    assert "rx_hardwaregain_chan0" not in names
    assert dev.settings_dict()["gain_control_mode_chan0"] == "slow_attack"
    assert dev.settings_dict()["tx_hardwaregain_chan0"] == -20.25
    radio.close()


def test_attribute_names_exist_in_installed_pyadi():
    adi = pytest.importorskip("adi", reason="pyadi-iio not importable")
    config = CONFIG.model_copy(update={"xo_correction": 40_000_000})
    for variant in (config, config.model_copy(update={"fir_enabled": False, "sample_rate": 4e6})):
        radio, dev = open_fake(variant)
        radio.transmit(np.ones(8, np.complex64), cyclic=True)
        radio.receive(10)
        radio.stop_transmit()
        for name in [n for n, _ in dev.settings if not n.startswith(("dev:", "attr:"))]:
            assert isinstance(getattr(adi.Pluto, name, None), property), name
        methods = ("tx", "rx", "tx_destroy_buffer", "rx_destroy_buffer", "_set_iio_dev_attr", "_set_iio_attr", "close")
        for name in methods:
            assert callable(getattr(adi.Pluto, name, None)), name
        radio.close()


def test_no_radio_is_a_one_line_radio_error():
    with pytest.raises(RadioError) as info:
        PlutoRadio(CONFIG.model_copy(update={"uri": "ip:10.9.8.7"}), adi_module=missing_adi())
    assert str(info.value) == "no Pluto at ip:10.9.8.7: Exception: No device found"


def test_real_pyadi_without_a_radio_names_the_libiio_reason():
    pytest.importorskip("adi", reason="pyadi-iio not importable")
    with pytest.raises(RadioError) as info:
        PlutoRadio(CONFIG.model_copy(update={"uri": "ip:127.0.0.1"}))
    message = str(info.value)
    assert message.startswith("no Pluto at ip:127.0.0.1: ") and "\n" not in message


def test_unimportable_adi_is_a_radio_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_adi(name, *args, **kwargs):
        if name == "adi":
            raise ImportError("No module named 'adi'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_adi)
    with pytest.raises(RadioError, match=r"^no Pluto at ip:192\.168\.2\.1: pyadi-iio cannot be imported \(ImportError"):
        PlutoRadio(CONFIG)


def test_refused_setting_closes_and_names_it():
    module = fake_adi(fail_on="rx_lo")
    with pytest.raises(RadioError) as info:
        PlutoRadio(CONFIG, adi_module=module)
    assert str(info.value) == (
        "Pluto at ip:192.168.2.1: cannot set rx_lo = 2420000000: OSError: [Errno 22] Invalid argument"
    )
    assert module.Pluto.instances[0].closed


def test_config_type_checked():
    with pytest.raises(ConfigError, match="needs a PlutoConfig"):
        PlutoRadio({"uri": "ip:1.2.3.4"}, adi_module=fake_adi())  # type: ignore[arg-type]


def test_transmit_scales_and_manages_buffers():
    radio, dev = open_fake()
    x = np.exp(2j * np.pi * np.arange(1000) / 50) * 3.0
    radio.transmit(x, cyclic=True)
    assert dev.tx_cyclic_buffer is True
    assert max(np.abs(dev._txbuf.real).max(), np.abs(dev._txbuf.imag).max()) == 8192  # tx_scale 0.5 of 2**14
    radio.transmit(x[:500], cyclic=True)  # a new cyclic buffer replaces the old one
    radio.transmit(x[:500], cyclic=False)
    radio.transmit(x[:500], cyclic=False)  # same length: queued on the same buffer
    radio.transmit(x[:100], cyclic=False)  # another length: new buffer
    calls = [c[0] for c in dev.calls]
    assert calls == ["tx", "tx_destroy_buffer", "tx", "tx_destroy_buffer", "tx", "tx", "tx_destroy_buffer", "tx"]
    assert [v for k, v in dev.settings if k == "tx_cyclic_buffer"] == [True, True, False, False]
    radio.stop_transmit()
    radio.stop_transmit()
    assert [c[0] for c in dev.calls][-1] == "tx_destroy_buffer" and dev._txbuf is None
    with pytest.raises(ConfigError, match="nothing to transmit"):
        radio.transmit(np.zeros(0, np.complex64))
    radio.close()


def test_receive_is_contiguous_and_full_scale_one():
    radio, dev = open_fake(CONFIG.model_copy(update={"buffer_size": 1024}))
    radio.transmit(np.exp(2j * np.pi * np.arange(4096) / 64), cyclic=True)
    a = radio.receive(1500)
    b = radio.receive(600)
    assert a.dtype == np.complex64 and a.shape == (1500,) and b.shape == (600,)
    assert [c for c in dev.calls if c[0] == "rx"] == [("rx", 1024)] * 3  # 2100 samples from 3 buffers
    assert np.abs(a.real).max() <= 1.0 and np.abs(a.imag).max() <= 1.0
    # contiguous: the tone's phase advances by 2π/64 per sample across the call boundary
    both = np.concatenate([a, b])
    step = np.angle(both[1:] * np.conj(both[:-1]))
    assert np.allclose(step, 2 * np.pi / 64, atol=0.05)
    radio.receive(10, flush=True)
    assert ("rx_destroy_buffer",) in dev.calls
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ConfigError):
            radio.receive(bad)
    radio.close()


def test_context_manager_and_closed_radio():
    module = fake_adi()
    with PlutoRadio(CONFIG, adi_module=module) as radio:
        assert "open" in repr(radio) and radio.device is module.Pluto.instances[0]
    dev = module.Pluto.instances[0]
    assert dev.closed and ("tx_destroy_buffer",) in dev.calls and "closed" in repr(radio)
    radio.close()  # idempotent
    for action in (lambda: radio.receive(5), lambda: radio.transmit(np.ones(4)), radio.stop_transmit):
        with pytest.raises(RadioError, match=r"^Pluto at ip:192\.168\.2\.1 is closed$"):
            action()


def test_rx_failure_is_a_radio_error():
    radio, dev = open_fake()

    def broken():
        raise OSError(5, "Input/output error")

    dev.rx = broken
    expected = r"^Pluto at ip:192\.168\.2\.1: rx failed: OSError: \[Errno 5\] Input/output error$"
    with pytest.raises(RadioError, match=expected):
        radio.receive(10)
    radio.close()


def test_list_radios():
    fake_iio = types.SimpleNamespace(
        scan_contexts=lambda: {
            "usb:1.2.5": "0456:b673 (Analog Devices Inc. PlutoSDR), serial=104473\n",
            "ip:10.0.0.2": "x",
        }
    )
    assert list_radios(fake_iio) == [
        ("ip:10.0.0.2", "x"),
        ("usb:1.2.5", "0456:b673 (Analog Devices Inc. PlutoSDR), serial=104473"),
    ]

    def broken():
        raise OSError(26, "Text file busy")

    assert list_radios(types.SimpleNamespace(scan_contexts=broken)) == []
    assert list_radios(object()) == []
    found = list_radios()  # the real libiio scan (no radio here: usually [])
    assert isinstance(found, list) and all(isinstance(u, str) and isinstance(d, str) for u, d in found)
