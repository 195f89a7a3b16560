"""Wording shared by the writers: how evidence reads, how a cell is kept from becoming a formula."""
from __future__ import annotations

from ..model import Evidence, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that Excel would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def location(e: Evidence, lang: str) -> str:
    parts = [e.file or ""]
    if e.sheet:
        parts.append(e.sheet)
    if e.row is not None:
        parts.append(f"第{e.row}行" if lang == "zh" else f"row {e.row}")
    if e.line is not None:
        parts.append(f"第{e.line}行" if lang == "zh" else f"line {e.line}")
    return " ".join(p for p in parts if p)


def evidence_line(e: Evidence, report: Report, lang: str) -> str:
    duty = report.duty_label(e.duty, lang)
    if e.path:
        more = ""
        if e.more_paths:
            more = f"（另有 {e.more_paths} 条路径）" if lang == "zh" else f" (+{e.more_paths} more paths)"
        return f"{' → '.join(e.path)} → {duty}{more}"
    what = f"“{e.post}”" if lang == "zh" and e.post else (repr(e.post) if e.post else "")
    return " ".join(p for p in (location(e, lang), what, f"→ {duty}" if duty else "") if p)
