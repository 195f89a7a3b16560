"""Score a finished check Report against an assessment plan: one result per item, per section, per
unit and overall. No I/O; the writers take the Assessment this returns.

An item judged by rules is *scored* when at least one of its rules could apply to the inputs that
were given, and keeps the scale's share of its points by its most severe counting finding. An item
none of whose rules could apply is *unchecked* (no score), never full marks. An item a person
judges is *manual*: its score comes from the answers file, or stays empty.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import SEVERITY_RANK, DataWarning, Report, RuleInfo, SourceGrid, Text, Violation
from ..report.wording import SEVERITY_WORDS
from ..text import compact
from .answers import Answer, Answers
from .plan import ItemDef, Plan, RuleRef, Scale
from .samples import judge as judge_samples

if TYPE_CHECKING:  # reading worksheets needs openpyxl, which scoring alone does not
    from ..sample.monthly import MonthlyReport

INPUT_KINDS = ("staff", "perms", "roles", "ops")
INPUT_NAMES = {"staff": Text("人员分工表", "staffing sheet"), "perms": Text("权限导出", "permission export"),
               "roles": Text("角色配置", "role configuration"), "ops": Text("操作日志", "operation log")}

# How an item that is scored without a person is scored, for the warning that sets an answer aside.
SCORED_BY = {"rules": Text("由规则评分", "by its rules"),
             "sample": Text("按每月抽查核查表评分", "on the monthly-sample worksheets")}

# Which inputs a rule kind needs to see anything: any one of the alternatives. A kind sodcheck
# does not list here (a future one) counts as applying to any input.
KIND_INPUTS: dict[str, tuple[frozenset[str], ...]] = {
    "incompatible": (frozenset({"staff"}), frozenset({"perms"}), frozenset({"roles"})),
    "tenure": (frozenset({"staff"}),),
    "requires": (frozenset({"staff"}),),
    "coverage": (frozenset({"staff"}),),
    "permission_scope": (frozenset({"staff", "perms"}),),
    "account_link": (frozenset({"staff", "perms"}),),
    "role_config": (frozenset({"roles"}),),
    "ops_unknown_operator": (frozenset({"ops", "perms"}),),
}
OPS_INPUTS = (frozenset({"ops"}),)
# The inputs a subject kind comes from: a rule limited to accounts needs an export or a log.
SUBJECT_INPUTS = {"person": {"staff"}, "unit": {"staff"}, "account": {"perms", "ops"},
                  "role": {"perms", "roles"}, "permission": {"perms"}, "business": {"ops"}}


def kind_inputs(kind: str) -> tuple[frozenset[str], ...]:
    if kind in KIND_INPUTS:
        return KIND_INPUTS[kind]
    if kind.startswith("ops_"):
        return OPS_INPUTS
    return tuple(frozenset({k}) for k in INPUT_KINDS)


def rule_applies(rule: RuleInfo, ref: RuleRef, given: frozenset[str]) -> bool:
    if not any(need <= given for need in kind_inputs(rule.kind)):
        return False
    return ref.subjects is None or any(SUBJECT_INPUTS[s] & given for s in ref.subjects)


@dataclass(frozen=True)
class ItemFinding:
    """A finding as the assessment lists it: numbered (问题1, 问题2 ... in item order), with every
    unit it touches."""

    ref: int
    item: int
    violation: Violation
    units: tuple[str, ...]

    @property
    def counts(self) -> bool:
        """Whether it costs points: an approved, active waiver is a documented exception."""
        return self.violation.waiver_status != "active"


@dataclass(frozen=True)
class Fixed:
    """A problem of the baseline run that this run no longer finds (整改进度)."""

    item: int
    rule_id: str
    kind: str
    name: str
    unit: str | None
    severity: str | None


@dataclass(frozen=True)
class ItemResult:
    item: int
    section: str
    text: Text
    text_source: str
    points: float
    method: str                      # rules, person, sample
    status: str                      # scored, unchecked, manual
    score: float | None
    rules: tuple[str, ...]
    question: Text | None
    findings: tuple[ItemFinding, ...]
    notices: tuple[Violation, ...]
    units: tuple[tuple[str, float], ...]
    basis: Text
    answer: Answer | None
    fixed: tuple[Fixed, ...]
    needs: tuple[str, ...] = ()      # input kinds that would make an unchecked item checkable

    @property
    def worst(self) -> str | None:
        counting = [f.violation.severity for f in self.findings if f.counts]
        return max(counting, key=SEVERITY_RANK.__getitem__) if counting else None


@dataclass(frozen=True)
class SectionResult:
    id: str
    title: Text
    points: float
    score: float | None              # None when no item of the section has a score
    judged: float                    # the points of its items that have a score


@dataclass(frozen=True)
class UnitResult:
    unit: str
    score: float
    max: float                       # points of the rule-scored items


@dataclass(frozen=True)
class Assessment:
    plan: Plan
    scale: Scale
    as_of: date
    total: float
    max: float
    judged: float                    # points of the items that have a score
    sections: tuple[SectionResult, ...]
    items: tuple[ItemResult, ...]
    units: tuple[UnitResult, ...]
    unassigned: tuple[Violation, ...]     # counting findings of rules no item names
    warnings: tuple[DataWarning, ...]
    inputs: tuple[str, ...]               # file names, never paths
    given: tuple[str, ...]                # input kinds given
    answers: Answers
    baseline: str | None                  # the baseline's file name
    report: Report

    @property
    def findings(self) -> tuple[ItemFinding, ...]:
        return tuple(f for item in self.items for f in item.findings)

    @property
    def fixed(self) -> tuple[Fixed, ...]:
        return tuple(f for item in self.items for f in item.fixed)


def _matches(v_rule: str, kind: str, refs: Iterable[RuleRef]) -> bool:
    return any(ref.id == v_rule and (ref.subjects is None or kind in ref.subjects) for ref in refs)


def _cell_unit(grid: SourceGrid, index: int, column: int) -> str:
    """The unit cell of a grid row, reading through a merged range (单位 is often merged per unit)."""
    text = grid.text(index, column)
    if text:
        return text
    for top, left, bottom, right in grid.merged:
        if top <= index <= bottom and left <= column <= right:
            return grid.text(top, left)
    return ""


def _letter_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def row_units(report: Report) -> dict[tuple[str, str | None, int], str]:
    """The unit each staffing row names, by (file, sheet, Excel row): a finding whose evidence
    lies in two units' rows (会计 here, 出纳 there) belongs to both."""
    units: dict[tuple[str, str | None, int], str] = {}
    for grid in report.sources:
        letter, name_letter = grid.column("unit"), grid.column("name")
        if letter is None or name_letter is None:
            continue
        column, name_column = _letter_index(letter), _letter_index(name_letter)
        for index, row in enumerate(grid.row_numbers):
            # Only rows that name a person: title, 合计 and 填表人 lines are no unit.
            if row < grid.data_start or index >= len(grid.rows):
                continue
            unit, name = _cell_unit(grid, index, column).strip(), grid.text(index, name_column).strip()
            # A line merged across the sheet (合计, 填表人) shows one text in every column.
            if name and unit and name != unit:
                units[(grid.file, grid.sheet, row)] = unit
    return units


class UnitNames:
    """Unit names as findings spell them; a sheet's spelling with other spaces is the same unit."""

    def __init__(self, report: Report):
        self.names: dict[str, str] = {}
        for v in (*report.violations, *report.notices):
            if v.subject.unit:
                self.names.setdefault(compact(v.subject.unit), v.subject.unit)
        self.rows = {key: self.name(unit) for key, unit in row_units(report).items()}

    def name(self, unit: str) -> str:
        return self.names.setdefault(compact(unit), unit)

    def of(self, v: Violation) -> tuple[str, ...]:
        found = {self.name(v.subject.unit)} if v.subject.unit else set()
        for e in v.evidence:
            if e.file and e.row is not None and (e.file, e.sheet, e.row) in self.rows:
                found.add(self.rows[(e.file, e.sheet, e.row)])
        return tuple(sorted(found))

    def all(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.names.values())))


def _basis(item: ItemDef, status: str, findings: list[ItemFinding], scale: Scale, answer: Answer | None,
           needs: tuple[str, ...], judged_by_sample: bool) -> Text:
    if status == "unchecked":
        zh = "、".join(INPUT_NAMES[k].zh for k in needs)
        en = ", ".join(INPUT_NAMES[k].en for k in needs)
        return Text(f"未检查：没有提供{zh}", f"Not checked: no {en} was given")
    if status == "manual":
        if answer is not None and answer.score is not None:
            return Text(answer.basis or "按答题文件自评", answer.basis or "Scored in the answers file")
        if judged_by_sample:
            return Text("需按每月随机抽查记录评分：请在答题文件中作答",
                        "Judged on the monthly sample records: answer it in the answers file")
        return Text("需人工评分：答题文件未作答", "Judged by a person: not answered in the answers file")
    counting = [f for f in findings if f.counts]
    if not counting:
        waived = len(findings)
        if waived:
            return Text(f"未发现问题（另有{waived}项已批准豁免）", f"No problem found ({waived} waived)")
        return Text("未发现问题", "No problem found")
    by = {s: sum(1 for f in counting if f.violation.severity == s) for s in ("high", "medium", "low")}
    refs_zh = "、".join(f"问题{f.ref}" for f in counting)
    refs_en = ", ".join(f"P{f.ref}" for f in counting)
    worst = max((f.violation.severity for f in counting), key=SEVERITY_RANK.__getitem__)
    share = scale.share(worst)
    parts_zh = "，".join(f"{SEVERITY_WORDS[s][0]}{by[s]}项" for s in ("high", "medium", "low") if by[s])
    parts_en = ", ".join(f"{by[s]} {s}" for s in ("high", "medium", "low") if by[s])
    return Text(f"发现问题{len(counting)}项（{parts_zh}），见{refs_zh}；按扣分标准得该项分值的{share:.0%}",
                f"{len(counting)} problem(s) ({parts_en}): {refs_en}; the scale keeps {share:.0%} of the points")


def assess(plan: Plan, scale: Scale, report: Report, given: Iterable[str], answers: Answers | None = None,
           ruleset: Iterable[RuleInfo] = (), samples: MonthlyReport | None = None) -> Assessment:
    """The assessment of one run: ``given`` names the input kinds the run had (staff, perms, roles, ops);
    ``ruleset`` the enabled rules of the run (the report lists only those that applied); ``samples``
    the filled monthly-sample worksheets, which judge the items judged by the sample."""
    given_set = frozenset(given)
    answers = answers or Answers()
    rules = {r.id: r for r in report.rules}
    rules.update((r.id, r) for r in ruleset)
    names = UnitNames(report)
    all_units = names.all()
    warnings: list[DataWarning] = []
    plan_file = Path(plan.file).name
    for item in plan.items:
        for ref in item.rule_refs():
            if ref.id not in rules:
                warnings.append(DataWarning(
                    "ASSESS-RULE-NOT-RUN", plan_file, None, None, None,
                    Text(f"第{item.item}项的规则 {ref.id} 没有运行（不在规则集中或已停用）",
                         f"rule {ref.id} of item {item.item} did not run (not in the rule set, or disabled)")))
    absent = (report.stat("baseline") or {}).get("absent_violations", [])
    live = [v for v in report.violations if v.change != "removed"]
    items: list[ItemResult] = []
    numbered = 0
    covered: set[int] = set()
    for item in plan.items:
        refs = item.rule_refs()
        answer = answers.get(item.item)
        applicable = [ref for ref in refs if ref.id in rules and rule_applies(rules[ref.id], ref, given_set)]
        findings: list[ItemFinding] = []
        notices: tuple[Violation, ...] = ()
        fixed: tuple[Fixed, ...] = ()
        needs: tuple[str, ...] = ()
        unit_scores: tuple[tuple[str, float], ...] = ()
        sample_basis: Text | None = None
        if item.method == "rules" and applicable:
            status = "scored"
            for index, v in enumerate(live):
                if _matches(v.rule_id, v.subject.kind, applicable):
                    covered.add(index)
                    numbered += 1
                    findings.append(ItemFinding(numbered, item.item, v, names.of(v)))
            notices = tuple(v for v in report.notices if _matches(v.rule_id, v.subject.kind, applicable))
            fixed = tuple(Fixed(item.item, a["rule_id"], a["subject"]["kind"], a["subject"]["name"],
                                a["subject"].get("unit"), a.get("severity"))
                          for a in absent if _matches(a["rule_id"], a["subject"]["kind"], applicable))
            worst = _worst(f for f in findings if f.counts)
            score: float | None = scale.score(item.points, worst)
            unit_scores = tuple((unit, scale.score(item.points, _worst(
                f for f in findings if f.counts and unit in f.units))) for unit in all_units)
        elif item.method == "sample" and samples is not None and samples.worksheets:
            status = "scored"
            judgement = judge_samples(samples, report.as_of)
            score, sample_basis = scale.score(item.points, judgement.worst), judgement.basis
        elif answer is not None and answer.score is not None:
            status, score = "manual", answer.score
        elif item.method == "rules":
            status, score = "unchecked", None
            needs = _needs(refs, rules, given_set)
        else:
            status, score = "manual", None
        if status == "scored" and answer is not None and answer.score is not None:
            # The findings or the worksheets decide; the answer's score is set aside, saying so.
            by = SCORED_BY[item.method]
            warnings.append(DataWarning(
                "ASSESS-ANSWER-IGNORED", Path(answers.file or "").name or None, None, answer.line, None,
                Text(f"第{item.item}项{by.zh}，答题文件中的得分未采用",
                     f"item {item.item} is scored {by.en}; the score in the answers file is not used")))
        items.append(ItemResult(
            item.item, item.section, item.text.text(), item.text_source, item.points, item.method, status, score,
            tuple(dict.fromkeys(ref.id for ref in refs)), item.question.text() if item.question else None,
            tuple(findings), notices, unit_scores,
            sample_basis or _basis(item, status, findings, scale, answer, needs, item.method == "sample"),
            answer, fixed, needs))
    sections = []
    for section in plan.sections:
        members = [i for i in items if i.section == section.id and i.score is not None]
        sections.append(SectionResult(section.id, section.title.text(), section.points,
                                      _sum(i.score for i in members) if members else None,
                                      _sum(i.points for i in members)))
    scored = [i for i in items if i.status == "scored"]
    units = tuple(UnitResult(unit, _sum(dict(i.units)[unit] for i in scored), _sum(i.points for i in scored))
                  for unit in all_units)
    judged = [i for i in items if i.score is not None]
    unassigned = tuple(v for index, v in enumerate(live) if index not in covered and v.waiver_status != "active")
    baseline = report.stat("baseline")
    return Assessment(
        plan=plan, scale=scale, as_of=report.as_of, total=_sum(i.score for i in judged),
        max=plan.info.total, judged=_sum(i.points for i in judged), sections=tuple(sections), items=tuple(items),
        units=units, unassigned=unassigned,
        warnings=tuple(sorted([*report.warnings, *warnings], key=DataWarning.sort_key)),
        inputs=tuple(dict.fromkeys([*(Path(f).name for f in report.inputs),
                                    *(w.file for w in (samples.worksheets if samples else ()))])),
        given=tuple(k for k in INPUT_KINDS if k in given_set), answers=answers,
        baseline=Path(baseline["file"]).name if baseline else None, report=report)


def _needs(refs: list[RuleRef], rules: dict[str, RuleInfo], given: frozenset[str]) -> tuple[str, ...]:
    """The inputs that would make an unchecked item checkable: each one that would do on its own,
    or else every one its rules could use."""
    known = [ref for ref in refs if ref.id in rules]
    missing = [k for k in INPUT_KINDS if k not in given]
    alone = [k for k in missing if any(rule_applies(rules[ref.id], ref, given | {k}) for ref in known)]
    return tuple(alone or [k for k in missing if any(k in need for ref in known
                                                      for need in kind_inputs(rules[ref.id].kind))])


def _worst(findings: Iterable[ItemFinding]) -> str | None:
    severities = [f.violation.severity for f in findings]
    return max(severities, key=SEVERITY_RANK.__getitem__) if severities else None


def _sum(values: Iterable[float | None]) -> float:
    return round(sum(v for v in values if v is not None), 4)
