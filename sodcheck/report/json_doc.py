"""The JSON report: the stable contract other tools read (docs/json-format.md)."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date

from .. import __version__
from ..model import DataWarning, Report, Violation
from .text import subject_id

SCHEMA_VERSION = 1


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "zh") and hasattr(value, "en"):
        return {"zh": value.zh, "en": value.en}
    return value


def violation_doc(v: Violation, lang: str, show_ids: bool, title: str | None = None,
                  remedy: str | None = None) -> dict:
    subject: dict[str, str | None] = {"kind": v.subject.kind, "name": v.subject.name, "unit": v.subject.unit,
                                      "id": subject_id(v, show_ids)}
    doc: dict[str, object] = {
        "rule_id": v.rule_id,
        "severity": v.severity,
        "subject": subject,
        "message": v.message.get(lang),
        "evidence": [e.as_dict() for e in v.evidence],
        "duties": list(v.duties),
    }
    if v.subject.system is not None:
        subject["system"] = v.subject.system
    if len(v.units) > 1:
        doc["units"] = list(v.units)
    if title is not None:
        doc["title"] = title
    if remedy is not None:
        doc["remedy"] = remedy
    if v.waiver:
        doc["waiver"] = {k: _plain(val) for k, val in v.waiver}
    if v.change:
        doc["change"] = v.change
    if v.baseline:
        doc["baseline_state"] = v.baseline
    return doc


def warning_doc(w: DataWarning, lang: str) -> dict:
    return {"code": w.code, "message": w.message.get(lang), "file": w.file, "sheet": w.sheet,
            "row": w.row, "column": w.column}


def summary(report: Report) -> dict:
    by_unit: Counter = Counter()
    for v in report.violations:
        by_unit.update(v.units)
    doc = {
        "violations": len(report.violations),
        "notices": len(report.notices),
        "warnings": len(report.warnings),
        "counted": sum(1 for v in report.violations if v.counts),
        "by_rule": dict(sorted(Counter(v.rule_id for v in report.violations).items())),
        "by_severity": {s: sum(1 for v in report.violations if v.severity == s)
                        for s in ("high", "medium", "low")},
        "by_unit": dict(sorted(by_unit.items())),
        "inputs": list(report.inputs),
        "rules": [r.id for r in report.rules],
        "unclassified_posts": dict(report.unclassified),
    }
    doc.update({k: _plain(v) for k, v in report.stats if k not in doc})
    return doc


def document(report: Report, lang: str = "en", show_ids: bool = False) -> dict:
    titles = {r.id: r.title.get(lang) for r in report.rules}
    remedies = {r.id: r.remedy.get(lang) for r in report.rules if r.remedy}
    return {
        "tool": {"name": "sodcheck", "version": __version__, "schema_version": SCHEMA_VERSION},
        "as_of": report.as_of.isoformat(),
        "lang": lang,
        "summary": summary(report),
        "violations": [violation_doc(v, lang, show_ids, titles.get(v.rule_id), remedies.get(v.rule_id))
                       for v in report.violations],
        "notices": [violation_doc(v, lang, show_ids, titles.get(v.rule_id), remedies.get(v.rule_id))
                    for v in report.notices],
        "warnings": [warning_doc(w, lang) for w in report.warnings],
    }


PRETTY_LIMIT = 2000


def render(report: Report, options) -> str:
    doc = document(report, options.lang, options.show_ids)
    # Indented JSON goes through Python's slow encoder; a province-scale report is written compact.
    indent = 2 if len(report.violations) + len(report.warnings) <= PRETTY_LIMIT else None
    return json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"
