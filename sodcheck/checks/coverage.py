"""coverage: every unit in the staffing input has someone holding these duties who has the
attribute (established staff). With ``check_holders``, each holder without the attribute is a
finding too.

    - id: ORG-INTERNAL-CONTROL
      kind: coverage
      duties: [internal_control]
      attribute: established
      check_holders: true

passes: 养老保险管理中心 has 赵敏, 内控稽核, 在编
fails:  劳动就业管理局 has only 徐丽, 内控岗, 编外 (a unit finding and a person finding)
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..model import Evidence, Subject, Text
from ..ruleset import RuleBase
from ..text import compact
from .base import Context, Findings, duty_list, finding, judged, staff_cell

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("person", "unit")
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("staff",)


class Rule(RuleBase):
    kind: Literal["coverage"]
    duties: list[str] = Field(min_length=1)
    attribute: Literal["established"] = "established"
    check_holders: bool = False

    def duty_refs(self) -> list[tuple[str, str]]:
        return [("duties", d) for d in self.duties]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    covered: set[str] = set()
    # Per unit, the rows of those who hold the duties but cannot cover it: the evidence of the
    # unit's finding, since they are what was considered and found wanting.
    wanting: dict[str, list[Evidence]] = {}
    table = ctx.people
    if table is not None:
        for index in np.flatnonzero(table.holds_any(rule.duties)).tolist():
            if table.established[index] is True:
                covered |= table.units[index]
                continue
            held = table.held_duties(index, rule.duties)
            evidence = [e for d in held for e in table.evidence(index, d)]
            for unit in table.units[index]:
                wanting.setdefault(unit, []).extend(evidence)
            if table.established[index] is False and rule.check_holders:
                detail = Text(f"{duty_list(ctx.taxonomy, held, 'zh', evidence)}由非在编人员担任",
                              f"{duty_list(ctx.taxonomy, held, 'en', evidence)} held by non-established staff")
                out.violations.append(finding(rule, table.subjects[index], detail, judged(evidence, staff_cell),
                                              held))
    for unit in ctx.units:
        key = compact(unit)
        if key not in covered:
            detail = Text(f"本单位没有在编人员担任{duty_list(ctx.taxonomy, rule.duties, 'zh')}",
                          f"no established person in this unit holds "
                          f"{duty_list(ctx.taxonomy, rule.duties, 'en')}")
            # Without any holder, the unit's own rows are what was looked through.
            evidence = judged(wanting[key], staff_cell) if key in wanting else ctx.unit_rows.get(key, [])
            out.violations.append(finding(rule, Subject("unit", unit, unit), detail, evidence, rule.duties))
