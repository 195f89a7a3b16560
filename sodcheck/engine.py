"""evaluate(ruleset, inputs) -> Report. No I/O: loaders read, writers write."""
from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .checks import KINDS
from .checks.base import Context, Findings
from .holders import AccountTable, HolderTable, PeopleTable, RoleConfigTable, held_from_duty_maps
from .loaders.staffing import StaffingData
from .model import DataWarning, Evidence, Report, Subject, Text, sorted_violations, sorted_warnings
from .ruleset import Ruleset
from .taxonomy import Taxonomy
from .text import compact

if TYPE_CHECKING:      # operation logs' modules load only for a run that reads them
    from .ops.frame import OpsLog


@dataclass
class Inputs:
    """Everything loaded for one run, by kind of input: each source contributes its typed table
    (people come from the staffing data when evaluated), warnings, files and stats."""

    staffing: StaffingData | None = None
    accounts: AccountTable | None = None
    export_roles: HolderTable | None = None          # roles defined in permission exports
    role_config: RoleConfigTable | None = None       # roles of role-configuration files
    ops: OpsLog | None = None                        # operation logs (--ops)
    warnings: list[DataWarning] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    # Duties that linked accounts add to people, by person key (the staffing cross-check).
    person_extra: dict[str, dict[str, list[Evidence]]] = field(default_factory=dict)
    unclassified: Counter = field(default_factory=Counter)

    def present(self) -> set[str]:
        """The kinds of input this run has: staff, perms, roles, ops."""
        given = {"staff": self.staffing is not None, "perms": self.accounts is not None,
                 "roles": self.role_config is not None, "ops": self.ops is not None}
        return {kind for kind, here in given.items() if here}


# Which subject kinds each input kind brings.
SUBJECTS_OF_INPUT = {"staff": {"person", "unit"}, "perms": {"account", "role"}, "roles": {"role", "permission"},
                     "ops": {"business", "account"}}


def applies(kind, present: set[str]) -> bool:
    """Whether a rule kind has something to judge in these inputs: every input it needs, and some
    input bringing the subjects it reports on. A report lists only the rules that apply."""
    brought = set().union(*(SUBJECTS_OF_INPUT[p] for p in present)) if present else set()
    return set(getattr(kind, "NEEDS", ())) <= present and bool(brought & set(kind.APPLIES_TO))


def _category_duty(taxonomy: Taxonomy, text: str) -> list[tuple[str, str]]:
    """An explicit 岗位类别: a duty id, a duty label, or text the post patterns understand."""
    key = compact(text).lower()
    for duty in taxonomy.duties.values():
        if key in (duty.id.lower(), compact(duty.label.zh).lower(), compact(duty.label.en).lower()):
            return [(duty.id, "岗位类别")]
    return [(m.duty, f"岗位类别: {m.pattern}") for m in taxonomy.classify(text)]


def people_duties(staffing: StaffingData, taxonomy: Taxonomy, warnings: list[DataWarning],
                  unclassified: Counter) -> dict[str, dict[str, list[Evidence]]]:
    """Classify every posting; the duties each person holds, with the rows that prove it."""
    by_row: dict[tuple, list] = {}
    for posting in staffing.postings:
        by_row.setdefault((posting.file, posting.sheet, posting.row), []).append(posting)
    duties: dict[str, dict[str, list[Evidence]]] = {p.key: {} for p in staffing.people}

    def add(posting, duty: str, pattern: str, post: str) -> None:
        duties[posting.person_key].setdefault(duty, []).append(Evidence(
            posting.file, posting.sheet, posting.row, post, duty, pattern, start=posting.start,
            cells=(posting.column,) if posting.column else (), unit=posting.unit,
            serial=posting.serial or None, note=posting.note or None,
            start_column=posting.start_column, staff_column=posting.staff_column))

    for postings in by_row.values():
        category = [p for p in postings if p.source == "category"]
        described = next((p for p in postings if p.source == "duties"), None)
        explicit = []
        for p in category:
            explicit = _category_duty(taxonomy, p.text)
            if not explicit:
                warnings.append(DataWarning("UNKNOWN-CATEGORY", p.file, p.sheet, p.row, p.column,
                                            Text(f"岗位类别“{p.text}”不是已知的职责",
                                                 f"post category {p.text!r} names no known duty")))
            for duty, pattern in explicit:
                add(p, duty, pattern, p.text)
        for p in postings:
            if p.source == "custody" or (p.source == "post" and not explicit and p.text):
                matches = taxonomy.classify(p.text)
                via = ""
                if not matches and p.source == "post" and described is not None:
                    matches, via = taxonomy.classify(described.text), "岗位职责: "
                for m in matches:
                    add(p, m.duty, via + m.pattern, p.text)
                if not matches:
                    unclassified[p.text] += 1
                    warnings.append(DataWarning(
                        "UNCLASSIFIED-POST", p.file, p.sheet, p.row, p.column,
                        Text(f"“{p.text}”不对应任何职责；如需检查，请在规则文件的 post_duties 中补充",
                             f"{p.text!r} maps to no duty; add a post_duties pattern to check it")))
    return duties


def people_table(staffing: StaffingData, taxonomy: Taxonomy, warnings: list[DataWarning],
                 unclassified: Counter, extra: dict[str, dict[str, list[Evidence]]] | None = None
                 ) -> PeopleTable:
    duties = people_duties(staffing, taxonomy, warnings, unclassified)
    for key, more in (extra or {}).items():
        for duty, linked in more.items():
            duties[key].setdefault(duty, []).extend(linked)
    rows = staffing.person_rows
    people = staffing.people
    established: list[bool | None] = []
    for person in people:
        known = {p.established for p in rows.get(person.key, []) if p.established is not None}
        established.append(False if False in known else (True if known else None))
    duty_maps = [duties[p.key] for p in people]
    columns, held, evidence = held_from_duty_maps(duty_maps, taxonomy)
    return PeopleTable(
        "person", [Subject("person", p.name, p.unit, p.id_number) for p in people], columns, held, evidence,
        established=established,
        units=[frozenset(compact(p.unit) for p in rows.get(person.key, [])) for person in people],
        duty_maps=duty_maps)


def unit_rows(staffing: StaffingData) -> dict[str, list[Evidence]]:
    """Each unit's rows, once each, as evidence: where a finding about the whole unit looked."""
    rows: dict[str, dict[tuple, Evidence]] = {}
    for p in staffing.postings:
        rows.setdefault(compact(p.unit), {}).setdefault(
            (p.file, p.sheet, p.row), Evidence(p.file, p.sheet, p.row, unit=p.unit))
    return {unit: list(found.values()) for unit, found in rows.items()}


def evaluate(ruleset: Ruleset, inputs: Inputs, as_of: date) -> Report:
    warnings = list(inputs.warnings)
    unclassified = Counter(inputs.unclassified)
    people = None
    if inputs.staffing is not None:
        warnings += inputs.staffing.warnings
        people = people_table(inputs.staffing, ruleset.taxonomy, warnings, unclassified,
                              inputs.person_extra)
    ctx = Context(ruleset.taxonomy, as_of, people=people, accounts=inputs.accounts,
                  export_roles=inputs.export_roles, role_config=inputs.role_config,
                  units=inputs.staffing.units if inputs.staffing is not None else [], ops=inputs.ops,
                  unit_rows=unit_rows(inputs.staffing) if inputs.staffing is not None else {})
    out = Findings()
    present = inputs.present()
    applicable = [rule for rule in ruleset.enabled if applies(KINDS[rule.kind], present)]
    for rule in applicable:
        kind = KINDS[rule.kind]
        kind.check(rule, ctx.for_subjects(kind.APPLIES_TO), out)
    # Findings selected in the operation log are made once DuckDB has handed back its memory.
    with inputs.ops.released() if inputs.ops is not None else nullcontext():
        out.settle()
    violations = sorted_violations(out.violations)
    stats = dict(inputs.stats)
    if inputs.staffing is not None:
        stats["people"] = len(inputs.staffing.people)
        stats["units"] = len(ctx.units)
    stats["violations"] = len(violations)
    stats["notices"] = len(out.notices)
    return Report(
        as_of=as_of,
        violations=violations,
        notices=sorted_violations(out.notices),
        warnings=sorted_warnings(warnings + out.warnings),
        rules=tuple(r.info() for r in applicable),
        inputs=tuple(inputs.files + (inputs.staffing.files if inputs.staffing else [])),
        stats=tuple(sorted(stats.items())),
        unclassified=tuple(sorted(unclassified.items())),
        duty_labels=tuple(sorted((d.id, d.label) for d in ruleset.taxonomy.duties.values())),
        sheets=tuple(inputs.staffing.sheets) if inputs.staffing is not None else (),
        sources=tuple(inputs.staffing.source_sheets) if inputs.staffing is not None else ())
