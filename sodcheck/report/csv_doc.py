"""CSV: one line per violation, notice and data warning. UTF-8 with a BOM so that Excel opens
Chinese text correctly; cells that look like formulas are quoted so Excel never runs them."""
from __future__ import annotations

import csv
import io

from ..model import Report, Violation
from ..text import printable
from .text import evidence_line, safe_cell, subject_id, units_text
from .wording import CSV, SHEETS, words

HEADERS = {lang: list(words(CSV["headers"], lang).values()) for lang in ("zh", "en")}
CATEGORY = {lang: words(CSV["category"], lang) for lang in ("zh", "en")}
SHEET_WORDS = {lang: words(SHEETS, lang) for lang in ("zh", "en")}


def _finding_row(category: str, v: Violation, report: Report, lang: str, show_ids: bool) -> list:
    first = v.evidence[0] if v.evidence else None
    # Codes for machines in en; words for officers in zh.
    severity = v.severity if lang != "zh" else SHEET_WORDS[lang]["notice" if category == "notice" else v.severity]
    kind = SHEET_WORDS[lang]["subject_kinds"].get(v.subject.kind, v.subject.kind) if lang == "zh" else v.subject.kind
    return [CATEGORY[lang][category], v.rule_id, severity, kind, v.subject.name,
            units_text(v, lang), subject_id(v, show_ids) or "",
            v.message.get(lang), "\n".join(evidence_line(e, report, lang) for e in v.evidence),
            first.file if first else "", first.sheet if first else "",
            (first.row if first.row is not None else first.line) if first else "", "",
            report.remedy(v.rule_id, lang)]


def render(report: Report, options) -> bytes:
    lang = options.lang
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS[lang])
    rows = [_finding_row("violation", v, report, lang, options.show_ids) for v in report.violations]
    rows += [_finding_row("notice", v, report, lang, options.show_ids) for v in report.notices]
    rows += [[CATEGORY[lang]["warning"], w.code, "", "", "", "", "", w.message.get(lang), "",
              w.file or "", w.sheet or "", w.row or "", w.column or "", ""] for w in report.warnings]
    for row in rows:
        writer.writerow([safe_cell(printable(c) if isinstance(c, str) else c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
