"""ops_front_back: no operator performs both front-office steps (accept, modify) and back-office
steps (review, recheck, approve, modify_approve) anywhere in the log (前台操作和后台审核必须分开).

    - id: OPS-FRONT-BACK
      kind: ops_front_back

passes: qt000 only 受理 and 修改; cs000 only 审核
fails:  qt000 受理 one business and 更正审批 another
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ops.config import BACK_OFFICE, FRONT_OFFICE
from ..ops.findings import account_subject, flag_kinds, kinds_text, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("account",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_front_back"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    log = ctx.ops
    if log is None:
        return
    s = steps(log)
    office = s.filter(s.kind.isin(FRONT_OFFICE + BACK_OFFICE) & s.operator.notnull())
    per = office.group_by("operator").agg(
        front=office.kind.isin(FRONT_OFFICE).sum(), back=office.kind.isin(BACK_OFFICE).sum(),
        **{f"has_{k}": (office.kind == k).any() for k in FRONT_OFFICE + BACK_OFFICE})
    hits = per.filter((per.front > 0) & (per.back > 0))

    def detail(row: dict) -> Text:
        front, back = kinds_text(flag_kinds(row, FRONT_OFFICE)), kinds_text(flag_kinds(row, BACK_OFFICE))
        who = log.describe_text(row["operator"])
        return Text(f"{who.zh} 前台 {row['front']} 次（{front.zh}），后台 {row['back']} 次（{back.zh}）",
                    f"{who.en}: {row['front']} front-office step(s) ({front.en}), {row['back']} back-office "
                    f"step(s) ({back.en})")

    out.later(out.violations, report(rule, log, hits, office, "operator", account_subject(log), detail,
                                     parts=lambda rows: rows.kind.isin(BACK_OFFICE).cast("int8")))
