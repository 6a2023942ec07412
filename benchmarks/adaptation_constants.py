"""Design experiment: the online adaptation's constants, changed for one run of ``heldout_bpsp.py``.

``CONSTS`` lists ``module:NAME:value`` entries, comma-separated, where ``module`` is ``oa``
(``ddm_sscc/codec/online_adaptation.py``) or ``rr`` (``ddm_sscc/codec/residual_regression.py``)
and the value is an integer. Files coded this way decode only with the same constants, so
nothing here ships.

    CONSTS=rr:DECAY_SHIFT:2 .venv/bin/python benchmarks/adaptation_constants.py \\
        --model ddm-featmlp-lattice-v9 --modes online --steps 64

Measured 2026-12-07 with v9 at T = 64 (MODEL_CARD, "What did not help"): held-out photos 3.0141
as shipped; ``oa:DECAY_SHIFT:2`` 3.0143, ``rr:DECAY_SHIFT:4`` 3.0149, ``rr:DECAY_SHIFT:2``
3.0135, ``rr:RIDGE:102400`` 3.0142.
"""

import os
import runpy
import sys
from pathlib import Path

from ddm_sscc.codec import online_adaptation, residual_regression

MODULES = {"oa": online_adaptation, "rr": residual_regression}

if __name__ == "__main__":
    for entry in filter(None, os.environ.get("CONSTS", "").split(",")):
        try:
            module, name, value = entry.split(":")
            target = MODULES[module]
            if not isinstance(getattr(target, name), int):
                raise TypeError(name)
            setattr(target, name, int(value))
        except (ValueError, KeyError, AttributeError, TypeError):
            raise SystemExit(f"CONSTS: {entry!r} is not oa|rr:NAME:integer for an integer constant") from None
        print(f"# {module}.{name} = {value}", flush=True)
    sys.argv = ["heldout_bpsp.py", *sys.argv[1:]]
    runpy.run_path(str(Path(__file__).with_name("heldout_bpsp.py")), run_name="__main__")
