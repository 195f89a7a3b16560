"""incompatible: no subject may hold ``n`` or more of a set of duties (NIST RBAC static SoD).

Holding a duty means holding it or any duty below it. With ``against``, the rule instead fires
when a subject holds any of ``duties`` together with any of ``against``.

    - id: SOD-ACC-CASH
      kind: incompatible
      duties: [accounting, cashier]

passes: 王芳 会计 (row 2) and 李强 出纳 (row 3)
fails:  李娜 "会计、出纳" (row 4) — one person holds both
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..ruleset import RuleBase
from .base import Context, Findings, finding, held_text

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("person", "account", "role")
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ()


class Rule(RuleBase):
    kind: Literal["incompatible"]
    duties: list[str] = Field(min_length=1)
    n: int = Field(default=2, ge=2)
    against: list[str] | None = None

    @field_validator("duties", "against")
    @classmethod
    def _distinct(cls, duties: list[str] | None) -> list[str] | None:
        # A duty listed twice is one duty: counting the list would flag someone holding only it.
        return list(dict.fromkeys(duties)) if duties is not None else None

    @model_validator(mode="after")
    def _enough_duties(self) -> Rule:
        if self.against is None and len(self.duties) < self.n:
            raise ValueError(f"needs at least n={self.n} distinct duties (or an 'against' list)")
        return self

    def duty_refs(self) -> list[tuple[str, str]]:
        return [("duties", d) for d in self.duties] + [("against", d) for d in self.against or []]


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    for table in ctx.tables:
        if rule.against:
            hit = table.holds_any(rule.duties) & table.holds_any(rule.against)
        else:
            hit = table.holds(rule.duties) >= rule.n
        for index in np.flatnonzero(hit).tolist():
            held = table.held_duties(index, dict.fromkeys(rule.duties + (rule.against or [])))
            evidence = [e for d in held for e in table.evidence(index, d)]
            out.violations.append(finding(rule, table.subjects[index], held_text(ctx.taxonomy, held, evidence),
                                          evidence, held))
