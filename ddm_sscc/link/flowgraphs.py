"""Finding the GRC flowgraphs and compiling them with ``grcc`` (generated Python is build output).

Compiled scripts are cached under ``$XDG_CACHE_HOME/ddm-sscc/flowgraphs/<hash>/``, keyed by
the SHA-256 of the ``.grc`` file and of every block definition in ``ddm_blocks/grc``, so an
edit to either recompiles and nothing generated lands in the repository.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from ddm_sscc.errors import ConfigError

_REPO = Path(__file__).resolve().parents[2]


def flowgraph_dir() -> Path:
    """``$DDM_FLOWGRAPHS``, else the repository's ``flowgraphs/``."""
    path = Path(os.environ.get("DDM_FLOWGRAPHS", _REPO / "flowgraphs"))
    if not path.is_dir():
        raise ConfigError(f"flowgraph directory {path} not found (set DDM_FLOWGRAPHS)")
    return path


def block_yml_dir() -> Path:
    """The GRC block definitions of ``ddm_blocks`` (what ``GRC_BLOCKS_PATH`` must include)."""
    return _REPO / "ddm_blocks" / "grc"


def grc_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which ``grcc`` finds the ddm blocks and scripts import ``ddm_blocks``."""
    env = dict(os.environ if base is None else base)
    paths = [str(block_yml_dir())] + [p for p in env.get("GRC_BLOCKS_PATH", "").split(os.pathsep) if p]
    env["GRC_BLOCKS_PATH"] = os.pathsep.join(paths)
    py = [str(_REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(py)
    return env


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ddm-sscc" / "flowgraphs"


def _key(grc: Path) -> str:
    h = hashlib.sha256(grc.read_bytes())
    for yml in sorted(block_yml_dir().glob("*.yml")):
        h.update(yml.name.encode() + b"\0" + yml.read_bytes())
    return h.hexdigest()[:20]


def compile_flowgraph(name: str) -> Path:
    """The generated Python script of ``flowgraphs/NAME.grc`` (compiled with grcc if not cached)."""
    grc = flowgraph_dir() / f"{name}.grc"
    if not grc.is_file():
        raise ConfigError(f"flowgraph {grc} not found")
    target = _cache_root() / _key(grc)
    cached = sorted(target.glob("*.py")) if target.is_dir() else []
    if cached:
        return cached[0]
    grcc = shutil.which("grcc")
    if grcc is None:
        raise ConfigError("grcc not found: install GNU Radio (make install does)")
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    proc = subprocess.run([grcc, "-o", str(tmp), str(grc)], capture_output=True, text=True, env=grc_env(), timeout=120)
    scripts = sorted(tmp.glob("*.py"))
    if proc.returncode != 0 or not scripts:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (proc.stderr or proc.stdout).strip().splitlines()
        raise ConfigError(f"grcc failed on {grc.name}: {last[-1] if last else 'no output'}")
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        tmp.rename(target)
    except OSError:  # another process won the race: use its copy
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(target.glob("*.py"))[0]
