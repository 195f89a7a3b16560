"""The two HTML pages, rendered from the Jinja2 templates beside this module (autoescaped)."""
from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

LOGIN_WORDS = {
    "zh": {"title": "sodcheck 登录", "head": "不相容岗位检查", "label": "访问令牌",
           "button": "登录", "hint": "令牌由启动本服务的同事提供。", "error": "访问令牌不对，请重试。"},
    "en": {"title": "sodcheck login", "head": "Incompatible duties check", "label": "Access token",
           "button": "Log in", "hint": "Ask the colleague who runs this service for the token.",
           "error": "Wrong access token; try again."},
}


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("sodcheck.web", "templates"), autoescape=select_autoescape(["html"]),
                       keep_trailing_newline=True)


def upload_page(version: str, max_mb: float, downloads: list[str], auth: bool) -> str:
    return environment().get_template("index.html").render(
        version=version, max_mb=f"{max_mb:g}", downloads=",".join(downloads), auth=auth)


def login_page(lang: str, error: bool) -> str:
    other = "en" if lang == "zh" else "zh"
    return environment().get_template("login.html").render(
        lang=lang, other=other, other_name="English" if lang == "zh" else "中文", words=LOGIN_WORDS[lang],
        error=error)
