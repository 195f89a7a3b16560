"""permission_scope: a person's system permissions carry no duty that none of their posts carries.
A post covers its own duty and every duty below it. Only checked when accounts are linked to
people (--staff with --perms).

    - id: PERM-BEYOND-POST
      kind: permission_scope

passes: 乙二, post 会计 (accounting), permission 支付审批 (payment_approval, under accounting)
fails:  乙一, post 参保登记 (business), permission 支付录入 (payment_entry, under cashier)
"""
from __future__ import annotations

from typing import Literal

from ..model import Text
from ..ruleset import RuleBase
from .base import Context, Findings, duty_list, finding

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("person",)
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("staff", "perms")


class Rule(RuleBase):
    kind: Literal["permission_scope"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    table = ctx.people
    if table is None:
        return
    for index, duties in enumerate(table.duty_maps):
        from_posts = {d for d, ev in duties.items() if any(e.permission is None for e in ev)}
        from_perms = {d for d, ev in duties.items() if any(e.permission is not None for e in ev)}
        beyond = sorted(d for d in from_perms
                        if not any(d in ctx.taxonomy.below(p) for p in from_posts))
        if not beyond:
            continue
        evidence = [e for d in beyond for e in duties[d] if e.permission is not None]
        detail = Text(f"岗位未涵盖的权限职责：{duty_list(ctx.taxonomy, beyond, 'zh')}",
                      f"permissions carry {duty_list(ctx.taxonomy, beyond, 'en')}, which no post covers")
        out.violations.append(finding(rule, table.subjects[index], detail, evidence, beyond))
