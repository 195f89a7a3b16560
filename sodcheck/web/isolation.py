"""Every check, and every monthly sample, runs in a process of its own, with a wall-clock and a
memory limit (a sample runs the same check over the operation logs, then draws from them).

An upload can make a check run away: a pattern that takes exponential time holds the interpreter,
a workbook that unpacks into millions of cells takes gigabytes. Run in a thread of the server, such
a check would stop every other request, the health check included. Here each check is a child
process, forked from a warm process that has already imported the check's modules (see
``preload``), so it starts in milliseconds:

- the server owns the check's temporary folder, saves the uploads into it under their display
  names, and removes it in ``finally`` whatever became of the child (answer, timeout, kill, crash);
- the child changes into that folder and gives the pipeline relative names, so every message and
  report names the files as the officer uploaded them;
- the server waits for the answer, the deadline and the child's resident memory at once, and kills
  the child at either limit; the child also limits its own address space (a sudden huge allocation
  fails there with MemoryError) and offers itself first to the kernel's out-of-memory killer;
- a bad input is a SodcheckError in the child, rendered in the request's language: 422; anything
  else is a bug, logged by type and place in the code only: 500.
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import anyio
from fastapi import UploadFile

from ..model import Report, SodcheckError
from ..pipeline import CheckRequest, run
from ..report import RenderOptions, render
from ..report.json_doc import document
from ..report.table import assessment_items
from ..report.text import evidence_line
from ..sample import draw_sample, render_sample
from .common import code_location, log, msg
from .uploads import FIELD_TYPES, check_content, save_uploads

# How often the server looks at a running check's memory and at the clock.
POLL_SECONDS = 0.05
# The child's own address-space limit is a backstop above the resident limit the server watches:
# threads and allocators reserve address space they never touch.
ADDRESS_SPACE_FACTOR = 4
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    """What one check may take. The defaults fit docs/deployment.md: two checks at once at 768 MB
    each, with the server itself, stay under systemd's MemoryMax=2G."""

    timeout: float = 120.0
    memory_mb: int = 768
    concurrent: int = 2


@dataclass(frozen=True)
class Summary:
    """What the server logs about a finished check (counts only) and names the download after."""

    violations: int
    notices: int
    people: object
    as_of: date

    def counts(self) -> str:
        return f"{self.violations} violations, {self.notices} notices, {self.people} people"

    def download_name(self, ext: str) -> str:
        return f"sodcheck-{self.as_of.isoformat()}.{ext}"


@dataclass(frozen=True)
class SampleSummary:
    """What the server logs about a drawn sample (counts only) and names the worksheet after."""

    month: str
    seed: int
    population: int
    drawn: int

    def counts(self) -> str:
        return f"sample of {self.month}: {self.drawn} of {self.population} businesses"

    def download_name(self, ext: str) -> str:
        return f"sodcheck-sample-{self.month}-seed-{self.seed}.{ext}"


@dataclass(frozen=True)
class SampleChoice:
    """A monthly sample instead of a check: the month drawn, and the seed (None: the month's own)."""

    month: str
    seed: int | None = None


@dataclass(frozen=True)
class Task:
    """What a request asks its worker to do with the uploads."""

    as_of: date
    lang: str
    fmt: str | None = None      # a report file in this format instead of the JSON document
    extras: bool = False        # the page's evidence lines and assessment items beside the JSON
    sample: SampleChoice | None = None


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict | None = None
    data: bytes | None = None
    summary: Summary | SampleSummary | None = None
    # For a bug in the child: the exception's type and place in sodcheck's code, for the log.
    bug: str | None = None


@dataclass(frozen=True)
class Job:
    """Everything the child needs, sent to it once: relative file names by field, in its folder."""

    folder: str
    inputs: dict[str, list[str]]
    office_rules: tuple[str, ...]
    task: Task
    pipeline: Callable[[CheckRequest], Report]
    limits: Limits = field(default_factory=Limits)

    @property
    def lang(self) -> str:
        return self.task.lang


# ----------------------------------------------------------------------------- in the child

def page_extras(report: Report, lang: str) -> dict:
    """What the page shows beyond the JSON contract, worded by the CLI's own functions."""
    return {
        "evidence": {
            "violations": [[evidence_line(e, report, lang) for e in v.evidence] for v in report.violations],
            "notices": [[evidence_line(e, report, lang) for e in v.evidence] for v in report.notices],
        },
        "assessment": assessment_items(report, lang),
    }


def confine(limits: Limits) -> None:
    """Limits the child sets on itself: they hold even if the server is gone."""
    try:
        with open("/proc/self/statm") as statm:
            address_space = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the server's watch on resident memory still applies
        address_space = None
    if address_space is not None:
        ceiling = address_space + ADDRESS_SPACE_FACTOR * limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    # CPU seconds across all threads, so generous; the server enforces the wall-clock limit.
    cpu = int(limits.timeout * (os.cpu_count() or 1)) + 30
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    # The kernel's out-of-memory killer takes this process before the server.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as score:
        score.write("1000")
    if sys.platform == "linux":
        # Killed when the process it was forked from ends, which it does when the server ends.
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def execute(job: Job) -> Outcome:
    for field_name, names in job.inputs.items():
        for name in names:
            check_content(Path(name), FIELD_TYPES[field_name])
    task = job.task
    request = CheckRequest(staff=job.inputs["staff"], perms=job.inputs["perms"], roles=job.inputs["roles"],
                           rules=[*job.office_rules, *job.inputs["rules"]], ops=job.inputs.get("ops", []),
                           as_of=task.as_of)
    if task.sample is not None:
        return sample_outcome(request, task.sample, task.lang)
    report = job.pipeline(request)
    summary = Summary(len(report.violations), len(report.notices), report.stat("people", "-"), report.as_of)
    if task.fmt is None:
        body = document(report, task.lang, show_ids=False)
        if task.extras:
            body["extras"] = page_extras(report, task.lang)
        return Outcome(200, body, summary=summary)
    data = render(task.fmt, report, RenderOptions(lang=task.lang))
    return Outcome(200, data=as_bytes(data), summary=summary)


def sample_outcome(request: CheckRequest, choice: SampleChoice, lang: str) -> Outcome:
    """The checker's xlsx worksheet, drawn exactly as `sodcheck sample --format xlsx` draws it."""
    drawn = draw_sample(request, choice.month, choice.seed)
    summary = SampleSummary(drawn.month, drawn.seed, sum(s.population for s in drawn.strata),
                            len(drawn.businesses))
    return Outcome(200, data=as_bytes(render_sample("xlsx", drawn, lang)), summary=summary)


def as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def child_main(job: Job, answer: Connection) -> None:
    """The child process: confine, move into the check's folder, check, send one Outcome."""
    try:
        confine(job.limits)
        os.chdir(job.folder)
        outcome = execute(job)
    except SodcheckError as exc:
        outcome = Outcome(422, {"error": exc.render(job.lang)})
    except MemoryError:
        outcome = Outcome(413, {"error": msg("too_much_memory", job.lang, mb=job.limits.memory_mb)})
    except BaseException as exc:  # a bug, a reader's panic: reported as such, never with its message
        outcome = Outcome(500, {"error": msg("internal", job.lang)},
                          bug=f"{type(exc).__name__} at {code_location(exc)}")
    answer.send(outcome)
    answer.close()


# ----------------------------------------------------------------------------- in the server

def resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):  # gone, or not Linux
        return 0


class Checks:
    """Runs checks in child processes, at most ``limits.concurrent`` at a time; ``stop`` kills them
    all (the server is shutting down)."""

    def __init__(self, limits: Limits, office_rules: list[str],
                 pipeline: Callable[[CheckRequest], Report] = run):
        self.limits = limits
        # The child works in the check's folder: the office's rule files must not be relative.
        self.office_rules = tuple(str(Path(p).resolve()) for p in office_rules)
        self.pipeline = pipeline
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["sodcheck.web.preload"])
        self.running: set[BaseProcess] = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.slots: anyio.CapacityLimiter | None = None

    def start(self) -> None:
        """Start the process checks are forked from now, so the first check does not wait for it."""
        from multiprocessing import forkserver

        forkserver.ensure_running()

    def stop(self) -> None:
        """Kill every running check; checks waiting or arriving later are answered 503. Safe to call
        from a signal handler: it only sets a flag and sends signals."""
        self.stopping = True
        for process in list(self.running):
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)

    async def run(self, by_field: dict[str, list[UploadFile]], task: Task) -> Outcome:
        lang = task.lang
        if self.slots is None:  # made inside the running event loop
            self.slots = anyio.CapacityLimiter(self.limits.concurrent)
        if self.stopping:
            return Outcome(503, {"error": msg("stopping", lang)})
        try:
            with anyio.fail_after(self.limits.timeout):
                await self.slots.acquire()
        except TimeoutError:
            return Outcome(503, {"error": msg("busy", lang)})
        try:
            return await anyio.to_thread.run_sync(self.in_own_folder, by_field, task)
        finally:
            self.slots.release()

    def in_own_folder(self, by_field: dict[str, list[UploadFile]], task: Task) -> Outcome:
        folder = tempfile.mkdtemp(prefix="sodcheck-")
        try:
            inputs = save_uploads(by_field, Path(folder))
            job = Job(folder, inputs, self.office_rules, task, self.pipeline, self.limits)
            return self.supervise(job)
        finally:
            # The child is dead by now (supervise waits for it), so nothing can write here any more.
            shutil.rmtree(folder, ignore_errors=True)

    def supervise(self, job: Job) -> Outcome:
        receiver, sender = self.context.Pipe(duplex=False)
        process = self.context.Process(target=child_main, args=(job, sender), name="sodcheck-check", daemon=True)
        try:
            with self.lock:
                if self.stopping:
                    return Outcome(503, {"error": msg("stopping", job.lang)})
                process.start()
                self.running.add(process)
            sender.close()
            return self.wait(process, receiver, job)
        finally:
            if process.is_alive():
                process.kill()
            if process.pid is not None:
                process.join()
            with self.lock:
                self.running.discard(process)
            sender.close()
            receiver.close()

    def wait(self, process: BaseProcess, receiver: Connection, job: Job) -> Outcome:
        deadline = time.monotonic() + self.limits.timeout
        limit = self.limits.memory_mb * 1024 * 1024
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                process.kill()
                log.warning("check stopped at the time limit of %g s", self.limits.timeout)
                return Outcome(503, {"error": msg("too_slow", job.lang, seconds=f"{self.limits.timeout:g}")})
            if multiprocessing.connection.wait([receiver, process.sentinel], min(POLL_SECONDS, left)):
                try:
                    outcome = receiver.recv()
                except (EOFError, OSError):
                    return self.died(process, job)
                if outcome.bug:
                    log.error("internal error in a check: %s", outcome.bug)
                return outcome
            if self.stopping:
                return Outcome(503, {"error": msg("stopping", job.lang)})
            if process.pid is not None and resident_bytes(process.pid) > limit:
                process.kill()
                log.warning("check stopped at the memory limit of %d MB", self.limits.memory_mb)
                return Outcome(413, {"error": msg("too_much_memory", job.lang, mb=self.limits.memory_mb)})

    def died(self, process: BaseProcess, job: Job) -> Outcome:
        """The child ended without an answer, and not because the server killed it."""
        process.join()
        if self.stopping:
            return Outcome(503, {"error": msg("stopping", job.lang)})
        if process.exitcode == -signal.SIGKILL:
            # Nobody here sent it: the kernel's out-of-memory killer, which prefers the checks.
            log.warning("check killed by SIGKILL from outside (out of memory?)")
            return Outcome(413, {"error": msg("too_much_memory", job.lang, mb=self.limits.memory_mb)})
        log.error("internal error: a check's process ended with exit code %s", process.exitcode)
        return Outcome(500, {"error": msg("internal", job.lang)})
