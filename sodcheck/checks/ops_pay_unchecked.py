"""ops_pay_unchecked: every pay step of a business has a recheck step at or before its time
(未经复核不得发放).

    - id: OPS-PAY-UNCHECKED
      kind: ops_pay_unchecked

passes: 复核 at 10:00, 发放 at 10:00 the same day
fails:  初审, 终审, 支付 with no 复核; or 复核 only after 发放
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ops.findings import business_subject, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("business",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_pay_unchecked"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    log = ctx.ops
    if log is None:
        return
    s = steps(log)
    rechecks = s.filter(s.kind == "recheck")
    first_recheck = rechecks.group_by("biz_id").agg(first_recheck=rechecks.time.min())
    pays = s.filter(s.kind == "pay")
    pays = pays.left_join(first_recheck, "biz_id")
    unchecked = pays.filter(pays.first_recheck.isnull() | (pays.first_recheck > pays.time))
    hits = unchecked.group_by("biz_id").agg(unit=unchecked.unit.min(), pays=unchecked.count(),
                                            first_recheck=unchecked.first_recheck.min())
    focus = s.filter(s.kind.isin(("pay", "recheck")))

    def detail(row: dict) -> Text:
        if row["first_recheck"] is None:
            return Text(f"{row['pays']} 个发放环节，业务中没有复核环节",
                        f"{row['pays']} payment step(s), and the business has no recheck step")
        when = row["first_recheck"].isoformat(sep=" ")
        return Text(f"{row['pays']} 个发放环节早于第一次复核（{when}）",
                    f"{row['pays']} payment step(s) before the first recheck ({when})")

    out.later(out.violations, report(rule, log, hits, focus, "biz_id", business_subject, detail))
