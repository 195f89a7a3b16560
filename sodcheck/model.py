"""The data sodcheck works on and the results it produces.

Everything here is a frozen dataclass with a total, stable sort order, so that reports and golden
files come out the same on every run whatever order the inputs were read in.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import attrgetter
from typing import Any, Literal, NamedTuple

Severity = Literal["high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, order=True, slots=True)
class Text:
    """A user-facing string in both languages sodcheck speaks."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **values: object) -> Text:
        return Text(self.zh.format(**values), self.en.format(**values))


class SodcheckError(Exception):
    """Bad input, bad rules or bad usage: reported as one message and exit status 2."""

    def __init__(self, message: Text | str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, line: int | None = None):
        self.text = message if isinstance(message, Text) else Text(message, message)
        self.file, self.sheet, self.row, self.column, self.line = file, sheet, row, column, line
        super().__init__(self.render("en"))

    def render(self, lang: str) -> str:
        from .text import location_text

        prefix = location_text(lang, self.file, self.sheet, self.row, self.line, self.column)
        return f"{prefix}: {self.text.get(lang)}" if prefix else self.text.get(lang)


@dataclass(frozen=True, order=True, slots=True)
class DataWarning:
    """Something in the input that the user should look at; never fatal."""

    code: str
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    message: Text = field(compare=False)

    def sort_key(self) -> tuple:
        return (self.file or "", self.sheet or "", self.row or 0, self.column or "", self.code,
                self.message.en)


@dataclass(frozen=True)
class Person:
    """One human being in the staffing input, possibly spread over several rows, sheets and files."""

    key: str
    name: str
    unit: str
    id_number: str | None


@dataclass(frozen=True)
class Posting:
    """One post, custody item or explicit category that one row gives one person."""

    person_key: str
    unit: str
    text: str
    source: Literal["post", "custody", "category", "duties"]
    start: date | None
    start_raw: str
    established: bool | None
    staff_type: str
    department: str
    file: str
    sheet: str | None
    row: int
    column: str | None
    start_column: str | None = None
    staff_column: str | None = None
    serial: str = ""            # the sheet's 序号 of the row
    note: str = ""              # the row's 备注


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a subject holds a duty: a sheet row, a grant path, or a line of a role file."""

    file: str | None
    sheet: str | None = None
    row: int | None = None
    post: str | None = None
    duty: str | None = None
    pattern: str | None = None
    permission: str | None = None
    path: tuple[str, ...] = ()
    more_paths: int = 0
    line: int | None = None
    start: date | None = None
    # The cells of this row that the finding is about (column letters), for writers that mark the
    # sheet: the post's cell, and what the rule judged (a start date, a staff type). Not output.
    cells: tuple[str, ...] = field(default=(), compare=False)
    # The unit the row belongs to, so that a finding counts under every unit its rows are in.
    unit: str | None = field(default=None, compare=False)
    # The sheet's own 序号 of the row, and its 备注 (人员不足暂兼): the officer's words beside the finding.
    serial: str | None = field(default=None, compare=False)
    note: str | None = field(default=None, compare=False)
    # A step of a business in an operation log: which business, the step as written, its kind
    # (accept, review, ...), who did it and when (ISO text, local time).
    biz_id: str | None = None
    step: str | None = None
    step_kind: str | None = None
    operator: str | None = None
    time: str | None = None
    # Steps of the same business (or operator) not shown, counted on the last step shown.
    more_rows: int = 0
    # Where the start date and staff type of this row are, for warnings; not part of the output.
    start_column: str | None = field(default=None, compare=False)
    staff_column: str | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        """A total order whatever fields are missing: None sorts before any value."""
        return tuple([_ABSENT if value is None else (True, value) for value in _evidence_order(self)])

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def as_dict(self) -> dict:
        doc: dict = {"file": self.file, "sheet": self.sheet, "row": self.row, "post": self.post,
                     "duty": self.duty, "pattern": self.pattern}
        if self.permission is not None:
            doc["permission"] = self.permission
        if self.path:
            doc["path"] = list(self.path)
        if self.more_paths:
            doc["more_paths"] = self.more_paths
        if self.line is not None:
            doc["line"] = self.line
        if self.start is not None:
            doc["start"] = self.start.isoformat()
        if self.serial:
            doc["serial"] = self.serial
        if self.note:
            doc["note"] = self.note
        # Spelt out, not a loop over names: a province's report writes tens of thousands of these.
        if self.biz_id is not None:
            doc["biz_id"] = self.biz_id
        if self.step is not None:
            doc["step"] = self.step
        if self.operator is not None:
            doc["operator"] = self.operator
        if self.time is not None:
            doc["time"] = self.time
        if self.step_kind is not None:
            doc["kind"] = self.step_kind
        if self.more_rows:
            doc["more_rows"] = self.more_rows
        return doc


# The fields of Evidence in the order findings sort their evidence by (a finding of a province
# export sorts tens of thousands of them: one C call reads them all).
_evidence_order = attrgetter("file", "sheet", "row", "post", "duty", "pattern", "permission", "path", "more_paths",
                             "line", "start", "biz_id", "time", "step", "step_kind", "operator")
_ABSENT = (False, "")


@dataclass(frozen=True, order=True, slots=True)
class Subject:
    kind: Literal["person", "unit", "account", "role", "permission", "business"]
    name: str
    unit: str | None = None
    id: str | None = None
    # The business system an account belongs to (an account is a code within one system).
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding of one rule about one subject (also used for notices)."""

    rule_id: str
    severity: Severity
    subject: Subject
    message: Text
    evidence: tuple[Evidence, ...]
    duties: tuple[str, ...] = ()
    waiver: tuple[tuple[str, object], ...] = ()
    change: Literal["introduced", "removed", ""] = ""
    baseline: Literal["new", "unchanged", ""] = ""

    def sort_key(self) -> tuple:
        return (-SEVERITY_RANK[self.severity], self.rule_id, self.subject.kind, self.subject.system or "",
                self.subject.unit or "", self.subject.name, self.subject.id or "", self.duties,
                EvidenceOrder(self.evidence))

    @property
    def identity(self) -> FindingIdentity:
        return finding_identity(self)

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit the finding is about: the subject's, and those of the rows behind it (a person
        who is 会计 in one unit and 出纳 in another is a finding of both)."""
        found = {e.unit for e in self.evidence if e.unit}
        if self.subject.unit:
            found.add(self.subject.unit)
        return tuple(sorted(found))

    @property
    def waiver_status(self) -> str | None:
        status = dict(self.waiver).get("status")
        return status if isinstance(status, str) else None

    @property
    def counts(self) -> bool:
        """Whether this finding counts towards the exit status."""
        return self.waiver_status != "active" and self.baseline != "unchanged" \
            and self.change != "removed"


class FindingIdentity(NamedTuple):
    """What makes two findings the same finding, across runs, baselines, what-if changes, SARIF
    fingerprints and waivers: never a row or line number, so sorting a sheet or moving a role in
    its file changes nothing. ``system`` is None where the subject belongs to no named system."""

    rule_id: str
    kind: str
    system: str | None
    unit: str | None
    name: str
    duties: tuple[str, ...]


def finding_identity(v: Violation) -> FindingIdentity:
    s = v.subject
    return FindingIdentity(v.rule_id, s.kind, s.system or None, s.unit or None, s.name,
                           tuple(sorted(set(v.duties))))


def identity_from_json(doc: dict) -> FindingIdentity:
    """The identity of a finding as a JSON report wrote it (any sodcheck version since 0.1)."""
    subject = doc["subject"]
    duties = doc.get("duties") or []
    return FindingIdentity(doc["rule_id"], subject["kind"], subject.get("system") or None,
                           subject.get("unit") or None, subject["name"],
                           tuple(sorted({str(d) for d in duties})))


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about a rule that ran."""

    id: str
    kind: str
    severity: Severity
    title: Text
    source: str
    description: Text | None = None
    assessment: tuple[tuple[str, object], ...] = ()
    remedy: Text | None = None          # 整改建议


@dataclass(frozen=True)
class SourceGrid:
    """A staffing sheet as it was read, so that writers can show it marked without reopening the
    input: its cells, merged ranges and where its columns are."""

    file: str
    sheet: str | None                                 # None for CSV
    header_row: int                                   # the header's first row, as Excel numbers it
    data_start: int                                   # the first data row, as Excel numbers it
    columns: tuple[tuple[str, str], ...]              # field (name, post, unit, ...) -> column letter
    row_numbers: tuple[int, ...]                      # Excel row (or CSV line) of each grid row
    # The cells, row by row: objects with a ``value``. Kept by reference, never compared.
    rows: Sequence[Sequence[Any]] = field(compare=False, repr=False, default=())
    merged: tuple[tuple[int, int, int, int], ...] = ()   # 0-based grid rows and columns, inclusive

    def column(self, field_name: str) -> str | None:
        return dict(self.columns).get(field_name)

    def text(self, index: int, column: int) -> str:
        row = self.rows[index]
        if column >= len(row) or row[column].value is None:
            return ""
        return str(row[column].value)


@dataclass(frozen=True)
class Report:
    as_of: date
    violations: tuple[Violation, ...]
    notices: tuple[Violation, ...]
    warnings: tuple[DataWarning, ...]
    rules: tuple[RuleInfo, ...]
    inputs: tuple[str, ...]
    stats: tuple[tuple[str, object], ...] = ()
    unclassified: tuple[tuple[str, int], ...] = ()
    duty_labels: tuple[tuple[str, Text], ...] = ()
    # Staffing sheets that were read: (file, sheet name or None for CSV, header row). The xlsx
    # writer copies them and marks the offending cells.
    sheets: tuple[tuple[str, str | None, int], ...] = ()
    sources: tuple[SourceGrid, ...] = field(default=(), compare=False, repr=False)

    def stat(self, key: str, default: Any = None) -> Any:
        return dict(self.stats).get(key, default)

    def stats_with(self, **more: object) -> tuple[tuple[str, object], ...]:
        """The stats with these keys added or replaced, sorted as a Report keeps them."""
        return tuple(sorted(dict(self.stats, **more).items()))

    @cached_property
    def _rules_by_id(self) -> dict[str, RuleInfo]:
        # Writers ask once per finding: a province-scale report has a hundred thousand.
        return {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> RuleInfo | None:
        return self._rules_by_id.get(rule_id)

    def remedy(self, rule_id: str, lang: str) -> str:
        """The rule's 整改建议 in this language, or ""."""
        rule = self.rule(rule_id)
        return rule.remedy.get(lang) if rule is not None and rule.remedy is not None else ""

    def duty_label(self, duty: str | None, lang: str) -> str:
        label = dict(self.duty_labels).get(duty) if duty else None
        return label.get(lang) if label else (duty or "")


class EvidenceOrder:
    """The last part of a finding's sort key: its evidence in order, worked out only when everything
    before it ties. Made up front for every finding, the evidence keys of a large log's findings
    took more memory than the findings themselves."""

    __slots__ = ("evidence",)

    def __init__(self, evidence: tuple[Evidence, ...]):
        self.evidence = evidence

    def keys(self) -> list[tuple]:
        return [e.sort_key() for e in self.evidence]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EvidenceOrder) and self.keys() == other.keys()

    def __lt__(self, other: EvidenceOrder) -> bool:
        return self.keys() < other.keys()

    __hash__ = None  # type: ignore[assignment]


def sorted_violations(items) -> tuple[Violation, ...]:
    return tuple(sorted(items, key=Violation.sort_key))


def sorted_warnings(items) -> tuple[DataWarning, ...]:
    unique = {(w.sort_key()): w for w in items}
    return tuple(unique[k] for k in sorted(unique))


def mask_id(id_number: str | None) -> str | None:
    """Keep the first and last four characters of an id number, so a reader can tell people apart."""
    if not id_number:
        return id_number
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
