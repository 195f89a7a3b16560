"""A terminal report (rich): summary, violations, notices and data issues; CJK-width aware."""
from __future__ import annotations

import io
import shutil
from collections import Counter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from ..model import Report
from ..text import printable
from .text import assessment_rows, evidence_text, subject_id

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
WORDS = {
    "zh": {"summary": "检查结果", "as_of": "检查基准日", "violations": "违规", "notices": "提示",
           "warnings": "数据问题", "severity": "严重程度", "rule": "规则", "subject": "对象",
           "unit": "单位", "message": "说明", "evidence": "依据", "code": "代码", "where": "位置",
           "none": "未发现违规。", "people": "人员", "high": "高", "medium": "中", "low": "低",
           "assessment": "考核表扣分项", "item": "第{item}项 {title}（{points:g}分）", "waived": "已豁免",
           "inputs": "输入文件", "by_folder": "按输入文件夹", "by_unit": "按单位", "folder": "文件夹",
           "files": "文件数", "accounts": "账号", "disabled": "已停用（未检查）", "more_units": "另有 {n} 个单位"},
    "en": {"summary": "Result", "as_of": "As of", "violations": "Violations", "notices": "Notices",
           "warnings": "Data issues", "severity": "Severity", "rule": "Rule", "subject": "Subject",
           "unit": "Unit", "message": "Message", "evidence": "Evidence", "code": "Code",
           "where": "Where", "none": "No violations found.", "people": "people", "high": "high",
           "medium": "medium", "low": "low", "assessment": "Assessment items at risk",
           "item": "item {item} {title} ({points:g} points)", "waived": "waived", "inputs": "Inputs",
           "by_folder": "By input folder", "by_unit": "By unit", "folder": "Folder", "files": "Files",
           "accounts": "accounts", "disabled": "disabled (not checked)", "more_units": "{n} more units"},
}


def assessment_items(report: Report, lang: str) -> list[str]:
    """Assessment-table items that the violations would lose points on, one line each."""
    return [WORDS[lang]["item"].format(**row) + ": " + ", ".join(row["rules"])
            for row in assessment_rows(report, lang)]


def plain(value: object) -> RichText:
    """Text from the inputs, as it is: no rich markup ([red]), no raw control characters."""
    return RichText(printable(str(value)))


def _findings_table(title: str, items, report: Report, lang: str, show_ids: bool) -> Table:
    w = WORDS[lang]
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=True, title_justify="left")
    for header in (w["severity"], w["rule"], w["subject"], w["unit"], w["message"], w["evidence"]):
        table.add_column(header, overflow="fold")
    for v in items:
        subject = v.subject.name
        if v.subject.id:
            subject += f"\n{subject_id(v, show_ids)}"
        severity = w[v.severity]
        if v.waiver_status == "active":
            severity += f" ({w['waived']})"
        table.add_row(f"[{SEVERITY_STYLE[v.severity]}]{severity}[/]", plain(v.rule_id), plain(subject),
                      plain(v.subject.unit or ""), plain(v.message.get(lang)),
                      plain("\n".join(evidence_text(e, report, lang) for e in v.evidence[:6])
                            + (f"\n… +{len(v.evidence) - 6}" if len(v.evidence) > 6 else "")))
    return table


def _batch_summary(console: Console, report: Report, w: dict) -> None:
    """For batch runs: accounts checked, and findings per input folder and per unit."""
    accounts = report.stat("accounts")
    if accounts is not None:
        console.print(f"{w['accounts']} {accounts} · {w['disabled']} {report.stat('accounts_disabled_skipped', 0)}")
    folders = report.stat("by_folder") or {}
    if len(folders) > 1:
        table = Table(w["folder"], w["files"], w["violations"], title=w["by_folder"], box=box.SIMPLE,
                      title_justify="left")
        for folder, info in folders.items():
            table.add_row(plain(folder), str(info["files"]), str(info["violations"]))
        console.print(table)
    units = Counter(v.subject.unit for v in report.violations if v.subject.unit)
    if len(units) > 1:
        table = Table(w["unit"], w["violations"], title=w["by_unit"], box=box.SIMPLE, title_justify="left")
        for unit, count in sorted(units.items(), key=lambda item: (-item[1], item[0]))[:20]:
            table.add_row(plain(unit), str(count))
        if len(units) > 20:
            table.add_row(w["more_units"].format(n=len(units) - 20), "")
        console.print(table)


def render(report: Report, options) -> str:
    lang, w = options.lang, WORDS[options.lang]
    buffer = io.StringIO()
    # A terminal gets its own width; a file or pipe gets one wide enough for Chinese columns.
    width = options.width or (shutil.get_terminal_size().columns if options.color else 160)
    console = Console(file=buffer, width=width, force_terminal=options.color,
                      color_system="standard" if options.color else None, highlight=False)
    people = report.stat("people")
    head = f"{w['summary']}: {w['violations']} {len(report.violations)} · {w['notices']} " \
           f"{len(report.notices)} · {w['warnings']} {len(report.warnings)}"
    if people is not None:
        head += f" · {w['people']} {people}"
    console.print(f"[bold]{head}[/]   {w['as_of']} {report.as_of.isoformat()}")
    console.print(plain(f"{w['inputs']}: {', '.join(report.inputs)}"))
    _batch_summary(console, report, w)
    items = assessment_items(report, lang)
    if items:
        console.print(f"[bold]{w['assessment']}[/]")
        for item in items:
            console.print(plain(f"  • {item}"))
    if report.violations:
        console.print(_findings_table(w["violations"], report.violations, report, lang, options.show_ids))
    else:
        console.print(f"[green]{w['none']}[/]")
    if report.notices:
        console.print(_findings_table(w["notices"], report.notices, report, lang, options.show_ids))
    if report.warnings:
        table = Table(title=w["warnings"], box=box.SIMPLE, title_justify="left")
        table.add_column(w["code"])
        table.add_column(w["where"], overflow="fold")
        table.add_column(w["message"], overflow="fold")
        for warning in report.warnings:
            where = " ".join(str(p) for p in (warning.file, warning.sheet,
                                              (f"第{warning.row}行" if lang == "zh" else f"row {warning.row}")
                                              if warning.row else None,
                                              (f"{warning.column}列" if lang == "zh" else f"col {warning.column}")
                                              if warning.column else None) if p)
            table.add_row(plain(warning.code), plain(where), plain(warning.message.get(lang)))
        console.print(table)
    return buffer.getvalue()
