"""A finding is about every unit it touches, its marked cells point at the rest of the conflict,
and a finding about a whole unit says which rows it looked through."""
from __future__ import annotations

import json

import openpyxl

from .conftest import run_cli, write_xlsx

HEADER = ["姓名", "单位", "人员身份", "岗位", "任现岗时间", "公民身份号码"]
ZHOU = "341702198001010011"
ROWS = [
    ["周晓梅", "养老保险管理中心", "在编", "会计", "2020.01", ZHOU],
    ["赵敏", "养老保险管理中心", "在编", "内控稽核", "2018.01", ""],
    ["周晓梅", "医疗保险管理中心", "在编", "出纳", "2020.01", ZHOU],
    ["钱七", "医疗保险管理中心", "编外", "内控岗", "2020.01", ""],
    ["孙八", "就业管理局", "在编", "参保登记", "2020.01", ""],
]


def report(tmp_path, fmt: str, lang: str = "zh", rows: list[list[str]] = ROWS, header: list[str] = HEADER,
           as_of: str = "2021-01-01", exit_code: int | None = 1):
    """The report of a sheet of these rows, written in tmp_path (exit status checked unless None)."""
    sheet = write_xlsx(tmp_path / "staff.xlsx", {"人员分工": [header, *rows]})
    out = tmp_path / f"out.{fmt}"
    code, _, err = run_cli("check", "--staff", str(sheet), "--as-of", as_of, "--format", fmt, "-o", str(out),
                           "--lang", lang)
    assert exit_code is None or code == exit_code, err
    return out


def test_a_finding_across_two_units_counts_under_both(tmp_path):
    doc = json.loads(report(tmp_path, "json").read_text(encoding="utf-8"))
    finding = next(v for v in doc["violations"] if v["rule_id"] == "SOD-ACC-CASH")
    assert finding["units"] == ["养老保险管理中心", "医疗保险管理中心"]
    by_unit = doc["summary"]["by_unit"]
    assert by_unit["养老保险管理中心"] >= 1 and by_unit["医疗保险管理中心"] >= 2


def test_the_xlsx_lists_both_units_and_each_marked_cell_names_the_other_row(tmp_path):
    wb = openpyxl.load_workbook(report(tmp_path, "xlsx"))
    ws = wb["违规清单"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == "SOD-ACC-CASH")
    assert row[headers.index("单位")] == "养老保险管理中心、医疗保险管理中心"
    marked = wb["标注-人员分工"]
    assert "另见 第4行" in marked["D2"].comment.text      # 会计 on row 2 points at 出纳 on row 4
    assert "另见 第2行" in marked["D4"].comment.text


def test_a_unit_finding_carries_the_rows_it_considered(tmp_path):
    doc = json.loads(report(tmp_path, "json").read_text(encoding="utf-8"))
    units = {v["subject"]["name"]: v for v in doc["violations"] if v["rule_id"] == "ORG-INTERNAL-CONTROL"
             and v["subject"]["kind"] == "unit"}
    # 医疗保险管理中心: its only internal-control holder is not established: that row is the evidence.
    assert [e["row"] for e in units["医疗保险管理中心"]["evidence"]] == [5]
    # 就业管理局 has no holder at all: its own rows are what was looked through.
    assert [e["row"] for e in units["就业管理局"]["evidence"]] == [6]


def test_messages_name_the_post_as_written(tmp_path):
    rows = [["杨帆", "养老保险管理中心", "劳务派遣", "缴费核定", "2020.01", ""],
            ["赵敏", "养老保险管理中心", "在编", "内控稽核", "2018.01", ""]]
    out = report(tmp_path, "json", rows=rows, exit_code=None)
    doc = json.loads(out.read_text(encoding="utf-8"))
    message = next(v["message"] for v in doc["violations"] if v["rule_id"] == "STAFF-HIGH-RISK")
    assert "缴费核定（费率核定）" in message


def test_locations_give_the_sheets_serial_and_findings_its_note(tmp_path):
    header = ["序号", "姓名", "单位", "人员身份", "岗位", "任现岗时间", "备注"]
    sheet_rows = [["27", "赵敏", "养老保险管理中心", "在编", "内控稽核", "2018.01", ""],
                  ["28", "郑佳", "养老保险管理中心", "在编", "会计、出纳", "2020.01", "人员不足暂兼"]]
    out = report(tmp_path, "csv", rows=sheet_rows, header=header, exit_code=None)
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    evidence = next(r["依据"] for r in rows if r["规则"] == "SOD-ACC-CASH")
    assert "第3行（序号28）" in evidence and "备注：人员不足暂兼" in evidence
    doc_out = report(tmp_path, "json", lang="en", rows=sheet_rows, header=header, exit_code=None)
    doc = json.loads(doc_out.read_text(encoding="utf-8"))
    first = next(v for v in doc["violations"] if v["rule_id"] == "SOD-ACC-CASH")["evidence"][0]
    assert first["serial"] == "28" and first["note"] == "人员不足暂兼"


def test_notices_are_labelled_as_notices_not_by_severity(tmp_path):
    out = report(tmp_path, "xlsx", rows=[["朱琳", "养老保险管理中心", "在编", "会计", "2016.03", ""],
                                         ["赵敏", "养老保险管理中心", "在编", "内控稽核", "2018.01", ""]],
                 as_of="2020-12-01", exit_code=None)
    ws = openpyxl.load_workbook(out)["提示"]
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True)] == ["提示"]
