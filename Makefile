# `make demo` and `make test` install whatever is missing, then run.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

install: $(STAMP)

# Re-runs only when the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt tools/bootstrap.sh
	VENV=$(VENV) tools/bootstrap.sh
	touch $@

demo: $(STAMP)
	@mkdir -p demo_out
	$(VENV)/bin/ddm-sscc encode builtin:astronaut -o demo_out/astronaut.ddm --force
	$(VENV)/bin/ddm-sscc decode demo_out/astronaut.ddm -o demo_out/astronaut.png --force

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf demo_out .pytest_cache
