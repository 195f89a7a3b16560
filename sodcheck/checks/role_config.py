"""role_config: problems of a role configuration itself (--roles), found while reading it: include
cycles, references to roles or permissions that do not exist, permissions that no
permission_duties entry maps to a duty (they are invisible to every other rule). Permission
exports are not checked by this kind: a cycle there stays a ROLE-CYCLE warning.

    - id: ROLE-CYCLE
      kind: role_config
      problem: cycle

passes: clerk includes viewer, viewer includes nothing
fails:  a includes b, b includes a (one finding, about a, naming a and b)
"""
from __future__ import annotations

from typing import Literal

from ..ruleset import RuleBase
from .base import Context, Findings, finding

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("role",)
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("roles",)


class Rule(RuleBase):
    kind: Literal["role_config"]
    problem: Literal["cycle", "unknown_reference", "unmapped_permission"]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    table = ctx.role_config
    if table is None:
        return
    for problem in table.problems[rule.problem]:
        out.violations.append(finding(rule, problem.subject, problem.detail, problem.evidence, []))
