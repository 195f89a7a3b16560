"""The monthly 内部控制稽核情况 report from filled worksheets: per month and business type how many
businesses were checked and how many had problems, the problems, who checked, what is still 待核实,
and what is wrong with the worksheets themselves (rows left blank, a sample trimmed or edited, a
sample that a redraw from the same logs does not give)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..model import Text
from .draw import Sample
from .filled import FilledRow, FilledWorksheet
from .wording import WORDS

LISTED = 20     # businesses named one by one in a message about a sample; the rest are counted


@dataclass(frozen=True)
class CheckedBusiness:
    month: str
    biz_id: str
    biz_type: str
    class_id: str
    reason: str
    rules: tuple[str, ...]
    conclusion: str          # ok, problem, pending, "" (blank), unreadable
    conclusion_text: str
    description: str
    checker: str
    checked_on: str
    file: str
    sheet: str
    row: int


@dataclass(frozen=True)
class TypeLine:
    month: str
    biz_type: str
    class_id: str
    sampled: int
    checked: int            # concluded: no problem or problem
    problems: int
    pending: int            # 待核实
    blank: int              # not answered, or an answer that is none of the three


@dataclass(frozen=True, order=True)
class Flag:
    file: str
    sheet: str
    row: int                # 0: about the worksheet as a whole
    column: str
    code: str
    message: Text


@dataclass(frozen=True)
class WorksheetLine:
    file: str
    month: str
    seed: int
    fingerprint: str
    intact: bool            # the hidden record and the checklist are still what was drawn
    redraw: str             # "match", "mismatch", or "" when no --ops was given


@dataclass(frozen=True)
class MonthlyReport:
    worksheets: tuple[WorksheetLine, ...]
    types: tuple[TypeLine, ...]                 # by month, then business type
    businesses: tuple[CheckedBusiness, ...]     # by month, type, id
    flags: tuple[Flag, ...]
    class_labels: tuple[tuple[str, Text], ...] = ()

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({w.month for w in self.worksheets}))

    def class_label(self, class_id: str, lang: str) -> str:
        label = dict(self.class_labels).get(class_id)
        return label.get(lang) if label else class_id

    def with_conclusion(self, conclusion: str) -> tuple[CheckedBusiness, ...]:
        return tuple(b for b in self.businesses if b.conclusion == conclusion)


def _ids(ids: list[str]) -> str:
    shown = "、".join(ids[:LISTED])
    return shown + (f" … (+{len(ids) - LISTED})" if len(ids) > LISTED else "")


def _sample_flags(sheet: FilledWorksheet) -> list[Flag]:
    """The hidden record edited, or the checklist no longer the drawn businesses."""
    flags = []
    whole = (sheet.file, sheet.sheet, 0, "")
    if sheet.fingerprint != sheet.recorded_fingerprint:
        flags.append(Flag(*whole, "SAMPLE-ALTERED", Text(
            "“抽样信息”工作表中的样本已被改动（与样本指纹不符），本核查表不能证明抽样未经挑选",
            "the sample recorded in the About sheet was altered (its fingerprint does not match): the "
            "worksheet cannot show that the sample was not hand-picked")))
    drawn = [b.biz_id for b in sheet.drawn]
    listed = Counter(r.biz_id for r in sheet.rows)
    missing = sorted(set(drawn) - set(listed))
    if missing:
        flags.append(Flag(*whole, "SAMPLE-TRIMMED", Text(
            f"核查清单少了 {len(missing)} 笔抽中的业务：{_ids(missing)}",
            f"the checklist lacks {len(missing)} drawn businesses: {_ids(missing)}")))
    for row in sheet.rows:
        if row.biz_id not in set(drawn):
            flags.append(Flag(sheet.file, sheet.sheet, row.row, sheet.column("biz_id") or "", "SAMPLE-ADDED", Text(
                f"业务 {row.biz_id} 不在抽中的样本中", f"business {row.biz_id} is not in the drawn sample")))
        elif listed[row.biz_id] > 1:
            flags.append(Flag(sheet.file, sheet.sheet, row.row, sheet.column("biz_id") or "", "ROW-REPEATED", Text(
                f"业务 {row.biz_id} 在核查清单中出现了 {listed[row.biz_id]} 次",
                f"business {row.biz_id} is listed {listed[row.biz_id]} times")))
    return flags


def _redraw_flags(sheet: FilledWorksheet, redraw: Sample) -> list[Flag]:
    """What differs between the worksheet's sample and a redraw from the same logs and seed."""
    whole = (sheet.file, sheet.sheet, 0, "")
    if redraw.fingerprint == sheet.recorded_fingerprint:
        return []
    differences: list[Text] = []
    if dict(redraw.rates) != dict(sheet.rates) or redraw.min_per_type != sheet.min_per_type:
        differences.append(Text("抽查比例或每类最少笔数不同", "the rates or the least number per type differ"))
    ours = {s[0]: s for s in sheet.strata}
    theirs = {s.biz_type: s for s in redraw.strata}
    for biz_type in sorted(set(ours) | set(theirs)):
        mine, again = ours.get(biz_type), theirs.get(biz_type)
        if mine is None or again is None or (mine[2], mine[3]) != (again.population, again.size):
            shown = biz_type or WORDS["zh"]["no_type"]
            m = f"{mine[2]}/{mine[3]}" if mine else "-"
            a = f"{again.population}/{again.size}" if again else "-"
            differences.append(Text(f"{shown}：办结/抽取 核查表 {m}，重抽 {a}",
                                    f"{biz_type or '(no type)'}: completed/drawn worksheet {m}, redraw {a}"))
    drawn = {b.biz_id for b in sheet.drawn}
    again_ids = {b.biz_id for b in redraw.businesses}
    if drawn - again_ids:
        differences.append(Text(f"重抽中没有：{_ids(sorted(drawn - again_ids))}",
                                f"not in the redraw: {_ids(sorted(drawn - again_ids))}"))
    if again_ids - drawn:
        differences.append(Text(f"核查表中没有：{_ids(sorted(again_ids - drawn))}",
                                f"not in the worksheet: {_ids(sorted(again_ids - drawn))}"))
    if not differences:
        differences.append(Text("抽取方式不同", "the reasons of some businesses differ"))
    return [Flag(*whole, "REDRAW-MISMATCH", Text(
        f"用同样的日志和种子 {sheet.seed} 重新抽样，结果与核查表不符：" + "；".join(d.zh for d in differences),
        f"a redraw from the same logs with seed {sheet.seed} does not give this worksheet's sample: "
        + "; ".join(d.en for d in differences)))]


def _row_flags(sheet: FilledWorksheet, row: FilledRow) -> list[Flag]:
    at = (sheet.file, sheet.sheet, row.row)
    conclusion = sheet.column("conclusion") or ""
    if row.conclusion == "":
        return [Flag(*at, conclusion, "ANSWER-BLANK", Text(f"业务 {row.biz_id} 未填写核查结论",
                                                            f"business {row.biz_id} has no conclusion"))]
    if row.conclusion == "unreadable":
        return [Flag(*at, conclusion, "ANSWER-UNREADABLE", Text(
            f"业务 {row.biz_id} 的核查结论“{row.conclusion_text}”不是 无问题、有问题 或 待核实",
            f"business {row.biz_id}: conclusion {row.conclusion_text!r} is none of No problem, Problem, To verify"))]
    flags = []
    if row.conclusion == "problem" and not row.description:
        flags.append(Flag(*at, sheet.column("description") or "", "PROBLEM-UNDESCRIBED", Text(
            f"业务 {row.biz_id} 有问题但未填写问题描述", f"business {row.biz_id} has a problem but no description")))
    if not row.checker:
        flags.append(Flag(*at, sheet.column("checker") or "", "CHECKER-BLANK", Text(
            f"业务 {row.biz_id} 未填写核查人", f"business {row.biz_id} names no checker")))
    return flags


def build_report(sheets: list[FilledWorksheet], redraws: dict[tuple[str, int], Sample] | None = None) -> MonthlyReport:
    """The report of the worksheets; ``redraws`` maps (month, seed) to the sample drawn again from
    the logs, when they were given."""
    lines, flags, businesses = [], [], []
    labels: dict[str, Text] = {}
    fingerprints: dict[str, set[str]] = {}
    seen: dict[tuple[str, str], str] = {}
    for sheet in sheets:
        labels.update(sheet.class_labels)
        own = _sample_flags(sheet)
        redraw = (redraws or {}).get((sheet.month, sheet.seed))
        again = _redraw_flags(sheet, redraw) if redraw is not None else []
        flags += own + again
        lines.append(WorksheetLine(sheet.file, sheet.month, sheet.seed, sheet.recorded_fingerprint, not own,
                                   "" if redraw is None else ("mismatch" if again else "match")))
        fingerprints.setdefault(sheet.month, set()).add(sheet.recorded_fingerprint)
        drawn = {b.biz_id: b for b in sheet.drawn}
        for row in sheet.rows:
            business = drawn.get(row.biz_id)
            if business is None:
                continue        # flagged as added: not part of the sample
            earlier = seen.get((sheet.month, row.biz_id))
            if earlier is not None and earlier != sheet.file:
                flags.append(Flag(sheet.file, sheet.sheet, row.row, sheet.column("biz_id") or "", "ROW-REPEATED", Text(
                    f"业务 {row.biz_id} 也在 {earlier} 中", f"business {row.biz_id} is also in {earlier}")))
            seen.setdefault((sheet.month, row.biz_id), sheet.file)
            flags += _row_flags(sheet, row)
            businesses.append(CheckedBusiness(
                sheet.month, row.biz_id, business.biz_type, business.class_id, business.reason, business.rules,
                row.conclusion, row.conclusion_text, row.description, row.checker, row.checked_on, sheet.file,
                sheet.sheet, row.row))
    for month, prints in sorted(fingerprints.items()):
        if len(prints) > 1:
            flags.append(Flag("", "", 0, "", "SAMPLES-DIFFER", Text(
                f"{month} 的核查表来自 {len(prints)} 个不同的样本", f"the worksheets of {month} come from "
                f"{len(prints)} different samples")))
    businesses.sort(key=lambda b: (b.month, b.biz_type, b.biz_id, b.file, b.row))
    types: dict[tuple[str, str], list[CheckedBusiness]] = {}
    for b in businesses:
        types.setdefault((b.month, b.biz_type), []).append(b)
    type_lines = tuple(TypeLine(
        month, biz_type, group[0].class_id, len(group),
        sum(1 for b in group if b.conclusion in ("ok", "problem")), sum(1 for b in group if b.conclusion == "problem"),
        sum(1 for b in group if b.conclusion == "pending"), sum(1 for b in group if b.conclusion in ("", "unreadable")))
        for (month, biz_type), group in sorted(types.items()))
    return MonthlyReport(tuple(sorted(lines, key=lambda w: (w.month, w.file))), type_lines, tuple(businesses),
                         tuple(sorted(flags)), tuple(sorted(labels.items())))
