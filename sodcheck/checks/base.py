"""What every check receives and how it reports."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from pydantic import model_validator

from ..holders import AccountTable, HolderTable, PeopleTable, RoleConfigTable
from ..model import DataWarning, Evidence, Subject, Text, Violation
from ..ruleset import RuleBase
from ..taxonomy import Taxonomy

if TYPE_CHECKING:      # operation logs' modules load only for a run that reads them
    from ..ops.frame import OpsLog


@dataclass
class Context:
    """What a rule kind sees: the inputs of this run by kind, typed. ``tables`` holds the duty
    holders of the subject kinds the rule kind declared (APPLIES_TO), in a fixed order."""

    taxonomy: Taxonomy
    as_of: date
    people: PeopleTable | None = None
    accounts: AccountTable | None = None
    export_roles: HolderTable | None = None
    role_config: RoleConfigTable | None = None
    units: list[str] = field(default_factory=list)     # units of the staffing input, as shown
    # The rows of each unit (by compact name): the evidence of a finding about a unit as a whole.
    unit_rows: dict[str, list[Evidence]] = field(default_factory=dict)
    tables: list[HolderTable] = field(default_factory=list)
    # The operation log (--ops): an Ibis table on DuckDB, read by the ops_* kinds.
    ops: OpsLog | None = None

    def holder_tables(self) -> list[HolderTable]:
        return [t for t in (self.people, self.accounts, self.export_roles, self.role_config)
                if t is not None]

    def for_subjects(self, kinds: tuple[str, ...]) -> Context:
        """This context as a rule kind that reports on these subject kinds sees it."""
        return replace(self, tables=[t for t in self.holder_tables() if t.kind in kinds])


@dataclass
class Findings:
    violations: list[Violation] = field(default_factory=list)
    notices: list[Violation] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    # Findings an engine selected, to be made once every check has run (operation logs): each
    # with the list it goes into.
    pending: list[tuple[list[Violation], Callable[[], Iterable[Violation]]]] = field(default_factory=list)

    def later(self, into: list[Violation], make: Callable[[], Iterable[Violation]]) -> None:
        self.pending.append((into, make))

    def settle(self) -> None:
        """Make the pending findings, in the order the checks asked for them."""
        for into, make in self.pending:
            into.extend(make())
        self.pending.clear()


def duty_list(taxonomy: Taxonomy, duties: list[str], lang: str, evidence: list[Evidence] | None = None) -> str:
    """The duties by name; with evidence, each by the posts as the sheet writes them and the duty
    in brackets where they differ (缴费核定（费率核定）), so the officer reads their own words."""
    sep = "、" if lang == "zh" else ", "
    # Only sheet rows name posts (grant paths name permissions): picked out once, not per duty.
    rows = [(e.post, e.duty) for e in evidence or () if e.post and e.permission is None]
    return sep.join(_as_written(taxonomy, d, lang, rows) for d in duties)


def _as_written(taxonomy: Taxonomy, duty: str, lang: str, rows: list[tuple[str, str | None]]) -> str:
    """rows: (post, duty) of the sheet rows behind the finding."""
    label = taxonomy.label(duty, lang)
    if not rows:
        return label
    below = taxonomy.below(duty)
    posts = list(dict.fromkeys(post for post, held in rows if held in below))
    if not posts or posts == [label]:
        return label
    written = "、".join(posts) if lang == "zh" else ", ".join(posts)
    return f"{written}（{label}）" if lang == "zh" else f"{written} ({label})"


def finding(rule: RuleBase, subject: Subject, detail: Text | None, evidence: list[Evidence],
            duties: list[str], message: Text | None = None) -> Violation:
    message = message or rule.message.text()
    if detail is not None:
        message = Text(f"{message.zh}（{detail.zh}）", f"{message.en} ({detail.en})")
    # key=: one sort key per item, not two per comparison (a finding can hold hundreds of items).
    return Violation(rule.id, rule.severity, subject, message, tuple(sorted(set(evidence), key=Evidence.sort_key)),
                     tuple(sorted(set(duties))))


def judged(evidence: list[Evidence], cell: Callable[[Evidence], str | None]) -> list[Evidence]:
    """The evidence, saying which cell of each row the rule judged (a start date, a staff type), so
    that a marked copy of the sheet highlights it."""
    return [replace(e, cells=(*e.cells, column)) if (column := cell(e)) and column not in e.cells else e
            for e in evidence]


def staff_cell(e: Evidence) -> str | None:
    """The staff-type cell of an evidence row: what rules about 在编 judge."""
    return e.staff_column


def held_text(taxonomy: Taxonomy, duties: list[str], evidence: list[Evidence] | None = None) -> Text:
    return Text("涉及：" + duty_list(taxonomy, duties, "zh", evidence),
                "duties: " + duty_list(taxonomy, duties, "en", evidence))


class DutySelection(RuleBase):
    """The parameters of a rule about some duties: a list of them, every high-risk duty, or both
    (the tenure and requires kinds)."""

    duties: list[str] | None = None
    high_risk: bool = False

    @model_validator(mode="after")
    def _has_duties(self) -> DutySelection:
        if not self.duties and not self.high_risk:
            raise ValueError("give duties, or high_risk: true")
        return self

    def duty_refs(self) -> list[tuple[str, str]]:
        return [("duties", d) for d in self.duties or []]


def selected_duties(rule: DutySelection, taxonomy: Taxonomy) -> list[str]:
    """The duties a tenure or requires rule is about: its list, or every high-risk duty."""
    chosen = set(rule.duties or [])
    if rule.high_risk:
        chosen |= taxonomy.high_risk
    return sorted(chosen)
