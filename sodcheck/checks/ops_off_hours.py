"""ops_off_hours: operators work within working time: Monday to Friday, start <= time < end
(08:00:00 to 18:00:00), public holidays excepted and make-up working days (调休) included, both
listed by date in the ops_calendar of the rule files.

    - id: OPS-OFF-HOURS
      kind: ops_off_hours
      start: "08:00:00"
      end: "18:00:00"

passes: steps at 08:00:00 and 17:59:59 on a Tuesday
fails:  a step at 18:00:00, at 07:59:59, on a Saturday, or on 2024-10-02
"""
from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import model_validator

from ..model import Text
from ..ops.findings import account_subject, report, steps
from ..ruleset import RuleBase
from .base import Context, Findings

APPLIES_TO = ("account",)
NEEDS = ("ops",)


class Rule(RuleBase):
    kind: Literal["ops_off_hours"]
    start: time = time(8)
    end: time = time(18)

    @model_validator(mode="after")
    def _ordered(self) -> Rule:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def check(rule: Rule, ctx: Context, out: Findings) -> None:
    import ibis

    log = ctx.ops
    if log is None:
        return
    s = steps(log)
    s = s.filter(s.operator.notnull())
    day = s.time.date()
    # day_of_week.index() is Monday = 0 on every Ibis backend.
    weekday = s.time.day_of_week.index() < 5
    holidays, workdays = sorted(log.config.holidays), sorted(log.config.workdays)
    if holidays:
        weekday = weekday & ~day.isin(holidays)
    workday = weekday | day.isin(workdays) if workdays else weekday
    clock = s.time.hour() * 3600 + s.time.minute() * 60 + s.time.second()
    working = workday & (clock >= _seconds(rule.start)) & (clock < _seconds(rule.end))
    off = s.filter(~working)
    per = off.group_by("operator").agg(steps=off.count(), first=off.time.min(), last=off.time.max())

    def detail(row: dict) -> Text:
        who = log.describe_text(row["operator"])
        first, last = row["first"].isoformat(sep=" "), row["last"].isoformat(sep=" ")
        return Text(f"{who.zh} 有 {row['steps']} 个环节在工作时间之外（{first} 至 {last}）",
                    f"{who.en}: {row['steps']} step(s) outside working time ({first} to {last})")

    out.later(out.violations, report(rule, log, per, off, "operator", account_subject(log), detail))
    del ibis
