"""The shared conformance cases, run by their own runner against this checkout's sodcheck."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import SHARED

RUNNER = SHARED / "conformance" / "run"


@pytest.mark.skipif(not RUNNER.exists(), reason="../shared/conformance is not beside this checkout")
@pytest.mark.parametrize("cases", ["cases", "perms"])
def test_conformance_cases(cases):
    env = dict(os.environ, SODCHECK=f"{sys.executable} -m sodcheck")
    result = subprocess.run([sys.executable, str(RUNNER), str(SHARED / "conformance" / cases)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(" 0 failed")
