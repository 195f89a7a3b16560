"""Where a finding is, for the CI formats (SARIF, JUnit, GitHub annotations), which each need one
file and one line per finding and all have to agree on them.

Role files have real lines. Sheets and exports do not (an xlsx row is not a line of the file), so
a table finding points at the file's first line and carries its sheet and row in words. A finding
about something with no file at all (a unit that lacks a post) points at the first input.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..model import DataWarning, Evidence, Report, Violation
from ..text import location_text

LINE_FILES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Place:
    file: str | None
    line: int
    sheet: str | None = None
    row: int | None = None

    def where(self, lang: str) -> str:
        """Sheet and row in words, for formats whose location is only a file and a line."""
        return location_text(lang, sheet=self.sheet, row=self.row)


def _rank(report: Report, file: str) -> int:
    return report.inputs.index(file) if file in report.inputs else len(report.inputs)


def place(v: Violation, report: Report) -> Place:
    located = [(e.file, e) for e in v.evidence if e.file]
    with_line = [(file, e.line, e) for file, e in located if e.line is not None]
    if with_line:
        file, line, _ = min(with_line, key=lambda item: (_rank(report, item[0]), item[0], item[1]))
        return Place(file, line)
    if located:
        file, e = min(located, key=lambda item: (_rank(report, item[0]), item[0], item[1].sheet or "",
                                                 item[1].row or 0))
        return Place(file, 1, e.sheet, e.row)
    return Place(report.inputs[0] if report.inputs else None, 1)


def warning_place(w: DataWarning) -> Place:
    if w.file and Path(w.file).suffix.lower() in LINE_FILES:
        return Place(w.file, w.row or 1)       # role and waiver files: the row is a line
    return Place(w.file, 1, w.sheet, w.row)


def evidence_place(e: Evidence) -> Place:
    if e.line is not None:
        return Place(e.file, e.line)
    return Place(e.file, 1, e.sheet, e.row)


def relative(file: str) -> str:
    """The path relative to the working directory, with forward slashes: what CI systems show
    and what GitHub resolves against the repository."""
    path = Path(file)
    try:
        rel = os.path.relpath(path if path.is_absolute() else Path.cwd() / path, Path.cwd())
    except ValueError:      # another drive on Windows: nothing relative exists
        return path.as_posix()
    return Path(rel).as_posix()


def artifact_uri(file: str) -> str:
    """A URI reference (RFC 3986) for SARIF: the relative path, percent-encoded."""
    return quote(relative(file), safe="/")


def subject_text(v: Violation) -> str:
    s = v.subject
    text = f"{s.kind} {s.name}"
    if s.unit and s.kind != "unit":
        text += f" ({s.unit})"
    return text


def with_place(text: str, where: Place, lang: str) -> str:
    """text, then the sheet and row in brackets where the file and line alone do not say them."""
    located = where.where(lang)
    return f"{text} ({located})" if located else text


def finding_text(v: Violation, where: Place, lang: str) -> str:
    """One line about a finding for a CI annotation: subject, message, sheet and row, status."""
    text = with_place(f"{subject_text(v)}: {v.message.get(lang)}", where, lang)
    note = status_note(v, lang)
    return f"{text} [{note}]" if note else text


def fingerprint(v: Violation) -> str:
    """The finding's identity as a hash. A subject of no named system hashes as before systems
    existed, so fingerprints of earlier runs stay valid."""
    rule_id, kind, system, unit, name, duties = v.identity
    parts = [rule_id, kind, name, unit or "", ",".join(duties)]
    if system is not None:
        parts.append(system)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def status_note(v: Violation, lang: str) -> str:
    """What the waivers, the baseline and a what-if change say about this finding, or ""."""
    zh = lang == "zh"
    notes = []
    waiver = dict(v.waiver)
    if v.waiver_status == "active":
        notes.append(f"已豁免 {waiver.get('id')}，至 {waiver.get('expires')}" if zh
                     else f"waived by {waiver.get('id')} until {waiver.get('expires')}")
    elif v.waiver_status == "expired":
        notes.append(f"豁免 {waiver.get('id')} 已于 {waiver.get('expires')} 到期" if zh
                     else f"waiver {waiver.get('id')} expired on {waiver.get('expires')}")
    if v.change == "introduced":
        notes.append("由本次变更引入" if zh else "introduced by the change")
    elif v.change == "removed":
        notes.append("本次变更后消除" if zh else "removed by the change")
    if v.baseline == "unchanged":
        notes.append("基线中已有" if zh else "in the baseline")
    elif v.baseline == "new":
        notes.append("基线中没有" if zh else "new since the baseline")
    return ("；" if zh else "; ").join(notes)
