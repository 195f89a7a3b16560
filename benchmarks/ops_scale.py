#!/usr/bin/env python3
"""Operation-log checks at scale, engine by engine: the figures of docs/scale.md.

    python benchmarks/ops_scale.py --rows 1000000,10000000 --runs duckdb,duckdb:256MB,spark --repeat 3

A run is ENGINE[:MEMORY_LIMIT]: `duckdb` (the default budget of 1GB), `duckdb:256MB`, `spark`
(local[N] with N = --threads). Each generated log (benchmarks/data/ops-<rows>-seed<seed>.parquet,
made by ops_generate.py if missing) is checked by `sodcheck check --ops` once per run and round,
each a process of its own measured from outside (wall clock and peak RSS of the process and its
children, such as Spark's JVM); the runs of a round alternate so that load from other work on the
machine falls on all of them. Prints a Markdown table of medians, the load average before and
after, and whether every run of a size gave the same violations and notices.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peak import compile_sodcheck, measure  # noqa: E402


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and its descendants (Spark's JVM is one), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * resource.getpagesize()
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def findings(path: Path) -> tuple:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(sorted((v["rule_id"], v["subject"]["name"]) for v in doc["violations"])), \
        tuple(sorted((v["rule_id"], v["subject"]["name"]) for v in doc["notices"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000")
    parser.add_argument("--runs", default="duckdb,duckdb:256MB,spark")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    compile_sodcheck()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    ok = True
    print("| rows | engine | memory limit | wall (median) | peak RSS (max) | runs | same findings |\n"
          "|---|---|---|---|---|---|---|")
    for rows in [int(r) for r in args.rows.split(",")]:
        data = HERE / "data" / f"ops-{rows}-seed{args.seed}.parquet"
        if not data.exists():
            subprocess.run([sys.executable, str(HERE / "ops_generate.py"), "--rows", str(rows), "--seed",
                            str(args.seed), "-o", str(data)], check=True)
        measured: dict[str, list[tuple[int, float, float]]] = {run: [] for run in args.runs.split(",")}
        results: dict[str, set] = {run: set() for run in measured}
        for _ in range(args.repeat):
            for run in measured:
                engine, _, limit = run.partition(":")
                report = out / f"scale-{rows}-{run.replace(':', '-')}.json"
                argv = [sys.executable, "-m", "sodcheck", "check", "--ops", str(data), "--format", "json", "-o",
                        str(report), "--threads", str(args.threads), "--engine", engine, "--lang", "en"]
                if limit:
                    argv += ["--memory-limit", limit]
                status, wall, rss = measure(argv, sample=_tree_rss_mb)
                measured[run].append((status, wall, rss))
                if status in (0, 1):
                    results[run].add(findings(report))
                else:
                    ok = False
        distinct = {result for found in results.values() for result in found}
        same = len(distinct) == 1
        ok = ok and same
        for run, values in measured.items():
            engine, _, limit = run.partition(":")
            good = [v for v in values if v[0] in (0, 1)]
            wall = f"{statistics.median(v[1] for v in good):.1f} s" if good else "failed"
            rss = f"{max(v[2] for v in values):.0f} MB"
            print(f"| {rows:,} | {engine} | {limit or ('1GB (default)' if engine == 'duckdb' else '—')} | {wall} | "
                  f"{rss} | {len(good)}/{len(values)} | {'yes' if same else 'NO'} |", flush=True)
    print(f"\n{platform.platform()}, {os.cpu_count()} CPUs, threads {args.threads}, {args.repeat} round(s); "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
