"""ops_review_levels: a completed business (a step of kind approve, pay or complete) had as many
distinct review levels (review, recheck, approve) as its class needs: important businesses three
(三级审核), general ones two (二级审核). Businesses still in progress are not judged.

    - id: OPS-REVIEW-LEVELS
      kind: ops_review_levels

passes: 受理, 初审, 复核, 审批, 发放 of a 退休人员待遇支付 (important, three levels)
fails:  受理, 业务审核, 终审, 支付, 归档 of a 医疗保险关系转出 (important, two levels)
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ops.config import REVIEW_KINDS
from ..ops.findings import business_subject, flag_kinds, kinds_text, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("business",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_review_levels"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    import ibis

    log = ctx.ops
    if log is None:
        return
    # The loader summarised every business once (completed, review kinds had, levels needed).
    per = log.businesses
    per = per.mutate(levels=sum((per[f"has_{k}"].cast("int32") for k in REVIEW_KINDS), ibis.literal(0)))
    hits = per.filter(per.completed & (per.levels < per.required))

    def detail(row: dict) -> Text:
        present = flag_kinds(row, REVIEW_KINDS)
        held = kinds_text(present) if present else Text("无", "none")
        zh_type, en_type = (row["biz_type"] or "业务").strip(), (row["biz_type"] or "the business").strip()
        return Text(f"{zh_type}需 {row['required']} 级审核，实有 {row['levels']} 级：{held.zh}",
                    f"{en_type} needs {row['required']} review levels, had "
                    f"{row['levels']}: {held.en}")

    out.later(out.violations, report(rule, log, hits, steps(log), "biz_id", business_subject, detail))
