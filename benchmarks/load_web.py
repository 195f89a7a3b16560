"""Load on the upload page's API: N uploads of the sample workbook, C at a time, over loopback.

Starts `sodcheck serve` itself on 127.0.0.1 and a free port (in its own process, so the client
threads do not share the server's interpreter), waits for /healthz, posts the uploads with httpx
from a thread pool, checks every answer, prints the latency percentiles and stops the server.

    .venv/bin/python benchmarks/load_web.py [--requests 200] [--concurrency 20] [--markdown]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from sodcheck.web.background import free_port

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "annex2_sample.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def start_server(port: int, max_upload_mb: float) -> subprocess.Popen:
    command = [sys.executable, "-m", "sodcheck", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--max-upload-mb", str(max_upload_mb)]
    env = {k: v for k, v in os.environ.items() if k != "SODCHECK_TOKEN"}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode})")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--file", type=Path, default=SAMPLE)
    parser.add_argument("--as-of", default="2024-06-30")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table as well")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or not 1 <= args.requests <= 5000:
        parser.error("keep it bounded: 1-64 at a time, 1-5000 uploads")

    data = args.file.read_bytes()
    port = free_port()
    server = start_server(port, max(20.0, len(data) / 1024 / 1024 + 1))
    base = f"http://127.0.0.1:{port}"
    expected: int | None = None
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    try:
        with httpx.Client(base_url=base, timeout=120, limits=limits) as client:
            warm = client.post("/api/check", files=[("staff", (args.file.name, data, XLSX))],
                               data={"as_of": args.as_of})
            warm.raise_for_status()
            expected = len(warm.json()["violations"])

            def upload(_: int) -> None:
                started = time.perf_counter()
                try:
                    response = client.post("/api/check", files=[("staff", (args.file.name, data, XLSX))],
                                           data={"as_of": args.as_of})
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        errors[f"HTTP {response.status_code}"] = errors.get(f"HTTP {response.status_code}", 0) + 1
                    elif len(response.json()["violations"]) != expected:
                        errors["wrong result"] = errors.get("wrong result", 0) + 1
                    else:
                        latencies.append(elapsed)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

            wall = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                list(pool.map(upload, range(args.requests)))
            wall = time.perf_counter() - wall
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    ms = [x * 1000 for x in latencies]
    figures = {
        "uploads": args.requests, "concurrency": args.concurrency, "ok": len(latencies),
        "errors": sum(errors.values()), "wall_s": wall, "per_s": len(latencies) / wall if wall else 0,
        "p50": percentile(ms, 50) if ms else float("nan"), "p90": percentile(ms, 90) if ms else float("nan"),
        "p99": percentile(ms, 99) if ms else float("nan"), "max": max(ms) if ms else float("nan"),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }
    print(f"file: {args.file.name} ({len(data) // 1024} KB), {expected} violations each; "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"{figures['uploads']} uploads, {figures['concurrency']} at a time: {figures['ok']} ok, "
          f"{figures['errors']} errors {errors or ''}")
    print(f"wall {figures['wall_s']:.1f} s, {figures['per_s']:.1f} checks/s; latency ms: "
          f"p50 {figures['p50']:.0f}, p90 {figures['p90']:.0f}, p99 {figures['p99']:.0f}, "
          f"max {figures['max']:.0f} (mean {figures['mean']:.0f})")
    if args.markdown:
        print("\n| uploads | at a time | ok | errors | checks/s | p50 ms | p90 ms | p99 ms | max ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {figures['uploads']} | {figures['concurrency']} | {figures['ok']} | {figures['errors']} | "
              f"{figures['per_s']:.1f} | {figures['p50']:.0f} | {figures['p90']:.0f} | {figures['p99']:.0f} | "
              f"{figures['max']:.0f} |")
    if figures["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
