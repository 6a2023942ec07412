"""A compiled GRC flowgraph running as its own OS process, and the stats files the blocks write."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from ddm_sscc.errors import DdmError


class LinkError(DdmError):
    """A flowgraph process failed, or a link could not be set up."""


def read_json(path: Path) -> dict | None:
    """The JSON object in ``path``, or None while it is not written yet (blocks replace it atomically)."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class FlowgraphProcess:
    """``argv`` started in its own session, output to ``log_dir/NAME.log``.

    Its own session keeps a terminal's Ctrl-C away from it: the runner decides the order
    of shutdown.  :meth:`stop` sends SIGINT (generated scripts stop their flowgraph on
    it), then SIGKILL after ``grace`` seconds.
    """

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = Path(log_dir) / f"{name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def last_line(self) -> str:
        """The last non-empty line of its log (for one-line error messages)."""
        try:
            lines = [ln for ln in self.log.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1].strip() if lines else ""

    def stop(self, grace: float = 5.0) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(grace)
                return
            except subprocess.TimeoutExpired:
                pass
            self.proc.kill()
        self.proc.wait()


def stop_all(processes: Iterable[FlowgraphProcess], grace: float = 5.0) -> None:
    """SIGINT to every process at once, then SIGKILL whatever still runs after ``grace`` seconds."""
    procs = list(processes)
    for p in procs:
        if p.alive():
            p.proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.proc.kill()
            p.proc.wait()
