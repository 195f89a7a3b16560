"""Starting a measured command so that the measuring process's own size does not count.

Linux carries a process's high-water RSS across exec: a command that a benchmark process forks
(Python's subprocess uses vfork) starts with that process's peak in its ``ru_maxrss``. A
benchmark that has read a 160 MB JSON report back holds over a gigabyte, and every later command
would appear to use as much. So commands are started by a small launcher interpreter that waits
for its child and writes the child's figures to a file: the child inherits only the launcher's
few megabytes.

    status, wall, peak_mb = measure(["sodcheck", "check", ...])

or, for a caller that manages the process itself (timeouts, logs):

    process = subprocess.Popen(launched(argv, figures), ...)
    status, cpu, peak_mb = read_figures(figures)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


COMPILE = """
import compileall, importlib.util, os, sys
spec = importlib.util.find_spec("sodcheck")
sys.exit(0 if spec is None or compileall.compile_dir(os.path.dirname(spec.origin), quiet=1) else 1)
"""


def compile_sodcheck(python: str = sys.executable) -> None:
    """Compile sodcheck's modules to bytecode, as installing a wheel does, before anything is timed.
    An editable install writes the bytecode on its first import, unless PYTHONDONTWRITEBYTECODE is
    set: then every measured run would compile the whole package again (0.08 s a run)."""
    subprocess.run([python, "-c", COMPILE], check=True)


def read_figures(figures: Path) -> tuple[int | None, float | None, float | None]:
    """(exit status, CPU seconds, peak RSS in MiB) of the command; Nones when it was killed
    before the launcher could write them."""
    try:
        status, cpu, peak = json.loads(figures.read_text())
    except (OSError, ValueError):
        return None, None, None
    return status, cpu, peak


def measure(argv: list[str], sample: Callable[[int], float] | None = None) -> tuple[int, float, float]:
    """(exit status, wall seconds, peak RSS in MB) of the command; -1 when it died without a
    status. ``sample(pid)``, polled every 0.2 s, can report a larger figure (a process tree's)."""
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as errors:
        figures = Path(scratch) / "figures.json"
        start = time.perf_counter()
        # Messages go to a file: a pipe nobody reads while polling could fill and stall the run.
        process = subprocess.Popen(launched(argv, figures), stdout=subprocess.DEVNULL, stderr=errors)
        sampled = 0.0
        while process.poll() is None:
            if sample is not None:
                sampled = max(sampled, sample(process.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - start
        status, _, peak = read_figures(figures)
        if status not in (0, 1):
            errors.seek(0)
            sys.stderr.write(errors.read().decode("utf-8", "replace")[-2000:])
    return (status if status is not None else -1), wall, max(peak or 0.0, sampled)
