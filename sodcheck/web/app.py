"""The upload page and its JSON API: officers check an Annex 2 sheet from a browser.

The server keeps nothing. Each request writes its uploads into its own temporary folder under
generated names, runs the same pipeline as the CLI, answers, and removes the folder, also when the
check fails. Downloads post the files again, so no result ever waits on the server for a later
request. Logs carry counts and timings only: the sheets hold names and id numbers.
"""
# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations, and
# the download formats' Literal is built inside create_app, where only eager evaluation sees it.

import hashlib
import hmac
import importlib.util
import io
import json
import logging
import re
import shutil
import sys
import tempfile
import time
import traceback
import unicodedata
import zipfile
import zlib
from dataclasses import fields, is_dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote
from xml.sax.saxutils import escape

import anyio
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..loaders.grid import decode, sniff
from ..loaders.safety import check_zip
from ..model import Report, SodcheckError, Text
from ..pipeline import CheckRequest, run
from ..report import FORMATS, RenderOptions, render
from ..report.json_doc import document
from ..report.table import assessment_items
from ..report.text import evidence_line
from ..ruleset import load_ruleset

log = logging.getLogger("sodcheck.web")
PACKAGE = Path(__file__).resolve().parent.parent

COOKIE = "sodcheck_session"
# Multipart boundaries and the small form fields ride on top of the files themselves.
FORM_OVERHEAD = 256 * 1024
MAX_FILES = 50
SPREADSHEET = ("xlsx", "xlsm", "xls", "csv")
RULE_FILES = ("yaml", "yml")
# What each upload field accepts, judged by name here and by content in check_content.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "staff": SPREADSHEET,
    "perms": SPREADSHEET + ("txt", "tsv"),
    "roles": RULE_FILES + ("json",),
    "rules": RULE_FILES,
}
# The formats a download can take; each must also be registered in sodcheck.report.FORMATS.
DOWNLOADS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
}

MESSAGES = {
    "unauthorized": Text("需要访问令牌：请先登录", "an access token is needed: log in first"),
    "too_large": Text("上传的文件太大：每次最多 {mb} MB", "the upload is too large: at most {mb} MB at a time"),
    "bad_length": Text("请求头 Content-Length 无效", "invalid Content-Length header"),
    "no_input": Text("请至少上传一个人员分工表（或权限导出文件）",
                     "upload at least one staffing sheet (or permission export)"),
    "too_many": Text(f"一次最多上传 {MAX_FILES} 个文件", f"at most {MAX_FILES} files at a time"),
    "bad_date": Text("检查基准日应为 YYYY-MM-DD 格式的日期", "the as-of date must be a date in the form YYYY-MM-DD"),
    "bad_request": Text("请求格式不对：{detail}", "bad request: {detail}"),
    "empty": Text("文件是空的", "the file is empty"),
    "bad_ext": Text("不支持的文件类型：这里需要 {kinds_zh}", "unsupported file type: expected {kinds_en} here"),
    "not_xlsx": Text("这是 zip 压缩包，但不是 Excel 工作簿", "this is a zip archive, but not an Excel workbook"),
    "broken_zip": Text("文件不是有效的 xlsx（zip 结构损坏）", "not a valid xlsx (broken zip)"),
    "binary": Text("文件内容不是电子表格或文本（可能已损坏或被改名）",
                   "the content is neither a spreadsheet nor text (damaged or renamed?)"),
    "not_excel": Text("文件扩展名是 Excel，但内容不是 Excel 工作簿（可能已损坏或被改名）",
                      "named like an Excel file, but the content is not an Excel workbook "
                      "(damaged or renamed?)"),
    "workbook_not_here": Text("这里需要 {kinds_zh} 文件，但上传的是 Excel 工作簿",
                              "expected {kinds_en} here, but the upload is an Excel workbook"),
    "unreadable": Text("文件无法读取（可能已损坏）：{kind}", "the file cannot be read (damaged?): {kind}"),
    "internal": Text("内部错误：检查没有完成，请联系管理员", "internal error: the check did not finish; "
                     "tell the administrator"),
    "not_found": Text("没有这个地址", "no such address"),
    "bad_method": Text("这个地址不支持该请求方法", "this address does not take that method"),
}


def msg(key: str, lang: str, **values: object) -> str:
    return MESSAGES[key].format(**values).get(lang) if values else MESSAGES[key].get(lang)


def lang_of(*given: str | None) -> str:
    """The first language asked for; Chinese, the page's own language, when none is."""
    return next((value for value in given if value in ("zh", "en")), "zh")


def scope_lang(scope) -> str:
    if scope.get("sodcheck.lang"):  # set once the form said which language
        return scope["sodcheck.lang"]
    query = scope.get("query_string", b"").decode("latin-1")
    match = re.search(r"(?:^|&)lang=(zh|en)(?:&|$)", query)
    return lang_of(match.group(1) if match else None)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *headers]})
    await send({"type": "http.response.body", "body": data})


# ----------------------------------------------------------------------------- middleware

class UploadTooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over the limit: refused on its Content-Length before reading, and counted
    while streaming for chunked bodies or a lying header, so nothing large is ever buffered."""

    def __init__(self, app, limit: int, megabytes: float):
        self.app, self.limit, self.megabytes = app, limit, megabytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lang = scope_lang(scope)
        too_large = {"error": msg("too_large", lang, mb=f"{self.megabytes:g}")}
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return await _send_json(send, 400, {"error": msg("bad_length", lang)})
            if int(declared) > self.limit:
                return await _send_json(send, 413, too_large, [(b"connection", b"close")])
        state = {"received": 0, "exceeded": False, "started": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["exceeded"] = True
                    raise UploadTooLarge()
            return message

        async def guarded_send(message):
            # Form parsing may turn our exception into its own 400; the user still gets 413.
            if state["exceeded"]:
                if not state["started"]:
                    state["started"] = True
                    await _send_json(send, 413, too_large, [(b"connection", b"close")])
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except UploadTooLarge:
            if not state["started"]:
                state["started"] = True
                await _send_json(send, 413, too_large, [(b"connection", b"close")])


def session_value(token: str) -> str:
    """The cookie holds a value derived from the token, so a stolen cookie does not reveal it."""
    return hmac.new(token.encode("utf-8"), b"sodcheck-session-v1", hashlib.sha256).hexdigest()


class TokenAuth:
    """With a token, every request but the health check and the login form must carry it."""

    OPEN = {"/healthz", "/login"}

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token
        self.session = session_value(token) if token else None

    def allowed(self, scope) -> bool:
        given = None
        auth = _header(scope, b"authorization")
        if auth and auth[:7].lower() == "bearer ":
            given = auth[7:].strip()
        given = given or _header(scope, b"x-sodcheck-token")
        if given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                     self.token.encode("utf-8")):
            return True
        cookie = _header(scope, b"cookie") or ""
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and hmac.compare_digest(value.encode("latin-1", "replace"),
                                                      self.session.encode("ascii")):
                return True
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.token or scope["path"] in self.OPEN \
                or self.allowed(scope):
            return await self.app(scope, receive, send)
        lang = scope_lang(scope)
        accept = _header(scope, b"accept") or ""
        if scope["method"] == "GET" and "text/html" in accept:
            body = login_page(lang, error=False).encode("utf-8")
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await _send_json(send, 401, {"error": msg("unauthorized", lang)},
                         [(b"www-authenticate", b'Bearer realm="sodcheck"')])


PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")
# Swagger UI starts itself from an inline script; still nothing from elsewhere.
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders:
    """No caching anywhere (the answers carry personal data), no framing, no sniffing, and scripts
    only from this server."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = (DOCS_CSP if scope["path"] == "/docs" else PAGE_CSP).encode()

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-security-policy", b"cache-control")]
                headers += [(b"content-security-policy", csp),
                            (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin"),
                            (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class Guard:
    """Outermost: a bug of ours becomes a generic 500 without details, and the log line names
    only the exception type and our code's location, never a message that could hold data."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BaseException as exc:
            # Cancellation and exits pass; a Rust library's panic is a BaseException too.
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            frames = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).relative_to(PACKAGE)}:{f.lineno}" for f in reversed(frames)
                          if Path(f.filename).is_relative_to(PACKAGE)), "?")
            log.error("internal error: %s at %s", type(exc).__name__, where)
            if not started:
                await _send_json(send, 500, {"error": msg("internal", scope_lang(scope))})


# ----------------------------------------------------------------------------- uploads

def display_name(raw: str | None, index: int, ext: str) -> str:
    """What the report calls an upload: the base name only, without control or bidi characters.
    Only a label: files on disk get generated names, so a name never chooses a path."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip("=+-@. ")[:120]
    return name or f"upload-{index}.{ext}"


def extension(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if re.fullmatch(r"[a-z0-9]{1,5}", ext) else ""


def check_content(path: Path, ext: str, allowed: tuple[str, ...], label: str) -> str:
    """The file's kind from its bytes; the extension to save it under. Workbooks are vetted for
    zip bombs and XML tricks here, before any parser opens them."""
    kinds = {"kinds_zh": "、".join(allowed), "kinds_en": ", ".join(allowed)}
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise SodcheckError(MESSAGES["empty"], file=label)
    if ext not in allowed:
        raise SodcheckError(MESSAGES["bad_ext"].format(**kinds), file=label)
    kind = sniff(path, head)
    if kind in ("xlsx", "xls"):
        if not set(allowed) & set(SPREADSHEET[:3]):
            raise SodcheckError(MESSAGES["workbook_not_here"].format(**kinds), file=label)
        if kind == "xls":
            return "xls"
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
            raise SodcheckError(MESSAGES["broken_zip"], file=label) from None
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise SodcheckError(MESSAGES["not_xlsx"], file=label)
        try:
            check_zip(path, label)
            # Every part must inflate to its checksum: a damaged part would otherwise surface as
            # an odd exception deep inside openpyxl. Sizes were vetted just above.
            with zipfile.ZipFile(path) as archive:
                damaged = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                ValueError, OSError):
            raise SodcheckError(MESSAGES["broken_zip"], file=label) from None
        if damaged is not None:
            raise SodcheckError(MESSAGES["broken_zip"], file=label)
        return "xlsm" if ext == "xlsm" else "xlsx"
    if ext in SPREADSHEET[:3]:
        raise SodcheckError(MESSAGES["not_excel"], file=label)
    if kind != "text":
        raise SodcheckError(MESSAGES["binary"], file=label)
    decode(path.read_bytes(), label)
    return ext


class Relabel:
    """Maps the temporary paths the pipeline saw back to the names the officer uploaded."""

    def __init__(self, names: dict[str, str], folder: str):
        # Longest first, so that staff-10.xlsx is not half-replaced as staff-1.xlsx.
        self.names = dict(sorted(names.items(), key=lambda kv: -len(kv[0])))
        self.folder = folder

    def text(self, value: str) -> str:
        if value in self.names:
            return self.names[value]
        if self.folder not in value:
            return value
        for raw, label in self.names.items():
            value = value.replace(raw, label)
        return value.replace(self.folder + "/", "").replace(self.folder, "")

    def __call__(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple):
            items = tuple(self(v) for v in value)
            return value if all(a is b for a, b in zip(items, value)) else items
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in fields(value):
                old = getattr(value, f.name)
                new = self(old)
                if new is not old:
                    changes[f.name] = new
            return replace(value, **changes) if changes else value
        return value

    def error(self, exc: SodcheckError, lang: str) -> str:
        return self.text(exc.render(lang))

    def xlsx(self, data: bytes) -> bytes:
        """The workbook writer reads the uploads again to mark them up, so it is given the real
        paths; the names the officer knows are put into its XML parts afterwards. Editing the
        parts, not reloading with openpyxl, keeps the charts openpyxl would drop."""
        pairs = [(raw.encode("utf-8"), escape(label, {'"': "&quot;", "'": "&apos;"}).encode("utf-8"))
                 for raw, label in self.names.items()]
        folder = self.folder.encode("utf-8")
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                part = src.read(info)
                if info.filename.endswith((".xml", ".rels")) and folder in part:
                    for raw, label in pairs:
                        part = part.replace(raw, label)
                    part = part.replace(folder + b"/", b"").replace(folder, b"")
                dst.writestr(info, part)
        return out.getvalue()


class Uploaded:
    """One request's files, as Starlette parsed them (in memory or an anonymous spool file)."""

    def __init__(self, **by_field: list[StarletteUpload] | None):
        self.by_field = {name: [f for f in (files or []) if isinstance(f, StarletteUpload)]
                         for name, files in by_field.items()}

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.by_field.values())

    @property
    def size(self) -> int:
        return sum(f.size or 0 for files in self.by_field.values() for f in files)

    def save(self, folder: Path) -> tuple[dict[str, list[str]], Relabel]:
        """Write every upload under a generated name; vet it by content."""
        paths: dict[str, list[str]] = {name: [] for name in self.by_field}
        names: dict[str, str] = {}
        used: set[str] = set()
        for field_name, files in self.by_field.items():
            for index, upload in enumerate(files, start=1):
                ext = extension(upload.filename)
                label = display_name(upload.filename, index, ext or "bin")
                base, n = label, 2
                while label in used:
                    label, n = f"{base} ({n})", n + 1
                used.add(label)
                target = folder / f"{field_name}-{index}.upload"
                upload.file.seek(0)
                with target.open("wb") as out:
                    shutil.copyfileobj(upload.file, out, 1024 * 1024)
                kind = check_content(target, ext, FIELD_TYPES[field_name], label)
                final = target.with_name(f"{field_name}-{index}.{kind}")
                target.rename(final)
                paths[field_name].append(str(final))
                names[str(final)] = label
        return paths, Relabel(names, str(folder))


def loader_failure(exc: Exception) -> SodcheckError | None:
    """A stray exception raised while a loader read an upload (openpyxl, calamine or pyarrow giving
    up on a damaged file) is about that file, not a bug in the check: name the file, say 422."""
    display = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        source = Path(frame.f_code.co_filename)
        if source.parent.name == "loaders" and source.parent.parent.name == "sodcheck":
            value = frame.f_locals.get("display")
            display = value if isinstance(value, str) else display
            if display is None:
                display = ""
        tb = tb.tb_next
    if display is None:
        return None
    where = traceback.extract_tb(exc.__traceback__)[-1]
    log.warning("unreadable upload: %s at %s:%s", type(exc).__name__, Path(where.filename).name,
                where.lineno)
    return SodcheckError(MESSAGES["unreadable"].format(kind=type(exc).__name__), file=display or None)


class Outcome:
    def __init__(self, status: int, body: dict | None = None, data: bytes | None = None,
                 report: Report | None = None):
        self.status, self.body, self.data, self.report = status, body, data, report


# ----------------------------------------------------------------------------- pages

def _template(name: str) -> str:
    return resources.files("sodcheck.web").joinpath("templates", name).read_text("utf-8")


LOGIN_WORDS = {
    "zh": {"title": "sodcheck 登录", "head": "不相容岗位检查", "label": "访问令牌",
           "button": "登录", "hint": "令牌由启动本服务的同事提供。", "error": "访问令牌不对，请重试。"},
    "en": {"title": "sodcheck login", "head": "Incompatible duties check", "label": "Access token",
           "button": "Log in", "hint": "Ask the colleague who runs this service for the token.",
           "error": "Wrong access token; try again."},
}


def login_page(lang: str, error: bool) -> str:
    words = LOGIN_WORDS[lang]
    other = "en" if lang == "zh" else "zh"
    page = _template("login.html")
    for key, value in words.items():
        page = page.replace("{{" + key + "}}", value if key != "error" or error else "")
    return (page.replace("{{lang}}", lang).replace("{{other}}", other)
            .replace("{{other_name}}", "English" if lang == "zh" else "中文")
            .replace("{{error_class}}", "error" if error else "error hidden"))


# ----------------------------------------------------------------------------- the app

class ErrorBody(BaseModel):
    error: str


class RuleItem(BaseModel):
    id: str
    kind: str
    severity: Literal["high", "medium", "low"]
    title: str
    source: str


ERROR_RESPONSES = {
    400: {"model": ErrorBody, "description": "the request is not a well-formed upload"},
    401: {"model": ErrorBody, "description": "the access token is missing or wrong"},
    413: {"model": ErrorBody, "description": "the upload is over the size limit"},
    422: {"model": ErrorBody, "description": "a file or field is not usable; the message says why"},
    500: {"model": ErrorBody, "description": "a bug; no details are given"},
}

FileList = Annotated[list[UploadFile] | None, File()]


def create_app(token: str | None = None, max_upload_mb: float = 20,
               rules: list[str] | None = None) -> FastAPI:
    """The web app. ``rules`` are rule files of the office, added to every check."""
    office_rules = [str(p) for p in rules or []]
    load_ruleset(office_rules)  # a broken office rule file stops the start, not each check
    limit = int(max_upload_mb * 1024 * 1024) + FORM_OVERHEAD
    downloads = [fmt for fmt in DOWNLOADS if fmt in FORMATS
                 and importlib.util.find_spec(f"sodcheck.report.{FORMATS[fmt]}") is not None]
    limiter: dict[str, anyio.CapacityLimiter] = {}

    app = FastAPI(title="sodcheck", version=__version__, docs_url=None, redoc_url=None,
                  description="Upload Annex 2 staffing sheets (and permission exports) and get the "
                              "incompatible-duty findings. Nothing is kept on the server.")
    static = resources.files("sodcheck.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    docs_assets = resources.files("fastapi_offline").joinpath("static")
    app.mount("/docs/assets", StaticFiles(directory=str(docs_assets)), name="docs-assets")

    def slots() -> anyio.CapacityLimiter:
        # Created on first use, inside the running event loop; a few checks at a time keep memory
        # bounded while other users' page loads still go through.
        if "checks" not in limiter:
            limiter["checks"] = anyio.CapacityLimiter(4)
        return limiter["checks"]

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

    def work(uploaded: Uploaded, as_of: date, lang: str, fmt: str | None, extras: bool) -> Outcome:
        """Runs in a worker thread: the temporary folder lives and dies inside it, so it is removed
        even when the client has gone away mid-check."""
        with tempfile.TemporaryDirectory(prefix="sodcheck-") as folder:
            relabel = Relabel({}, folder)
            try:
                paths, relabel = uploaded.save(Path(folder))
                request = CheckRequest(staff=paths["staff"], perms=paths["perms"],
                                       roles=paths["roles"], rules=office_rules + paths["rules"],
                                       as_of=as_of)
                raw = run(request)
                report = relabel(raw)
                if fmt is None:
                    body = document(report, lang, show_ids=False)
                    if extras:
                        body["extras"] = page_extras(report, lang)
                    return Outcome(200, body, report=report)
                if fmt == "xlsx":
                    data = relabel.xlsx(render(fmt, raw, RenderOptions(lang=lang)))
                else:
                    data = render(fmt, report, RenderOptions(lang=lang))
                if isinstance(data, str):
                    data = data.encode("utf-8")
                return Outcome(200, data=data, report=report)
            except SodcheckError as exc:
                return Outcome(422, {"error": relabel.error(exc, lang)})
            except Exception as exc:
                failure = loader_failure(exc)
                if failure is None:
                    raise
                return Outcome(422, {"error": relabel.error(failure, lang)})

    async def checked(request: Request, uploaded: Uploaded, as_of: str | None, lang: str,
                      fmt: str | None = None, extras: bool = False) -> Outcome:
        request.scope["sodcheck.lang"] = lang
        if uploaded.count > MAX_FILES:
            return Outcome(422, {"error": msg("too_many", lang)})
        if not (uploaded.by_field["staff"] or uploaded.by_field["perms"] or uploaded.by_field["roles"]):
            return Outcome(422, {"error": msg("no_input", lang)})
        try:
            day = date.fromisoformat(as_of) if as_of else date.today()
        except ValueError:
            return Outcome(422, {"error": msg("bad_date", lang)})
        started = time.perf_counter()
        outcome = await anyio.to_thread.run_sync(work, uploaded, day, lang, fmt, extras,
                                                 limiter=slots())
        report = outcome.report
        log.info("%s: %d file(s), %d KB -> %d; %s violations, %s notices, %s people; %.2f s",
                 request.url.path, uploaded.count, uploaded.size // 1024, outcome.status,
                 len(report.violations) if report else "-", len(report.notices) if report else "-",
                 report.stat("people", "-") if report else "-", time.perf_counter() - started)
        return outcome

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        page = _template("index.html")
        return HTMLResponse(page.replace("{{version}}", __version__)
                            .replace("{{max_mb}}", f"{max_upload_mb:g}")
                            .replace("{{downloads}}", ",".join(downloads))
                            .replace("{{template}}", "1" if template_available() else "0")
                            .replace("{{auth}}", "1" if token else "0"))

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
        lang = request_lang(request, lang)
        ruleset = await anyio.to_thread.run_sync(load_ruleset, office_rules)
        return [RuleItem(id=r.id, kind=r.kind, severity=r.severity, title=r.title.text().get(lang),
                         source=r.source) for r in ruleset.enabled]

    @app.post("/api/check", summary="Check uploaded sheets; the JSON of `sodcheck check --format json`",
              responses=dict(ERROR_RESPONSES))
    async def api_check(request: Request, staff: FileList = None, perms: FileList = None,
                        roles: FileList = None, rules: FileList = None,
                        as_of: Annotated[str | None, Form(description="YYYY-MM-DD; default today")] = None,
                        lang: Annotated[Literal["zh", "en"] | None, Form()] = None,
                        extras: Annotated[bool, Query(description="add evidence lines and labels "
                                                      "for the page under `extras`")] = False):
        lang = request_lang(request, lang)
        outcome = await checked(request, Uploaded(staff=staff, perms=perms, roles=roles, rules=rules),
                                as_of, lang, extras=extras)
        return JSONResponse(outcome.body, status_code=outcome.status)

    @app.post("/api/report", summary="The same check, as a report file to download",
              response_class=Response,
              responses={200: {"content": {DOWNLOADS[f][0].split(";")[0]: {} for f in downloads},
                               "description": "the report file"},
                         **ERROR_RESPONSES})
    async def api_report(request: Request,
                         fmt: Annotated[Literal[tuple(downloads)], Query(alias="format")],
                         staff: FileList = None, perms: FileList = None,
                         roles: FileList = None, rules: FileList = None,
                         as_of: Annotated[str | None, Form()] = None,
                         lang: Annotated[Literal["zh", "en"] | None, Form()] = None):
        lang = request_lang(request, lang)
        outcome = await checked(request, Uploaded(staff=staff, perms=perms, roles=roles, rules=rules),
                                as_of, lang, fmt=fmt)
        if outcome.status != 200:
            return JSONResponse(outcome.body, status_code=outcome.status)
        media, ext = DOWNLOADS[fmt]
        name = f"sodcheck-{outcome.report.as_of.isoformat()}.{ext}"
        return Response(outcome.data, media_type=media,
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    if template_available():
        from ..template import render_template

        @app.get("/api/template", summary="The blank Annex 2 workbook to fill in",
                 response_class=Response,
                 responses={200: {"content": {DOWNLOADS["xlsx"][0]: {}}, "description": "xlsx"},
                            401: ERROR_RESPONSES[401]})
        async def api_template(request: Request,
                               lang: Annotated[Literal["zh", "en"] | None, Query()] = None):
            lang = request_lang(request, lang)
            data = await anyio.to_thread.run_sync(render_template, lang)
            name = "附件2-经办机构人员分工、岗位职责情况表.xlsx" if lang == "zh" else "annex2-staffing-template.xlsx"
            return Response(data, media_type=DOWNLOADS["xlsx"][0], headers={
                "content-disposition": f"attachment; filename=\"annex2-template.xlsx\"; "
                                       f"filename*=UTF-8''{quote(name)}"})

    app.add_middleware(BodyLimit, limit=limit, megabytes=max_upload_mb)
    app.add_middleware(TokenAuth, token=token)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Guard)
    return app


def page_extras(report: Report, lang: str) -> dict:
    """What the page shows beyond the JSON contract, worded by the CLI's own functions."""
    return {
        "evidence": {
            "violations": [[evidence_line(e, report, lang) for e in v.evidence] for v in report.violations],
            "notices": [[evidence_line(e, report, lang) for e in v.evidence] for v in report.notices],
        },
        "assessment": assessment_items(report, lang),
    }


def template_available() -> bool:
    try:
        from .. import template  # noqa: F401
    except ImportError:
        return False
    return True


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


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
          max_upload_mb: float = 20, rules: list[str] | None = None) -> None:
    import uvicorn

    app = create_app(token=token, max_upload_mb=max_upload_mb, rules=rules)
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        print("warning: listening beyond this machine without --token: anyone who can reach the "
              "port can upload", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG,
                server_header=False, proxy_headers=True)
