"""CSV: one line per violation, notice and data warning. UTF-8 with a BOM so that Excel opens
Chinese text correctly; cells that look like formulas are quoted so Excel never runs them."""
from __future__ import annotations

import csv
import io

from ..model import Report, Violation
from ..text import printable
from .text import evidence_line, safe_cell, subject_id

HEADERS = {
    "zh": ["类别", "规则", "严重程度", "对象类型", "对象", "单位", "身份证号", "说明", "依据", "文件", "工作表", "行", "列"],
    "en": ["category", "rule_id", "severity", "subject_kind", "subject", "unit", "id", "message",
           "evidence", "file", "sheet", "row", "column"],
}
CATEGORY = {"zh": {"violation": "违规", "notice": "提示", "warning": "数据问题"},
            "en": {"violation": "violation", "notice": "notice", "warning": "warning"}}


def _finding_row(category: str, v: Violation, report: Report, lang: str, show_ids: bool) -> list:
    first = v.evidence[0] if v.evidence else None
    return [CATEGORY[lang][category], v.rule_id, v.severity, v.subject.kind, v.subject.name,
            v.subject.unit or "", subject_id(v, show_ids) or "",
            v.message.get(lang), "\n".join(evidence_line(e, report, lang) for e in v.evidence),
            first.file if first else "", first.sheet if first else "",
            (first.row if first.row is not None else first.line) if first else "", ""]


def render(report: Report, options) -> bytes:
    lang = options.lang
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS[lang])
    rows = [_finding_row("violation", v, report, lang, options.show_ids) for v in report.violations]
    rows += [_finding_row("notice", v, report, lang, options.show_ids) for v in report.notices]
    rows += [[CATEGORY[lang]["warning"], w.code, "", "", "", "", "", w.message.get(lang), "",
              w.file or "", w.sheet or "", w.row or "", w.column or ""] for w in report.warnings]
    for row in rows:
        writer.writerow([safe_cell(printable(c) if isinstance(c, str) else c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
