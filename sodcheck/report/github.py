"""GitHub Actions workflow commands: each finding becomes an annotation on the file and line.

``::error`` for high, ``::warning`` for medium and low. Waived findings and what-if removals are
``::notice``; findings already in the baseline are left out, since a baseline exists to quiet them.
Escaping follows the runner: in the message % CR LF; in property values also : and ,.
"""
from __future__ import annotations

from ..model import Report, Violation
from ..text import printable
from .locate import finding_text, place, relative, warning_place, with_place


def escape_data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _level(v: Violation) -> str:
    if v.change == "removed" or v.waiver_status == "active":
        return "notice"
    return "error" if v.severity == "high" else "warning"


def annotation(v: Violation, report: Report, lang: str) -> str:
    where = place(v, report)
    title = report.rule(v.rule_id)
    return command(_level(v), finding_text(v, where, lang),
                   file=relative(where.file) if where.file else None, line=where.line,
                   title=f"{v.rule_id} {title.title.get(lang)}" if title else v.rule_id)


def render(report: Report, options) -> str:
    lang = options.lang
    lines = [annotation(v, report, lang) for v in report.violations if v.baseline != "unchanged"]
    for w in report.warnings:
        where = warning_place(w)
        message = with_place(f"{w.code}: {w.message.get(lang)}", where, lang)
        lines.append(command("warning", message, file=relative(w.file) if w.file else None,
                             line=where.line if w.file else None, title=w.code))
    counted = sum(1 for v in report.violations if v.counts)
    lines.append(f"sodcheck: {len(report.violations)} 条违规，其中 {counted} 条计入退出状态" if lang == "zh"
                 else f"sodcheck: {len(report.violations)} violation(s), {counted} counting towards "
                      "the exit status")
    return "\n".join(lines) + "\n"
