"""tenure: nobody holds one of these duties continuously for more than ``max_years``.

Exactly ``max_years`` is allowed. Within ``notice_days`` of the limit the finding is a notice, not a
violation. A holder whose start date is blank or unreadable gets a warning, since their tenure
cannot be judged. Only inputs with start dates (staffing sheets) are checked.

    - id: TENURE-HIGH-RISK
      kind: tenure
      high_risk: true
      max_years: 5

passes: 朱琳 会计 since 2014-06-30, as of 2019-06-30 (exactly 5 years; a notice)
fails:  孙涛 会计 since 2014.06 (read as 2014-06-01), as of 2019-06-30
"""
from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from ..loaders.dates import add_years
from ..model import DataWarning, Evidence, Text
from .base import Context, DutySelection, Findings, finding, judged, selected_duties

# The subject kinds this kind reports on; the engine hands it only the inputs that have them.
APPLIES_TO = ("person",)
# The inputs it needs, all of them (staff, perms, roles, ops); without them it is not listed.
NEEDS: tuple[str, ...] = ("staff",)


class Rule(DutySelection):
    kind: Literal["tenure"]
    max_years: int = Field(default=5, ge=1)
    notice_days: int = Field(default=180, ge=0)


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    table = ctx.people    # tenure is a fact of posts, and only staffing sheets have start dates
    if table is None:
        return
    duties = selected_duties(rule, ctx.taxonomy)
    for index in (i for i, n in enumerate(table.holds(duties)) if n):
        over, near, over_ev, near_ev = [], [], [], []
        for duty in table.held_duties(index, duties):
            # Tenure is a fact of posts; permissions carry no start date.
            evidence = [e for e in table.evidence(index, duty) if e.permission is None]
            dated = [e for e in evidence if e.start]
            starts = [e.start for e in dated if e.start is not None]
            for e in evidence:
                if e.start is None and e.file and e.row:
                    out.warnings.append(DataWarning(
                        "TENURE-UNKNOWN", e.file, e.sheet, e.row, e.start_column,
                        Text(f"高风险岗位“{e.post}”没有可用的任现岗时间，无法判断任职年限",
                             f"high-risk post {e.post!r} has no usable start date, so its tenure "
                             "cannot be judged")))
            if not starts:
                continue
            start = min(starts)
            limit = add_years(start, rule.max_years)
            first = [e for e in dated if e.start == start]
            if ctx.as_of > limit:
                over.append((duty, start, limit))
                over_ev += first
            elif ctx.as_of >= limit - timedelta(days=rule.notice_days):
                near.append((duty, start, limit))
                near_ev += first
        subject = table.subjects[index]
        if over:
            out.violations.append(finding(rule, subject, _detail(ctx, over), judged(over_ev, _start_cell),
                                          [d for d, _, _ in over]))
        if near:
            out.notices.append(finding(rule, subject, _detail(ctx, near), judged(near_ev, _start_cell),
                                       [d for d, _, _ in near], _notice(rule)))


def _start_cell(e: Evidence) -> str | None:
    return e.start_column


def _notice(rule: Rule) -> Text:
    return Text(f"任职将在 {rule.notice_days} 天内达到 {rule.max_years} 年上限，请提前安排轮岗",
                f"Tenure reaches the {rule.max_years}-year limit within {rule.notice_days} days; "
                "plan the rotation")


def _detail(ctx: Context, items) -> Text:
    zh = "；".join(f"{ctx.taxonomy.label(d, 'zh')}自 {s:%Y-%m-%d} 起，{end:%Y-%m-%d} 满期" for d, s, end in items)
    en = "; ".join(f"{ctx.taxonomy.label(d, 'en')} since {s:%Y-%m-%d}, limit {end:%Y-%m-%d}"
                   for d, s, end in items)
    return Text(zh, en)
