"""What a check's worker process does, run here in the test process so that each step can be watched:
the JSON document with the page's extras, a report file, a monthly sample and a refused upload
(``execute``); the one answer it sends for a bad input, a memory failure and a bug (``child_main``);
the limits it sets on itself (``confine``); and how the server's ``Checks`` stop running checks,
refuse new ones while stopping and answer 503 when every slot stays busy. (The same code run in real
child processes, at its limits: test_web_isolation.py.)"""
from __future__ import annotations

import io
import linecache
import multiprocessing
import os
import re
import resource
import shutil
import signal
import threading
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import anyio
import openpyxl
import pytest

from sodcheck.model import SodcheckError, Text
from sodcheck.pipeline import CheckRequest, run
from sodcheck.report.json_doc import document
from sodcheck.report.table import assessment_items
from sodcheck.report.text import evidence_line
from sodcheck.sample import draw_sample, render_sample
from sodcheck.web import isolation
from sodcheck.web.common import msg
from sodcheck.web.isolation import Checks, Job, Limits, Outcome, SampleChoice, SampleSummary, Summary, Task

from . import web_workloads
from .conftest import REPO, SAMPLE, SAMPLE_VIOLATIONS
from .test_web_isolation import Upload, gone
from .test_web_ops import cells
from .web_workloads import worker_processes_started  # noqa: F401

OPS = REPO / "sample_data" / "ops_sample.csv"
AS_OF = date(2024, 6, 30)
NO_UPLOADS: dict[str, list] = {"staff": [], "perms": [], "roles": [], "rules": [], "ops": []}


def job_in(folder: Path, task: Task, pipeline=run, limits: Limits | None = None, **uploads: Path) -> Job:
    """A job over copies of the given files in ``folder``, named as uploaded (relative), as the server
    hands them to its worker."""
    folder.mkdir(exist_ok=True)
    inputs: dict[str, list[str]] = {name: [] for name in NO_UPLOADS}
    for field_name, source in uploads.items():
        shutil.copyfile(source, folder / source.name)
        inputs[field_name].append(source.name)
    return Job(str(folder), inputs, (), task, pipeline, limits or Limits())


def found(doc: dict) -> set[tuple[str, str]]:
    return {(v["rule_id"], v["subject"]["name"]) for v in doc["violations"]}


# ----------------------------------------------------------------------------- execute

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_document_with_extras_is_the_cli_wording_for_the_uploaded_names(tmp_path, monkeypatch, lang):
    job = job_in(tmp_path, Task(AS_OF, lang, extras=True), staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    outcome = isolation.execute(job)
    assert outcome.status == 200 and outcome.data is None and outcome.bug is None
    assert outcome.body is not None
    assert found(outcome.body) == SAMPLE_VIOLATIONS
    assert outcome.body["summary"]["inputs"] == ["annex2_sample.xlsx"]

    report = run(CheckRequest(staff=["annex2_sample.xlsx"], as_of=AS_OF))
    assert outcome.body == {**document(report, lang, show_ids=False), "extras": outcome.body["extras"]}
    evidence = outcome.body["extras"]["evidence"]
    assert evidence["violations"] == [[evidence_line(e, report, lang) for e in v.evidence]
                                      for v in report.violations]
    assert evidence["notices"] == [[evidence_line(e, report, lang) for e in v.evidence] for v in report.notices]
    cash = next(i for i, v in enumerate(outcome.body["violations"]) if v["subject"]["name"] == "郑佳")
    assert any("annex2_sample.xlsx" in line and ("第34行" in line or "row 34" in line)
               for line in evidence["violations"][cash])
    assert outcome.body["extras"]["assessment"] == assessment_items(report, lang)
    assert outcome.body["extras"]["assessment"]

    assert outcome.summary == Summary(len(SAMPLE_VIOLATIONS), len(report.notices), report.stat("people", "-"),
                                      AS_OF)
    assert outcome.summary.download_name("json") == "sodcheck-2024-06-30.json"
    assert outcome.summary.counts().startswith(f"{len(SAMPLE_VIOLATIONS)} violations, ")


def test_without_extras_the_document_is_the_json_contract_alone(tmp_path, monkeypatch):
    job = job_in(tmp_path, Task(AS_OF, "en"), staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    body = isolation.execute(job).body
    assert body is not None and "extras" not in body and found(body) == SAMPLE_VIOLATIONS


def test_a_report_format_gives_the_file_itself(tmp_path, monkeypatch):
    job = job_in(tmp_path, Task(AS_OF, "zh", fmt="xlsx"), staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    outcome = isolation.execute(job)
    assert outcome.status == 200 and outcome.body is None and outcome.data is not None
    workbook = openpyxl.load_workbook(io.BytesIO(outcome.data))
    assert any(name.startswith("标注-") for name in workbook.sheetnames)
    texts = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("annex2_sample.xlsx" in text for text in texts)
    assert not any(str(tmp_path) in text for text in texts)
    assert isinstance(outcome.summary, Summary) and outcome.summary.download_name("xlsx") == "sodcheck-2024-06-30.xlsx"


def test_a_text_report_format_is_sent_as_utf8_bytes(tmp_path, monkeypatch):
    job = job_in(tmp_path, Task(AS_OF, "zh", fmt="html"), staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    data = isolation.execute(job).data
    assert data is not None
    page = data.decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "郑佳" in page


def test_a_monthly_sample_is_the_cli_worksheet(tmp_path, monkeypatch):
    job = job_in(tmp_path, Task(AS_OF, "en", sample=SampleChoice("2024-03", 7)), ops=OPS, staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    outcome = isolation.execute(job)
    assert outcome.status == 200 and outcome.data is not None
    drawn = draw_sample(CheckRequest(staff=["annex2_sample.xlsx"], ops=["ops_sample.csv"], as_of=AS_OF), "2024-03", 7)
    expected = render_sample("xlsx", drawn, "en")
    assert isinstance(expected, bytes)
    assert cells(outcome.data) == cells(expected)
    summary = outcome.summary
    assert isinstance(summary, SampleSummary)
    assert (summary.month, summary.seed, summary.drawn) == ("2024-03", 7, len(drawn.businesses))
    assert summary.population >= summary.drawn > 0
    assert summary.download_name("xlsx") == "sodcheck-sample-2024-03-seed-7.xlsx"
    assert summary.counts() == f"sample of 2024-03: {summary.drawn} of {summary.population} businesses"


def test_an_upload_that_is_not_what_its_field_takes_is_refused_by_its_uploaded_name(tmp_path, monkeypatch):
    folder = tmp_path / "check"
    folder.mkdir()
    (folder / "附件2.xlsx").write_bytes("姓名,岗位\n张三,会计\n".encode())
    job = Job(str(folder), {**NO_UPLOADS, "staff": ["附件2.xlsx"]}, (), Task(AS_OF, "en"), run)
    monkeypatch.chdir(folder)
    with pytest.raises(SodcheckError) as caught:
        isolation.execute(job)
    assert caught.value.file == "附件2.xlsx"
    assert "Excel" in caught.value.render("en")


# ----------------------------------------------------------------------------- child_main

def outcome_of(job: Job, monkeypatch) -> Outcome:
    """What child_main sends, without the limits it would set on this process; exactly one answer."""
    confined: list[Limits] = []
    monkeypatch.setattr(isolation, "confine", confined.append)
    monkeypatch.chdir(job.folder)  # child_main changes into the folder; this puts the test's back after
    receiver, sender = multiprocessing.Pipe(duplex=False)
    isolation.child_main(job, sender)
    outcome = receiver.recv()
    with pytest.raises(EOFError):
        receiver.recv()
    receiver.close()
    assert confined == [job.limits]
    return outcome


def test_the_child_works_in_the_checks_folder_by_uploaded_names(tmp_path, monkeypatch):
    job = job_in(tmp_path / "check", Task(AS_OF, "en"), pipeline=web_workloads.where_am_i, staff=SAMPLE)
    monkeypatch.chdir(tmp_path)
    outcome = outcome_of(job, monkeypatch)
    assert outcome.status == 422 and outcome.body is not None
    assert outcome.body["error"] == (f"cwd={tmp_path / 'check'} staff=['annex2_sample.xlsx'] "
                                     "listing=['annex2_sample.xlsx']")


def missing_post_column(request: CheckRequest):
    raise SodcheckError(Text("缺少“岗位”列", "the 岗位 column is missing"), file=request.staff[0], sheet="人员",
                        row=3)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_input_is_a_422_in_the_jobs_language(tmp_path, monkeypatch, lang):
    job = job_in(tmp_path / "check", Task(AS_OF, lang), pipeline=missing_post_column, staff=SAMPLE)
    outcome = outcome_of(job, monkeypatch)
    expected = SodcheckError(Text("缺少“岗位”列", "the 岗位 column is missing"), file="annex2_sample.xlsx",
                             sheet="人员", row=3).render(lang)
    assert outcome == Outcome(422, {"error": expected})
    assert "annex2_sample.xlsx" in expected and ("缺少" in expected) == (lang == "zh")


def out_of_memory(request: CheckRequest):
    raise MemoryError


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_memory_failure_is_a_413_naming_the_limit(tmp_path, monkeypatch, lang):
    job = job_in(tmp_path / "check", Task(AS_OF, lang), pipeline=out_of_memory, limits=Limits(memory_mb=300),
                 staff=SAMPLE)
    outcome = outcome_of(job, monkeypatch)
    assert outcome == Outcome(413, {"error": msg("too_much_memory", lang, mb=300)})
    assert "300 MB" in outcome.body["error"]  # type: ignore[index]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bug_is_a_500_that_names_only_its_type_and_place(tmp_path, monkeypatch, lang):
    job = job_in(tmp_path / "check", Task(AS_OF, lang), pipeline=web_workloads.bug, staff=SAMPLE)
    outcome = outcome_of(job, monkeypatch)
    assert outcome.status == 500 and outcome.body == {"error": msg("internal", lang)}
    assert "方晓燕" not in repr(outcome) and "34170219860214026X" not in repr(outcome)
    assert outcome.bug is not None
    place = re.fullmatch(r"RuntimeError at web/isolation\.py:(\d+)", outcome.bug)
    assert place, outcome.bug
    # The last line of sodcheck's own code the exception passed: where the pipeline is called.
    assert "job.pipeline(request)" in linecache.getline(isolation.__file__, int(place.group(1)))


def test_an_exit_inside_the_check_is_answered_as_a_bug(tmp_path, monkeypatch):
    def exits(request: CheckRequest):
        raise SystemExit(3)

    job = job_in(tmp_path / "check", Task(AS_OF, "en"), pipeline=exits, staff=SAMPLE)
    outcome = outcome_of(job, monkeypatch)
    assert outcome.status == 500 and outcome.bug is not None and outcome.bug.startswith("SystemExit at web/")


# ----------------------------------------------------------------------------- confine

class Recorded(io.StringIO):
    """A file opened for writing whose content stays readable after it is closed."""

    def __init__(self, written: dict[str, str], path: str):
        super().__init__()
        self.written, self.path = written, path

    def close(self) -> None:
        self.written[self.path] = self.getvalue()
        super().close()


def fake_system(monkeypatch, proc: bool, platform: str = "linux") -> SimpleNamespace:
    """resource, ctypes, /proc and the platform as confine sees them, recording what it asks for."""
    seen = SimpleNamespace(limits={}, written={}, prctl=[])

    def fake_open(path, mode="r"):
        if not proc:
            raise FileNotFoundError(path)
        if "w" in mode:
            return Recorded(seen.written, path)
        assert path == "/proc/self/statm"
        return io.StringIO("25000 6000 1500 700 0 9000 0\n")

    class Libc:
        def prctl(self, option, value):
            seen.prctl.append((option, value))

    monkeypatch.setattr(isolation, "open", fake_open, raising=False)
    monkeypatch.setattr(isolation.resource, "setrlimit", lambda which, pair: seen.limits.__setitem__(which, pair))
    monkeypatch.setattr(isolation.ctypes, "CDLL", lambda name: Libc())
    monkeypatch.setattr(isolation.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(isolation, "sys", SimpleNamespace(platform=platform))
    return seen


def test_the_child_limits_its_address_space_cpu_and_oom_score_and_dies_with_its_parent(monkeypatch):
    seen = fake_system(monkeypatch, proc=True)
    isolation.confine(Limits(timeout=60, memory_mb=100))
    ceiling = 25000 * os.sysconf("SC_PAGE_SIZE") + 4 * 100 * 1024 * 1024
    assert seen.limits == {resource.RLIMIT_AS: (ceiling, ceiling), resource.RLIMIT_CPU: (150, 155)}
    assert seen.written == {"/proc/self/oom_score_adj": "1000"}
    assert seen.prctl == [(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)]


def test_without_proc_only_the_cpu_limit_is_set(monkeypatch):
    """Not Linux: no /proc to size the address space or offer the process to the OOM killer, no prctl;
    the server's own watch on memory and time still applies."""
    seen = fake_system(monkeypatch, proc=False, platform="darwin")
    isolation.confine(Limits(timeout=10, memory_mb=100))
    assert seen.limits == {resource.RLIMIT_CPU: (50, 55)}
    assert seen.written == {} and seen.prctl == []


# ----------------------------------------------------------------------------- the server's Checks

def sample_uploads() -> dict:
    return {**NO_UPLOADS, "staff": [Upload("annex2_sample.xlsx", SAMPLE.read_bytes())]}


def in_background(checks: Checks, task: Task) -> tuple[threading.Thread, dict[str, Outcome]]:
    answer: dict[str, Outcome] = {}
    thread = threading.Thread(target=lambda: answer.setdefault("outcome", checks.in_own_folder(sample_uploads(),
                                                                                                task)))
    thread.start()
    return thread, answer


def test_stop_kills_a_running_check_and_refuses_the_next(private_tmp):
    checks = Checks(Limits(timeout=60), [], pipeline=web_workloads.spin)
    thread, answer = in_background(checks, Task(AS_OF, "en"))
    pid = web_workloads.started(private_tmp)
    assert [process.pid for process in checks.running] == [pid]
    asked = time.monotonic()
    checks.stop()
    thread.join(timeout=20)
    assert time.monotonic() - asked < 5
    assert answer["outcome"] == Outcome(503, {"error": msg("stopping", "en")})
    assert gone(pid)
    assert checks.running == set() and list(private_tmp.iterdir()) == []

    later = anyio.run(checks.run, sample_uploads(), Task(AS_OF, "zh"))
    assert later == Outcome(503, {"error": msg("stopping", "zh")})
    assert list(private_tmp.iterdir()) == []


def test_a_check_that_started_while_stop_ran_is_answered_and_killed(private_tmp):
    """stop() kills the processes it sees; one started just after it looked is seen stopping by its
    own wait, answered 503 within a poll, and killed on the way out."""
    checks = Checks(Limits(timeout=60), [], pipeline=web_workloads.spin)
    thread, answer = in_background(checks, Task(AS_OF, "zh"))
    pid = web_workloads.started(private_tmp)
    checks.stopping = True  # as stop() leaves it, with this process not among those it killed
    thread.join(timeout=20)
    assert answer["outcome"] == Outcome(503, {"error": msg("stopping", "zh")})
    assert gone(pid)
    assert checks.running == set() and list(private_tmp.iterdir()) == []


def test_a_check_given_its_slot_after_stop_began_starts_no_process(private_tmp, monkeypatch):
    checks = Checks(Limits(), [], pipeline=web_workloads.spin)
    checks.stop()
    started: list[object] = []
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", lambda self: started.append(self))
    outcome = checks.in_own_folder(sample_uploads(), Task(AS_OF, "en"))
    assert outcome == Outcome(503, {"error": msg("stopping", "en")})
    assert started == [] and checks.running == set() and list(private_tmp.iterdir()) == []


def test_when_every_slot_stays_taken_past_the_timeout_the_answer_is_busy(private_tmp):
    checks = Checks(Limits(timeout=0.3, concurrent=1), [], pipeline=web_workloads.spin)

    async def while_another_check_runs() -> tuple[Outcome, float]:
        checks.slots = anyio.CapacityLimiter(1)
        await checks.slots.acquire_on_behalf_of("the check already running")
        started = time.monotonic()
        outcome = await checks.run(sample_uploads(), Task(AS_OF, "en"))
        return outcome, time.monotonic() - started

    outcome, waited = anyio.run(while_another_check_runs)
    assert outcome == Outcome(503, {"error": msg("busy", "en")})
    assert 0.3 <= waited < 5
    assert list(private_tmp.iterdir()) == []


def test_resident_memory_of_a_process_and_of_one_that_is_gone():
    assert isolation.resident_bytes(os.getpid()) > 1024 * 1024
    beyond_any_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    assert isolation.resident_bytes(beyond_any_pid) == 0
