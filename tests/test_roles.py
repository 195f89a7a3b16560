"""Role configurations as code (--roles): loading, validation errors with file/line/column, and the
findings (toxic roles, ROLE-CYCLE, ROLE-UNKNOWN-REF, UNMAPPED-PERMISSION) located at the role's key."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sodcheck.pipeline import CheckRequest, run

from .conftest import REPO, check_json, run_cli, write_csv

SAMPLE = REPO / "sample_data" / "roles"
CONFIG = SAMPLE / "config"


def key_line(path: Path, key: str) -> int:
    """The line where a role (or catalogue entry) is defined, found the way a reader would."""
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*:')
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.match(line):
            return number
    raise AssertionError(f"{key} not in {path}")


def findings(doc: dict) -> dict[tuple[str, str], dict]:
    return {(v["rule_id"], v["subject"]["name"]): v for v in doc["violations"]}


def located(v: dict) -> set[tuple[str, int]]:
    return {(Path(e["file"]).name, e["line"]) for e in v["evidence"]}


# ----------------------------------------------------------------------------- the shipped sample

EXPECTED = {
    ("SOD-BIZ-FIN", "role", "benefit_supervisor"): ("benefit.yaml", "benefit_supervisor"),
    ("ROLE-CYCLE", "role", "county_all_in_one"): ("benefit.yaml", "county_all_in_one"),
    ("ROLE-UNKNOWN-REF", "role", "report_viewer"): ("benefit.yaml", "report_viewer"),
    ("ROLE-UNKNOWN-REF", "role", "sys_admin"): ("system.json", "sys_admin"),
    ("UNMAPPED-PERMISSION", "permission", "RPT_EXPORT"): ("benefit.yaml", "benefit_payer"),
}


def test_sample_configuration_findings_and_lines():
    code, doc = check_json("--roles", str(CONFIG), "--rules", str(SAMPLE / "rules.yaml"))
    assert code == 1
    got = {(v["rule_id"], v["subject"]["kind"], v["subject"]["name"]): v for v in doc["violations"]}
    assert set(got) == set(EXPECTED)
    for key, (file, role) in EXPECTED.items():
        assert located(got[key]) == {(file, key_line(CONFIG / file, role))}, key
        for e in got[key]["evidence"]:
            assert e["row"] is None and isinstance(e["line"], int)
    cycle = got[("ROLE-CYCLE", "role", "county_all_in_one")]
    assert "county_all_in_one" in cycle["message"] and "county_backup" in cycle["message"]
    assert cycle["severity"] == "high"
    assert "benefit_viewer" in got[("ROLE-UNKNOWN-REF", "role", "report_viewer")]["message"]
    assert "SYS_AUDIT_LOG" in got[("ROLE-UNKNOWN-REF", "role", "sys_admin")]["message"]
    assert got[("UNMAPPED-PERMISSION", "permission", "RPT_EXPORT")]["severity"] == "low"
    toxic = got[("SOD-BIZ-FIN", "role", "benefit_supervisor")]
    paths = {tuple(e["path"]) for e in toxic["evidence"]}
    assert ("role:benefit_supervisor", "role:fund_cashier", "permission:FIN_PAY") in paths
    # The cycle is a finding here, not also a warning.
    assert not [w for w in doc["warnings"] if w["code"] in ("ROLE-CYCLE", "ROLE-UNDEFINED")]


def test_without_the_sample_rules_query_permissions_are_unmapped():
    _, doc = check_json("--roles", str(CONFIG))
    unmapped = {v["subject"]["name"] for v in doc["violations"] if v["rule_id"] == "UNMAPPED-PERMISSION"}
    assert unmapped == {"RPT_EXPORT", "BEN_QUERY", "FIN_QUERY"}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "sarif", "junit", "github", "xlsx", "html"])
def test_sample_in_every_format(fmt, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / f"report.{fmt}"
    code, _, err = run_cli("check", "--roles", "sample_data/roles/config", "--rules",
                           "sample_data/roles/rules.yaml", "--format", fmt, "-o", str(out), "--lang", "en")
    assert code == 1, err
    lines = {role: key_line(CONFIG / "benefit.yaml", role) for role in
             ("benefit_supervisor", "county_all_in_one", "report_viewer", "benefit_payer")}
    json_line = key_line(CONFIG / "system.json", "sys_admin")
    if fmt == "xlsx":
        book = load_workbook(out)
        text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                        if c.value is not None)
        for name in ("benefit_supervisor", "county_all_in_one", "report_viewer", "sys_admin", "RPT_EXPORT"):
            assert name in text
        return
    text = out.read_text(encoding="utf-8")
    for name in ("benefit_supervisor", "county_all_in_one", "report_viewer", "sys_admin", "RPT_EXPORT"):
        assert name in text, (fmt, name)
    if fmt == "sarif":
        results = json.loads(text)["runs"][0]["results"]
        spots = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
        assert spots == {
            ("SOD-BIZ-FIN", "sample_data/roles/config/benefit.yaml", lines["benefit_supervisor"]),
            ("ROLE-CYCLE", "sample_data/roles/config/benefit.yaml", lines["county_all_in_one"]),
            ("ROLE-UNKNOWN-REF", "sample_data/roles/config/benefit.yaml", lines["report_viewer"]),
            ("ROLE-UNKNOWN-REF", "sample_data/roles/config/system.json", json_line),
            ("UNMAPPED-PERMISSION", "sample_data/roles/config/benefit.yaml", lines["benefit_payer"]),
        }
    elif fmt == "github":
        benefit = "sample_data/roles/config/benefit.yaml"
        assert f"::error file={benefit},line={lines['county_all_in_one']}," in text
        assert f"::warning file=sample_data/roles/config/benefit.yaml,line={lines['benefit_payer']}," in text
        assert f"::error file=sample_data/roles/config/system.json,line={json_line}," in text
    elif fmt == "junit":
        assert f'line="{lines["benefit_supervisor"]}"' in text
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert sum(1 for r in rows[1:] if r and r[1] in {k[0] for k in EXPECTED}) == 5


# ----------------------------------------------------------------------------- loading and findings

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CATALOGUE_AND_ROLES = """\
permissions:
  BEN_ENTRY: {name: 待遇申报录入}
  BEN_REVIEW: 待遇审核
  FIN_PAY: {name: 资金支付}
roles:
  benefit_clerk:
    name: 待遇经办员
    permissions: [BEN_ENTRY]
  benefit_reviewer:
    includes: [benefit_clerk]
    permissions: [BEN_REVIEW]
  toxic:
    includes: [benefit_reviewer]
    permissions: [FIN_PAY]
"""


def test_toxic_role_through_includes(tmp_path):
    path = write(tmp_path / "roles.yaml", CATALOGUE_AND_ROLES)
    report = run(CheckRequest(roles=[str(path)]))
    (v,) = [v for v in report.violations if v.rule_id == "SOD-BIZ-FIN"]
    assert (v.subject.kind, v.subject.name) == ("role", "toxic")
    assert {e.line for e in v.evidence} == {12}
    assert {e.permission for e in v.evidence} == {"BEN_ENTRY", "BEN_REVIEW", "FIN_PAY"}
    assert report.stat("role_config")["roles"] == 3


def test_json_file_and_folder_of_mixed_files(tmp_path):
    write(tmp_path / "cfg" / "a.yaml", "roles:\n  clerk:\n    permissions: [待遇审核]\n")
    write(tmp_path / "cfg" / "sub" / "b.json",
          '{\n\t"roles": {\n\t\t"payer": {\n\t\t\t"includes": ["clerk"],\n'
          '\t\t\t"permissions": ["资金支付"]\n\t\t}\n\t}\n}\n')
    write(tmp_path / "cfg" / "notes.txt", "not a role file")
    code, doc = check_json("--roles", str(tmp_path / "cfg"))
    assert code == 1
    (v,) = [v for v in doc["violations"] if v["rule_id"] == "SOD-BIZ-FIN"]
    assert v["subject"]["name"] == "payer"
    # JSON indented with tabs still has its lines.
    assert located(v) == {("b.json", 3)}
    assert len(doc["summary"]["inputs"]) == 2


def test_numeric_codes_are_codes(tmp_path):
    path = write(tmp_path / "r.yaml", "permissions:\n  1001: 待遇审核\n  1002: 资金支付\n"
                                      "roles:\n  2001:\n    permissions: [1001, 1002]\n")
    _, doc = check_json("--roles", str(path))
    assert ("SOD-BIZ-FIN", "2001") in findings(doc)
    assert located(findings(doc)[("SOD-BIZ-FIN", "2001")]) == {("r.yaml", 5)}


def test_cycles_one_finding_each_subject_sorts_first(tmp_path):
    path = write(tmp_path / "r.yaml", """\
roles:
  zeta:
    includes: [beta]
  beta:
    includes: [gamma]
  gamma:
    includes: [zeta]
  self_loop:
    includes: [self_loop]
  outside:
    includes: [zeta]
""")
    _, doc = check_json("--roles", str(path))
    cycles = {name: v for (rule, name), v in findings(doc).items() if rule == "ROLE-CYCLE"}
    assert set(cycles) == {"beta", "self_loop"}
    assert all(role in cycles["beta"]["message"] for role in ("beta", "gamma", "zeta"))
    assert "outside" not in cycles["beta"]["message"]
    assert located(cycles["beta"]) == {("r.yaml", 4)}
    assert located(cycles["self_loop"]) == {("r.yaml", 8)}


def test_unknown_references(tmp_path):
    write(tmp_path / "cfg" / "a.yaml", """\
permissions:
  A: 待遇审核
roles:
  ok:
    includes: [defined_elsewhere]
  typo:
    includes: [ok, nobody]
    permissions: [A, B]
""")
    write(tmp_path / "cfg" / "b.yaml", "roles:\n  defined_elsewhere:\n    permissions: [A]\n")
    _, doc = check_json("--roles", str(tmp_path / "cfg"))
    refs = {name: v for (rule, name), v in findings(doc).items() if rule == "ROLE-UNKNOWN-REF"}
    assert set(refs) == {"typo"}
    assert "nobody" in refs["typo"]["message"] and "B" in refs["typo"]["message"]
    assert located(refs["typo"]) == {("a.yaml", 6)}
    # B is reported once, as missing from the catalogue, not also as unmapped.
    assert ("UNMAPPED-PERMISSION", "B") not in findings(doc)


def test_without_a_catalogue_permissions_are_not_references(tmp_path):
    path = write(tmp_path / "r.yaml", "roles:\n  clerk:\n    permissions: [待遇审核, MYSTERY]\n")
    _, doc = check_json("--roles", str(path))
    assert not [v for v in doc["violations"] if v["rule_id"] == "ROLE-UNKNOWN-REF"]
    (v,) = [v for v in doc["violations"] if v["rule_id"] == "UNMAPPED-PERMISSION"]
    assert v["subject"] == {"kind": "permission", "name": "MYSTERY", "unit": None, "id": None}
    assert located(v) == {("r.yaml", 2)}


def test_unmapped_permission_mapped_by_a_rule_file(tmp_path):
    path = write(tmp_path / "r.yaml", "roles:\n  clerk:\n    permissions: [BEN_X]\n")
    rules = write(tmp_path / "rules.yaml", "permission_duties:\n  - {duty: business, codes: ['BEN_*']}\n")
    code, doc = check_json("--roles", str(path), "--rules", str(rules))
    assert code == 0 and doc["violations"] == []


def test_rule_severity_can_be_changed_by_a_rule_file(tmp_path):
    path = write(tmp_path / "r.yaml", "roles:\n  clerk:\n    permissions: [BEN_X]\n")
    rules = write(tmp_path / "rules.yaml", "rules:\n  - {id: UNMAPPED-PERMISSION, enabled: false}\n")
    code, doc = check_json("--roles", str(path), "--rules", str(rules))
    assert code == 0 and doc["violations"] == []


def test_clean_configuration_exits_zero(tmp_path):
    path = write(tmp_path / "r.yaml", "roles:\n  clerk:\n    permissions: [待遇审核]\n"
                                      "  payer:\n    permissions: [资金支付]\n")
    code, doc = check_json("--roles", str(path))
    assert code == 0 and doc["violations"] == [] and doc["summary"]["role_config"]["roles"] == 2


# ----------------------------------------------------------------------------- bad files exit 2

@pytest.mark.parametrize("name, text, line, column, words", [
    ("syntax.yaml", "roles:\n  a:\n    permissions: [X\n  b: {}\n", 4, "4", "YAML syntax error"),
    ("typo.yaml", "roles:\n  a:\n    permisions: [X]\n", 3, "5", "roles.a.permisions: unknown field"),
    ("top.yaml", "roles: {}\nusers: {}\n", 2, "1", "users: unknown field"),
    ("type.yaml", "roles:\n  a:\n    permissions: X\n", 3, "5", "roles.a.permissions"),
    ("cat.yaml", "permissions:\n  X: {nme: x}\nroles: {}\n", 2, "7", "permissions.X.nme: unknown field"),
    ("dup.yaml", "roles:\n  a: {}\n  a: {}\n", 3, "3", "defined twice"),
    ("list.yaml", "- a\n- b\n", 1, "1", "top level must be a mapping"),
    ("syntax.json", '{"roles": {"a": {"includes": ["b"],}}}', 1, "36", "JSON syntax error"),
    ("unknown.json", '{\n  "roles": {\n    "a": {"include": ["b"]}\n  }\n}\n', 3, "11", "roles.a.include"),
])
def test_bad_files_exit_2_with_file_line_and_column(tmp_path, name, text, line, column, words):
    path = write(tmp_path / name, text)
    code, _out, err = run_cli("check", "--roles", str(path))
    assert code == 2
    assert "Traceback" not in err
    assert f"{path}, line {line}, column {column}: " in err, err
    assert words in err


def test_role_defined_in_two_files_exits_2(tmp_path):
    write(tmp_path / "cfg" / "a.yaml", "roles:\n  clerk: {}\n")
    write(tmp_path / "cfg" / "b.yaml", "\nroles:\n  clerk: {}\n")
    code, _, err = run_cli("check", "--roles", str(tmp_path / "cfg"))
    assert code == 2
    assert "b.yaml, line 3" in err and "a.yaml line 2" in err


@pytest.mark.parametrize("text", ["", "# nothing\n", "roles: {}\n"])
def test_empty_files_exit_2(tmp_path, text):
    code, _, err = run_cli("check", "--roles", str(write(tmp_path / "r.yaml", text)))
    assert code == 2 and "error" in err


def test_missing_path_and_empty_folder_exit_2(tmp_path):
    assert run_cli("check", "--roles", str(tmp_path / "nope.yaml"))[0] == 2
    (tmp_path / "empty").mkdir()
    assert run_cli("check", "--roles", str(tmp_path / "empty"))[0] == 2


# ----------------------------------------------------------------------------- exports keep warnings

def test_cycle_in_a_permission_export_stays_a_warning(tmp_path):
    write_csv(tmp_path / "role_includes.csv",
              [["role", "includes"], ["LOOP_1", "LOOP_2"], ["LOOP_2", "LOOP_1"]])
    write_csv(tmp_path / "role_permissions.csv", [["role", "permission"], ["LOOP_1", "YW"]])
    _code, doc = check_json("--perms", str(tmp_path))
    assert "ROLE-CYCLE" in {w["code"] for w in doc["warnings"]}
    assert not [v for v in doc["violations"] if v["rule_id"].startswith(("ROLE-", "UNMAPPED"))]


def test_roles_with_staff_and_perms_together(tmp_path):
    cfg = write(tmp_path / "r.yaml", CATALOGUE_AND_ROLES)
    shutil.copy(REPO / "sample_data" / "annex2_sample.xlsx", tmp_path / "staff.xlsx")
    code, doc = check_json("--roles", str(cfg), "--staff", str(tmp_path / "staff.xlsx"),
                           "--as-of", "2024-06-30")
    assert code == 1
    kinds = {v["subject"]["kind"] for v in doc["violations"]}
    assert {"role", "person"} <= kinds
    assert str(cfg) in doc["summary"]["inputs"]
