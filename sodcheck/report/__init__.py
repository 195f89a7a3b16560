"""Report writers: one module per format, each taking the finished Report, never the engine.

``render(report, options) -> str | bytes``; a writer whose output can be large may also offer
``stream(report, options)``, the same bytes in pieces. The registry below is what ``--format`` offers."""
from __future__ import annotations

import importlib
from collections.abc import Iterator
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


def render_pieces(fmt: str, report, options: RenderOptions) -> Iterator[bytes]:
    """The report as UTF-8 pieces, each of whole characters, to write one after another: a writer
    that can make its output a piece at a time (``stream``) does, so that a large report is never
    held whole; the others give it in one piece."""
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    if hasattr(module, "stream"):
        yield from module.stream(report, options)
        return
    data = module.render(report, options)
    yield data if isinstance(data, bytes) else data.encode("utf-8")
