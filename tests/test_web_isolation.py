"""A check that runs away cannot take the upload page down: each check runs in a process of its own,
is stopped at its time and memory limits with a clear answer, its folder is removed however it
ends, other requests keep being answered meanwhile, and SIGTERM stops the server within seconds."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from sodcheck.web.app import create_app
from sodcheck.web.background import BackgroundServer, free_port
from sodcheck.web.uploads import save_uploads

from . import web_workloads
from .conftest import REPO, SAMPLE, SAMPLE_VIOLATIONS
from .test_web_api import check, client, found, sample_files
from .web_workloads import worker_processes_started  # noqa: F401

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="limits are Linux's")




def gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_check_over_the_time_limit_is_stopped(private_tmp, caplog):
    with caplog.at_level(logging.INFO):
        response = check(client(pipeline=web_workloads.spin, check_timeout=2), sample_files(), lang="en")
    assert response.status_code == 503
    assert response.json()["error"].startswith("the check took longer than its limit of 2 s and was stopped")
    zh = check(client(pipeline=web_workloads.spin, check_timeout=1), sample_files(), lang="zh")
    assert zh.json()["error"].startswith("检查超过了 1 秒的时间上限")
    assert list(private_tmp.iterdir()) == []
    assert "time limit" in caplog.text and "annex2_sample" not in caplog.text


@pytest.mark.parametrize("workload", [web_workloads.hog_slowly, web_workloads.hog_at_once,
                                      web_workloads.killed_from_outside])
def test_a_check_over_the_memory_limit_is_stopped(workload, private_tmp):
    """Growing past the limit (the server's watch), asking for far too much at once (the child's
    own address-space limit), or killed as by the kernel's out-of-memory killer: 413 each time."""
    response = check(client(pipeline=workload, check_memory_mb=300), sample_files(), lang="en")
    assert response.status_code == 413
    assert response.json()["error"].startswith("the check needed more memory than its limit of 300 MB")
    assert list(private_tmp.iterdir()) == []


def test_a_check_process_that_dies_is_a_generic_500(private_tmp, caplog):
    with caplog.at_level(logging.INFO):
        response = check(client(pipeline=web_workloads.crash), sample_files(), lang="en")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the check did not finish; tell the administrator"}
    assert "exit code -6" in caplog.text
    assert list(private_tmp.iterdir()) == []


def test_a_hostile_check_does_not_hold_up_the_others(private_tmp):
    """A check that spins (holding its interpreter, as a runaway pattern would) and a normal check of
    the sample at the same time: the normal one answers in about its usual time and /healthz at
    once, while the hostile one is still running; the hostile one then gets its 503. Ordering, not
    tight timings: the bounds are generous for a busy machine."""
    app = create_app(pipeline=web_workloads.spin_if_hostile, check_timeout=20)
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        def normal_check() -> tuple[float, httpx.Response]:
            started = time.perf_counter()
            answer = http.post("/api/check", files=sample_files(), data={"as_of": "2024-06-30"})
            return time.perf_counter() - started, answer

        usual, answer = normal_check()
        assert answer.status_code == 200
        hostile: dict[str, httpx.Response] = {}

        def upload_hostile() -> None:
            with httpx.Client(base_url=url, timeout=60) as own:
                hostile["answer"] = own.post("/api/check?lang=en", files=sample_files("hostile.xlsx"),
                                             data={"as_of": "2024-06-30"})

        worker = threading.Thread(target=upload_hostile)
        worker.start()
        try:
            pid = web_workloads.started(private_tmp)
            assert http.get("/healthz").json() == {"status": "ok"}
            took, answer = normal_check()
            assert answer.status_code == 200 and found(answer.json()) == SAMPLE_VIOLATIONS
            assert http.get("/").status_code == 200
            still_running = "answer" not in hostile
        finally:
            worker.join(timeout=60)
    assert still_running, "the hostile check ended before the others were answered"
    assert took < 5 * usual + 5
    assert hostile["answer"].status_code == 503
    assert "longer than its limit of 20 s" in hostile["answer"].json()["error"]
    assert gone(pid)
    assert list(private_tmp.iterdir()) == []


def wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        assert time.monotonic() < deadline and server.poll() is None, log.read_text()
        time.sleep(0.1)


def test_sigterm_stops_the_server_while_a_check_runs(tmp_path):
    """`sodcheck serve` as systemd runs it, with a check spinning: SIGTERM kills the check's process,
    answers its request, removes its folder and ends the server within seconds. The check is made
    to spin by a sitecustomize module, which every Python process of the server imports."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import sodcheck.pipeline\nfrom tests.web_workloads import spin\nsodcheck.pipeline.run = spin\n")
    # Short: the process checks are forked from listens on a unix socket under it (108 bytes at most).
    temp_root = Path(tempfile.mkdtemp(prefix="sc-", dir="/tmp"))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(REPO)]), "TMPDIR": str(temp_root)}
    log = tmp_path / "server.log"
    answer: dict[str, object] = {}
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "sodcheck", "serve", "--port", str(port),
                                   "--check-timeout", "300"], stdout=output, stderr=output, env=env,
                                  cwd=tmp_path)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server, log)

            def upload() -> None:
                try:
                    answer["response"] = httpx.post(base + "/api/check?lang=en", files=sample_files(),
                                                    data={"as_of": "2024-06-30"}, timeout=60)
                except httpx.HTTPError as exc:
                    answer["response"] = exc

            worker = threading.Thread(target=upload)
            worker.start()
            pid = web_workloads.started(temp_root)
            asked = time.monotonic()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
            stopped_after = time.monotonic() - asked
            worker.join(timeout=20)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            left = list(temp_root.glob("sodcheck-*"))
            shutil.rmtree(temp_root, ignore_errors=True)
    assert stopped_after < 8, log.read_text()
    assert gone(pid)
    response = answer["response"]
    # Answered before the server went, or the connection closed: never left hanging.
    if isinstance(response, httpx.Response):
        assert response.status_code == 503 and "stopping" in response.json()["error"]
    assert not left
    assert SAMPLE.name not in log.read_text()


class Upload:
    """What the form parser hands over: a name and a file object."""

    def __init__(self, filename: str, data: bytes):
        self.filename, self.file, self.size = filename, io.BytesIO(data), len(data)


def test_uploads_are_saved_under_safe_unique_names_inside_the_folder(tmp_path):
    folder = tmp_path / "check"
    folder.mkdir()
    long_name = "很长的名字" * 40 + ".xlsx"
    names = save_uploads({"staff": [Upload("../../a.xlsx", b"1"), Upload("a.xlsx", b"2"), Upload("A.xlsx", b"3"),
                                    Upload(long_name, b"4"), Upload("...", b"5"), Upload("\u202e\x00.csv", b"6")],
                          "rules": [Upload("C:\\office\\a.xlsx", b"7")]}, folder)
    assert names["staff"][:3] == ["a.xlsx", "a (2).xlsx", "A.xlsx"]
    assert names["rules"] == ["a (3).xlsx"]
    kept = names["staff"][3]
    assert kept.endswith(".xlsx") and kept.startswith("很长的名字") and len(kept.encode()) <= 200
    assert names["staff"][4:] == ["upload-5", "upload-6.csv"]
    saved = sorted(p.name for p in folder.iterdir())
    assert saved == sorted(names["staff"] + names["rules"])
    assert (folder / "a (2).xlsx").read_bytes() == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check"]
