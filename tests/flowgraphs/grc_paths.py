"""Where the flowgraph tests find the GRC files, and grcc."""

from __future__ import annotations

import shutil

from tests.conftest import REPO

FLOWGRAPHS = REPO / "flowgraphs"
BLOCKS_GRC = REPO / "ddm_blocks" / "grc"
GRCC = shutil.which("grcc")
