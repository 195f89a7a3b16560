"""Approved exceptions (豁免): a small county office that cannot separate two duties runs a
compensating control instead, approved by someone else and only until a date.

A waived finding stays in the report, marked, so an auditor still sees it; it just stops failing
the run. After ``expires`` it fails again and says which waiver ran out.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .model import DataWarning, Report, SodcheckError, Text, Violation, sorted_violations, sorted_warnings
from .ruleset import Ruleset
from .schema import STRICT
from .taxonomy import glob_match
from .text import compact
from .yamlsource import LocatedYaml, load_yaml

EXPIRING_DAYS = 30


class _Strict(BaseModel):
    model_config = ConfigDict(**STRICT, str_strip_whitespace=True, coerce_numbers_to_str=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class WaiverSubject(_Strict):
    """Which findings a waiver covers: the parts of a finding's identity (model.finding_identity).
    ``name`` may be a glob; ``unit`` and ``system``, when given, must match exactly."""

    kind: Literal["person", "unit", "account", "role", "permission", "business"]
    name: NonEmpty
    unit: str | None = None
    system: str | None = None
    id: str | None = None       # the person's id number, to tell the approver apart from them


class WaiverEntry(_Strict):
    id: NonEmpty
    rule: NonEmpty
    subject: WaiverSubject
    reason: NonEmpty
    approver: NonEmpty
    expires: date
    ticket: str | None = None
    compensating_control: str | None = None

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # pydantic would read 20250131 as seconds since 1970; a waiver date is written, not counted.
        if isinstance(value, datetime):
            raise ValueError("give a date (YYYY-MM-DD), not a date and time")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("must be an ISO date, YYYY-MM-DD")

    @model_validator(mode="after")
    def _approver_is_not_the_subject(self) -> WaiverEntry:
        approver = compact(self.approver).casefold()
        name = compact(self.subject.name).casefold()
        # "财务科 郑佳" approving 郑佳's exception is 郑佳 approving it: the approver's text must not
        # contain the subject's name (or a person glob's match) or id number. A role or permission
        # name says nothing about people.
        about_people = self.subject.kind in ("person", "account")
        covers = about_people and glob_match(f"*{name}*", approver)
        id_number = compact(self.subject.id or "").casefold()
        if approver == name or covers or (id_number and id_number in approver):
            raise ValueError("the approver must not be the subject of the waiver")
        return self


class WaiverFile(_Strict):
    waivers: list[dict]


@dataclass(frozen=True)
class Waiver:
    entry: WaiverEntry
    file: str
    line: int | None

    def matches(self, v: Violation) -> bool:
        identity, wanted = v.identity, self.entry.subject
        return (identity.rule_id == self.entry.rule and identity.kind == wanted.kind
                and (wanted.unit is None or compact(identity.unit or "") == compact(wanted.unit))
                and (wanted.system is None or identity.system == wanted.system)
                and glob_match(compact(wanted.name), compact(identity.name)))

    def status(self, as_of: date) -> str:
        return "active" if as_of <= self.entry.expires else "expired"

    def pairs(self, as_of: date) -> tuple[tuple[str, object], ...]:
        e = self.entry
        doc: dict[str, object] = {"id": e.id, "rule": e.rule,
                                  "subject": f"{e.subject.kind}:{e.subject.name}",
                                  "reason": e.reason, "approver": e.approver, "expires": e.expires}
        if e.ticket:
            doc["ticket"] = e.ticket
        if e.compensating_control:
            doc["compensating_control"] = e.compensating_control
        doc.update({"file": self.file, "line": self.line, "status": self.status(as_of)})
        return tuple(doc.items())


def _error(doc: LocatedYaml, index: int | None, entry_id: object, field: str | None,
           message: str) -> SodcheckError:
    loc: tuple = ("waivers",) if index is None else ("waivers", index)
    if field:
        loc += tuple(field.split("."))
    who = f"waiver {entry_id}" if entry_id else (f"waiver #{index + 1}" if index is not None else "")
    who_zh = f"豁免 {entry_id}" if entry_id else (f"第 {index + 1} 条豁免" if index is not None else "")
    where_en = ", ".join(x for x in (who, f"field {field}" if field else "") if x)
    where_zh = "，".join(x for x in (who_zh, f"字段 {field}" if field else "") if x)
    return SodcheckError(Text(f"{where_zh}：{message}" if where_zh else message,
                              f"{where_en}: {message}" if where_en else message),
                         file=doc.path, line=doc.line_of(*loc))


def load_waivers(path: str, ruleset: Ruleset | None = None) -> list[Waiver]:
    """Read and check a waiver file; any problem is an error naming the entry and the field, since
    a waiver that silently fails to load would fail a pipeline nobody can explain."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict) or "waivers" not in doc.data:
        raise SodcheckError(Text("豁免文件的顶层必须是含 waivers 列表的映射",
                                 "a waiver file needs a top-level `waivers:` list"), file=path, line=1)
    try:
        WaiverFile.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = "unknown top-level field (only `waivers`)" if first["type"] == "extra_forbidden" \
            else first["msg"]
        raise _error(doc, None, None, ".".join(str(x) for x in first["loc"][1:]) or None, message) from None
    waivers: list[Waiver] = []
    seen: dict[str, int] = {}
    known = {r.id for r in ruleset.rules} if ruleset is not None else None
    for index, raw in enumerate(doc.data["waivers"]):
        entry_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            entry = WaiverEntry.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(x) for x in first["loc"])
            if first["type"] == "missing":
                message = "required field is missing"
            elif first["type"] == "extra_forbidden":
                message = "unknown field (a typo?)"
            else:
                message = first["msg"].removeprefix("Value error, ")
            if not field and "approver" in message:
                field = "approver"
            raise _error(doc, index, entry_id, field or None, message) from None
        if entry.id in seen:
            raise _error(doc, index, entry.id, "id", f"the same id as waiver #{seen[entry.id] + 1}")
        seen[entry.id] = index
        if known is not None and entry.rule not in known:
            raise _error(doc, index, entry.id, "rule", f"no rule {entry.rule!r} is loaded")
        waivers.append(Waiver(entry, path, doc.line_of("waivers", index)))
    return waivers


def apply_waivers(report: Report, waivers: list[Waiver], as_of: date) -> Report:
    """Mark the findings each waiver covers; warn about waivers that ran out, are about to, or
    cover nothing. An active waiver wins over an expired one for the same finding."""
    used: set[str] = set()
    marked: list[Violation] = []
    for v in report.violations:
        hits = [w for w in waivers if w.matches(v)]
        if not hits:
            marked.append(v)
            continue
        # Among several, the one that still applies longest; ties by id, for a stable report.
        best = max(hits, key=lambda w: (w.status(as_of) == "active", w.entry.expires, w.entry.id))
        used |= {w.entry.id for w in hits}
        marked.append(replace(v, waiver=best.pairs(as_of)))
    warnings = list(report.warnings)
    for w in waivers:
        e = w.entry
        subject = f"{e.subject.kind}:{e.subject.name}"
        if e.id not in used:
            warnings.append(DataWarning("WAIVER-UNUSED", w.file, None, w.line, None, Text(
                f"豁免 {e.id}（{e.rule}，{subject}）没有匹配任何违规，可以删除",
                f"waiver {e.id} ({e.rule}, {subject}) matches no violation; it can be removed")))
        elif w.status(as_of) == "expired":
            warnings.append(DataWarning("WAIVER-EXPIRED", w.file, None, w.line, None, Text(
                f"豁免 {e.id}（{e.rule}，{subject}）已于 {e.expires} 到期，相关违规重新计入",
                f"waiver {e.id} ({e.rule}, {subject}) expired on {e.expires}; its violations count again")))
        elif (e.expires - as_of).days <= EXPIRING_DAYS:
            warnings.append(DataWarning("WAIVER-EXPIRING", w.file, None, w.line, None, Text(
                f"豁免 {e.id}（{e.rule}，{subject}）将于 {e.expires} 到期（还有 {(e.expires - as_of).days} 天）",
                f"waiver {e.id} ({e.rule}, {subject}) expires on {e.expires}, "
                f"in {(e.expires - as_of).days} days")))
    active = sum(1 for v in marked if v.waiver_status == "active")
    expired = sum(1 for v in marked if v.waiver_status == "expired")
    stats = report.stats_with(waivers={"loaded": len(waivers), "waived": active, "expired": expired,
                                       "unused": sum(1 for w in waivers if w.entry.id not in used)})
    return replace(report, violations=sorted_violations(marked), warnings=sorted_warnings(warnings),
                   stats=stats)
