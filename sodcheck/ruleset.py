"""Rule files: pydantic models, loading, merging the built-in library with user files.

A rule file has up to four sections: ``duties``, ``post_duties``, ``permission_duties`` and
``rules``. User files are read after the built-in library; they may add to every section and may
switch off or re-grade a built-in rule by naming its id without a ``kind``.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError, field_validator, model_validator

from .model import RuleInfo, SodcheckError, Text
from .ops.config import OpsCalendar, OpsClass, OpsConfig, OpsSample, OpsStep
from .schema import STRICT
from .taxonomy import Duty, PermissionPattern, PostPattern, Taxonomy, glob_problem
from .text import valid_regexes
from .yamlsource import LocatedYaml, load_yaml

DUTY_ID = r"^[A-Za-z][A-Za-z0-9_.\-]*$"


class Strict(BaseModel):
    model_config = STRICT


class Label(Strict):
    zh: str
    en: str

    def text(self) -> Text:
        return Text(self.zh, self.en)


class DutyDef(Strict):
    id: str = Field(pattern=DUTY_ID)
    parent: str | list[str] | None = None
    label: Label
    high_risk: bool = False
    description: Label | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        if self.parent is None:
            return ()
        return (self.parent,) if isinstance(self.parent, str) else tuple(self.parent)


class PostDuty(Strict):
    duty: str
    patterns: list[str] = Field(min_length=1)
    priority: int = 50
    note: str | None = None

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return valid_regexes(patterns)


def _glob(glob: str) -> str:
    problem = glob_problem(glob)
    if problem:
        raise ValueError(problem)
    return glob


GlobText = Annotated[str, AfterValidator(_glob)]


class PermissionDuty(Strict):
    duty: str
    codes: list[GlobText] = []
    names: list[GlobText] = []
    unless: list[GlobText] = []      # name globs this entry never maps: 待遇发放查询 is no payment
    note: str | None = None

    @model_validator(mode="after")
    def _has_globs(self) -> PermissionDuty:
        if not self.codes and not self.names:
            raise ValueError("give codes, names or both")
        return self


class Assessment(Strict):
    item: int
    title: Label
    points: float


class RuleBase(Strict):
    """Fields every rule has, whatever its kind."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9\-_.]*$")
    kind: str
    severity: Literal["high", "medium", "low"]
    title: Label
    message: Label
    source: str
    description: Label | None = None
    # 整改建议: what to do about a finding, shown with each one.
    remedy: Label | None = None
    enabled: bool = True
    assessment: Assessment | None = None

    def duty_refs(self) -> list[tuple[str, str]]:
        """(field, duty id) pairs that must name known duties."""
        return []

    def info(self) -> RuleInfo:
        assessment = tuple(sorted({"item": self.assessment.item, "title": self.assessment.title.text(),
                                   "points": self.assessment.points}.items())) if self.assessment else ()
        return RuleInfo(self.id, self.kind, self.severity, self.title.text(), self.source,
                        self.description.text() if self.description else None, assessment,
                        self.remedy.text() if self.remedy else None)


class RuleOverride(Strict):
    """A rule entry without a kind changes a rule loaded earlier."""

    id: str
    severity: Literal["high", "medium", "low"] | None = None
    enabled: bool | None = None
    title: Label | None = None
    message: Label | None = None
    source: str | None = None
    description: Label | None = None
    remedy: Label | None = None
    assessment: Assessment | None = None


class RuleFile(Strict):
    duties: list[DutyDef] = []
    post_duties: list[PostDuty] = []
    permission_duties: list[PermissionDuty] = []
    rules: list[dict] = []
    # Operation logs: step kinds, business classes, holidays (docs/ops.md).
    ops_steps: list[OpsStep] = []
    ops_classes: list[OpsClass] = []
    ops_calendar: OpsCalendar | None = None
    ops_sample: OpsSample | None = None     # the monthly sample's rates (docs/sample.md)


@dataclass(frozen=True)
class Ruleset:
    taxonomy: Taxonomy
    rules: tuple[RuleBase, ...]
    files: tuple[str, ...]
    ops: OpsConfig = field(default_factory=OpsConfig)

    @property
    def enabled(self) -> tuple[RuleBase, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def get(self, rule_id: str) -> RuleBase | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_files() -> list[Path]:
    try:
        folder = Path(str(resources.files("sodcheck.rules")))
    except ModuleNotFoundError:  # running from a source tree that was never installed
        folder = Path(__file__).resolve().parent.parent / "rules"
    return sorted(p for p in folder.iterdir() if p.name.endswith(".yaml"))


def rule_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # An assessment/ folder holds assessment plans and scales (sodcheck assess), not rules.
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                           and "assessment" not in p.relative_to(path).parts[:-1])
            if not files:
                raise SodcheckError(Text("文件夹中没有 .yaml 规则文件", "folder holds no .yaml rule file"),
                                    file=raw)
            found.extend(files)
        elif path.exists():
            found.append(path)
        else:
            raise SodcheckError(Text("规则文件不存在", "rule file not found"), file=raw)
    return found


def _field_path(loc: tuple) -> str:
    return ".".join(str(x) for x in loc)


def _error(doc: LocatedYaml, loc: tuple, message: str, rule_id: str | None = None) -> SodcheckError:
    # Inside a rule, name the field relative to the rule: "severity", not "rules.3.severity".
    field = _field_path(loc[2:] if rule_id and loc[:1] == ("rules",) and len(loc) > 2 else loc)
    who_en = f"rule {rule_id}, " if rule_id else ""
    who_zh = f"规则 {rule_id}，" if rule_id else ""
    return SodcheckError(Text(f"{who_zh}字段 {field}：{message}", f"{who_en}field {field}: {message}"),
                         file=doc.path, line=doc.line_of(*loc))


def _raise_validation(doc: LocatedYaml, exc: ValidationError, prefix: tuple = (),
                      rule_id: str | None = None, model: type[BaseModel] | None = None) -> None:
    # A misspelt field also makes the real one "missing": name the misspelling, it is the cause.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = prefix + tuple(first["loc"])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
        known = list(model.model_fields) if model is not None else []
        guess = difflib.get_close_matches(str(first["loc"][-1]), known, n=1)
        if guess:
            message += f" (did you mean {guess[0]!r}?)"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    raise _error(doc, loc, message, rule_id) from None


def _parse_rule(doc: LocatedYaml, index: int, entry: object) -> RuleBase | RuleOverride:
    from .checks import KINDS

    loc = ("rules", index)
    if not isinstance(entry, dict):
        raise _error(doc, loc, "a rule must be a mapping")
    rule_id = entry.get("id")
    kind = entry.get("kind")
    if kind is None:
        model = RuleOverride
    elif isinstance(kind, str) and kind in KINDS:
        model = KINDS[kind].Rule
    else:
        raise _error(doc, loc + ("kind",), f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}",
                     rule_id)
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        _raise_validation(doc, exc, loc, rule_id, model)
        raise  # unreachable


def parse_file(path: Path) -> tuple[LocatedYaml, RuleFile, list[RuleBase | RuleOverride]]:
    doc = load_yaml(path)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise SodcheckError(Text("规则文件的顶层必须是映射（duties/post_duties/permission_duties/rules）",
                                 "the top level of a rule file must be a mapping "
                                 "(duties/post_duties/permission_duties/rules)"), file=str(path))
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as exc:
        _raise_validation(doc, exc)
    rules = [_parse_rule(doc, i, entry) for i, entry in enumerate(parsed.rules)]
    return doc, parsed, rules


def _glob_lines(doc: LocatedYaml, index: int, entry: PermissionDuty) -> tuple[tuple[str, int | None], ...]:
    """The line of each code, name and unless glob of a permission_duties entry."""
    return tuple((glob, doc.line_of("permission_duties", index, section, k))
                 for section in ("codes", "names", "unless") for k, glob in enumerate(getattr(entry, section)))


def load_ruleset(user_paths: list[str] | None = None) -> Ruleset:
    builtin = builtin_files()
    resolved = {p.resolve() for p in builtin}
    builtin_paths = {str(p) for p in builtin}
    # Validating the library folder itself must not load it twice.
    files = [(p, False) for p in builtin] + [(p, True) for p in rule_files(user_paths or [])
                                             if p.resolve() not in resolved]
    duties: dict[str, DutyDef] = {}
    duty_docs: dict[str, tuple[LocatedYaml, int]] = {}      # where each duty was defined
    post: list[tuple[LocatedYaml, int, PostDuty]] = []
    perms: list[tuple[LocatedYaml, int, PermissionDuty, bool]] = []
    rules: dict[str, RuleBase] = {}
    rule_docs: dict[str, tuple[LocatedYaml, int]] = {}
    ops = OpsConfig()
    for path, is_user in files:
        doc, parsed, file_rules = parse_file(path)
        ops = ops.merged(parsed.ops_steps, parsed.ops_classes, parsed.ops_calendar, is_user).with_sample(
            parsed.ops_sample)
        for i, duty in enumerate(parsed.duties):
            if duty.id in duties and duties[duty.id] != duty:
                raise _error(doc, ("duties", i, "id"), f"duty {duty.id!r} is already defined")
            duties[duty.id] = duty
            duty_docs.setdefault(duty.id, (doc, i))
        post.extend((doc, i, p) for i, p in enumerate(parsed.post_duties))
        perms.extend((doc, i, p, is_user) for i, p in enumerate(parsed.permission_duties))
        for i, rule in enumerate(file_rules):
            if isinstance(rule, RuleOverride):
                if rule.id not in rules:
                    raise _error(doc, ("rules", i, "id"),
                                 "no rule with this id to change (give a kind to define a new rule)",
                                 rule.id)
                changes = {k: v for k, v in rule.model_dump(exclude_none=True).items() if k != "id"}
                rules[rule.id] = rules[rule.id].model_copy(update={
                    k: getattr(rule, k) for k in changes})
            else:
                if rule.id in rules:
                    raise _error(doc, ("rules", i, "id"), "a rule with this id is already defined",
                                 rule.id)
                rules[rule.id] = rule
                rule_docs[rule.id] = (doc, i)

    for duty in duties.values():
        for parent in duty.parents:
            if parent not in duties:
                doc, i = duty_docs[duty.id]
                raise SodcheckError(Text(f"职责 {duty.id} 的上级 {parent!r} 未定义",
                                         f"duty {duty.id}: parent {parent!r} is not defined"),
                                    file=doc.path, line=doc.line_of("duties", i, "parent"))
    for doc, i, entry in post:
        if entry.duty not in duties:
            raise _error(doc, ("post_duties", i, "duty"), f"unknown duty {entry.duty!r}")
    for doc, i, mapping, _ in perms:
        if mapping.duty not in duties:
            raise _error(doc, ("permission_duties", i, "duty"), f"unknown duty {mapping.duty!r}")
    for rule_id, rule in rules.items():
        doc, i = rule_docs[rule_id]
        for ref_field, ref_duty in rule.duty_refs():
            if ref_duty not in duties:
                raise _error(doc, ("rules", i, ref_field), f"unknown duty {ref_duty!r}", rule_id)

    order = 0
    post_patterns = []
    for doc, i, entry in post:
        for j, pattern in enumerate(entry.patterns):
            post_patterns.append(PostPattern(entry.duty, pattern, entry.priority, order,
                                             re.compile(pattern, re.IGNORECASE), doc.path,
                                             doc.line_of("post_duties", i, "patterns", j)))
            order += 1
    taxonomy = Taxonomy(
        [Duty(d.id, d.label.text(), d.parents, d.high_risk, d.description.text() if d.description else None)
         for d in duties.values()],
        post_patterns,
        [PermissionPattern(e.duty, tuple(e.codes), tuple(e.names), user, tuple(e.unless), doc.path,
                           _glob_lines(doc, i, e))
         for doc, i, e, user in perms])
    cycle = taxonomy.cycle()
    if cycle:
        names = " → ".join(reversed(cycle))
        # Name the parent link of a duty on the cycle that a user file defines (the built-in
        # library has none), so that the reader knows where to cut it.
        doc, i = min((duty_docs[d] for d in cycle[1:]), key=lambda place: (place[0].path in builtin_paths, place[1]))
        raise SodcheckError(Text(f"职责层级有环：{names}", f"the duty hierarchy has a cycle: {names}"),
                            file=doc.path, line=doc.line_of("duties", i, "parent"))
    return Ruleset(taxonomy, tuple(rules.values()), tuple(str(p) for p, _ in files), ops)
