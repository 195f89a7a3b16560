#!/usr/bin/env python3
"""Where one `sodcheck check --perms` spends its wall time: the phase table of docs/performance.md.

    python benchmarks/phases.py benchmarks/data/full-seed1-f1 benchmarks/data/families-full-seed1-f1 --repeat 5

Each dataset (a folder holding the exports and rules.yaml, as generate.py and
generate_families.py write them) is checked once per round by `sodcheck check --perms DIR --rules
DIR/rules.yaml --format json`, each run a process of its own. A small driver in that process notes
the time at its first line, after the imports, at each stage the pipeline reports (the progress
callback the command line's progress bar uses), when the run returns and when the report is
written; the process's launch and end are timed from outside on the same clock. The datasets of
a round alternate, and the median of each phase is printed as a Markdown table, one column per
dataset.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import compile_sodcheck

# Runs inside the measured process: argv is [marks file, sodcheck arguments...]. Only names are
# replaced (the pipeline's run and the report writer), so the command runs as a user runs it.
DRIVER = """
import json, sys, time
marks = [("started", time.monotonic())]
from sodcheck.imports import refuse_pandas
refuse_pandas()
import sodcheck.cli as cli
marks.append(("imported", time.monotonic()))
run, write = cli.run, cli.write_output

def timed_run(request, ruleset=None, progress=None, **options):
    def note(stage):
        marks.append((stage, time.monotonic()))
        if progress is not None:
            progress(stage)
    try:
        return run(request, ruleset, progress=note, **options)
    finally:
        marks.append(("checked", time.monotonic()))

def timed_write(*args):
    write(*args)
    marks.append(("written", time.monotonic()))

cli.run, cli.write_output = timed_run, timed_write
try:
    cli.main(sys.argv[2:])
except SystemExit as exc:
    status = exc.code
with open(sys.argv[1], "w") as out:
    json.dump(marks, out)
sys.exit(status)
"""

# (phase, the mark it starts at, the mark it ends at): "launch" and "exit" are taken from outside.
PHASES = [
    ("interpreter start", "launch", "started"),
    ("imports (pyarrow, numpy, pydantic, click, yaml, sodcheck)", "started", "imported"),
    ("rule files, and the exports read into Arrow meanwhile in a second thread", "rules", "role graph"),
    ("permission classification, role closure, account duty bits", "role graph", "checking"),
    ("the rules and the evidence of every finding, sorted", "checking", "checked"),
    ("JSON report written", "checked", "written"),
    ("leaving the process", "written", "exit"),
]


def run_once(dataset: Path, sodcheck: list[str]) -> dict[str, float]:
    """The seconds of each phase of one run, and its total."""
    with tempfile.TemporaryDirectory() as scratch:
        marks_file, report = Path(scratch) / "marks.json", Path(scratch) / "report.json"
        argv = [*sodcheck, "-c", DRIVER, str(marks_file), "check", "--perms", str(dataset),
                "--rules", str(dataset / "rules.yaml"), "--format", "json", "-o", str(report)]
        launch = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True)
        end = time.monotonic()
        # An error in the driver exits 1 as findings do: only a marks file says the run went through.
        if done.returncode not in (0, 1) or not marks_file.exists():
            raise SystemExit(f"sodcheck failed on {dataset} (exit {done.returncode}):\n{done.stderr[-2000:]}")
        marks = {"launch": launch, "exit": end}
        for stage, when in json.loads(marks_file.read_text()):
            marks.setdefault(stage, when)       # a stage of several systems: its first report
    phases = {name: marks[last] - marks[first] for name, first, last in PHASES}
    phases["total, from outside"] = end - launch
    return phases


def table(medians: dict[str, dict[str, float]]) -> str:
    names = list(medians)
    lines = ["| phase | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for phase in [name for name, _, _ in PHASES] + ["total, from outside"]:
        lines.append(f"| {phase} | " + " | ".join(f"{medians[n][phase]:.2f}" for n in names) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path, help="folders of exports with their rules.yaml")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the median of each phase is shown")
    parser.add_argument("--python", default=sys.executable, help="the interpreter sodcheck is installed in")
    args = parser.parse_args(argv)
    compile_sodcheck(args.python)
    runs: dict[str, list[dict[str, float]]] = {d.name: [] for d in args.datasets}
    for _ in range(args.repeat):
        for dataset in args.datasets:
            runs[dataset.name].append(run_once(dataset, [args.python]))
    medians = {name: {phase: statistics.median(r[phase] for r in rounds) for phase in rounds[0]}
               for name, rounds in runs.items()}
    print(f"Wall seconds, median of {args.repeat} runs of `sodcheck check --perms DIR --rules DIR/rules.yaml "
          "--format json -o FILE`:\n")
    print(table(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
