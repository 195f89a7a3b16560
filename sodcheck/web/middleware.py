"""The layers every request passes before a route: the size limit, the token, the security headers
and the outermost guard that turns a bug into a generic 500. Plain ASGI, so a refused upload is
answered before its body is read."""
from __future__ import annotations

import hashlib
import hmac
import json

from .common import code_location, log, msg, scope_lang
from .pages import login_page

COOKIE = "sodcheck_session"


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def send_body(send, status: int, body: bytes, content_type: bytes,
                    headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


async def send_json(send, status: int, body: dict, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send_body(send, status, json.dumps(body, ensure_ascii=False).encode("utf-8"), b"application/json",
                    headers)


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
        closing = ((b"connection", b"close"),)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return await send_json(send, 400, {"error": msg("bad_length", lang)})
            if int(declared) > self.limit:
                return await send_json(send, 413, too_large, closing)
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
                    await send_json(send, 413, too_large, closing)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except UploadTooLarge:
            if not state["started"]:
                state["started"] = True
                await send_json(send, 413, too_large, closing)


def session_value(token: str) -> str:
    """The cookie holds a value derived from the token, so a stolen cookie does not reveal it."""
    return hmac.new(token.encode("utf-8"), b"sodcheck-session-v1", hashlib.sha256).hexdigest()


class TokenAuth:
    """With a token, every request but the health check and the login form must carry it."""

    OPEN = frozenset({"/healthz", "/login"})

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token
        self.session = session_value(token) if token else ""

    def allowed(self, scope, token: str) -> bool:
        given = None
        auth = _header(scope, b"authorization")
        if auth and auth[:7].lower() == "bearer ":
            given = auth[7:].strip()
        given = given or _header(scope, b"x-sodcheck-token")
        if given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8")):
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
                or self.allowed(scope, self.token):
            return await self.app(scope, receive, send)
        lang = scope_lang(scope)
        if scope["method"] == "GET" and "text/html" in (_header(scope, b"accept") or ""):
            page = login_page(lang, error=False).encode("utf-8")
            return await send_body(send, 401, page, b"text/html; charset=utf-8")
        await send_json(send, 401, {"error": msg("unauthorized", lang)},
                        ((b"www-authenticate", b'Bearer realm="sodcheck"'),))


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
    """Just inside the security headers: tracks whether the answer has started, so that a bug of
    ours becomes a generic 500 without details; the log line names only the exception type and our
    code's location, never a message that could hold data."""

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
        except Exception as exc:
            log.error("internal error: %s at %s", type(exc).__name__, code_location(exc))
            if not started:
                await send_json(send, 500, {"error": msg("internal", scope_lang(scope))})
