"""Wording shared by the writers: how evidence reads, how a cell is kept from becoming a formula."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..model import Evidence, Report, Violation, mask_id
from ..text import location_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that Excel would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def units_text(v: Violation, lang: str) -> str:
    """The units a finding is about, as one cell."""
    return ("、" if lang == "zh" else ", ").join(v.units)


def subject_id(v: Violation, show_ids: bool) -> str | None:
    """The subject's id number as a report shows it: masked unless --show-ids."""
    return v.subject.id if show_ids else mask_id(v.subject.id)


def location(e: Evidence, lang: str) -> str:
    return location_text(lang, e.file, e.sheet, e.row, e.line, serial=e.serial)


# A grant path's steps are "kind:code" (JSON keeps them so); a zh report names the kind in Chinese.
STEP_KINDS = {"account": "账号", "role": "角色", "permission": "权限"}


def path_step(step: str, lang: str) -> str:
    """One step of a grant path as a report shows it."""
    kind, sep, code = step.partition(":")
    if not sep:
        return step
    if kind == "skipped":
        return f"（略过 {code} 个角色）" if lang == "zh" else f"({code} roles skipped)"
    if lang == "zh" and kind in STEP_KINDS:
        return f"{STEP_KINDS[kind]}:{code}"
    return step


def evidence_line(e: Evidence, report: Report, lang: str) -> str:
    duty = report.duty_label(e.duty, lang)
    if e.path:
        more = ""
        if e.more_paths:
            more = f"（另有 {e.more_paths} 条路径）" if lang == "zh" else f" (+{e.more_paths} more paths)"
        return f"{' → '.join(path_step(s, lang) for s in e.path)} → {duty}{more}"
    what = f"“{e.post}”" if lang == "zh" and e.post else (repr(e.post) if e.post else "")
    if e.step is not None or e.operator is not None:
        # A step of an operation log: which business, the step as written, who did it and when.
        step = (f"“{e.step}”" if lang == "zh" else repr(e.step)) if e.step else ""
        what = " ".join(p for p in (e.biz_id or "", step, e.operator or "", (e.time or "").replace("T", " ")) if p)
        if e.more_rows:
            what += f"（另有 {e.more_rows} 个环节）" if lang == "zh" else f" (+{e.more_rows} more steps)"
    where = location(e, lang)
    note = (f"（备注：{e.note}）" if lang == "zh" else f"(note: {e.note})") if e.note else ""
    return " ".join(p for p in (f"{where}:" if where and what else where, what, f"→ {duty}" if duty else "", note)
                    if p)


def assessment_rows(report: Report, lang: str) -> list[dict]:
    """The assessment-table items that counted violations would lose points on."""
    counts = Counter(v.rule_id for v in report.violations if v.counts)
    items: dict[object, dict] = {}
    for rule in report.rules:
        a = dict(rule.assessment)
        if not a or not counts[rule.id]:
            continue
        title = a.get("title")
        entry = items.setdefault(a["item"], {
            "item": a["item"], "title": title.get(lang) if hasattr(title, "get") else str(title or ""),
            "points": a.get("points"), "rules": [], "count": 0})
        entry["rules"].append(rule.id)
        entry["count"] += counts[rule.id]
    return [items[k] for k in sorted(items, key=lambda k: (not isinstance(k, int), str(k).zfill(6)))]


def file_names(report: Report) -> dict[str, str]:
    """How officers' reports name each input: by file name, not by the path on the machine that
    checked it; by path only where two inputs share a name."""
    return _names_of(report.inputs)


@lru_cache(maxsize=8)
def _names_of(inputs: tuple[str, ...]) -> dict[str, str]:
    # Asked for every evidence line a writer shows: worked out once per set of inputs.
    names = [Path(f).name for f in inputs]
    return {f: (name if names.count(name) == 1 else f) for f, name in zip(inputs, names)}


def as_shown(e: Evidence, report: Report) -> Evidence:
    """Evidence as officers' reports show it: the file by its name, and none when the run read one
    file (on every line it would be noise)."""
    if not e.file:
        return e
    if len(report.inputs) == 1 and e.file == report.inputs[0]:
        return replace(e, file=None)
    return replace(e, file=file_names(report).get(e.file, e.file))


def evidence_text(e: Evidence, report: Report, lang: str) -> str:
    return evidence_line(as_shown(e, report), report, lang)
