"""Baselines: adopt sodcheck on a system that already has findings, and fail only on new ones.

A baseline is the JSON report of an earlier run (``--format json``). Findings are matched by
their identity (model.finding_identity: rule, subject kind, system, unit, name, duties), never by
row or line, so sorting a sheet or moving a role in its file changes nothing. Matching counts: if
the baseline held one finding with an identity and the run has two, one of them is new.

Reports written before accounts had systems (0.1) carry no ``system``: such an entry matches a
finding of any system with the rest of the identity equal.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace

from .model import FindingIdentity, Report, SodcheckError, Text, Violation, identity_from_json, sorted_violations
from .yamlsource import read_text

# How deep a JSON report nests at most (violations → evidence → path); anything deeper is not one.
MAX_DEPTH = 64


def _bad(path: str, detail: str, zh: str | None = None) -> SodcheckError:
    return SodcheckError(Text(f"基线文件不是 sodcheck 的 JSON 报告：{zh or detail}",
                              f"the baseline is not a sodcheck JSON report: {detail}"), file=path)


@dataclass(frozen=True)
class Baseline:
    path: str
    counts: Counter[FindingIdentity]  # identity -> how many findings the baseline holds
    violations: list[dict]            # as written, without what-if removals

    def take(self, remaining: Counter[FindingIdentity], identity: FindingIdentity) -> bool:
        """Use up one baseline finding with this identity, if one is left."""
        for key in (identity, identity._replace(system=None)):
            if remaining[key] > 0:
                remaining[key] -= 1
                return True
        return False


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings; measured before parsing, because Python's
    json module raises RecursionError on a document nested many thousands deep."""
    deepest = depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def load_baseline(path: str) -> Baseline:
    """Read before the run, so that a bad file fails fast."""
    text = read_text(path)
    if _depth(text) > MAX_DEPTH:
        raise _bad(path, f"nested more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SodcheckError(Text(f"基线文件不是有效的 JSON：{exc.msg}", f"the baseline is not valid JSON: {exc.msg}"),
                            file=path, line=exc.lineno, column=str(exc.colno)) from None
    except (ValueError, RecursionError) as exc:
        # Python refuses integers of thousands of digits (and very deep documents) with these.
        raise _bad(path, str(exc), str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("violations"), list):
        raise _bad(path, "no `violations` list (write one with --format json)",
                   "没有 violations 列表（请用 --format json 生成）")
    tool = doc.get("tool")
    if isinstance(tool, dict) and tool.get("name") not in (None, "sodcheck"):
        raise _bad(path, f"written by {tool.get('name')!r}", f"由 {tool.get('name')!r} 生成")
    counts: Counter[FindingIdentity] = Counter()
    kept: list[dict] = []
    for i, v in enumerate(doc["violations"]):
        try:
            subject = v["subject"]
            duties = v.get("duties") or []
            if not all(isinstance(x, str) for x in (v["rule_id"], subject["kind"], subject["name"])) \
                    or not isinstance(duties, list) \
                    or not all(isinstance(subject.get(k), str | None) for k in ("unit", "system")):
                raise TypeError
            identity = identity_from_json(v)
        except (KeyError, TypeError, AttributeError):
            raise _bad(path, f"violation #{i + 1} lacks rule_id, subject.kind or subject.name",
                       f"第 {i + 1} 条违规缺少 rule_id、subject.kind 或 subject.name") from None
        # A finding a what-if change removed was never there after the change.
        if v.get("change") == "removed":
            continue
        counts[identity] += 1
        kept.append(v)
    return Baseline(path, counts, kept)


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    remaining = Counter(baseline.counts)
    marked: list[Violation] = []
    for v in report.violations:
        if v.change == "removed":
            marked.append(v)
        elif baseline.take(remaining, v.identity):
            marked.append(replace(v, baseline="unchanged"))
        else:
            marked.append(replace(v, baseline="new"))
    absent = []
    for entry in baseline.violations:
        identity = identity_from_json(entry)
        if remaining[identity] > 0:
            remaining[identity] -= 1
            subject = {"kind": identity.kind, "name": identity.name, "unit": identity.unit}
            if identity.system is not None:
                subject["system"] = identity.system
            absent.append({"rule_id": identity.rule_id, "subject": subject,
                           "duties": list(identity.duties), "severity": entry.get("severity")})
    stats = report.stats_with(baseline={
        "file": baseline.path,
        "new": sum(1 for v in marked if v.baseline == "new"),
        "unchanged": sum(1 for v in marked if v.baseline == "unchanged"),
        "absent": len(absent),
        "absent_violations": absent,
    })
    return replace(report, violations=sorted_violations(marked), stats=stats)
