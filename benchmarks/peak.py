"""Starting a measured command so that the measuring process's own size does not count.

Linux carries a process's high-water RSS across exec: a command that a benchmark process forks
(Python's subprocess uses vfork) starts with that process's peak in its ``ru_maxrss``. A
benchmark that has read a 160 MB JSON report back holds over a gigabyte, and every later command
would appear to use as much. So commands are started by a small launcher interpreter that waits
for its child and writes the child's figures to a file: the child inherits only the launcher's
few megabytes.

    argv = launched(["sodcheck", "check", ...], figures)
    subprocess.run(argv)          # stdin, stdout and stderr pass through to the command
    status, cpu, peak_mb = read_figures(figures)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(json.loads(sys.argv[1]))
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[2], "w") as figures:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024], figures)
"""


def launched(argv: list[str], figures: Path) -> list[str]:
    """The command line that runs ``argv`` under the launcher, which writes its figures to ``figures``."""
    figures.unlink(missing_ok=True)
    return [sys.executable, "-c", LAUNCHER, json.dumps(argv), str(figures)]


def read_figures(figures: Path) -> tuple[int | None, float | None, float | None]:
    """(exit status, CPU seconds, peak RSS in MiB) of the command; Nones when it was killed
    before the launcher could write them."""
    try:
        status, cpu, peak = json.loads(figures.read_text())
    except (OSError, ValueError):
        return None, None, None
    return status, cpu, peak
