"""The assessment as JSON: the documented contract of ``sodcheck assess --format json``
(docs/assessment.md). Its top-level ``violations`` list has the shape of a check report's, so the
file is also a baseline for the next run."""
from __future__ import annotations

import json

from .. import __version__
from ..report.json_doc import violation_doc, warning_doc
from .scoring import Assessment, Fixed, ItemFinding, ItemResult

SCHEMA_VERSION = 1


def _finding(f: ItemFinding, a: Assessment, lang: str, show_ids: bool) -> dict:
    doc = {"ref": f.ref, **violation_doc(f.violation, lang, show_ids), "units": list(f.units),
           "counts": f.counts}
    remedy = a.report.remedy(f.violation.rule_id, lang)
    if remedy:
        doc["remedy"] = remedy
    return doc


def _fixed(f: Fixed) -> dict:
    return {"rule_id": f.rule_id, "subject": {"kind": f.kind, "name": f.name, "unit": f.unit},
            "severity": f.severity}


def _item(i: ItemResult, a: Assessment, lang: str, show_ids: bool) -> dict:
    answer = i.answer
    return {
        "no": i.item, "section": i.section, "text": i.text.get(lang), "text_source": i.text_source,
        "points": i.points, "score": i.score, "status": i.status, "method": i.method,
        "rules": list(i.rules), "question": i.question.get(lang) if i.question else None,
        "basis": i.basis.get(lang),
        "violations": [_finding(f, a, lang, show_ids) for f in i.findings],
        "notices": [violation_doc(v, lang, show_ids) for v in i.notices],
        "units": dict(i.units),
        "needs": list(i.needs),
        "fixed": [_fixed(f) for f in i.fixed],
        "measures": answer.measures if answer else "", "owner": answer.owner if answer else "",
        "deadline": answer.deadline if answer else "",
    }


def document(a: Assessment, lang: str = "zh", show_ids: bool = False) -> dict:
    report = a.report
    scale = a.scale.definition
    return {
        "tool": {"name": "sodcheck", "version": __version__, "schema_version": SCHEMA_VERSION},
        "kind": "assessment",
        "plan": {"id": a.plan.info.id, "title": a.plan.info.title.text().get(lang), "source": a.plan.info.source},
        "scale": {"id": scale.id, "title": scale.title.text().get(lang), "keep": scale.keep.model_dump(),
                  "step": scale.step},
        "as_of": a.as_of.isoformat(),
        "lang": lang,
        "agency": a.answers.agency,
        "inputs": list(a.inputs),
        "given": list(a.given),
        "total": a.total,
        "max": a.max,
        "judged": a.judged,
        "sections": [{"no": s.id, "title": s.title.get(lang), "points": s.points, "score": s.score,
                      "judged": s.judged} for s in a.sections],
        "items": [_item(i, a, lang, show_ids) for i in a.items],
        "units": [{"unit": u.unit, "score": u.score, "max": u.max} for u in a.units],
        "unassigned": [violation_doc(v, lang, show_ids) for v in a.unassigned],
        "baseline": {"file": a.baseline, "fixed": [_fixed(f) | {"item": f.item} for f in a.fixed]}
        if a.baseline else None,
        # Every finding of the run, as a check report lists them: the file is a baseline too.
        "violations": [violation_doc(v, lang, show_ids) for v in report.violations if v.change != "removed"],
        "warnings": [warning_doc(w, lang) for w in a.warnings],
    }


def render(a: Assessment, options) -> str:
    return json.dumps(document(a, options.lang, options.show_ids), ensure_ascii=False, indent=2) + "\n"
