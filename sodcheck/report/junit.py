"""JUnit XML, for CI systems that show test reports (GitLab ``artifacts:reports:junit``, Jenkins,
Azure DevOps).

One testsuite per input file; a finding belongs to the file it is located in (locate.py). Each
finding is a testcase: a counted one fails, a waived or baselined one is skipped, one that a
what-if change removes passes. GitLab merges testcases of the same name, so names are unique
across the whole document. A file without findings gets one passing testcase, so that a clean
run still shows what was checked.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from ..model import Report, Violation
from ..text import location_text
from .locate import Place, place, relative, status_note, subject_text, warning_place, with_place
from .text import evidence_line

CLASSNAME = "sodcheck"


def _case_name(v: Violation) -> str:
    return f"[{v.severity.upper()}][{v.rule_id}] {subject_text(v)}"


def _unique(names: list[str]) -> list[str]:
    total = Counter(names)
    seen: Counter = Counter()
    out = []
    taken = set(names)
    for name in names:
        if total[name] == 1:
            out.append(name)
            continue
        seen[name] += 1
        candidate = f"{name} #{seen[name]}"
        while candidate in taken:      # a subject literally named "x #2" must not collide
            seen[name] += 1
            candidate = f"{name} #{seen[name]}"
        taken.add(candidate)
        out.append(candidate)
    return out


def _details(v: Violation, report: Report, lang: str) -> str:
    lines = [v.message.get(lang)]
    note = status_note(v, lang)
    if note:
        lines.append(note)
    lines += ["  " + evidence_line(e, report, lang) for e in v.evidence]
    waiver = dict(v.waiver)
    if waiver:
        lines.append(", ".join(f"{k}={val}" for k, val in waiver.items()))
    return "\n".join(lines)


def _warning_line(w, lang: str) -> str:
    where = warning_place(w)
    located = where.where(lang) if where.row is not None or where.sheet else (
        location_text(lang, line=where.line) if w.row else "")
    prefix = relative(w.file) + (f" {located}" if located else "") + ": " if w.file else ""
    return f"{prefix}{w.code}: {w.message.get(lang)}"


def _suite(name: str) -> ET.Element:
    return ET.Element("testsuite", {"name": name, "tests": "0", "failures": "0", "errors": "0",
                                    "skipped": "0", "time": "0"})


def _count(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def document(report: Report, lang: str = "en") -> ET.Element:
    files = list(dict.fromkeys(report.inputs))
    by_file: dict[str, list[tuple[Violation, Place]]] = {f: [] for f in files}
    for v in report.violations:
        where = place(v, report)
        key = where.file if where.file is not None else "sodcheck"
        by_file.setdefault(key, []).append((v, where))
    names = _unique([_case_name(v) for items in by_file.values() for v, _ in items])
    root = ET.Element("testsuites", {"name": "sodcheck", "time": "0"})
    all_cases: list[ET.Element] = []
    index = 0
    for file, items in by_file.items():
        suite = _suite(relative(file) if file != "sodcheck" else file)
        cases = []
        for v, where in items:
            attrs = {"classname": f"{CLASSNAME}.{v.rule_id}", "name": names[index], "time": "0"}
            index += 1
            if where.file:
                attrs.update(file=relative(where.file), line=str(where.line))
            case = ET.SubElement(suite, "testcase", attrs)
            message = with_place(v.message.get(lang), where, lang)
            if v.change == "removed":
                ET.SubElement(case, "system-out").text = _details(v, report, lang)
            elif v.waiver_status == "active" or v.baseline == "unchanged":
                ET.SubElement(case, "skipped", {"message": f"{status_note(v, lang)}: {message}"})
                ET.SubElement(case, "system-out").text = _details(v, report, lang)
            else:
                note = status_note(v, lang)
                failure = ET.SubElement(case, "failure", {
                    "message": f"{message} [{note}]" if note else message, "type": v.rule_id})
                failure.text = _details(v, report, lang)
            cases.append(case)
        if not items:
            cases.append(ET.SubElement(suite, "testcase", {
                "classname": CLASSNAME, "name": f"{relative(file)}: no violations", "time": "0",
                "file": relative(file)}))
        # Warnings about files that are not inputs (a waiver file) go with the first suite.
        first = len(root) == 0
        warnings = [w for w in report.warnings if w.file == file or (first and w.file not in by_file)]
        if warnings:
            ET.SubElement(suite, "system-out").text = "\n".join(_warning_line(w, lang) for w in warnings)
        _count(suite, cases)
        root.append(suite)
        all_cases += cases
    _count(root, all_cases)
    return root


# XML 1.0 cannot carry most control characters, and a cell of a sheet can hold any of them.
_NOT_XML = dict.fromkeys([c for c in range(32) if c not in (9, 10, 13)] + [0xFFFE, 0xFFFF])


def _clean(root: ET.Element) -> None:
    for element in root.iter():
        if element.text:
            element.text = element.text.translate(_NOT_XML)
        for key, value in element.attrib.items():
            element.set(key, value.translate(_NOT_XML))


def _serialise(root: ET.Element) -> str:
    _clean(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(report: Report, options) -> str:
    return _serialise(document(report, options.lang))


def error_document(message: str, file: str | None = None) -> str:
    """The report of a run that could not check anything: one testcase in error, with the reason."""
    root = ET.Element("testsuites", {"name": "sodcheck", "time": "0"})
    suite = _suite(relative(file) if file else "sodcheck")
    case = ET.SubElement(suite, "testcase", {"classname": CLASSNAME, "name": "sodcheck: input", "time": "0"})
    ET.SubElement(case, "error", {"message": message, "type": "input"}).text = message
    _count(suite, [case])
    root.append(suite)
    _count(root, [case])
    return _serialise(root)
