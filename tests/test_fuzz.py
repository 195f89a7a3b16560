"""Mutation fuzzing of every input kind: staffing xlsx and csv, permission CSV exports, role
configurations, rule files, waivers and baselines. Each mutated input must end in exit 0, 1 or 2,
never in "internal error" or a traceback, and never hang (a per-case alarm).

Seeded, so a failure names a reproducible case: run the test again with the printed seed and kind.
The whole test is bounded in time (FUZZ_SECONDS per kind, about a minute in all)."""
from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

from .conftest import MAKER_CHECKER, REPO, SAMPLE, SAMPLE_CSV, write_csv

ROLES = REPO / "sample_data" / "roles"
FUZZ_SECONDS = float(os.environ.get("SODCHECK_FUZZ_SECONDS", "5"))
CASE_SECONDS = 20
SEED = int(os.environ.get("SODCHECK_FUZZ_SEED", "20240630"))

# ----------------------------------------------------------------------------- mutations

NASTY = ["\x00", "\ufeff", "\u202e", "𠜎", "\ud7ff", "＝", "\r", "\n\n", '"', "'", ",", "\t", ":", "- ", "{", "[",
         "*", "&a", "*a", "!!python/object:os.system", "9" * 400, "-1e308", "1e999", "2024-13-45", "0000-00-00",
         "=HYPERLINK(\"x\")", "NaN", "null", "~"]


def byte_flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i:i] = [lines[i]] * rng.choice([1, 2, 50])
    return b"".join(lines)


def insert_unicode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    at = rng.randrange(len(text) + 1)
    piece = rng.choice(NASTY) if rng.random() < 0.6 else \
        "".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(rng.randint(1, 6)))
    return (text[:at] + piece + text[at:]).encode("utf-8", errors="surrogatepass")


def huge_number(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        return data + b"9" * 5000
    at = rng.choice(digits)
    return (text[:at] + rng.choice(["9" * 5000, "1e308", "-99999999999999999999", "0x" + "f" * 50]) +
            text[at + 1:]).encode("utf-8")


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([200, 2000, 50_000])
    at = rng.randrange(len(data) + 1)
    opener, closer = rng.choice([(b"[", b"]"), (b"{a: ", b"}"), (b'"', b'"')])
    return data[:at] + opener * depth + closer * depth + data[at:]


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    byte_flip, truncate, delete_line, duplicate_line, insert_unicode, huge_number, deep_nesting]


def mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.choice([1, 1, 2, 3])):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


# ----------------------------------------------------------------------------- inputs

class Case:
    """One input kind: the sample files it mutates and the command that reads them."""

    def __init__(self, name: str, samples: list[Path], command: Callable[[Path], list[str]]):
        self.name, self.samples, self.command = name, samples, command


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Case]:
    base = tmp_path_factory.mktemp("seeds")
    export = base / "export"
    write_csv(export / "grants.csv", [["角色编码", "功能编码", "功能名称"], ["R1", "YW_DJ", "参保登记"],
                                      ["R1", "ZF_LR", "支付录入"], ["R2", "XT_QX", "用户权限分配"]])
    write_csv(export / "users.csv", [["用户编码", "姓名", "角色编码", "状态"], ["k1", "张三", "R1", "正常"],
                                     ["k2", "李四", "R2", "停用"]])
    write_csv(export / "includes.csv", [["角色编码", "包含角色"], ["R2", "R1"], ["R1", "R2"]])
    small_csv = write_csv(base / "small.csv", [["姓名", "单位", "人员身份", "岗位", "任现岗时间"],
                                               ["甲", "中心", "在编", "会计、出纳", "2015-03"],
                                               ["乙", "中心", "编外", "待遇发放", "2019/1/1"]])
    rules = base / "rules.yaml"
    rules.write_text(MAKER_CHECKER, encoding="utf-8")
    baseline = base / "baseline.json"
    result = CliRunner().invoke(cli, ["check", "--staff", str(SAMPLE_CSV), "--as-of", "2024-06-30",
                                      "--format", "json", "-o", str(baseline)])
    assert result.exit_code in (0, 1), result.output
    staff = ["--staff", str(SAMPLE_CSV), "--as-of", "2024-06-30"]
    return {case.name: case for case in [
        Case("staffing_xlsx", [SAMPLE], lambda p: ["--staff", str(p), "--as-of", "2024-06-30"]),
        Case("staffing_csv", [SAMPLE_CSV, small_csv], lambda p: ["--staff", str(p), "--as-of", "2024-06-30"]),
        Case("permission_csv", sorted(export.glob("*.csv")), lambda p: ["--perms", str(p.parent)]),
        Case("role_yaml", sorted((ROLES / "config").iterdir()), lambda p: ["--roles", str(p)]),
        Case("rules", [rules, ROLES / "rules.yaml"], lambda p: [*staff, "--rules", str(p)]),
        Case("waivers", [ROLES / "waivers.yaml"],
             lambda p: ["--roles", str(ROLES / "config"), "--rules", str(ROLES / "rules.yaml"), "--waivers", str(p)]),
        Case("baseline", [baseline], lambda p: [*staff, "--baseline", str(p)]),
    ]}


@contextmanager
def alarm(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no result within {seconds}s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_mutant(case: Case, sample: Path, data: bytes, folder: Path) -> tuple[int, str, BaseException | None]:
    """Write the mutant beside copies of the sample's siblings (an export is a folder) and check it."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(sample.parent, folder)
    target = folder / sample.name
    target.write_bytes(data)
    with alarm(CASE_SECONDS):
        result = CliRunner().invoke(cli, ["check", *case.command(target), "--format", "json",
                                          "-o", str(folder.parent / "out.json")])
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, exception


@pytest.mark.parametrize("kind", ["staffing_xlsx", "staffing_csv", "permission_csv", "role_yaml", "rules",
                                  "waivers", "baseline"])
def test_mutated_inputs_exit_0_1_or_2_without_internal_errors(kind, seeds, tmp_path):
    case = seeds[kind]
    rng = random.Random(f"{SEED}-{kind}")
    failures: list[str] = []
    deadline = time.monotonic() + FUZZ_SECONDS
    tried = 0
    while time.monotonic() < deadline or tried < 3:
        sample = rng.choice(case.samples)
        mutant = mutate(sample.read_bytes(), rng)
        code, output, exception = run_mutant(case, sample, mutant, tmp_path / "case")
        tried += 1
        if code not in (0, 1, 2) or exception is not None or "internal error" in output \
                or "Traceback" in output:
            keep = tmp_path / f"failure-{len(failures)}-{sample.name}"
            keep.write_bytes(mutant)
            failures.append(f"{sample.name} mutant #{tried} (saved as {keep}): exit {code}, "
                            f"{type(exception).__name__ if exception else ''} {output.strip()[:300]}")
        if len(failures) >= 5:
            break
    assert not failures, f"seed {SEED}, kind {kind}, {tried} cases:\n" + "\n".join(failures)
