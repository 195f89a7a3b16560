"""An assessment plan (考核表) and a deduction scale, read from YAML.

The built-in plan is 池人社秘〔2019〕158号 附件1 (``rules/assessment/chizhou_2019.yaml``) and the
built-in scale ``rules/assessment/default_scale.yaml``; another city's table, or another scale, is
another file given with ``--plan`` / ``--scale``. Every problem names the file and line.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from ..model import SodcheckError, Text
from ..ruleset import Label, Strict, _raise_validation
from ..yamlsource import LocatedYaml, load_yaml

SUBJECT_KINDS = ("person", "unit", "account", "role", "permission", "business")


class RuleRef(Strict):
    """A rule that judges an item, optionally only for some subject kinds (SOD-BIZ-FIN on a person
    is a post problem, item 3; on an account it is a permission problem, item 22)."""

    id: str
    subjects: list[Literal["person", "unit", "account", "role", "permission", "business"]] | None = None


class PlanInfo(Strict):
    id: str
    title: Label
    source: str
    total: float


class SectionDef(Strict):
    id: str
    title: Label
    points: float = Field(ge=0)


class ItemDef(Strict):
    item: int = Field(ge=1)
    section: str
    points: float = Field(gt=0)
    text: Label
    # paraphrase: written from the policy, to be checked against the original; missing: not legible.
    text_source: Literal["original", "paraphrase", "missing"] = "original"
    rules: list[str | RuleRef] = Field(default_factory=list)
    question: Label | None = None
    judged_by: Literal["rules", "person", "sample"] | None = None

    @model_validator(mode="after")
    def _judged(self) -> ItemDef:
        if not self.rules and self.question is None:
            raise ValueError("an item needs rules or a question")
        return self

    @property
    def method(self) -> str:
        """rules, person or sample: how the item is judged."""
        return self.judged_by or ("rules" if self.rules else "person")

    def rule_refs(self) -> list[RuleRef]:
        return [RuleRef(id=r) if isinstance(r, str) else r for r in self.rules]


class PlanFile(Strict):
    plan: PlanInfo
    sections: list[SectionDef]
    items: list[ItemDef]


class ScaleKeep(Strict):
    high: float = Field(ge=0, le=1)
    medium: float = Field(ge=0, le=1)
    low: float = Field(ge=0, le=1)
    none: float = Field(default=1, ge=0, le=1)


class ScaleDef(Strict):
    id: str
    title: Label
    description: Label | None = None
    keep: ScaleKeep
    step: float = Field(default=0.5, gt=0)


class ScaleFile(Strict):
    scale: ScaleDef


@dataclass(frozen=True)
class Plan:
    """A plan as sodcheck uses it: validated, items in order, and where it came from."""

    file: str
    info: PlanInfo
    sections: tuple[SectionDef, ...]
    items: tuple[ItemDef, ...]

    def section(self, section_id: str) -> SectionDef:
        return next(s for s in self.sections if s.id == section_id)


@dataclass(frozen=True)
class Scale:
    file: str
    definition: ScaleDef

    def share(self, worst: str | None) -> float:
        """The share of an item's points kept when its most severe counting finding is ``worst``."""
        keep = self.definition.keep
        return keep.none if worst is None else float(getattr(keep, worst))

    def score(self, points: float, worst: str | None) -> float:
        """Points kept, rounded down to the scale's step, as a scorer does by hand."""
        step = self.definition.step
        steps = int(points * self.share(worst) / step + 1e-9)
        return round(min(points, steps * step), 4)


def builtin_path(name: str) -> Path:
    try:
        folder = Path(str(resources.files("sodcheck.rules"))) / "assessment"
    except ModuleNotFoundError:  # a source tree that was never installed
        folder = Path(__file__).resolve().parent.parent.parent / "rules" / "assessment"
    return folder / name


DEFAULT_PLAN = "chizhou_2019.yaml"
DEFAULT_SCALE = "default_scale.yaml"


def _validate(doc: LocatedYaml, model: type[BaseModel]) -> BaseModel:
    if not isinstance(doc.data, dict):
        raise SodcheckError(Text("文件内容应是一个 YAML 映射", "the file must hold a YAML mapping"),
                            file=doc.path, line=doc.line_of())
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        _raise_validation(doc, exc, model=model)
        raise  # unreachable: _raise_validation always raises


def _plan_error(doc: LocatedYaml, loc: tuple, zh: str, en: str) -> SodcheckError:
    return SodcheckError(Text(f"考核表文件有误：{zh}", f"bad assessment plan: {en}"), file=doc.path,
                         line=doc.line_of(*loc))


def load_plan(path: str | None = None) -> Plan:
    """The plan in ``path``, or the built-in one; sections and points must add up."""
    doc = load_yaml(path or builtin_path(DEFAULT_PLAN))
    parsed = _validate(doc, PlanFile)
    assert isinstance(parsed, PlanFile)
    sections = {s.id: s for s in parsed.sections}
    if len(sections) != len(parsed.sections):
        raise _plan_error(doc, ("sections",), "大项编号重复", "two sections share a number")
    seen: set[int] = set()
    for i, item in enumerate(parsed.items):
        if item.item in seen:
            raise _plan_error(doc, ("items", i, "item"), f"第{item.item}项出现两次",
                              f"item {item.item} appears twice")
        seen.add(item.item)
        if item.section not in sections:
            raise _plan_error(doc, ("items", i, "section"), f"第{item.item}项的大项“{item.section}”不存在",
                              f"item {item.item} names section {item.section!r}, which the plan does not have")
    for s in parsed.sections:
        summed = sum(item.points for item in parsed.items if item.section == s.id)
        if abs(summed - s.points) > 1e-9:
            raise _plan_error(doc, ("sections",), f"大项{s.id}分值为{s.points:g}，但其各项合计{summed:g}",
                              f"section {s.id} has {s.points:g} points but its items add up to {summed:g}")
    summed = sum(s.points for s in parsed.sections)
    if abs(summed - parsed.plan.total) > 1e-9:
        raise _plan_error(doc, ("plan", "total"), f"总分为{parsed.plan.total:g}，但各大项合计{summed:g}",
                          f"the total is {parsed.plan.total:g} but the sections add up to {summed:g}")
    items = tuple(sorted(parsed.items, key=lambda item: item.item))
    return Plan(str(doc.path), parsed.plan, tuple(parsed.sections), items)


def load_scale(path: str | None = None) -> Scale:
    doc = load_yaml(path or builtin_path(DEFAULT_SCALE))
    parsed = _validate(doc, ScaleFile)
    assert isinstance(parsed, ScaleFile)
    return Scale(str(doc.path), parsed.scale)
