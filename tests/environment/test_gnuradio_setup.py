"""The set-up `make test` performs: GNU Radio's Debian bindings work inside the venv."""

import sys

import pytest

pytestmark = pytest.mark.gnuradio


def test_gnuradio_loads_beside_torch_with_numpy_1():
    gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed (run `make install`)")
    import numpy
    import torch

    assert int(numpy.__version__.split(".")[0]) < 2, "GNU Radio 3.10's bindings need numpy < 2"
    assert gr.version().startswith("3.10")
    assert torch.zeros(1).numpy().dtype == numpy.float32


def test_a_flowgraph_runs():
    pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed (run `make install`)")
    from gnuradio import blocks, gr

    top = gr.top_block()
    src = blocks.vector_source_b(list(range(10)))
    sink = blocks.vector_sink_b()
    top.connect(src, sink)
    top.run()
    assert list(sink.data()) == list(range(10))


def test_venv_uses_debian_python():
    assert sys.prefix != sys.base_prefix, "tests should run inside the .venv"
    assert sys.base_prefix == "/usr", f"the venv must be made by /usr/bin/python3, not {sys.base_prefix}"
