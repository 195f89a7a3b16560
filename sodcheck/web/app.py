"""The upload page and its JSON API: officers check an Annex 2 sheet from a browser.

The server keeps nothing. Each check gets its own temporary folder and its own process (see
``isolation``): the uploads are saved there, checked by the same pipeline as the CLI, and the folder
is removed when the check ends, however it ends. Downloads post the files again, so no result ever
waits on the server for a later request. Logs carry counts and timings only: the sheets hold names
and id numbers.
"""
# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations, and
# those of routes defined inside create_app resolve only when evaluated eagerly.

import hmac
import re
import sys
import time
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..model import Report
from ..pipeline import CheckRequest, run
from ..ruleset import load_ruleset
from ..sample.draw import MONTH, previous_month
from ..template import render_template
from .common import MAX_FILES, lang_of, log, msg
from .isolation import Checks, Limits, Outcome, SampleChoice, Task
from .middleware import COOKIE, BodyLimit, Guard, SecurityHeaders, TokenAuth, session_value
from .pages import login_page, upload_page

# Multipart boundaries and the small form fields ride on top of the files themselves.
FORM_OVERHEAD = 256 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The formats a download can take; each is registered in sodcheck.report.FORMATS.
DownloadFormat = Literal["xlsx", "html", "json"]
DOWNLOADS: dict[str, tuple[str, str]] = {
    "xlsx": (XLSX_TYPE, "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
}


class ErrorBody(BaseModel):
    error: str


class RuleItem(BaseModel):
    id: str
    kind: str
    severity: Literal["high", "medium", "low"]
    title: str
    source: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "the request is not a well-formed upload"},
    401: {"model": ErrorBody, "description": "the access token is missing or wrong"},
    413: {"model": ErrorBody, "description": "the upload is over the size limit, or its check needed more "
                                             "memory than --check-memory-mb"},
    422: {"model": ErrorBody, "description": "a file or field is not usable; the message says why"},
    500: {"model": ErrorBody, "description": "a bug; no details are given"},
    503: {"model": ErrorBody, "description": "the check ran longer than --check-timeout, or the server is "
                                             "busy or stopping"},
}

FileList = Annotated[list[UploadFile] | None, File()]
OpsList = Annotated[list[UploadFile] | None, File(description="operation logs (经办日志): csv, xlsx, xls or parquet")]
# The fields every check and sample takes, in the order the page sends them.
INPUT_FIELDS = ("staff", "perms", "roles", "rules", "ops")
SEED = r"\d{1,18}"


def check_inputs(files: dict[str, list[UploadFile]], task: Task) -> str | None:
    """The message key of what is missing from the uploads for this task, if anything."""
    if sum(len(uploads) for uploads in files.values()) > MAX_FILES:
        return "too_many"
    if task.sample is not None:
        return None if files["ops"] else "no_ops"
    return None if files["staff"] or files["perms"] or files["roles"] or files["ops"] else "no_input"


def sample_choice(month: str | None, seed: str | None, day: date) -> SampleChoice | str:
    """The month and seed as typed on the form, or the message key of what is wrong with them."""
    month = (month or "").strip() or previous_month(day)
    match = MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return "bad_month"
    seed = (seed or "").strip()
    if seed and not re.fullmatch(SEED, seed):
        return "bad_seed"
    return SampleChoice(month, int(seed) if seed else None)


def attachment(outcome: Outcome, media: str, ext: str) -> Response:
    assert outcome.summary is not None and outcome.data is not None
    name = outcome.summary.download_name(ext)
    return Response(outcome.data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


def create_app(token: str | None = None, max_upload_mb: float = 20, rules: list[str] | None = None,
               check_timeout: float = Limits.timeout, check_memory_mb: int = Limits.memory_mb,
               concurrent_checks: int = Limits.concurrent,
               pipeline: Callable[[CheckRequest], Report] = run) -> FastAPI:
    """The web app. ``rules`` are rule files of the office, added to every check. Each check runs in
    a process of its own within the limits given (see ``isolation``); ``pipeline`` is what that
    process runs, a module-level function so that it can be named to the process."""
    office_rules = [str(p) for p in rules or []]
    load_ruleset(office_rules)  # a broken office rule file stops the start, not each check
    checks = Checks(Limits(check_timeout, check_memory_mb, concurrent_checks), office_rules, pipeline)

    app = FastAPI(title="sodcheck", version=__version__, docs_url=None, redoc_url=None,
                  description="Upload Annex 2 staffing sheets (and permission exports) and get the "
                              "incompatible-duty findings. Nothing is kept on the server.")
    app.state.checks = checks
    static = resources.files("sodcheck.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    docs_assets = resources.files("fastapi_offline").joinpath("static")
    app.mount("/docs/assets", StaticFiles(directory=str(docs_assets)), name="docs-assets")

    def request_lang(request: Request, form_lang: str | None = None) -> str:
        return lang_of(form_lang, request.query_params.get("lang"))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        lang = request_lang(request)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        detail = f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
        return JSONResponse({"error": msg("bad_request", lang, detail=detail)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        lang = request_lang(request)
        text = {404: msg("not_found", lang), 405: msg("bad_method", lang)}.get(
            exc.status_code, msg("bad_request", lang, detail=exc.detail))
        return JSONResponse({"error": text}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    async def checked(request: Request, by_field: dict[str, list[UploadFile] | None], as_of: str | None,
                      lang: str, fmt: str | None = None, extras: bool = False,
                      sample: tuple[str | None, str | None] | None = None) -> Outcome:
        """Run a check (or, given the form's month and seed, draw a sample) in its worker."""
        request.scope["sodcheck.lang"] = lang
        files = {name: by_field.get(name) or [] for name in INPUT_FIELDS}
        try:
            day = date.fromisoformat(as_of) if as_of else date.today()
        except ValueError:
            return Outcome(422, {"error": msg("bad_date", lang)})
        choice = sample_choice(*sample, day) if sample is not None else None
        if isinstance(choice, str):
            return Outcome(422, {"error": msg(choice, lang)})
        task = Task(day, lang, fmt, extras, choice)
        missing = check_inputs(files, task)
        if missing:
            return Outcome(422, {"error": msg(missing, lang)})
        started = time.perf_counter()
        outcome = await checks.run(files, task)
        size = sum(upload.size or 0 for uploads in files.values() for upload in uploads)
        log.info("%s: %d file(s), %d KB -> %d; %s; %.2f s", request.url.path,
                 sum(len(uploads) for uploads in files.values()), size // 1024, outcome.status,
                 outcome.summary.counts() if outcome.summary else "-", time.perf_counter() - started)
        return outcome

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        return HTMLResponse(upload_page(__version__, max_upload_mb, list(DOWNLOADS), auth=bool(token)))

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_form(request: Request):
        return HTMLResponse(login_page(request_lang(request), error=False))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, token_field: Annotated[str, Form(alias="token")] = "",
                    lang: Annotated[str | None, Form()] = None):
        lang = request_lang(request, lang)
        if not token:
            return RedirectResponse("/", status_code=303)
        if not hmac.compare_digest(token_field.encode("utf-8"), token.encode("utf-8")):
            await anyio.sleep(0.3)  # slows guessing without holding a thread
            return HTMLResponse(login_page(lang, error=True), status_code=401)
        response = RedirectResponse("/?lang=en" if lang == "en" else "/", status_code=303)
        response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout():
        response = RedirectResponse("/login" if token else "/", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="sodcheck API",
                                   swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/docs/assets/favicon.png")

    @app.get("/healthz", summary="Liveness check")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/rules", summary="The rules that would run", response_model=list[RuleItem],
             responses={401: ERROR_RESPONSES[401]})
    async def api_rules(request: Request,
                        lang: Annotated[Literal["zh", "en"] | None, Query()] = None) -> list[RuleItem]:
        chosen = request_lang(request, lang)
        ruleset = await anyio.to_thread.run_sync(load_ruleset, office_rules)
        return [RuleItem(id=r.id, kind=r.kind, severity=r.severity, title=r.title.text().get(chosen),
                         source=r.source) for r in ruleset.enabled]

    @app.post("/api/check", summary="Check uploaded sheets; the JSON of `sodcheck check --format json`",
              responses=dict(ERROR_RESPONSES))
    async def api_check(request: Request, staff: FileList = None, perms: FileList = None,
                        roles: FileList = None, rules: FileList = None, ops: OpsList = None,
                        as_of: Annotated[str | None, Form(description="YYYY-MM-DD; default today")] = None,
                        lang: Annotated[Literal["zh", "en"] | None, Form()] = None,
                        extras: Annotated[bool, Query(description="add evidence lines and labels "
                                                      "for the page under `extras`")] = False):
        outcome = await checked(request, {"staff": staff, "perms": perms, "roles": roles, "rules": rules,
                                          "ops": ops}, as_of, request_lang(request, lang), extras=extras)
        return JSONResponse(outcome.body, status_code=outcome.status)

    @app.post("/api/report", summary="The same check, as a report file to download",
              response_class=Response,
              responses={200: {"content": {media.split(";")[0]: {} for media, _ in DOWNLOADS.values()},
                               "description": "the report file"},
                         **ERROR_RESPONSES})
    async def api_report(request: Request,
                         fmt: Annotated[DownloadFormat, Query(alias="format")],
                         staff: FileList = None, perms: FileList = None,
                         roles: FileList = None, rules: FileList = None, ops: OpsList = None,
                         as_of: Annotated[str | None, Form()] = None,
                         lang: Annotated[Literal["zh", "en"] | None, Form()] = None):
        outcome = await checked(request, {"staff": staff, "perms": perms, "roles": roles, "rules": rules,
                                          "ops": ops}, as_of, request_lang(request, lang), fmt=fmt)
        if outcome.status != 200:
            return JSONResponse(outcome.body, status_code=outcome.status)
        return attachment(outcome, *DOWNLOADS[fmt])

    @app.post("/api/sample", summary="The monthly sample's xlsx worksheet, as `sodcheck sample --format xlsx`",
              response_class=Response,
              responses={200: {"content": {XLSX_TYPE: {}}, "description": "the checker's worksheet"},
                         **ERROR_RESPONSES})
    async def api_sample(request: Request, ops: OpsList = None, staff: FileList = None, perms: FileList = None,
                         roles: FileList = None, rules: FileList = None,
                         month: Annotated[str | None, Form(description="YYYY-MM; default the month before "
                                                                       "as_of")] = None,
                         seed: Annotated[str | None, Form(description="a whole number; default the month "
                                                                      "as a number, e.g. 202403")] = None,
                         as_of: Annotated[str | None, Form(description="YYYY-MM-DD; default today")] = None,
                         lang: Annotated[Literal["zh", "en"] | None, Form()] = None):
        outcome = await checked(request, {"staff": staff, "perms": perms, "roles": roles, "rules": rules,
                                          "ops": ops}, as_of, request_lang(request, lang), sample=(month, seed))
        if outcome.status != 200:
            return JSONResponse(outcome.body, status_code=outcome.status)
        return attachment(outcome, XLSX_TYPE, "xlsx")

    @app.get("/api/template", summary="The blank Annex 2 workbook to fill in", response_class=Response,
             responses={200: {"content": {XLSX_TYPE: {}}, "description": "xlsx"}, 401: ERROR_RESPONSES[401]})
    async def api_template(request: Request, lang: Annotated[Literal["zh", "en"] | None, Query()] = None):
        chosen = request_lang(request, lang)
        data = await anyio.to_thread.run_sync(render_template, chosen)
        name = "附件2-经办机构人员分工、岗位职责情况表.xlsx" if chosen == "zh" else "annex2-staffing-template.xlsx"
        return Response(data, media_type=XLSX_TYPE, headers={
            "content-disposition": f"attachment; filename=\"annex2-template.xlsx\"; "
                                   f"filename*=UTF-8''{quote(name)}"})

    app.add_middleware(BodyLimit, limit=int(max_upload_mb * 1024 * 1024) + FORM_OVERHEAD,
                       megabytes=max_upload_mb)
    app.add_middleware(TokenAuth, token=token)
    app.add_middleware(Guard)
    # Outermost, so that Guard's 500 is not cached or framed either.
    app.add_middleware(SecurityHeaders)
    return app


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Off: a request line can be joined with the proxy's logs to tell who checked when.
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "sodcheck.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
# After SIGTERM, requests still being answered get this long before they are cut off.
GRACE_SECONDS = 3


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None, max_upload_mb: float = 20,
          rules: list[str] | None = None, check_timeout: float = Limits.timeout,
          check_memory_mb: int = Limits.memory_mb, concurrent_checks: int = Limits.concurrent) -> None:
    import uvicorn

    app = create_app(token=token, max_upload_mb=max_upload_mb, rules=rules, check_timeout=check_timeout,
                     check_memory_mb=check_memory_mb, concurrent_checks=concurrent_checks)
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        print("warning: listening beyond this machine without --token: anyone who can reach the "
              "port can upload", file=sys.stderr)
    checks: Checks = app.state.checks
    checks.start()

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            # uvicorn waits for the requests in flight; a running check is killed so that its
            # request is answered (503) at once and the server stops within seconds.
            checks.stop()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG,
                            server_header=False, proxy_headers=True, timeout_graceful_shutdown=GRACE_SECONDS)
    Server(config).run()
