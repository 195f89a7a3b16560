"""The server around the checks: how `sodcheck serve` configures uvicorn and stops the checks on
SIGTERM, what each middleware layer does with scopes that are not HTTP requests and with failures
at awkward moments, the login routes without a token, the test server that cannot start, and what
the process checks are forked from imports (and does not) before the first check."""
from __future__ import annotations

import importlib
import json
import linecache
import logging
import re
import signal
import socket
import sys
import warnings
from collections.abc import Callable

import anyio
import pytest
import uvicorn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx vs httpx2 in TestClient
    from fastapi.testclient import TestClient

from sodcheck import ruleset
from sodcheck.model import SodcheckError
from sodcheck.web import app as web_app
from sodcheck.web.background import BackgroundServer
from sodcheck.web.common import msg
from sodcheck.web.isolation import Checks
from sodcheck.web.middleware import BodyLimit, Guard, SecurityHeaders, TokenAuth

from .test_web_api import client, sample_files

# ----------------------------------------------------------------------------- serve


@pytest.fixture
def served(monkeypatch):
    """serve() up to the point where uvicorn would run: the server it would run, and nothing started."""
    ran: list[uvicorn.Server] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: ran.append(self))
    monkeypatch.setattr(Checks, "start", lambda self: None)

    def serve(**options) -> uvicorn.Server:
        web_app.serve(**options)
        assert len(ran) == 1
        return ran.pop()

    return serve


def test_serve_runs_uvicorn_without_access_log_and_with_a_short_grace(served, capsys):
    server = served(host="127.0.0.1", port=8123, check_timeout=30, check_memory_mb=256, concurrent_checks=3)
    config = server.config
    assert (config.host, config.port) == ("127.0.0.1", 8123)
    assert config.access_log is False and config.server_header is False and config.proxy_headers is True
    assert config.timeout_graceful_shutdown == web_app.GRACE_SECONDS
    assert config.log_config == web_app.LOG_CONFIG
    assert web_app.LOG_CONFIG["loggers"]["uvicorn.access"]["handlers"] == []  # type: ignore[index]
    checks = config.app.state.checks
    assert (checks.limits.timeout, checks.limits.memory_mb, checks.limits.concurrent) == (30, 256, 3)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("host", "token", "warned"), [("0.0.0.0", None, True), ("0.0.0.0", "s3cret", False),
                                                       ("localhost", None, False), ("::1", None, False)])
def test_serve_warns_when_listening_beyond_this_machine_without_a_token(served, capsys, host, token, warned):
    served(host=host, token=token)
    err = capsys.readouterr().err
    assert ("without --token" in err) == warned


def test_the_exit_signal_stops_the_checks_and_then_the_server(served):
    server = served()
    checks = server.config.app.state.checks
    assert not checks.stopping and not server.should_exit
    server.handle_exit(signal.SIGTERM, None)
    assert checks.stopping and server.should_exit


# ----------------------------------------------------------------------------- the middleware layers

class Recorder:
    """An inner ASGI app that remembers what it was called with."""

    def __init__(self):
        self.calls: list[tuple] = []

    async def __call__(self, scope, receive, send):
        self.calls.append((scope, receive, send))


LAYERS: dict[str, Callable] = {
    "guard": Guard,
    "security headers": SecurityHeaders,
    "token": lambda app: TokenAuth(app, token="s3cret"),
    "body limit": lambda app: BodyLimit(app, limit=10, megabytes=0.00001),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_scopes_other_than_http_pass_every_layer_untouched(layer, kind):
    inner = Recorder()
    scope = {"type": kind, "path": "/api/check", "headers": [(b"content-length", b"999")]}

    async def receive():
        return {"type": f"{kind}.startup" if kind == "lifespan" else "websocket.connect"}

    async def send(message):
        raise AssertionError(f"the layer answered by itself: {message}")

    anyio.run(LAYERS[layer](inner), scope, receive, send)
    assert inner.calls == [(scope, receive, send)]


def test_the_app_runs_under_a_server_that_sends_lifespan_events():
    """uvicorn's default lifespan="auto" sends startup and shutdown through every layer."""
    with TestClient(web_app.create_app(token="s3cret")) as c:
        assert c.get("/healthz").json() == {"status": "ok"}


def asgi_call(app, scope: dict, body: bytes = b"") -> list[dict]:
    """One request through an ASGI app, its body in one message; the messages sent back."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    anyio.run(app, {"type": "http", "method": "POST", "path": "/api/check", "headers": [], **scope}, receive,
              send)
    return sent


def test_a_body_read_past_the_limit_by_an_app_that_does_not_parse_forms_is_a_413():
    async def reads_body(scope, receive, send):
        await receive()
        raise AssertionError("the body over the limit was handed on")

    sent = asgi_call(BodyLimit(reads_body, limit=10, megabytes=1), {"query_string": b"lang=en"}, b"x" * 11)
    assert sent[0]["status"] == 413 and (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {"error": msg("too_large", "en", mb="1")}
    assert len(sent) == 2


def test_a_body_over_the_limit_after_the_answer_began_does_not_start_a_second_answer():
    """A streaming answer that reads on: the answer already begun is all the client gets."""
    async def answers_then_reads(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()

    sent = asgi_call(BodyLimit(answers_then_reads, limit=10, megabytes=1), {}, b"x" * 11)
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert sent[0]["status"] == 200


def test_a_bug_in_a_route_is_a_bare_500_logged_by_type_and_place(monkeypatch, caplog):
    def broken_page(*args, **kwargs):
        raise RuntimeError("方晓燕 34170219860214026X")

    monkeypatch.setattr(web_app, "upload_page", broken_page)
    with caplog.at_level(logging.ERROR, logger="sodcheck.web"):
        response = client().get("/?lang=en")
    assert response.status_code == 500
    assert response.json() == {"error": msg("internal", "en")}
    assert "方晓燕" not in response.text and "RuntimeError" not in response.text
    assert response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"
    line = next(r.getMessage() for r in caplog.records if r.name == "sodcheck.web")
    place = re.fullmatch(r"internal error: RuntimeError at (web/app\.py):(\d+)", line)
    assert place, line
    assert "upload_page(" in linecache.getline(web_app.__file__, int(place.group(2)))
    assert "方晓燕" not in caplog.text


def test_a_bug_after_the_form_chose_english_is_answered_in_english(monkeypatch, caplog):
    """No ?lang= in the address: the language comes from the form, which the route has read."""
    c = client()

    async def broken_run(files, task):
        raise KeyError("annex2_sample.xlsx")

    monkeypatch.setattr(c.app.state.checks, "run", broken_run)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="sodcheck.web"):
        response = c.post("/api/check", files=sample_files(), data={"as_of": "2024-06-30", "lang": "en"})
    assert response.status_code == 500 and response.json() == {"error": msg("internal", "en")}
    assert "KeyError at web/app.py:" in caplog.text and "annex2_sample" not in caplog.text


def test_a_bug_after_the_answer_began_ends_it_without_a_second_answer(caplog):
    async def fails_midway(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ValueError("張三")

    with caplog.at_level(logging.ERROR, logger="sodcheck.web"):
        sent = asgi_call(Guard(fails_midway), {})
    assert [m["type"] for m in sent] == ["http.response.start"] and sent[0]["status"] == 200
    assert "ValueError at web/middleware.py:" in caplog.text and "張三" not in caplog.text


# ----------------------------------------------------------------------------- routes without a token

def test_login_without_a_token_configured_leads_to_the_page():
    c = client()
    form = c.get("/login?lang=en")
    assert form.status_code == 200 and 'action="/login"' in form.text
    answer = c.post("/login", data={"token": "anything"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "set-cookie" not in answer.headers


def test_a_report_download_that_cannot_run_is_a_json_message():
    response = client().post("/api/report?format=xlsx", data={"as_of": "2024-06-30", "lang": "en"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": msg("no_input", "en")}
    assert "content-disposition" not in response.headers


# ----------------------------------------------------------------------------- the test server

# uvicorn ends its thread with SystemExit when it cannot bind: what the server here reports.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_test_server_that_cannot_listen_says_so(caplog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = BackgroundServer(web_app.create_app(), port=port)
        with caplog.at_level(logging.CRITICAL, logger="uvicorn.error"), \
                pytest.raises(RuntimeError, match="did not start"), server:
            raise AssertionError("served on a port in use")


# ----------------------------------------------------------------------------- preload

def test_preload_imports_what_checks_need_and_not_the_server(monkeypatch):
    """With one import and the rule-file parse
    failing: warming is a head start only, so the rest is still imported and nothing is raised."""
    real_import = importlib.import_module
    imported: list[str] = []
    parsed: list[list] = []

    def recording_import(name, package=None):
        imported.append(name)
        if name in ("networkx", "sodcheck.report.html"):
            raise ImportError(f"no {name} here")
        return real_import(name, package)

    def failing_parse(paths):
        parsed.append(paths)
        raise SodcheckError("broken")

    monkeypatch.setattr(importlib, "import_module", recording_import)
    monkeypatch.setattr(ruleset, "load_ruleset", failing_parse)
    # Imported afresh, as the process checks are forked from imports it.
    monkeypatch.delitem(sys.modules, "sodcheck.web.preload", raising=False)
    preload = real_import("sodcheck.web.preload")

    lazy, not_for_checks = preload.LAZY, preload.NOT_FOR_CHECKS
    assert set(lazy) <= set(imported)
    ours = [name for name in imported if name.startswith("sodcheck.")]
    assert {"sodcheck.pipeline", "sodcheck.web.isolation", "sodcheck.report.xlsx", "sodcheck.report.html",
            "sodcheck.report.table", "sodcheck.sample.worksheet", "sodcheck.web.uploads"} <= set(ours)
    assert not [name for name in ours if name.startswith(not_for_checks)]
    assert {"sodcheck.cli", "sodcheck.__main__", "sodcheck.web.app", "sodcheck.web.background"} & set(ours) == set()
    assert parsed == [[]]
    # The validators the models would build on first use are built once, here.
    assert [model for model in preload.models() if not model.__pydantic_complete__] == []
