"""The quality gates CI runs: the package type-checks and the repository lints clean.

Both run as separate processes from the repository root, so they read the configuration in
pyproject.toml exactly as a developer's `python -m mypy sodcheck` or `python -m ruff check .` does.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def test_the_package_ships_its_type_marker():
    assert (ROOT / "sodcheck" / "py.typed").is_file()


@pytest.mark.parametrize("command", [("mypy", "sodcheck"), ("ruff", "check", ".")],
                         ids=["mypy", "ruff"])
def test_gate_passes(command):
    result = run_tool(*command)
    assert result.returncode == 0, f"`python -m {' '.join(command)}` failed:\n{result.stdout}{result.stderr}"
