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
from ..text import labelled, location_text, printable
from .text import assessment_rows, evidence_text, file_names, subject_id, units_text
from .wording import SHEETS, TABLE, words

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
WORDS = {lang: words(TABLE, lang) for lang in ("zh", "en")}
# What waivers, the baseline and a what-if change say of a finding, in the words of the xlsx list.
STATUSES = {lang: words(SHEETS["statuses"], lang) for lang in ("zh", "en")}


def assessment_items(report: Report, lang: str) -> list[str]:
    """Assessment-table items that the violations would lose points on, one line each."""
    return [WORDS[lang]["item"].format(**row) + ": " + ", ".join(row["rules"])
            for row in assessment_rows(report, lang)]


def plain(value: object) -> RichText:
    """Text from the inputs, as it is: no rich markup ([red]), no raw control characters."""
    return RichText(printable(str(value)))


def _with_remedy(v, report: Report, lang: str) -> str:
    remedy = report.remedy(v.rule_id, lang)
    message = v.message.get(lang)
    return f"{message}\n{labelled(WORDS[lang]['remedy'], remedy, lang)}" if remedy else message


def _findings_table(title: str, items, report: Report, lang: str, show_ids: bool, notice: bool = False) -> Table:
    w = WORDS[lang]
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=True, title_justify="left")
    widest_id = max((len(v.rule_id) for v in items), default=0)
    for header in (w["severity"], w["rule"], w["subject"], w["unit"], w["message"], w["evidence"]):
        if header == w["rule"]:
            # A rule id is looked up and copied into waivers: never broken across lines.
            table.add_column(header, no_wrap=True, min_width=max(widest_id, len(header)))
        else:
            table.add_column(header, overflow="fold")
    for v in items:
        subject = v.subject.name
        if v.subject.id:
            subject += f"\n{subject_id(v, show_ids)}"
        severity = w["notice"] if notice else w[v.severity]
        states = [STATUSES[lang][s] for s in (v.waiver_status, v.change, v.baseline) if s]
        if states:
            severity += f" ({', '.join(states)})"
        table.add_row(f"[{SEVERITY_STYLE[v.severity]}]{severity}[/]", plain(v.rule_id), plain(subject),
                      plain(units_text(v, lang)), plain(_with_remedy(v, report, lang)),
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
    units = Counter(u for v in report.violations for u in v.units)
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
    console.print(plain(f"{w['inputs']}: {', '.join(file_names(report).values())}"))
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
        console.print(_findings_table(w["notices"], report.notices, report, lang, options.show_ids, notice=True))
    if report.warnings:
        table = Table(title=w["warnings"], box=box.SIMPLE, title_justify="left")
        table.add_column(w["code"])
        table.add_column(w["where"], overflow="fold")
        table.add_column(w["message"], overflow="fold")
        for warning in report.warnings:
            where = location_text(lang, warning.file, warning.sheet, warning.row or None,
                                  column=warning.column)
            table.add_row(plain(warning.code), plain(where), plain(warning.message.get(lang)))
        console.print(table)
    return buffer.getvalue()
