"""The officer's answers (``--answers FILE``, YAML): scores for the items a person judges, and the
整改 columns (measures, owner, deadline) for any item. ``docs/assessment.md`` shows the format."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import Field, ValidationError, model_validator

from ..model import SodcheckError, Text
from ..ruleset import Strict, _raise_validation
from ..yamlsource import load_yaml
from .plan import Plan


class AnswerEntry(Strict):
    item: int
    score: float | None = Field(default=None, ge=0)
    met: bool | None = None          # yes: full points; no: 0 (instead of a score)
    basis: str | None = None         # 扣分依据 / 评分说明
    measures: str | None = None      # 整改措施
    owner: str | None = None         # 责任人
    deadline: date | str | None = None   # 整改时限

    @model_validator(mode="after")
    def _one_judgement(self) -> AnswerEntry:
        if self.score is not None and self.met is not None:
            raise ValueError("give either score or met, not both")
        return self


class AnswersFile(Strict):
    agency: str | None = None        # 填报单位, for the report header and the signature block
    checker: str | None = None       # 检查人
    reviewer: str | None = None      # 审核人
    answers: list[AnswerEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    item: int
    score: float | None
    basis: str
    measures: str
    owner: str
    deadline: str
    line: int | None


@dataclass(frozen=True)
class Answers:
    file: str | None = None
    agency: str = ""
    checker: str = ""
    reviewer: str = ""
    items: tuple[Answer, ...] = ()

    def get(self, item: int) -> Answer | None:
        return next((a for a in self.items if a.item == item), None)


def load_answers(path: str, plan: Plan) -> Answers:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise SodcheckError(Text("答题文件应是一个 YAML 映射（agency、answers 等）",
                                 "the answers file must be a YAML mapping (agency, answers, ...)"), file=path,
                            line=doc.line_of())
    try:
        parsed = AnswersFile.model_validate(doc.data)
    except ValidationError as exc:
        _raise_validation(doc, exc, model=AnswersFile)
        raise  # unreachable
    points = {item.item: item.points for item in plan.items}
    seen: set[int] = set()
    answers: list[Answer] = []
    for i, entry in enumerate(parsed.answers):
        line = doc.line_of("answers", i)
        if entry.item not in points:
            raise SodcheckError(Text(f"考核表中没有第{entry.item}项（共{len(points)}项）",
                                     f"the plan has no item {entry.item} (it has {len(points)})"),
                                file=path, line=line)
        if entry.item in seen:
            raise SodcheckError(Text(f"第{entry.item}项作答了两次", f"item {entry.item} is answered twice"),
                                file=path, line=line)
        seen.add(entry.item)
        score = entry.score
        if entry.met is not None:
            score = points[entry.item] if entry.met else 0.0
        if score is not None and score > points[entry.item]:
            raise SodcheckError(Text(f"第{entry.item}项得分{score:g}超过该项分值{points[entry.item]:g}",
                                     f"item {entry.item} scores {score:g}, more than its {points[entry.item]:g} "
                                     "points"), file=path, line=doc.line_of("answers", i, "score"))
        deadline = entry.deadline.isoformat() if isinstance(entry.deadline, date) else (entry.deadline or "")
        answers.append(Answer(entry.item, score, entry.basis or "", entry.measures or "", entry.owner or "",
                              deadline, line))
    return Answers(path, parsed.agency or "", parsed.checker or "", parsed.reviewer or "",
                   tuple(sorted(answers, key=lambda a: a.item)))
