"""SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

What code scanning needs and why it is here: every rule carries short and full descriptions,
help and ``security-severity`` (GitHub grades alerts by it); every result has a physical
location (see locate.py); ``partialFingerprints`` come from rule, subject and duties only, so
reordering rows or lines closes no alert and opens none. We also fill
``primaryLocationLineHash`` ourselves: left empty, upload-sarif would hash the text around the
line, and a role moved within its file would become a new alert.
"""
from __future__ import annotations

import json
from collections import Counter

from .. import __version__
from ..model import Report, RuleInfo, Violation
from .locate import Place, artifact_uri, evidence_place, finding_text, fingerprint, place, warning_place, with_place

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "3.0"}
LEVEL = {"high": "error", "medium": "warning", "low": "note"}
PROBLEM_SEVERITY = {"high": "error", "medium": "warning", "low": "recommendation"}
MAX_RELATED = 10


def _physical(where: Place) -> dict:
    # A finding with no file at all points at the first input; a run always has one.
    return {"artifactLocation": {"uri": artifact_uri(where.file or "")}, "region": {"startLine": where.line}}


def _rule(info: RuleInfo, lang: str) -> dict:
    title = info.title.get(lang)
    source_label = "依据" if lang == "zh" else "Source"
    described = info.description.get(lang) if info.description else None
    description = described or f"{title}. {source_label}: {info.source}"
    return {
        "id": info.id,
        "name": "".join(part.capitalize() for part in info.id.replace("_", "-").split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": "\n\n".join([title] + ([described] if described else [])
                                       + [f"{source_label}: {info.source}"]),
                 "markdown": "\n\n".join([f"**{title}**"] + ([described] if described else [])
                                           + [f"*{source_label}:* {info.source}"])},
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[info.severity],
            "tags": ["security", "separation-of-duties", f"sodcheck-{info.kind}"],
            "precision": "high",
            "problem.severity": PROBLEM_SEVERITY[info.severity],
        },
    }


def _result(v: Violation, report: Report, rule_index: dict[str, int], lang: str, occurrence: int) -> dict:
    where = place(v, report)
    fp = fingerprint(v)
    result: dict = {
        "ruleId": v.rule_id,
        "ruleIndex": rule_index[v.rule_id],
        "level": LEVEL[v.severity],
        "message": {"text": finding_text(v, where, lang)},
        "locations": [{"physicalLocation": _physical(where),
                       "logicalLocations": [{"name": v.subject.name, "kind": v.subject.kind}]}],
        "partialFingerprints": {"sodcheckFinding/v1": f"{fp}:{occurrence}",
                                "primaryLocationLineHash": f"{fp[:16]}:{occurrence}"},
    }
    related: list[dict] = []
    for e in v.evidence:
        spot = evidence_place(e)
        if e.file and spot != where and len(related) < MAX_RELATED:
            label = " → ".join(e.path) if e.path else (e.post or e.duty or "")
            extra = spot.where(lang)
            related.append({"id": len(related) + 1, "physicalLocation": _physical(spot),
                            "message": {"text": f"{label} ({extra})" if extra else label or spot.file}})
    if related:
        result["relatedLocations"] = related
    if v.change == "removed":
        # The change makes this finding go away: after it, the rule passes for this subject.
        result["kind"], result["level"] = "pass", "none"
    if v.baseline:
        result["baselineState"] = v.baseline
    waiver = dict(v.waiver)
    if v.waiver_status == "active":
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{waiver.get('id')}: {waiver.get('reason')} "
                                                    f"(approved by {waiver.get('approver')}, "
                                                    f"until {waiver.get('expires')})"}]
    properties: dict = {"subject": {"kind": v.subject.kind, "name": v.subject.name, "unit": v.subject.unit},
                        "duties": list(v.duties), "severity": v.severity,
                        "counts": v.counts}
    if where.sheet is not None:
        properties["sheet"] = where.sheet
    if where.row is not None:
        properties["row"] = where.row
    if v.change:
        properties["change"] = v.change
    if v.waiver:
        properties["waiver"] = {k: (val.isoformat() if hasattr(val, "isoformat") else val)
                                for k, val in v.waiver}
    result["properties"] = properties
    return result


def _notification(w, lang: str) -> dict:
    doc: dict = {"descriptor": {"id": w.code}, "level": "warning", "message": {"text": w.message.get(lang)}}
    if w.file:
        where = warning_place(w)
        doc["message"]["text"] = with_place(w.message.get(lang), where, lang)
        doc["locations"] = [{"physicalLocation": _physical(where)}]
    return doc


def document(report: Report, lang: str = "en") -> dict:
    rules = list(report.rules)
    known = {r.id for r in rules}
    for v in report.violations:      # a finding of a rule the report does not list still needs one
        if v.rule_id not in known:
            known.add(v.rule_id)
            rules.append(RuleInfo(v.rule_id, "unknown", v.severity, v.message, "sodcheck"))
    rule_index = {r.id: i for i, r in enumerate(rules)}
    seen: Counter = Counter()
    results = []
    for v in report.violations:
        seen[fingerprint(v)] += 1
        results.append(_result(v, report, rule_index, lang, seen[fingerprint(v)]))
    run: dict = {
        "tool": {"driver": {"name": "sodcheck", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(r, lang) for r in rules]}},
        "invocations": [{"executionSuccessful": True,
                         "toolExecutionNotifications": [_notification(w, lang) for w in report.warnings]}],
        "artifacts": [{"location": {"uri": artifact_uri(f)}} for f in report.inputs],
        "results": results,
        "properties": {"as_of": report.as_of.isoformat(),
                       "counted": sum(1 for v in report.violations if v.counts)},
    }
    baseline = report.stat("baseline")
    if baseline:
        run["properties"]["baseline"] = {k: baseline[k] for k in ("new", "unchanged", "absent")}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, options) -> str:
    return json.dumps(document(report, options.lang), ensure_ascii=False, indent=2) + "\n"
