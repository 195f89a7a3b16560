"""Every built-in rule says what to do (整改建议), and every report shows it with each finding."""
from __future__ import annotations

import csv
import io
import json

import openpyxl

from sodcheck.ruleset import load_ruleset

from .conftest import HEADER, run_cli, write_xlsx

ROWS = [["李娜", "中心", "劳务派遣", "会计、出纳", "2015.09"], ["赵敏", "中心", "在编", "内控稽核", "2018.01"]]


def test_every_built_in_rule_has_a_remedy_in_both_languages():
    for rule in load_ruleset([]).rules:
        assert rule.remedy is not None, rule.id
        assert rule.remedy.zh.strip() and rule.remedy.en.strip(), rule.id


def test_json_csv_and_xlsx_carry_the_remedy(tmp_path):
    sheet = write_xlsx(tmp_path / "staff.xlsx", {"Sheet1": [HEADER, *ROWS]})
    out = tmp_path / "out.json"
    run_cli("check", "--staff", str(sheet), "--format", "json", "-o", str(out), "--lang", "zh")
    doc = json.loads(out.read_text(encoding="utf-8"))
    remedies = {v["rule_id"]: v.get("remedy") for v in doc["violations"]}
    assert remedies["SOD-ACC-CASH"].startswith("会计与出纳分设")
    assert remedies["STAFF-HIGH-RISK"]

    csv_out = tmp_path / "out.csv"
    run_cli("check", "--staff", str(sheet), "--format", "csv", "-o", str(csv_out), "--lang", "zh")
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    violation = next(r for r in rows if r["规则"] == "SOD-ACC-CASH")
    assert violation["整改建议"].startswith("会计与出纳分设")
    # zh CSV speaks Chinese: severity and subject kind are words, not codes
    assert violation["严重程度"] == "严重" and violation["对象类型"] == "人员"

    xlsx_out = tmp_path / "out.xlsx"
    run_cli("check", "--staff", str(sheet), "--format", "xlsx", "-o", str(xlsx_out), "--lang", "en")
    ws = openpyxl.load_workbook(xlsx_out)["Violations"]
    headers = [c.value for c in ws[1]]
    column = headers.index("Suggested remedy")
    assert headers[column + 1:column + 4] == ["Action", "Responsible", "Deadline"]
    remedy_texts = [row[column].value for row in ws.iter_rows(min_row=2)]
    assert any(text and text.startswith("Separate accountant and cashier") for text in remedy_texts)


def test_a_rule_file_can_give_its_own_remedy(tmp_path):
    rules = tmp_path / "office.yaml"
    rules.write_text("rules:\n  - id: SOD-ACC-CASH\n"
                     "    remedy: {zh: 本局由市中心派员复核, en: The city centre reviews}\n", encoding="utf-8")
    sheet = write_xlsx(tmp_path / "staff.xlsx", {"Sheet1": [HEADER, *ROWS]})
    out = tmp_path / "out.json"
    run_cli("check", "--staff", str(sheet), "--rules", str(rules), "--format", "json", "-o", str(out), "--lang", "zh")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {v["rule_id"]: v.get("remedy") for v in doc["violations"]}["SOD-ACC-CASH"] == "本局由市中心派员复核"
