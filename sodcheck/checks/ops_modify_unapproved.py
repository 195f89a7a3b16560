"""ops_modify_unapproved: every modify step of a business has a modify_approve step by a different
operator in the same business at a time t with modify_time <= t <= modify_time + window_days
(inclusive). A change whose window has not yet passed at the latest time of all --ops inputs is
a notice (pending), not a violation.

    - id: OPS-MODIFY-UNAPPROVED
      kind: ops_modify_unapproved
      window_days: 7

passes: qt003 修改 on 03-12 13:10, sp001 变更审批 on 03-19 13:10 (exactly 7 days)
fails:  the approval by qt003 himself, or one second after the 7 days, or none
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import Text
from ..ops.findings import business_subject, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("business",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_modify_unapproved"]
    window_days: int = Field(default=7, ge=0, le=3660)


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    import ibis

    log = ctx.ops
    if log is None or log.latest is None:
        return
    latest = log.latest.isoformat(sep=" ")
    s = steps(log)
    window = ibis.interval(days=rule.window_days)
    changes = s.filter(s.kind == "modify")
    approvals = s.filter((s.kind == "modify_approve") & s.operator.notnull()).select(
        approved_biz=s.biz_id, approver=s.operator, approved_at=s.time)
    unapproved = changes.anti_join(approvals, [
        changes.biz_id == approvals.approved_biz, approvals.approver != changes.operator,
        approvals.approved_at >= changes.time, approvals.approved_at <= changes.time + window])
    unapproved = unapproved.mutate(pending=(unapproved.time + window) > ibis.literal(log.latest, "timestamp"))
    per = unapproved.group_by("biz_id").agg(
        unit=unapproved.unit.min(), elapsed=(~unapproved.pending).sum(), waiting=unapproved.pending.sum())
    focus = s.filter(s.kind.isin(("modify", "modify_approve")))

    def detail(row: dict) -> Text:
        if row["elapsed"]:
            return Text(f"{row['elapsed']} 个修改环节在 {rule.window_days} 天内没有他人审批",
                        f"{row['elapsed']} change step(s) without another operator's approval within "
                        f"{rule.window_days} days")
        return Text(f"{row['waiting']} 个修改环节尚待审批，{rule.window_days} 天期限未满（日志最晚时间 {latest}）",
                    f"{row['waiting']} change step(s) await approval; the {rule.window_days}-day window has "
                    f"not passed at the log's latest time {latest}")

    # Materialised once: split into violations (a window passed) and notices (all still open).
    with log.materialised(per) as per:
        for into, found in ((out.violations, per.elapsed > 0), (out.notices, per.elapsed == 0)):
            out.later(into, report(rule, log, per.filter(found), focus, "biz_id", business_subject, detail))
