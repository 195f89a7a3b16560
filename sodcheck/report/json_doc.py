"""The JSON report: the stable contract other tools read (docs/json-format.md)."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
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
    units = v.units
    if len(units) > 1:
        doc["units"] = list(units)
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


def _head(report: Report, lang: str) -> dict:
    return {"tool": {"name": "sodcheck", "version": __version__, "schema_version": SCHEMA_VERSION},
            "as_of": report.as_of.isoformat(), "lang": lang, "summary": summary(report)}


def _finding_docs(report: Report, lang: str, show_ids: bool) -> Callable[[tuple[Violation, ...]], Iterator[dict]]:
    titles = {r.id: r.title.get(lang) for r in report.rules}
    remedies = {r.id: r.remedy.get(lang) for r in report.rules if r.remedy}
    return lambda violations: (violation_doc(v, lang, show_ids, titles.get(v.rule_id), remedies.get(v.rule_id))
                               for v in violations)


def document(report: Report, lang: str = "en", show_ids: bool = False) -> dict:
    findings = _finding_docs(report, lang, show_ids)
    return {**_head(report, lang), "violations": list(findings(report.violations)),
            "notices": list(findings(report.notices)), "warnings": [warning_doc(w, lang) for w in report.warnings]}


PRETTY_LIMIT = 2000


def render(report: Report, options) -> str:
    return b"".join(stream(report, options)).decode("utf-8")


def stream(report: Report, options) -> Iterator[bytes]:
    """The document in UTF-8 pieces, for writing as it is made. Indented JSON goes through Python's
    slow encoder, so a province-scale report is written compact, a finding at a time: the
    documents of hundreds of thousands of findings, and their text, never exist all at once. The
    bytes are those json.dumps gives for the whole document."""
    if len(report.violations) + len(report.warnings) <= PRETTY_LIMIT:
        yield (json.dumps(document(report, options.lang, options.show_ids), ensure_ascii=False, indent=2)
               + "\n").encode("utf-8")
        return
    lang = options.lang
    findings = _finding_docs(report, lang, options.show_ids)
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def listed(key: str, docs: Iterator[dict]) -> Iterator[bytes]:
        yield f', "{key}": ['.encode()
        for n, doc in enumerate(docs):
            yield ((", " if n else "") + encode(doc)).encode("utf-8")
        yield b"]"

    yield encode(_head(report, lang))[:-1].encode("utf-8")     # the object left open for the lists
    yield from listed("violations", findings(report.violations))
    yield from listed("notices", findings(report.notices))
    yield from listed("warnings", (warning_doc(w, lang) for w in report.warnings))
    yield b"}\n"
