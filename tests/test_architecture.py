"""The layer contract (pyproject.toml's [tool.importlinter]) holds, and it would catch a
forbidden import: the same check on a copy of the package with one bad import added."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    if not LINT.exists():
        pytest.skip(f"lint-imports is not installed beside {sys.executable} (pip install '.[test]')")
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_hold():
    proc = lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize("module, bad_import, contract", [
    ("training/trainer.py", "import textual", "Only the dashboard draws"),
    ("runs/store.py", "from ..tui import app", "Layers"),
    ("nn/network.py", "import pandas", "The engine is NumPy only"),
    ("cli/main.py", "from ..tui.app import run_app", "Layers"),
    ("sweeps/study.py", "from ..inspection import data", "Layers"),   # siblings: neither imports the other
])
def test_a_forbidden_import_is_caught(tmp_path, module, bad_import, contract):
    shutil.copytree(ROOT / "tui_nn", tmp_path / "tui_nn", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "tui_nn" / module
    target.write_text(target.read_text() + f"\n{bad_import}  # a layer violation, on purpose\n")
    proc = lint(tmp_path)
    assert proc.returncode != 0
    broken = proc.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and "BROKEN" in proc.stdout, proc.stdout


def test_the_layout_map_in_readme_names_only_what_exists():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Code layout", 1)[1].split("\n\n", 2)[1]
    import re
    files = set(re.findall(r"\b([a-z_]+\.py)\b", block))
    folders = set(re.findall(r"\b([a-z_]+)/", block))
    present_files = {p.name for p in (ROOT / "tui_nn").rglob("*.py")}
    present_folders = {p.name for p in ROOT.rglob("*") if p.is_dir() and ".venv" not in p.parts}
    assert len(files) > 30 and files <= present_files, files - present_files
    assert folders <= present_folders, folders - present_folders
    # and every module of the package is on the map (a new one must be placed)
    unmapped = {p.name for p in (ROOT / "tui_nn").rglob("*.py")} - files - {"__init__.py", "__main__.py", "_io.py"}
    assert not unmapped - {"too_small.py", "inspect_parts.py"}, unmapped
