"""The plan's monthly-sample item (内控岗位每月随机抽查, ``judged_by: sample``) judged on the filled
worksheets of ``sodcheck sample``: were the months sampled, are the records complete, and can the
worksheets show that the sample was not hand-picked.

What each problem weighs is data here, beside the scale that turns the worst of them into points:

- a worksheet that cannot prove its sample (altered, trimmed, added to, not what a redraw gives,
  two samples for one month): high;
- a month from the first worksheet's to the month before the assessment date without a worksheet,
  and incomplete records (no conclusion, an unreadable one, a problem without a description, no
  checker, a business listed twice): medium;
- businesses still 待核实 (the problem found not yet followed up): low.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..model import SEVERITY_RANK, Text
from ..report.wording import SEVERITY_WORDS
from ..sample.draw import previous_month

if TYPE_CHECKING:  # reading worksheets needs openpyxl, which judging them does not
    from ..sample.monthly import MonthlyReport

# Worksheet problems (the flags of `sample report`) by how much they weigh, with how the basis
# names them.
FLAG_PROBLEMS: dict[str, tuple[str, Text]] = {
    "SAMPLE-ALTERED": ("high", Text("样本记录被改动", "sample record altered")),
    "SAMPLE-TRIMMED": ("high", Text("核查清单少了抽中的业务", "drawn businesses left out")),
    "SAMPLE-ADDED": ("high", Text("核查清单多了未抽中的业务", "businesses added that were not drawn")),
    "REDRAW-MISMATCH": ("high", Text("重新抽样与核查表不符", "a redraw does not give the sample")),
    "SAMPLES-DIFFER": ("high", Text("同月有不同的样本", "two samples for one month")),
    "ANSWER-BLANK": ("medium", Text("未填写核查结论", "no conclusion")),
    "ANSWER-UNREADABLE": ("medium", Text("核查结论无法识别", "unreadable conclusion")),
    "PROBLEM-UNDESCRIBED": ("medium", Text("有问题未描述", "problem not described")),
    "CHECKER-BLANK": ("medium", Text("未填写核查人", "no checker")),
    "ROW-REPEATED": ("medium", Text("业务重复列出", "business listed twice")),
}
MONTH_MISSING = ("medium", Text("缺少核查表的月份", "months without a worksheet"))
PENDING = ("low", Text("仍待核实的业务", "businesses still to verify"))


@dataclass(frozen=True)
class SampleJudgement:
    worst: str | None       # the most severe problem, None when there is none
    basis: Text             # what was looked at and what was found


def months_between(first: str, last: str) -> list[str]:
    """YYYY-MM months from first to last, both included."""
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def judge(report: MonthlyReport, as_of: date) -> SampleJudgement:
    """The item's problems in the worksheets, and a basis that says what was looked at."""
    months = report.months
    missing = [m for m in months_between(months[0], previous_month(as_of)) if m not in months] if months else []
    counts = Counter(flag.code for flag in report.flags if flag.code in FLAG_PROBLEMS)
    pending = len(report.with_conclusion("pending"))
    # (severity, what, shown as): the months are named, the rest counted.
    problems: list[tuple[str, Text, Text]] = []
    if missing:
        problems.append((*MONTH_MISSING, Text("、".join(missing), ", ".join(missing))))
    problems += [(*FLAG_PROBLEMS[code], Text(f"{n}项", str(n))) for code, n in sorted(counts.items())]
    if pending:
        problems.append((*PENDING, Text(f"{pending}笔", str(pending))))
    problems.sort(key=lambda p: -SEVERITY_RANK[p[0]])
    checked = sum(t.checked for t in report.types)
    found = sum(t.problems for t in report.types)
    zh = (f"核查表{len(report.worksheets)}份（{'、'.join(months)}），抽查业务{len(report.businesses)}笔，"
          f"已有结论{checked}笔，其中有问题{found}笔")
    en = (f"{len(report.worksheets)} worksheet(s) ({', '.join(months)}): {len(report.businesses)} businesses "
          f"sampled, {checked} concluded, {found} with a problem")
    if problems:
        zh += "；" + "；".join(f"{what.zh}：{shown.zh}（{SEVERITY_WORDS[s][0]}）" for s, what, shown in problems)
        en += "; " + "; ".join(f"{what.en}: {shown.en} ({SEVERITY_WORDS[s][1]})" for s, what, shown in problems)
    else:
        zh += "；核查记录完整"
        en += "; the records are complete"
    return SampleJudgement(problems[0][0] if problems else None, Text(zh, en))
