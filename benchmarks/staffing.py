"""Staffing loader against pandas on the same files: a CSV of N rows and an Annex 2 workbook.

    .venv/bin/python benchmarks/staffing.py --csv-rows 1000000 --xlsx-rows 20000 --repeat 5

Each step runs as its own process (wall time and peak RSS from outside, as benchmarks/run.py
does): pandas.read_csv / pandas.read_excel of the file, sodcheck's load_staffing of it, and
load_staffing followed by building every Posting (what the rules then read). The steps of a file
run in turns, round after round, so that load from other work on the machine hits all of them
alike; the table gives the median of the rounds and the ratio to pandas, for wall time and for
CPU time (user + system, which load from other work changes far less).
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import compile_sodcheck

HEADER = ["序号", "单位", "姓名", "身份证号", "人员身份", "岗位", "岗位职责", "任现岗时间"]
UNITS = [f"第{i}经办中心" for i in range(200)]
POSTS = ["会计", "出纳", "待遇审核", "征缴", "稽核", "信息管理", "档案", "内控"]
TYPES = ["在编", "编外", "劳务派遣", "参公"]

STEPS = {
    "pandas.read_csv": "import pandas, sys; pandas.read_csv(sys.argv[1], dtype=str)",
    "pandas.read_excel": "import pandas, sys; pandas.read_excel(sys.argv[1], dtype=str, header=None)",
    "sodcheck load_staffing": "import sys; from sodcheck.loaders.staffing import load_staffing; "
                              "load_staffing([sys.argv[1]])",
    "load_staffing + every Posting": "import sys; from sodcheck.loaders.staffing import load_staffing; "
                                     "data = load_staffing([sys.argv[1]]); sum(1 for _ in data.postings)",
}
SODCHECK_STEPS = ("sodcheck load_staffing", "load_staffing + every Posting")


def rows(count: int, seed: int = 1):
    rng = random.Random(seed)
    for i in range(count):
        yield [i + 1, rng.choice(UNITS), f"人员{i}", "", rng.choice(TYPES), rng.choice(POSTS),
               "按规定办理", f"{rng.randint(2005, 2023)}.{rng.randint(1, 12):02d}"]


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count))


def write_xlsx(path: Path, count: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("人员分工")
    sheet.append(["经办机构人员分工、岗位职责情况表"])
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append(row)
    workbook.save(path)


def measure(code: str, path: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one process running code on path."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def one_run(code: str, path: Path) -> tuple[float, ...]:
    # ru_maxrss of children is the largest so far: each figure comes from a fresh interpreter.
    result = subprocess.run([sys.executable, __file__, "--one", code, str(path)], check=True,
                            capture_output=True, text=True)
    return tuple(map(float, result.stdout.split()))


def interleaved(steps: list[str], path: Path, repeat: int) -> dict[str, tuple[float, ...]]:
    """(median wall s, median CPU s, median peak MB) of each step, the steps run in turns, repeat rounds."""
    figures: dict[str, list[tuple[float, ...]]] = {step: [] for step in steps}
    for round_number in range(repeat):
        # Every other round the other way round, so that neither side always follows the other.
        for step in steps if round_number % 2 == 0 else steps[::-1]:
            figures[step].append(one_run(STEPS[step], path))
    return {step: tuple(statistics.median(values) for values in zip(*runs)) for step, runs in figures.items()}


def machine() -> str:
    import pyarrow

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}; Python {platform.python_version()}, "
            f"pyarrow {pyarrow.__version__}; commit {commit}; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        wall, cpu, peak = measure(args.one[0], Path(args.one[1]))
        print(f"{wall:.3f} {cpu:.3f} {peak:.0f}")
        return
    compile_sodcheck()
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = Path(folder) / "annex2.csv", Path(folder) / "annex2.xlsx"
        write_csv(csv_path, args.csv_rows)
        write_xlsx(xlsx_path, args.xlsx_rows)
        print(machine())
        print(f"median of {args.repeat} interleaved runs each")
        print()
        print("| file | rows | step | wall s | CPU s | peak MB | ÷ pandas wall | ÷ pandas CPU | ÷ pandas peak |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
        for path, count, reference in ((csv_path, args.csv_rows, "pandas.read_csv"),
                                       (xlsx_path, args.xlsx_rows, "pandas.read_excel")):
            if not count:
                continue
            figures = interleaved([reference, *SODCHECK_STEPS], path, args.repeat)
            base_wall, base_cpu, base_peak = figures[reference]
            for step, (wall, cpu, peak) in figures.items():
                print(f"| {path.suffix[1:]} | {count:,} | {step} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | "
                      f"{wall / base_wall:.2f}× | {cpu / base_cpu:.2f}× | {peak / base_peak:.2f}× |", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
