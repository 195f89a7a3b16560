"""The shared conformance cases, run by their own runner against this checkout's sodcheck.

Every set folder of ../shared/conformance (cases, perms, ops, and any added later) is one test.
Without ../shared the tests skip, except when SODCHECK_REQUIRE_SHARED=1 (CI sets it): then a
missing runner or set fails, so a gate can never pass by having checked nothing."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import SHARED

CONFORMANCE = SHARED / "conformance"
RUNNER = CONFORMANCE / "run"
# The sets this checkout must pass; a set folder found beside them is run too.
KNOWN_SETS = ("cases", "perms", "ops")
REQUIRED = os.environ.get("SODCHECK_REQUIRE_SHARED") == "1"


def set_folders() -> list[str]:
    found = {p.name for p in CONFORMANCE.iterdir() if p.is_dir() and any(p.glob("*/case.json"))} \
        if CONFORMANCE.is_dir() else set()
    return sorted(set(KNOWN_SETS) | found)


def missing(what: str) -> None:
    """Skip, or fail when the shared cases are required."""
    message = f"{what} is missing (expected beside this checkout, at {CONFORMANCE})"
    if REQUIRED:
        pytest.fail(f"SODCHECK_REQUIRE_SHARED=1 but {message}")
    pytest.skip(message)


def run_set(folder) -> subprocess.CompletedProcess:
    env = dict(os.environ, SODCHECK=f"{sys.executable} -m sodcheck")
    return subprocess.run([sys.executable, str(RUNNER), str(folder)], capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.mark.parametrize("cases", set_folders())
def test_conformance_cases(cases):
    if not RUNNER.exists():
        missing("the conformance runner")
    folder = CONFORMANCE / cases
    if not folder.is_dir() or not any(folder.glob("*/case.json")):
        missing(f"the conformance set {cases!r}")
    result = run_set(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" 0 failed") and not last.startswith("0 passed"), result.stdout + result.stderr


def test_a_required_set_that_is_missing_fails(monkeypatch):
    """The gate itself: with SODCHECK_REQUIRE_SHARED=1 a missing set is a failure, not a skip."""
    monkeypatch.setattr(sys.modules[__name__], "REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match="SODCHECK_REQUIRE_SHARED"):
        missing("the conformance set 'nowhere'")
    monkeypatch.setattr(sys.modules[__name__], "REQUIRED", False)
    with pytest.raises(pytest.skip.Exception):
        missing("the conformance set 'nowhere'")
