"""The check command as a user runs it: exit codes, JSON contract, masking, CSV, rule files."""
from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import (
    HEADER,
    REPO,
    SAMPLE,
    SAMPLE_CSV,
    SAMPLE_VIOLATIONS,
    check_json,
    pairs,
    run_cli,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize("sample", [SAMPLE, SAMPLE_CSV], ids=["xlsx", "csv"])
def test_sample_data_gives_every_kind_of_violation(sample):
    code, doc = check_json("--staff", str(sample), "--as-of", "2024-06-30")
    assert code == 1
    assert pairs(doc) == SAMPLE_VIOLATIONS
    assert pairs(doc, "notices") == {("TENURE-HIGH-RISK", n) for n in ("田丰", "胡国庆", "马丽")}
    assert {w["code"] for w in doc["warnings"]} >= {"UNCLASSIFIED-POST", "DATE-UNREADABLE"}


def test_json_contract(staff_sheet):
    path = staff_sheet([["李娜", "中心", "在编", "会计、出纳", "2015.09"]],
                       header=["姓名", "单位", "人员身份", "岗位", "任现岗时间"])
    code, doc = check_json("--staff", str(path), "--as-of", "2019-06-30")
    assert code == 1
    assert set(doc) >= {"as_of", "summary", "violations", "notices", "warnings"}
    assert doc["as_of"] == "2019-06-30"
    violation = next(v for v in doc["violations"] if v["rule_id"] == "SOD-ACC-CASH")
    assert set(violation) >= {"rule_id", "severity", "subject", "message", "evidence"}
    assert violation["subject"] == {"kind": "person", "name": "李娜", "unit": "中心", "id": None}
    assert violation["severity"] == "high"
    assert {(e["row"], e["post"], e["duty"]) for e in violation["evidence"]} == \
        {(2, "会计", "accounting"), (2, "出纳", "cashier")}
    for e in violation["evidence"]:
        assert set(e) >= {"file", "sheet", "row", "post", "duty", "pattern"} and e["pattern"]


def test_id_numbers_masked_unless_asked(staff_sheet):
    header = ["姓名", "单位", "身份证号", "人员身份", "岗位"]
    path = staff_sheet([["林峰", "中心", "341702197909094320", "在编", "会计、出纳"]], header=header)
    _, doc = check_json("--staff", str(path))
    assert doc["violations"][0]["subject"]["id"] == "3417**********4320"
    _, doc = check_json("--staff", str(path), "--show-ids")
    assert doc["violations"][0]["subject"]["id"] == "341702197909094320"
    _code, out, _ = run_cli("check", "--staff", str(path), "--format", "csv")
    assert "341702197909094320" not in out and "3417**********4320" in out


@pytest.mark.parametrize("fail_on, expected", [("high", 0), ("medium", 1), ("low", 1), ("never", 0)])
def test_fail_on_threshold(staff_sheet, fail_on, expected):
    path = staff_sheet([["杨帆", "中心", "劳务派遣", "费率核定", "2018-05"],
                        ["赵敏", "中心", "在编", "内控稽核", "2018-05"]])
    code, _, _ = run_cli("check", "--staff", str(path), "--fail-on", fail_on, "--format", "json")
    assert code == expected


def test_clean_sheet_exits_zero(staff_sheet):
    path = staff_sheet([["赵敏", "中心", "在编", "内控稽核", "2018-05"]])
    assert run_cli("check", "--staff", str(path))[0] == 0


def test_csv_output_has_bom_and_never_runs_formulas(tmp_path):
    path = write_csv(tmp_path / "in.csv", [HEADER, ["=HYPERLINK(1)", "中心", "在编", "会计、出纳", "2015.09"],
                                           ["@SUM(1)", "中心", "在编", "会计、出纳", "2015.09"]])
    out = tmp_path / "out.csv"
    assert run_cli("check", "--staff", str(path), "--format", "csv", "-o", str(out))[0] == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    names = [r[4] for r in rows[1:] if r[0] == "violation" and r[3] == "person"]
    assert names and all(n[0] == "'" and n[1] in "=@" for n in names)


def test_table_output_is_chinese(staff_sheet):
    path = staff_sheet([["李娜", "中心", "在编", "会计、出纳", "2015.09"]])
    code, out, _ = run_cli("check", "--staff", str(path), "--lang", "zh")
    assert code == 1 and "违规" in out and "李娜" in out and "会计" in out


def test_language_follows_lang_variable(staff_sheet, monkeypatch):
    path = staff_sheet([["李娜", "中心", "在编", "会计、出纳", "2015.09"]])
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    _, doc = check_json("--staff", str(path))
    assert doc["lang"] == "zh" and "会计" in doc["violations"][0]["message"]


@pytest.mark.parametrize("make, words", [
    (lambda p: write_xlsx(p / "a.xlsx", {"S": [["姓名", "单位"], ["甲", "中心"]]}), "post"),
    (lambda p: (p / "a.xlsx").write_text("not excel") and p / "a.xlsx", "not an Excel workbook"),
    (lambda p: p / "missing.xlsx", "file not found"),
    (lambda p: write_xlsx(p / "a.xlsx", {"S": []}), "no staffing table"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, make, words):
    path = make(tmp_path)
    code, _out, err = run_cli("check", "--staff", str(path), "--lang", "en")
    assert code == 2
    assert words in err and str(path) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_no_input_is_a_usage_error():
    code, _, err = run_cli("check")
    assert code == 2 and "--staff" in err


def test_bad_as_of_date(staff_sheet):
    code, _, err = run_cli("check", "--staff", str(staff_sheet([])), "--as-of", "2019-13-01")
    assert code == 2 and "--as-of" in err


def test_rule_file_with_a_typo_names_file_rule_and_field(tmp_path, staff_sheet):
    rules = tmp_path / "mine.yaml"
    rules.write_text("rules:\n  - id: MY-RULE\n    kind: incompatible\n    duties: [business, finance]\n"
                     "    severty: high\n    title: {zh: 标题, en: t}\n    message: {zh: 说明, en: m}\n"
                     "    source: x\n", encoding="utf-8")
    code, _, err = run_cli("check", "--staff", str(staff_sheet([])), "--rules", str(rules))
    assert code == 2
    assert str(rules) in err and "MY-RULE" in err and "severty" in err and "line 5" in err


def test_rule_file_with_unknown_duty(tmp_path):
    rules = tmp_path / "mine.yaml"
    rules.write_text("rules:\n  - {id: X-1, kind: incompatible, duties: [business, nosuch], severity: low,\n"
                     "     title: {zh: a, en: a}, message: {zh: b, en: b}, source: s}\n", encoding="utf-8")
    code, _out, err = run_cli("rules", "validate", str(rules))
    assert code == 2 and "nosuch" in err and "X-1" in err


def test_rule_file_with_yaml_syntax_error(tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules: [\n  - id: x\n", encoding="utf-8")
    code, _, err = run_cli("rules", "validate", str(rules))
    assert code == 2 and "YAML" in err and "line" in err


def test_user_rules_add_duties_patterns_and_rules_and_change_builtins(tmp_path, staff_sheet):
    rules = tmp_path / "local.yaml"
    rules.write_text("""
duties:
  - {id: archive, label: {zh: 档案保管, en: Archives}}
post_duties:
  - {duty: archive, priority: 990, patterns: ["档案"]}
rules:
  - id: LOCAL-ARCHIVE-CASH
    kind: incompatible
    duties: [archive, cashier]
    severity: medium
    title: {zh: 档案与出纳分离, en: Archives and cashier}
    message: {zh: 档案保管与出纳兼任, en: Archives combined with cashier}
    source: 本地规定
  - {id: SOD-BIZ-FIN, enabled: false}
  - {id: SOD-ACC-CASH, severity: low}
""", encoding="utf-8")
    path = staff_sheet([["甲", "中心", "在编", "档案管理、出纳", "2018.1"],
                        ["乙", "中心", "在编", "待遇审核、会计、出纳", "2018.1"],
                        ["丙", "中心", "在编", "内控稽核", "2018.1"]])
    code, doc = check_json("--staff", str(path), "--rules", str(rules), "--fail-on", "medium")
    assert ("LOCAL-ARCHIVE-CASH", "甲") in pairs(doc)
    assert not any(v["rule_id"] == "SOD-BIZ-FIN" for v in doc["violations"])
    assert [v["severity"] for v in doc["violations"] if v["rule_id"] == "SOD-ACC-CASH"] == ["low"]
    assert code == 1


def test_rules_list_and_validate(tmp_path):
    code, out, _ = run_cli("rules", "list")
    assert code == 0
    for rule_id in ("SOD-BIZ-FIN", "SOD-BIZ-IT", "SOD-ACC-CASH", "SOD-TICKET-SEAL", "SOD-IC-OPS",
                    "TENURE-HIGH-RISK", "STAFF-HIGH-RISK", "ORG-INTERNAL-CONTROL"):
        assert rule_id in out
    code, out, _ = run_cli("rules", "validate", str(REPO / "rules"))
    assert code == 0 and out.startswith("ok")


def test_builtin_rule_ids_and_severities():
    from sodcheck.ruleset import load_ruleset

    severities = {r.id: r.severity for r in load_ruleset().rules}
    assert {k: severities[k] for k in ("SOD-BIZ-FIN", "SOD-BIZ-IT", "SOD-ACC-CASH", "SOD-TICKET-SEAL")} == \
        dict.fromkeys(("SOD-BIZ-FIN", "SOD-BIZ-IT", "SOD-ACC-CASH", "SOD-TICKET-SEAL"), "high")
    assert {severities[k] for k in ("SOD-IC-OPS", "TENURE-HIGH-RISK", "STAFF-HIGH-RISK",
                                    "ORG-INTERNAL-CONTROL")} == {"medium"}


def test_output_is_stable_whatever_the_row_order(tmp_path):
    rows = [["甲", "中心", "在编", "会计、出纳", "2010.1"], ["乙", "中心", "编外", "待遇发放", "2011.1"],
            ["丙", "中心", "在编", "待遇审核、会计", "2012.1"]]
    outputs = []
    for order in (rows, rows[::-1]):
        path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER] + order})
        doc = json.loads(run_cli("check", "--staff", str(path), "--format", "json", "--as-of", "2019-06-30")[1])
        outputs.append([(v["rule_id"], v["subject"]["name"]) for v in doc["violations"]])
    assert outputs[0] == outputs[1]


def test_duty_hierarchy_cycle_is_an_error(tmp_path):
    rules = tmp_path / "loop.yaml"
    rules.write_text("duties:\n  - {id: a, parent: b, label: {zh: 甲, en: a}}\n"
                     "  - {id: b, parent: a, label: {zh: 乙, en: b}}\n", encoding="utf-8")
    code, _, err = run_cli("rules", "validate", str(rules))
    assert code == 2 and "cycle" in err and "a" in err and "b" in err
