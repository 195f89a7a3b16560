"""One check run from start to finish: load the inputs, evaluate, apply what the user said about
the results. The CLI and the web page both call ``run``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .engine import Inputs, evaluate
from .loaders.staffing import load_staffing
from .model import Report, SodcheckError, Text
from .ruleset import Ruleset, load_ruleset


@dataclass
class CheckRequest:
    staff: list[str] = field(default_factory=list)
    perms: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    as_of: date = field(default_factory=date.today)
    include_disabled: bool = False


def load_inputs(request: CheckRequest, ruleset: Ruleset) -> Inputs:
    if not (request.staff or request.perms or request.roles):
        raise SodcheckError(Text("请至少给出一个输入：--staff、--perms 或 --roles",
                                 "give at least one input: --staff, --perms or --roles"))
    inputs = Inputs()
    if request.staff:
        inputs.staffing = load_staffing(request.staff)
    return inputs


def run(request: CheckRequest, ruleset: Ruleset | None = None) -> Report:
    ruleset = ruleset or load_ruleset(request.rules)
    inputs = load_inputs(request, ruleset)
    return evaluate(ruleset, inputs, request.as_of)
