"""Checks that misbehave on purpose, for the web isolation tests. The upload page runs a check in a
child process, so a test cannot monkeypatch it: these module-level functions are handed to
``create_app(pipeline=...)`` instead, and the child imports them from here by name."""
from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sodcheck.model import SodcheckError, Text
from sodcheck.pipeline import CheckRequest, run
from sodcheck.web.isolation import Checks, Limits

# A hostile check leaves this file, holding its process id, in its working folder (the request's
# temporary folder) once it runs, so that a test can wait for it instead of sleeping.
STARTED = "hostile-check-started"


def spin(request: CheckRequest, *args, **kwargs):
    """What a pattern with exponential backtracking does: hold the interpreter and never end."""
    Path(STARTED).write_text(str(os.getpid()))
    while True:
        pass


def started(root: Path, timeout: float = 60) -> int:
    """The process id of the hostile check running under root, once it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for marker in root.glob(f"sodcheck-*/{STARTED}"):
            with contextlib.suppress(OSError, ValueError):
                return int(marker.read_text())
        time.sleep(0.05)
    raise AssertionError("the hostile check did not start")


def spin_if_hostile(request: CheckRequest):
    """The real check, except for a sheet whose name starts with "hostile"."""
    if any(Path(name).name.startswith("hostile") for name in request.staff):
        spin(request)
    return run(request)


def hog_slowly(request: CheckRequest):
    """Memory growing by 32 MB every 20 ms: the server's watch on resident memory stops it."""
    held = []
    while True:
        held.append(b"\x01" * (32 * 1024 * 1024))
        time.sleep(0.02)


def hog_at_once(request: CheckRequest):
    """One allocation far beyond any limit: the child's own address-space limit refuses it."""
    return bytearray(64 * 1024 ** 3)


def killed_from_outside(request: CheckRequest):
    """As the kernel's out-of-memory killer would end it."""
    os.kill(os.getpid(), signal.SIGKILL)


def crash(request: CheckRequest):
    """A process that dies without a word (a reader's native code failing)."""
    os.abort()


def bug(request: CheckRequest):
    raise RuntimeError("方晓燕 34170219860214026X")


def where_am_i(request: CheckRequest):
    """Reports, as a bad-input message, the folder the check ran in and the names it was given."""
    listing = sorted(os.listdir("."))
    said = f"cwd={os.getcwd()} staff={request.staff} listing={listing}"
    raise SodcheckError(Text(said, said))


def with_serials(request: CheckRequest):
    """The real check, with each staffing row's 序号 as a sheet with a 序号 column gives it (here
    the sheet's row number less one), so that the page's showing of it can be tested."""
    report = run(request)

    def numbered(finding):
        return replace(finding, evidence=tuple(replace(e, serial=str(e.row - 1)) if e.sheet and e.row else e
                                               for e in finding.evidence))

    return replace(report, violations=tuple(map(numbered, report.violations)),
                   notices=tuple(map(numbered, report.notices)))


@pytest.fixture(scope="session", autouse=True)
def worker_processes_started():
    """The process checks are forked from keeps a socket in a folder of its own under the
    temporary root; starting it before any test points that root elsewhere keeps the tests'
    "nothing left behind" checks about the uploads."""
    Checks(Limits(), []).start()
