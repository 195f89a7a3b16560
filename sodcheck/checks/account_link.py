"""account_link: every active account in a permission export belongs to a person of the staffing
input. Only checked when both --staff and --perms are given.

    - id: ACCOUNT-UNLINKED
      kind: account_link

passes: account m1 with id 341702198002020205, a person in the staffing sheet
fails:  account m9 "测试账号", whose id, name and unit match nobody
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from ..model import Text
from ..ruleset import RuleBase
from .base import Context, Findings, finding

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("account",)
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("staff", "perms")


class Rule(RuleBase):
    kind: Literal["account_link"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    table = ctx.accounts
    if table is None or not table.linking:
        return
    for index in np.flatnonzero(table.active).tolist():
        out.violations.append(finding(
            rule, table.subjects[index], Text("按身份证号、姓名加单位、唯一姓名均未匹配到人员",
                                              "no person matches by id number, by name and unit, or by unique name"),
            table.origin(index), []))
