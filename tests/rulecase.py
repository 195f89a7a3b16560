"""Self-contained rule cases: a case written as data carries its rules and inputs, which are
written to files in a temporary folder and checked by ``pipeline.run``.

A case is a mapping (see the head of tests/cases/rules.yaml):

  name        the test id
  as_of       the check date (default 2019-06-30)
  rules       a rule file's content, inline: a mapping (duties, permission_duties, rules…) or YAML text
  staff       staffing rows, each a mapping with the sheet's headers as keys (staff_format: xlsx or csv)
  rows        (older form) staffing rows as lists under `header` (default HEADER), written as xlsx
  perms       permission-export tables, each a list of row mappings, written as CSV files:
              accounts, account_roles, role_permissions, role_includes, permissions (the catalogue), flat
  roles       a role-configuration document (a mapping with roles and permissions), written as YAML
  ops         operation-log rows, each a mapping with the log's headers as keys, written as a CSV file
  only        the rule ids whose findings are compared exactly (default: every rule)
  violations  [rule id, subject name] or [rule id, subject kind, subject name] of every finding expected
  notices     the same for notices (compared only when given)
  warnings    codes (or [code, row] pairs) of the data warnings expected, compared exactly when given
  error       text the SodcheckError of a run that must fail must contain (its English message)
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from sodcheck.model import Report, SodcheckError, Violation
from sodcheck.pipeline import CheckRequest, run

from .conftest import HEADER, write_csv, write_xlsx

DEFAULT_AS_OF = date(2019, 6, 30)
PERM_TABLES = ("accounts", "account_roles", "role_permissions", "role_includes", "permissions", "flat")
CASE_KEYS = {"name", "as_of", "rules", "staff", "staff_format", "rows", "header", "perms", "roles", "ops",
             "only", "violations", "notices", "warnings", "error"}


def load_cases(path: Path) -> list[dict]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [c["name"] for c in cases]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    assert not duplicated, f"{path.name}: case names used twice: {duplicated}"
    return cases


def _cell(value):
    # YAML reads 2017.01 as the number 2017.01; the sheet must hold what the officer typed.
    return str(value) if isinstance(value, float) else value


def _table(rows: list[dict]) -> list[list]:
    """A header (every key, in order of first appearance) and the rows under it."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    return [header] + [[_cell(row.get(k)) for k in header] for row in rows]


def _text(value) -> str:
    return value if isinstance(value, str) else yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def write_inputs(case: dict, folder: Path) -> CheckRequest:
    """The case's rules and inputs as files in folder, and the request that checks them."""
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise ValueError(f"case {case['name']}: unknown keys {sorted(unknown)}")
    if isinstance(case.get("rules"), list):
        raise ValueError(f"case {case['name']}: `rules` is a rule file's content; name rule ids under `only`")
    request = CheckRequest(as_of=case.get("as_of", DEFAULT_AS_OF))
    if "rules" in case:
        path = folder / "rules.yaml"
        path.write_text(_text(case["rules"]), encoding="utf-8")
        request.rules.append(str(path))
    if "staff" in case:
        table = _table(case["staff"])
        fmt = case.get("staff_format", "xlsx")
        if fmt == "csv":
            request.staff.append(str(write_csv(folder / "staff.csv", table)))
        elif fmt == "xlsx":
            request.staff.append(str(write_xlsx(folder / "staff.xlsx", {"Sheet1": table})))
        else:
            raise ValueError(f"case {case['name']}: staff_format must be xlsx or csv, not {fmt!r}")
    elif "rows" in case:
        rows = [[_cell(v) for v in row] for row in case["rows"]]
        request.staff.append(str(write_xlsx(folder / "staff.xlsx",
                                            {"Sheet1": [case.get("header", HEADER)] + rows})))
    if "perms" in case:
        for name, rows in case["perms"].items():
            if name not in PERM_TABLES:
                raise ValueError(f"case {case['name']}: perms table {name!r} is not one of {PERM_TABLES}")
            write_csv(folder / "perms" / f"{name}.csv", _table(rows))
        request.perms.append(str(folder / "perms"))
    if "roles" in case:
        path = folder / "roles.yaml"
        path.write_text(_text(case["roles"]), encoding="utf-8")
        request.roles.append(str(path))
    if "ops" in case:
        request.ops.append(str(write_csv(folder / "ops.csv", _table(case["ops"]))))
    return request


def _findings(items: tuple[Violation, ...], only: set[str] | None, with_kind: bool) -> set[tuple]:
    return {(v.rule_id, v.subject.kind, v.subject.name) if with_kind else (v.rule_id, v.subject.name)
            for v in items if only is None or v.rule_id in only}


def _expected(entries: list) -> tuple[set[tuple], bool]:
    with_kind = any(len(e) == 3 for e in entries)
    if with_kind and not all(len(e) == 3 for e in entries):
        raise ValueError(f"give every finding as [rule, name] or every one as [rule, kind, name]: {entries}")
    return {tuple(e) for e in entries}, with_kind


def _compare(report: Report, case: dict) -> None:
    only = set(case["only"]) if "only" in case else None
    for key in ("violations", "notices"):
        if key not in case:
            continue
        expected, with_kind = _expected(case[key])
        assert _findings(getattr(report, key), only, with_kind) == expected, key
    if "warnings" in case:
        if any(isinstance(w, list) for w in case["warnings"]):
            found = {(w.code, w.row) for w in report.warnings}
            assert found == {tuple(w) for w in case["warnings"]}, "warnings"
        else:
            assert {w.code for w in report.warnings} == set(case["warnings"]), "warnings"


def check_case(case: dict, folder: Path) -> Report | None:
    """Run one case and assert what it expects; the report, or None for a case that must fail."""
    if "violations" not in case and "error" not in case:
        raise ValueError(f"case {case['name']}: state the expected `violations` (or the `error`)")
    request = write_inputs(case, folder)
    if "error" in case:
        with pytest.raises(SodcheckError) as raised:
            run(request)
        assert case["error"] in raised.value.render("en")
        return None
    report = run(request)
    _compare(report, case)
    return report


def cited_rules(cases: list[dict]) -> set[str]:
    """Rule ids some case expects a violation or notice of."""
    return {entry[0] for case in cases for key in ("violations", "notices") for entry in case.get(key, [])}
