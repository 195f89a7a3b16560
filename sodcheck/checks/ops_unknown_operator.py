"""ops_unknown_operator: with --perms, every operator of the log is an account of the permission
export (a step by an account nobody can name is a step nobody answers for).

    - id: OPS-UNKNOWN-OPERATOR
      kind: ops_unknown_operator

passes: operator cs001, an account of the export
fails:  operator tmp999, in no export
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ops.findings import account_subject, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("account",)
NEEDS = ("ops", "perms")


class Rule(RuleBase):
    kind: Literal["ops_unknown_operator"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    log = ctx.ops
    if log is None or not log.accounts_given:
        return
    s = steps(log)
    s = s.filter(s.operator.notnull())
    unknown = s.anti_join(log.account_codes(), "operator")
    per = unknown.group_by("operator").agg(steps=unknown.count(), businesses=unknown.biz_id.nunique())

    def detail(row: dict) -> Text:
        return Text(f"{row['operator']} 在 {row['businesses']} 笔业务中办理了 {row['steps']} 个环节",
                    f"{row['operator']} performed {row['steps']} step(s) in {row['businesses']} business(es)")

    out.later(out.violations, report(rule, log, per, unknown, "operator", account_subject(log), detail))
