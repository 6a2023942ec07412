"""The core package never imports GNU Radio or pmt (DEVELOPERS.md layout rule)."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "ddm_sscc"
FORBIDDEN = ("gnuradio", "pmt", "ddm_blocks")


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_core_module_imports_gnuradio():
    offenders = [
        f"{path.relative_to(CORE.parent)}: {name}"
        for path in CORE.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not offenders, offenders


def test_importing_the_core_loads_no_gnuradio():
    modules = [".".join(p.relative_to(CORE.parent).with_suffix("").parts) for p in CORE.rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules if not m.endswith("__main__")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
