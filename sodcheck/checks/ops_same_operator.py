"""ops_same_operator: within one business, no operator performs two different kinds among
accept, review, recheck, approve and pay (自己受理自己审核, 初审复审同一人, 审核人自己发放).
Repeating one kind (初审 again after a return) is not a finding.

    - id: OPS-SAME-OPERATOR
      kind: ops_same_operator

passes: qt002 受理, cs000 审核, fs002 复核 of one business
fails:  qt002 受理 and qt002 审核 of one business
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ops.config import HANDLING_KINDS
from ..ops.findings import business_subject, flag_kinds, kinds_text, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("business",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_same_operator"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    import ibis

    log = ctx.ops
    if log is None:
        return
    s = steps(log)
    handled = s.filter(s.kind.isin(HANDLING_KINDS) & s.operator.notnull())
    # Two different kinds: the smallest and the largest differ (cheaper than counting distinct).
    # Only that is worked out over every (business, operator) pair, tens of millions in a large
    # log: with the flags and the unit as well, DuckDB could not keep the aggregation within a
    # 1 GB budget. The few pairs found get them afterwards.
    pairs = handled.group_by("biz_id", "operator").agg(first_kind=handled.kind.min(), last_kind=handled.kind.max())
    with log.materialised(pairs.filter(pairs.first_kind != pairs.last_kind).select("biz_id", "operator")) as mixed:
        focus = handled.semi_join(mixed, ["biz_id", "operator"])
        flagged = focus.group_by("biz_id", "operator").agg(
            unit=focus.unit.min(), **{f"has_{k}": (focus.kind == k).any() for k in HANDLING_KINDS})
        # One finding per business, naming every operator who did more than one kind of step in
        # it: the hit row carries them with their kind flags, so it holds its whole message.
        handled_by = ibis.struct({"operator": flagged.operator, **{f"has_{k}": flagged[f"has_{k}"]
                                                                   for k in HANDLING_KINDS}}).collect()
        hits = flagged.group_by("biz_id").agg(unit=flagged.unit.min(), handled_by=handled_by)

        def detail(row: dict) -> Text:
            parts = [(log.describe_text(r["operator"]), kinds_text(flag_kinds(r, HANDLING_KINDS)))
                     for r in sorted(row["handled_by"], key=lambda r: r["operator"])]
            return Text("；".join(f"{name.zh} 办理了 {kinds.zh}" for name, kinds in parts),
                        "; ".join(f"{name.en} performed {kinds.en}" for name, kinds in parts))

        out.later(out.violations, report(rule, log, hits, focus, "biz_id", business_subject, detail))
