"""ops_self_service: no operator handles a business of their own: the business's person_id is not
the operator's id number (compared without regard to the case of a final X). The operator's id
comes from the permission export's account row, or from the person it links to in --staff
(经办人员回避).

    - id: OPS-SELF-SERVICE
      kind: ops_self_service

passes: qt001 受理 a business of 341702195201010011
fails:  qt001 (id 341702197103038186) 受理 a business of 341702197103038186
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
    kind: Literal["ops_self_service"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    log = ctx.ops
    if log is None or not any(info.id_number for info in log.operators.values()):
        return
    s = steps(log)
    s = s.filter(s.person_id.notnull() & s.operator.notnull())
    people = log.directory()
    joined = s.join(people, [s.operator == people.operator, s.person_id.upper() == people.id_upper])
    own = joined.select(*s.columns)
    pairs = own.group_by("biz_id", "operator").agg(unit=own.unit.min())
    hits = pairs.group_by("biz_id").agg(unit=pairs.unit.min(), operators=pairs.operator.collect())

    def detail(row: dict) -> Text:
        operators = sorted(row["operators"])
        return Text(f"{'、'.join(log.describe(o, 'zh') for o in operators)} 办理了本人的业务",
                    f"{', '.join(log.describe(o, 'en') for o in operators)} handled their own business")

    out.later(out.violations, report(rule, log, hits, own, "biz_id", business_subject, detail))
