"""Report writers: one module per format, each taking the finished Report, never the engine.

``render(report, options) -> str | bytes``. The registry below is what ``--format`` offers."""
from __future__ import annotations

import importlib
from dataclasses import dataclass

FORMATS: dict[str, str] = {
    "table": "table",
    "json": "json_doc",
    "csv": "csv_doc",
    "xlsx": "xlsx",
    "html": "html",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
}
# Formats whose bytes must go to a file, never to a terminal.
BINARY_FORMATS: frozenset[str] = frozenset({"xlsx"})


@dataclass(frozen=True)
class RenderOptions:
    lang: str = "en"
    show_ids: bool = False
    color: bool = False
    width: int | None = None


def render(fmt: str, report, options: RenderOptions) -> str | bytes:
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return module.render(report, options)
