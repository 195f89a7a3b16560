#!/usr/bin/env python3
"""Operation-log benchmark: `sodcheck check --ops` against the same checks hand-written in DuckDB
SQL (ops_duckdb_reference.py), on generated logs (ops_generate.py).

    python benchmarks/ops_run.py --rows 1000000,10000000 --repeat 3

For each size it generates benchmarks/data/ops-<rows>.parquet if missing, then runs the
reference and sodcheck alternately, each as its own process measured from outside (wall clock,
peak RSS through peak.py's launcher), both with the same DuckDB threads and memory limit; compares their
findings (violations and notices of the six rules the log can break: they must be identical);
prints a Markdown table of medians for docs/performance.md and saves the raw numbers in
benchmarks/out/ops-results.json. Exit status 0 only when every run succeeded and agreed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from peak import compile_sodcheck, measure  # noqa: E402

RULES = ("OPS-REVIEW-LEVELS", "OPS-SAME-OPERATOR", "OPS-PAY-UNCHECKED", "OPS-MODIFY-UNAPPROVED",
         "OPS-FRONT-BACK", "OPS-OFF-HOURS")


def findings_of_sodcheck(path: Path) -> tuple[set, set]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    pick = lambda items: {(v["rule_id"], v["subject"]["name"]) for v in items if v["rule_id"] in RULES}  # noqa: E731
    return pick(doc["violations"]), pick(doc["notices"])


def findings_of_reference(path: Path) -> tuple[set, set]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {tuple(v) for v in doc["violations"]}, {tuple(v) for v in doc["notices"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--sodcheck", default=f"{sys.executable} -m sodcheck")
    args = parser.parse_args()
    compile_sodcheck()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    results = []
    ok = True
    for rows in [int(r) for r in args.rows.split(",")]:
        data = HERE / "data" / f"ops-{rows}-seed{args.seed}.parquet"
        if not data.exists():
            subprocess.run([sys.executable, str(HERE / "ops_generate.py"), "--rows", str(rows), "--seed",
                            str(args.seed), "-o", str(data)], check=True)
        runs: dict[str, list] = {"reference": [], "sodcheck": []}
        agree = True
        for _ in range(args.repeat):
            ref_out, sod_out = out / f"ops-reference-{rows}.json", out / f"ops-sodcheck-{rows}.json"
            status, wall, rss = measure([sys.executable, str(HERE / "ops_duckdb_reference.py"), str(data), "-o",
                                         str(ref_out), "--threads", str(args.threads), "--memory-limit",
                                         args.memory_limit])
            runs["reference"].append((status, wall, rss))
            status, wall, rss = measure(shlex.split(args.sodcheck) + [
                "check", "--ops", str(data), "--format", "json", "-o", str(sod_out), "--threads", str(args.threads),
                "--memory-limit", args.memory_limit, "--lang", "en"])
            runs["sodcheck"].append((status, wall, rss))
            if runs["reference"][-1][0] != 0 or status not in (0, 1):
                ok = agree = False
                continue
            same = findings_of_sodcheck(sod_out) == findings_of_reference(ref_out)
            agree = agree and same
        count = len(findings_of_reference(out / f"ops-reference-{rows}.json")[0]) if agree else None
        row = {"rows": rows, "findings": count, "identical": agree}
        for name, measured in runs.items():
            row[name] = {"wall_median": statistics.median(m[1] for m in measured),
                         "rss_peak_mb": max(m[2] for m in measured), "runs": measured}
        row["ratio"] = row["sodcheck"]["wall_median"] / row["reference"]["wall_median"]
        ok = ok and agree
        results.append(row)
        print(f"{rows} rows: reference {row['reference']['wall_median']:.1f} s, sodcheck "
              f"{row['sodcheck']['wall_median']:.1f} s ({row['ratio']:.2f}x), identical: {agree}", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    (out / "ops-results.json").write_text(json.dumps({"commit": commit, "machine": platform.platform(),
                                                      "cpus": os.cpu_count(), "args": vars(args),
                                                      "results": results}, indent=1), encoding="utf-8")
    print("\n| rows | findings | DuckDB SQL: wall (median) | peak RSS | sodcheck: wall (median) | peak RSS | "
          "ratio | identical |\n|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rows']:,} | {r['findings'] or '—'} | {r['reference']['wall_median']:.1f} s | "
              f"{r['reference']['rss_peak_mb']:.0f} MB | {r['sodcheck']['wall_median']:.1f} s | "
              f"{r['sodcheck']['rss_peak_mb']:.0f} MB | {r['ratio']:.2f}× | {'yes' if r['identical'] else 'NO'} |")
    print(f"\ncommit {commit}, {platform.platform()}, {os.cpu_count()} CPUs, threads {args.threads}, "
          f"memory limit {args.memory_limit}, {args.repeat} run(s) each")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
