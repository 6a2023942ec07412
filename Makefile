# `make demo` and `make test` install whatever is missing, then run.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install clean grc grc-install flowgraphs

install: $(STAMP)

# Re-runs only when the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt tools/bootstrap.sh
	VENV=$(VENV) tools/bootstrap.sh
	touch $@

# The built-in photograph (512×512 RGB) over TX, channel and RX flowgraphs in three processes
# joined by ZeroMQ: AWGN at 8 dB with a 5 kHz carrier offset.  About 30 s on 2 cores.
demo: $(STAMP)
	@mkdir -p demo_out
	$(VENV)/bin/ddm-sscc link builtin:astronaut --channel awgn --snr 8 --cfo-hz 5000 -o demo_out/astronaut_rx.png --force

# Generated flowgraph scripts are build output: compile them into build/flowgraphs.
flowgraphs: $(STAMP)
	@mkdir -p build/flowgraphs
	GRC_BLOCKS_PATH=$(CURDIR)/ddm_blocks/grc grcc -o build/flowgraphs flowgraphs/*.grc

# GNU Radio Companion with the ddm blocks, running flowgraphs with the .venv's interpreter.
grc: $(STAMP)
	GRC_BLOCKS_PATH=$(CURDIR)/ddm_blocks/grc $(PY) /usr/bin/gnuradio-companion flowgraphs/*.grc

# Install the block definitions for a plain `gnuradio-companion` (see the README).
grc-install: $(STAMP)
	VENV=$(VENV) tools/grc_install.sh

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf demo_out .pytest_cache build
