"""requires: whoever holds one of these duties must have an attribute (today: established staff).

A holder whose staff type is blank or unknown gets a warning instead, since it cannot be judged.

    - id: STAFF-HIGH-RISK
      kind: requires
      high_risk: true
      attribute: established

passes: 陈静 出纳, 人员身份 在编
fails:  杨帆 费率核定, 人员身份 劳务派遣
"""
from __future__ import annotations

from typing import Literal

from ..model import DataWarning, Text
from .base import Context, DutySelection, Findings, duty_list, finding, judged, selected_duties, staff_cell

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("person",)
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("staff",)


class Rule(DutySelection):
    kind: Literal["requires"]
    attribute: Literal["established"] = "established"


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    table = ctx.people
    if table is None:
        return
    duties = selected_duties(rule, ctx.taxonomy)
    for index in (i for i, n in enumerate(table.holds(duties)) if n):
        held = table.held_duties(index, duties)
        evidence = [e for d in held for e in table.evidence(index, d)]
        status = table.established[index]
        if status is False:
            detail = Text(f"{duty_list(ctx.taxonomy, held, 'zh', evidence)}，非在编人员",
                          f"{duty_list(ctx.taxonomy, held, 'en', evidence)} held by non-established staff")
            out.violations.append(finding(rule, table.subjects[index], detail, judged(evidence, staff_cell), held))
        elif status is None:
            first = min(evidence)
            out.warnings.append(DataWarning(
                "STAFF-TYPE-MISSING", first.file, first.sheet, first.row, first.staff_column,
                Text(f"{table.subjects[index].name} 担任 {duty_list(ctx.taxonomy, held, 'zh', evidence)}，"
                     "但人员身份为空或无法识别，无法判断是否在编",
                     f"{table.subjects[index].name} holds {duty_list(ctx.taxonomy, held, 'en', evidence)} "
                     "but the staff type is blank or unknown, so 在编 cannot be judged")))
