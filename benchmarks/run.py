#!/usr/bin/env python3
"""Province-scale benchmark: sodcheck vs a hand-written DuckDB reference vs a plain pyarrow read.

    python benchmarks/run.py --scale full

For each dataset (by default 1/4, 1/2 and all of the account-role rows of the chosen
scale; the role/permission catalogue and rules stay the same) it

  1. generates the data into benchmarks/data/<scale>-seed<N>-f<fraction>/ if missing,
  2. times, as separate processes measured from outside (wall clock, peak RSS from
     the rusage of a small launcher's child, peak.py):
       a. a plain pyarrow read of all the CSV files,
       b. benchmarks/duckdb_reference.py (DuckDB, SET threads=2),
       c. sodcheck check --perms DIR --rules rules.yaml --format json -o FILE,
  3. compares sodcheck's findings with DuckDB's (compare.py, restricted to the rule ids
     of the generated rules.yaml),
  4. prints a Markdown table for docs/performance.md (also written to
     benchmarks/out/performance-<scale>.md) and saves raw numbers as JSON.

If sodcheck fails (not installed, perms support unfinished, crash, timeout) the failure
is reported and the pyarrow and DuckDB rows are still produced.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import compare  # noqa: E402
import generate  # noqa: E402
import generate_families  # noqa: E402
from peak import compile_sodcheck, launched, read_figures  # noqa: E402

DATA_TABLES = ["accounts", "account_roles", "role_permissions", "role_includes", "permissions"]

PYARROW_READ = r"""
import csv as pycsv, pathlib, sys
import pyarrow as pa, pyarrow.csv as csv, pyarrow.parquet as pq
d = pathlib.Path(sys.argv[1]); rows = 0
for f in sorted(d.glob("*.csv")):
    with open(f, encoding="utf-8", newline="") as fh:
        header = next(pycsv.reader(fh))
    # every column as string, as a permission checker must read codes and ID numbers
    t = csv.read_csv(f, convert_options=csv.ConvertOptions(column_types={c: pa.string() for c in header}))
    rows += t.num_rows
for f in sorted(d.glob("*.parquet")):
    rows += pq.read_table(f).num_rows
print(rows)
"""


# --------------------------------------------------------------------------- measuring
class Measurement(dict):
    """wall (s), peak_mb (MiB), rc, stdout/stderr tails, timed_out."""


def measure(cmd: list[str], log_prefix: Path, timeout: float | None, cwd: Path = REPO,
            env: dict | None = None) -> Measurement:
    """Run cmd as its own process group; wall time, CPU time and peak RSS of that child."""
    # The child writes here until it exits; both paths below close them once it has.
    out_f = open(f"{log_prefix}.stdout", "wb")  # noqa: SIM115
    err_f = open(f"{log_prefix}.stderr", "wb")  # noqa: SIM115
    timed_out = threading.Event()
    # Started by peak.py's launcher: this process's own memory must not count as the command's.
    figures = Path(f"{log_prefix}.figures.json")
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(launched(cmd, figures), stdout=out_f, stderr=err_f, cwd=cwd, env=env,
                                start_new_session=True)
    except OSError as e:
        out_f.close()
        err_f.close()
        return Measurement(wall=None, peak_mb=None, rc=None, error=f"cannot start {cmd[0]}: {e}",
                           stdout="", stderr="", timed_out=False, cmd=cmd)

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)   # the group of the process we started

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    try:
        proc.wait()
    finally:
        if timer:
            timer.cancel()
    wall = time.perf_counter() - t0
    status, cpu, peak_mb = read_figures(figures)
    proc.returncode = status if status is not None else proc.returncode
    out_f.close()
    err_f.close()
    tail = lambda p: Path(p).read_bytes()[-4000:].decode("utf-8", "replace")  # noqa: E731
    # CPU time (user + system) says less about the machine's other load than wall time does.
    return Measurement(wall=wall, cpu=cpu, peak_mb=peak_mb, rc=proc.returncode,
                       stdout=tail(f"{log_prefix}.stdout"), stderr=tail(f"{log_prefix}.stderr"),
                       timed_out=timed_out.is_set(), cmd=cmd)


def measure_interleaved(commands: dict[str, tuple[list[str], Path, tuple[int, ...]]], timeout, repeat
                        ) -> dict[str, Measurement]:
    """Each command once per round, round after round, so that a slow spell of a shared machine
    falls on every step alike; then each step's median run (its peak the highest). Every other
    round runs in reverse (A B C, C B A, A B C ...): a command can be slowed by the one before it
    (sodcheck started right after DuckDB's run pays 0.1-0.2 s more in page faults than after its
    own), and so each follows each of its neighbours as often.
    commands: name -> (command, log prefix, exit statuses that count as success)."""
    runs: dict[str, list[Measurement]] = {name: [] for name in commands}
    failed: dict[str, Measurement] = {}
    for i in range(repeat):
        order = list(commands.items())
        if i % 2:
            order.reverse()
        for name, (cmd, log_prefix, ok_codes) in order:
            if name in failed:
                continue
            m = measure(cmd, Path(f"{log_prefix}" + (f".{i}" if repeat > 1 else "")), timeout)
            runs[name].append(m)
            if m["rc"] not in ok_codes or m["timed_out"]:
                failed[name] = m
    out = {}
    for name, measured in runs.items():
        if name in failed:
            out[name] = failed[name]
            continue
        walls = [m["wall"] for m in measured]
        best = dict(measured[walls.index(sorted(walls)[(len(walls) - 1) // 2])])   # median run
        best["walls"] = walls
        best["cpus"] = [m["cpu"] for m in measured]
        best["cpu"] = sorted(best["cpus"])[(len(walls) - 1) // 2]
        best["peak_mb"] = max(m["peak_mb"] for m in measured)
        out[name] = Measurement(best)
    return out


# --------------------------------------------------------------------------- data
SHAPES = {"modules": generate, "families": generate_families}


def dataset_name(shape: str, scale: str, seed: int, fraction: float) -> str:
    return ("" if shape == "modules" else f"{shape}-") + f"{scale}-seed{seed}-f{fraction:g}"


def dataset_ready(d: Path, scale: str, seed: int, fraction: float, fmt: str, shape: str = "modules") -> bool:
    mf = d / "manifest.json"
    if not mf.exists() or not (d / "rules.yaml").exists():
        return False
    m = json.loads(mf.read_text(encoding="utf-8"))
    ext = "csv" if fmt == "csv" else "parquet"
    return (m.get("scale") == scale and m.get("seed") == seed and abs(m.get("fraction", 1) - fraction) < 1e-9
            and m.get("format") == fmt and m.get("version") == SHAPES[shape].GENERATOR_VERSION
            and m.get("generator") == f"benchmarks/{Path(SHAPES[shape].__file__).name}"
            and all((d / f"{t}.{ext}").exists() for t in DATA_TABLES))


def is_dataset(d: Path) -> bool:
    return (d / "rules.yaml").exists() and any((d / f"accounts.{e}").exists() for e in ("csv", "parquet"))


def warm_cache(d: Path) -> int:
    n = 0
    for f in sorted(d.iterdir()):
        if f.is_file():
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 22):
                    n += len(chunk)
    return n


def sodcheck_cmd(override: str | None) -> list[str]:
    if override:
        return shlex.split(override)
    venv_script = Path(sys.executable).parent / "sodcheck"
    if venv_script.exists():
        return [str(venv_script)]
    found = shutil.which("sodcheck")
    if found:
        return [found]
    return [sys.executable, "-m", "sodcheck"]


# --------------------------------------------------------------------------- formatting
def fmt_s(x):
    return "–" if x is None else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def fmt_size(x):
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def fmt_mb(x):
    return "–" if x is None else f"{x:,.0f}"


def fmt_ratio(a, b):
    return "–" if a is None or b in (None, 0) else f"{a / b:.1f}×"


def markdown(results: list[dict], meta: dict) -> str:
    L = []
    L.append(f"### Permission-export check, {meta['scale']} scale, shape {meta.get('shape', 'modules')} "
             f"(seed {meta['seed']})")
    L.append("")
    L.append(f"Measured {meta['date']} on {meta['machine']}; Python {meta['python']}, pyarrow {meta['pyarrow']}, "
             f"DuckDB {meta['duckdb']}, sodcheck {meta['sodcheck_rev']}. "
             f"Wall time, CPU time and peak RSS of each whole process, measured from outside"
             + (f" (median of {meta['repeat']} interleaved runs)" if meta['repeat'] > 1 else "") + "; page cache warm.")
    c = results[-1]["manifest"]["rows"]
    L.append(f"Catalogue: {c['roles']:,} roles, {c['permissions']:,} permissions, "
             f"{c['role_permissions']:,} role-permission rows, {c['role_includes']:,} role includes "
             f"(≤ 4 levels), {c['duties']} user duties, {c['rules']} incompatible rules; "
             f"{c['disabled_accounts'] / max(c['accounts'], 1):.0%} of accounts disabled.")
    L.append("")
    L.append("| accounts | account-role rows | input MB | step | wall s | CPU s | peak MB "
             "| ÷ DuckDB wall | ÷ DuckDB CPU | ÷ DuckDB peak | findings |")
    L.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        rows = r["manifest"]["rows"]
        ref = r["steps"]["duckdb"]
        first = True
        for key, label in (("pyarrow", "pyarrow read of all input files"), ("duckdb", "DuckDB reference, 2 threads"),
                           ("sodcheck", "`sodcheck check`")):
            m = r["steps"].get(key)
            if m is None:
                continue
            head = (f"| {rows['accounts']:,} | {rows['account_roles']:,} | {fmt_size(r['csv_mb'])} "
                    if first else "| | | ")
            first = False
            ok = m.get("rc") == 0
            if key == "pyarrow":
                findings = "–"
            elif key == "duckdb":
                findings = f"{r.get('ref_findings', '–'):,}" if ok else f"failed (exit {m.get('rc')})"
            else:
                if not ok:
                    why = "timed out" if m.get("timed_out") else (m.get("error") or f"exit {m.get('rc')}")
                    findings = f"**failed** ({why})"
                elif r.get("compare") is None:
                    findings = "?"
                else:
                    cmp_ = r["compare"]
                    findings = (f"{cmp_['b']:,} ✓ same as DuckDB" if cmp_["same"] else
                                f"{cmp_['b']:,} ✗ {cmp_['only_b']} extra, {cmp_['only_a']} missing")
            wall = m.get("wall") if ok else None
            cpu = m.get("cpu") if ok else None
            peak = m.get("peak_mb") if ok else None
            rw, rc, rp = (fmt_ratio(mine, ref.get(what) if ref.get("rc") == 0 else None) if key != "duckdb" else "1.0×"
                          for mine, what in ((wall, "wall"), (cpu, "cpu"), (peak, "peak_mb")))
            L.append(head + f"| {label} | {fmt_s(wall)} | {fmt_s(cpu)} | {fmt_mb(peak)} | {rw} | {rc} | {rp} "
                     f"| {findings} |")
    failures = []
    for r in results:
        m = r["steps"].get("sodcheck")
        if m and m.get("rc") != 0:
            lines = (m.get("stderr") or m.get("stdout") or m.get("error") or "").strip().splitlines()
            failures.append(f"{r['manifest']['rows'].get('account_roles', '?'):,} rows: "
                            + ("timed out" if m.get("timed_out") else
                               (m.get("error") or (lines[-1] if lines else f"exit {m.get('rc')}"))))
    if failures:
        L.append("")
        L.append("sodcheck failed: " + "; ".join(f"`{f}`" for f in failures))
    if len(results) > 1:
        base = results[0]
        L.append("")
        growth = results[-1]["manifest"]["rows"]["account_roles"] / base["manifest"]["rows"]["account_roles"]
        L.append("Growth with the number of account-role rows (wall and CPU time relative to the smallest run; "
                 f"linear growth would give {growth:.1f}× at the largest):")
        L.append("")
        L.append("| step | " + " | ".join(f"{r['manifest']['rows']['account_roles']:,} rows" for r in results) + " |")
        L.append("|---|" + "---:|" * len(results))
        for key, label in (("pyarrow", "pyarrow read"), ("duckdb", "DuckDB reference"), ("sodcheck", "sodcheck")):
            for measure_, unit in (("wall", "wall"), ("cpu", "CPU")):
                cells = []
                b = base["steps"].get(key, {})
                for r in results:
                    m = r["steps"].get(key, {})
                    if m.get("rc") == 0 and b.get("rc") == 0 and m.get(measure_) is not None:
                        cells.append(f"{fmt_s(m[measure_])} s ({m[measure_] / b[measure_]:.1f}×)")
                    else:
                        cells.append("–")
                L.append(f"| {label}, {unit} | " + " | ".join(cells) + " |")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="sodcheck province-scale benchmark",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--scale", choices=sorted(generate.SCALES), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="modules",
                    help="modules: generate.py (few permissions carry a duty); families: generate_families.py "
                         "(every permission carries a duty, hundreds of grant paths per finding)")
    ap.add_argument("--data", type=Path, default=HERE / "data",
                    help="data directory: either a prepared dataset (holds rules.yaml and the CSVs; "
                         "then only that one is run) or where generated datasets are kept "
                         "(default benchmarks/data)")
    ap.add_argument("--fractions", default="0.25,0.5,1",
                    help="fractions of the account-role rows to run (default 0.25,0.5,1)")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--out", type=Path, default=HERE / "out", help="results directory (default benchmarks/out)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per step; the median wall time is reported")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a step is killed")
    ap.add_argument("--sodcheck", default=None, metavar="CMD",
                    help="command to run sodcheck (default: the venv's sodcheck, else PATH, else python -m sodcheck)")
    ap.add_argument("--skip-sodcheck", action="store_true")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    a = ap.parse_args(argv)

    a.out.mkdir(parents=True, exist_ok=True)
    logs = a.out / "logs"
    logs.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    py = sys.executable

    if is_dataset(a.data):
        plan = [(a.data, None)]
    else:
        fracs = [float(x) for x in a.fractions.split(",") if x.strip()]
        plan = [(a.data / dataset_name(a.shape, a.scale, a.seed, f), f) for f in sorted(fracs)]

    sod = None if a.skip_sodcheck else sodcheck_cmd(a.sodcheck)
    if sod:
        compile_sodcheck()
    results = []
    overall_ok = True
    for d, frac in plan:
        tag = d.name
        print(f"\n=== {tag} ===", flush=True)
        gen_m = None
        if frac is not None and not dataset_ready(d, a.scale, a.seed, frac, a.format, a.shape):
            print(f"generating {d} ...", flush=True)
            gen_m = measure([py, SHAPES[a.shape].__file__, "--scale", a.scale, "--seed", str(a.seed),
                             "--out", str(d), "--format", a.format, "--fraction", f"{frac:g}"],
                            logs / f"{tag}.generate", a.timeout)
            if gen_m["rc"] != 0:
                print(f"generator failed (exit {gen_m['rc']}):\n{gen_m['stderr']}", file=sys.stderr)
                return 2
            print(f"  generated in {gen_m['wall']:.1f} s, peak {gen_m['peak_mb']:.0f} MB")
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8")) if (d / "manifest.json").exists() \
            else {"rows": {}}
        rules = d / "rules.yaml"
        csv_bytes = sum(f.stat().st_size for t in DATA_TABLES for f in [d / f"{t}.csv", d / f"{t}.parquet"]
                        if f.exists())
        warm_cache(d)
        steps: dict[str, Measurement] = {}
        res = {"dataset": str(d), "manifest": manifest, "csv_mb": csv_bytes / 1e6, "steps": steps,
               "generate": gen_m}

        ref_out = a.out / f"{tag}.duckdb.json"
        sod_out = a.out / f"{tag}.sodcheck.json"
        commands = {"pyarrow": ([py, "-c", PYARROW_READ, str(d)], logs / f"{tag}.pyarrow", (0,)),
                    "duckdb": ([py, str(HERE / "duckdb_reference.py"), str(d), str(rules), str(ref_out),
                                "--threads", str(a.threads)], logs / f"{tag}.duckdb", (0,))}
        if sod is not None:
            if sod_out.exists():
                sod_out.unlink()
            # sodcheck exits 1 when it has findings (--fail-on): that is success if the report was written
            commands["sodcheck"] = (sod + ["check", "--perms", str(d), "--rules", str(rules), "--format", "json",
                                           "-o", str(sod_out)], logs / f"{tag}.sodcheck", (0, 1))
        print(f"  pyarrow read, DuckDB reference{', sodcheck' if sod else ''}: {a.repeat} interleaved round(s) ...",
              flush=True)
        steps.update(measure_interleaved(commands, a.timeout, a.repeat))
        print("  (a) pyarrow read")
        _say(steps["pyarrow"])
        print("  (b) DuckDB reference")
        _say(steps["duckdb"])
        if steps["duckdb"]["rc"] == 0:
            ref_doc = json.loads(ref_out.read_text(encoding="utf-8"))
            res["ref_findings"] = len(ref_doc["violations"])
            res["ref_stats"] = ref_doc["stats"]
            s = ref_doc["stats"]
            print(f"      {s['violations']} findings: {s['violating_accounts']} accounts, {s['violating_roles']} roles")
        else:
            overall_ok = False

        if sod is not None:
            print(f"  (c) {' '.join(sod)} check")
            m = steps["sodcheck"]
            if m["rc"] in (0, 1) and not m.get("timed_out"):
                m["exit_status"] = m["rc"]
                try:
                    compare.load_findings(sod_out)
                    m["rc"] = 0
                except compare.ResultError as e:
                    m["rc"] = m["rc"] or -1
                    m["error"] = f"exit {m['exit_status']}, no usable report: {e}"
            _say(m)
            if m["rc"] != 0:
                overall_ok = False
                print("  !! sodcheck FAILED: " + (f"timed out after {a.timeout:.0f} s" if m.get("timed_out") else
                                                (m.get("error") or f"exit status {m['rc']}")), flush=True)
                msg = (m.get("stderr") or m.get("stdout") or "").strip().splitlines()[-15:]
                for line in msg:
                    print("     | " + line)
            elif steps["duckdb"]["rc"] == 0:
                try:
                    c = compare.compare_files(ref_out, sod_out, rules)
                    text = compare.report(c, "DuckDB reference", "sodcheck", show=10)
                    res["compare"] = {"same": c.same, "a": len(c.a), "b": len(c.b), "only_a": len(c.only_a),
                                      "only_b": len(c.only_b), "ignored_b": sum(c.ignored_b.values())}
                    overall_ok &= c.same
                except compare.ResultError as e:
                    text = f"cannot compare: {e}"
                    overall_ok = False
                print("\n".join("      " + line for line in text.splitlines()))
        results.append(res)

    meta = {
        "scale": a.scale if plan[0][1] is not None else f"custom ({plan[0][0]})",
        "seed": a.seed, "date": dt.date.today().isoformat(), "repeat": a.repeat, "shape": a.shape,
        "machine": f"{os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, {platform.system()} {platform.release()}",
        "python": platform.python_version(), "pyarrow": _version("pyarrow"), "duckdb": _version("duckdb"),
        "sodcheck_rev": _git_rev(),
    }
    md = markdown(results, meta)
    shape = "" if a.shape == "modules" else f"{a.shape}-"
    md_path = a.out / f"performance-{shape}{a.scale}.md"
    md_path.write_text(md, encoding="utf-8")
    raw = a.out / f"results-{shape}{a.scale}-{stamp}.json"
    raw.write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1, default=str),
                   encoding="utf-8")
    print("\n" + md)
    print(f"(table written to {md_path}; raw numbers in {raw})")
    return 0 if overall_ok else 1


def _say(m: Measurement) -> None:
    if m.get("rc") == 0:
        print(f"      {m['wall']:.2f} s, peak {m['peak_mb']:.0f} MB", flush=True)
    else:
        print(f"      failed: rc={m.get('rc')} {m.get('error') or ''}", flush=True)


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version
        return version(mod)
    except Exception:
        return "?"


def _git_rev() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "sodcheck"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (rev or "uncommitted") + (" + local changes" if dirty else "")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
