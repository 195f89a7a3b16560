"""The monthly report as JSON (docs/sample.md): every checked business with its answers, the counts
per month and type, and what is wrong with the worksheets."""
from __future__ import annotations

import json

from .monthly import MonthlyReport


def report_doc(report: MonthlyReport) -> dict:
    return {
        "months": list(report.months),
        "worksheets": [{"file": w.file, "month": w.month, "seed": w.seed, "fingerprint": w.fingerprint,
                        "intact": w.intact, "redraw": w.redraw or None} for w in report.worksheets],
        "types": [{"month": t.month, "biz_type": t.biz_type, "class": t.class_id, "sampled": t.sampled,
                   "checked": t.checked, "problems": t.problems, "pending": t.pending, "blank": t.blank}
                  for t in report.types],
        "businesses": [{"month": b.month, "biz_id": b.biz_id, "biz_type": b.biz_type, "class": b.class_id,
                        "reason": b.reason, "rules": list(b.rules), "conclusion": b.conclusion or None,
                        "conclusion_text": b.conclusion_text, "description": b.description, "checker": b.checker,
                        "checked_on": b.checked_on, "file": b.file, "sheet": b.sheet, "row": b.row}
                       for b in report.businesses],
        "flags": [{"code": f.code, "file": f.file or None, "sheet": f.sheet or None, "row": f.row or None,
                   "column": f.column or None, "message": {"zh": f.message.zh, "en": f.message.en}}
                  for f in report.flags],
    }


def render(report: MonthlyReport, lang: str) -> str:
    return json.dumps(report_doc(report), ensure_ascii=False, indent=2) + "\n"
