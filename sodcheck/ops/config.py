"""Step kinds, business classes and the working calendar of operation-log checks.

They are data: the built-in library (rules/ops.yaml) defines them and a user rule file given with
``--rules`` may add step patterns, class patterns, classes, holidays and make-up working days. This
module does not import the rule-file loader, which imports it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..schema import STRICT
from ..text import valid_regexes

StepKind = Literal["accept", "review", "recheck", "approve", "pay", "modify_approve", "modify", "complete",
                   "view"]
STEP_KINDS: tuple[str, ...] = ("accept", "review", "recheck", "approve", "pay", "modify_approve", "modify",
                               "complete", "view")
FRONT_OFFICE = ("accept", "modify")
BACK_OFFICE = ("review", "recheck", "approve", "modify_approve")
REVIEW_KINDS = ("review", "recheck", "approve")
HANDLING_KINDS = ("accept", "review", "recheck", "approve", "pay")
COMPLETING_KINDS = ("approve", "pay", "complete")
# What a report calls each kind.
KIND_LABELS = {
    "accept": ("受理", "accept"), "review": ("初审", "review"), "recheck": ("复核", "recheck"),
    "approve": ("审批", "approve"), "pay": ("发放", "pay"), "modify_approve": ("修改审批", "modify approval"),
    "modify": ("修改", "modify"), "complete": ("办结", "complete"), "view": ("查询", "view"),
}


class _Strict(BaseModel):
    model_config = STRICT


class OpsStep(_Strict):
    """Step texts of one kind, as regular expressions searched in the step text."""

    kind: StepKind
    patterns: list[str] = Field(min_length=1)
    note: str | None = None

    _check = field_validator("patterns")(classmethod(lambda cls, v: valid_regexes(v)))


class OpsClass(_Strict):
    """A class of businesses and how many distinct review levels (review, recheck, approve) a
    completed business of the class needs. The class with ``default: true`` takes every type that
    no pattern matches."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")
    levels: int = Field(ge=1, le=3)
    patterns: list[str] = []
    default: bool = False
    label: dict[Literal["zh", "en"], str] | None = None

    _check = field_validator("patterns")(classmethod(lambda cls, v: valid_regexes(v)))


class OpsCalendar(_Strict):
    """Dates that are not working days (public holidays) and weekend dates that are (调休)."""

    holidays: list[date] = []
    workdays: list[date] = []


class OpsSample(_Strict):
    """The monthly sample (sodcheck sample, docs/sample.md): the share of each business class drawn
    at random, by class id of ops_classes, and the fewest businesses drawn from each business type.
    A later file's rates replace an earlier file's for the classes it names."""

    rates: dict[str, float] = {}
    min_per_type: int | None = Field(default=None, ge=0)

    @field_validator("rates")
    @classmethod
    def _shares(cls, rates: dict[str, float]) -> dict[str, float]:
        for class_id, rate in rates.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate of {class_id!r} must be between 0 and 1 (0.1 is 10 %), not {rate}")
        return rates


@dataclass(frozen=True)
class OpsConfig:
    """Every file's ops sections, merged: user entries are tried before built-in ones."""

    steps: tuple[OpsStep, ...] = ()
    classes: tuple[OpsClass, ...] = ()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    sample_rates: tuple[tuple[str, float], ...] = ()     # (class id, share drawn), by class id
    min_per_type: int = 1
    _compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def merged(self, steps: list[OpsStep], classes: list[OpsClass], calendar: OpsCalendar | None,
               user: bool) -> OpsConfig:
        # A class named again adds patterns (and may change its levels); a new name is a new class.
        by_id = {c.id: c for c in self.classes}
        for extra in classes:
            old = by_id.get(extra.id)
            if old is not None:
                extra = old.model_copy(update={"patterns": list(extra.patterns) + list(old.patterns),
                                               "levels": extra.levels, "default": old.default or extra.default,
                                               "label": extra.label or old.label})
            by_id[extra.id] = extra
        ordered = [by_id[c.id] for c in classes if c.id in by_id] if user else []
        ordered += [c for c in by_id.values() if c not in ordered]
        return replace(
            self, steps=tuple(steps) + self.steps if user else self.steps + tuple(steps), classes=tuple(ordered),
            holidays=self.holidays | frozenset(calendar.holidays if calendar else ()),
            workdays=self.workdays | frozenset(calendar.workdays if calendar else ()), _compiled={})

    def with_sample(self, sample: OpsSample | None) -> OpsConfig:
        """The sample rates of a later file added: its classes' rates replace earlier ones."""
        if sample is None:
            return self
        rates = dict(self.sample_rates) | sample.rates
        return replace(self, sample_rates=tuple(sorted(rates.items())),
                       min_per_type=self.min_per_type if sample.min_per_type is None else sample.min_per_type)

    def step_kind(self, text: str) -> str | None:
        """The kind of a step text: the first entry with a matching pattern."""
        for entry in self.steps:
            if any(self._regex(p).search(text) for p in entry.patterns):
                return entry.kind
        return None

    def business_class(self, business_type: str | None) -> OpsClass | None:
        text = business_type or ""
        for entry in self.classes:
            if text and any(self._regex(p).search(text) for p in entry.patterns):
                return entry
        return self.default_class

    @property
    def default_class(self) -> OpsClass | None:
        return next((c for c in self.classes if c.default), None)

    def _regex(self, pattern: str) -> re.Pattern:
        if pattern not in self._compiled:
            self._compiled[pattern] = re.compile(pattern, re.IGNORECASE)
        return self._compiled[pattern]
