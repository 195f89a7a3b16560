"""Baselines: adopt sodcheck on a system that already has findings, and fail only on new ones.

A baseline is the JSON report of an earlier run (``--format json``). Findings are matched by
Violation.fingerprint (rule, subject kind and name, duties), never by row or line, so sorting a
sheet or moving a role in its file changes nothing. Matching counts: if the baseline held one
finding with a fingerprint and the run has two, one of them is new.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace

from .model import Report, SodcheckError, Text, Violation, sorted_violations
from .yamlsource import read_text

Fingerprint = tuple[str, str, str, tuple[str, ...]]


def _fingerprint(v: dict) -> Fingerprint:
    """Violation.fingerprint of a finding as the JSON report wrote it."""
    return (v["rule_id"], v["subject"]["kind"], v["subject"]["name"],
            tuple(sorted(map(str, v.get("duties") or []))))


def _bad(path: str, detail: str, zh: str | None = None) -> SodcheckError:
    return SodcheckError(Text(f"基线文件不是 sodcheck 的 JSON 报告：{zh or detail}",
                              f"the baseline is not a sodcheck JSON report: {detail}"), file=path)


@dataclass(frozen=True)
class Baseline:
    path: str
    counts: Counter
    violations: list[dict]     # as written, without what-if removals


def load_baseline(path: str) -> Baseline:
    """Read before the run, so that a bad file fails fast."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SodcheckError(Text(f"基线文件不是有效的 JSON：{exc.msg}", f"the baseline is not valid JSON: {exc.msg}"),
                            file=path, line=exc.lineno, column=str(exc.colno)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("violations"), list):
        raise _bad(path, "no `violations` list (write one with --format json)",
                   "没有 violations 列表（请用 --format json 生成）")
    tool = doc.get("tool")
    if isinstance(tool, dict) and tool.get("name") not in (None, "sodcheck"):
        raise _bad(path, f"written by {tool.get('name')!r}", f"由 {tool.get('name')!r} 生成")
    counts: Counter = Counter()
    kept: list[dict] = []
    for i, v in enumerate(doc["violations"]):
        try:
            subject = v["subject"]
            duties = v.get("duties") or []
            if not all(isinstance(x, str) for x in (v["rule_id"], subject["kind"], subject["name"])) \
                    or not isinstance(duties, list):
                raise TypeError
            fingerprint = _fingerprint(v)
        except (KeyError, TypeError, AttributeError):
            raise _bad(path, f"violation #{i + 1} lacks rule_id, subject.kind or subject.name",
                       f"第 {i + 1} 条违规缺少 rule_id、subject.kind 或 subject.name") from None
        # A finding a what-if change removed was never there after the change.
        if v.get("change") == "removed":
            continue
        counts[fingerprint] += 1
        kept.append(v)
    return Baseline(path, counts, kept)


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    remaining = Counter(baseline.counts)
    marked: list[Violation] = []
    for v in report.violations:
        if v.change == "removed":
            marked.append(v)
        elif remaining[v.fingerprint] > 0:
            remaining[v.fingerprint] -= 1
            marked.append(replace(v, baseline="unchanged"))
        else:
            marked.append(replace(v, baseline="new"))
    absent = []
    for v in baseline.violations:
        fingerprint = _fingerprint(v)
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
            absent.append({"rule_id": fingerprint[0],
                           "subject": {"kind": fingerprint[1], "name": fingerprint[2]},
                           "duties": list(fingerprint[3]), "severity": v.get("severity")})
    stats = report.stats_with(baseline={
        "file": baseline.path,
        "new": sum(1 for v in marked if v.baseline == "new"),
        "unchanged": sum(1 for v in marked if v.baseline == "unchanged"),
        "absent": len(absent),
        "absent_violations": absent,
    })
    return replace(report, violations=sorted_violations(marked), stats=stats)
