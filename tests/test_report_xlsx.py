"""The Excel report: sheets, headers, the marked-up copy, and that nothing becomes a formula."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from sodcheck.cli import cli
from sodcheck.loaders.staffing import ID_CHECK, ID_WEIGHTS
from sodcheck.pipeline import CheckRequest, run
from sodcheck.report import RenderOptions, render
from sodcheck.report.xlsx import MARK_FILL, text_width

AS_OF = date(2024, 6, 30)
FORMULA_NAME = '=HYPERLINK("http://example.invalid","点我")'
UNIT = "测试区社会保险事业管理中心"


def person_id(serial: int) -> str:
    first = f"34170219800101{serial:03d}"
    return first + ID_CHECK[sum(int(d) * w for d, w in zip(first, ID_WEIGHTS)) % 11]


HEADER = ["序号", "单位", "科室", "姓名", "身份证号码", "人员身份", "岗位", "保管物品", "任现岗时间"]
ROWS = [
    # row 4: accountant and cashier at once; the name looks like a formula
    [1, UNIT, "财务科", FORMULA_NAME, person_id(1), "在编", "会计、出纳", None, "2022.01"],
    # row 5: high-risk post held by non-established staff
    [2, None, "待遇科", "刘芳", person_id(2), "劳务派遣", "待遇发放", None, "2023-03"],
    # row 6: established internal control, so the unit is covered
    [3, None, "稽核科", "汪明", person_id(3), "在编", "内控稽核", None, "2021.03"],
    # row 7: a date nobody can read (a data warning on column I)
    [4, None, "征缴科", "黄英", person_id(4), "在编", "参保登记", None, "2015年13月"],
    # row 8: seals and tickets kept by one person
    [5, None, "财务科", "宋雨", person_id(5), "在编", "财务", "财务专用章、空白票据", "2022.05"],
]


def make_staffing(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "人员分工"
    ws["A1"] = "经办机构人员分工、岗位职责情况表"
    ws.merge_cells("A1:I1")
    ws["A2"] = "填报单位（盖章）：测试局"
    ws.merge_cells("A2:I2")
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.merge_cells("B4:B8")
    ws["D4"].data_type = "s"     # what an officer typed, not a formula openpyxl should write
    ws.column_dimensions["D"].width = 13.5
    ws.column_dimensions["G"].width = 17.25
    ws.row_dimensions[1].height = 33
    wb.save(path)


@pytest.fixture(scope="module")
def staffing(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "annex2.xlsx"
    make_staffing(path)
    return path


@pytest.fixture(scope="module")
def report(staffing):
    return run(CheckRequest(staff=[str(staffing)], as_of=AS_OF))


def workbook(report, lang="zh", show_ids=False):
    data = render("xlsx", report, RenderOptions(lang=lang, show_ids=show_ids))
    assert isinstance(data, bytes)
    return openpyxl.load_workbook(io.BytesIO(data)), data


def header(ws) -> list:
    return [c.value for c in ws[1] if c.value is not None]


def fill_of(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].upper()


def test_the_report_reads_as_expected(report):
    rules = {(v.rule_id, v.subject.name) for v in report.violations}
    assert ("SOD-ACC-CASH", FORMULA_NAME) in rules
    assert ("STAFF-HIGH-RISK", "刘芳") in rules
    assert ("SOD-TICKET-SEAL", "宋雨") in rules
    assert any(w.code == "DATE-UNREADABLE" and w.row == 7 and w.column == "I" for w in report.warnings)
    assert report.sheets == ((str(report.inputs[0]), "人员分工", 3),)


def test_sheets_and_headers_in_chinese(report):
    wb, _ = workbook(report, "zh")
    assert wb.sheetnames == ["汇总", "违规清单", "提示", "数据问题", "规则说明", "标注-人员分工"]
    # printed columns first (the 整改 columns beside the finding), then what is for the screen only
    assert header(wb["违规清单"]) == ["序号", "严重程度", "规则", "对象", "单位", "说明", "整改建议", "整改措施",
                                    "责任人", "整改时限", "依据", "状态", "对象类型", "身份证号", "标注位置"]
    assert header(wb["提示"]) == header(wb["违规清单"])
    assert header(wb["数据问题"])[:7] == ["序号", "代码", "文件", "工作表", "行", "列", "说明"]
    assert header(wb["规则说明"])[:6] == ["规则", "规则类型", "严重程度", "规则名称", "规则说明", "依据条款"]


def test_sheets_and_headers_in_english(report):
    wb, _ = workbook(report, "en")
    assert wb.sheetnames == ["Summary", "Violations", "Notices", "Data issues", "Rules", "Marked-人员分工"]
    assert header(wb["Violations"])[:11] == ["No.", "Severity", "Rule", "Subject", "Unit", "Message",
                                           "Suggested remedy", "Action", "Responsible", "Deadline", "Evidence"]
    assert header(wb["Violations"])[12:] == ["Subject kind", "ID number", "Marked cell"]
    values = [c.value for row in wb["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("违规" in v for v in values if not v.startswith(("测试", "ORG")))


def test_violation_rows_freeze_panes_filter_and_fills(report):
    wb, _ = workbook(report, "zh")
    ws = wb["违规清单"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:O{len(report.violations) + 1}"
    assert ws.max_row == len(report.violations) + 1
    for r, v in enumerate(report.violations, start=2):
        assert ws.cell(row=r, column=3).value == v.rule_id
        assert fill_of(ws.cell(row=r, column=2)) == MARK_FILL[v.severity]
    acc = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=3).value == "SOD-ACC-CASH")
    column = {name: n for n, name in enumerate(header(ws), start=1)}
    assert "会计与出纳分设" in ws.cell(row=acc, column=column["整改建议"]).value      # from the rule
    evidence = ws.cell(row=acc, column=column["依据"]).value
    assert "第4行" in evidence and "会计" in evidence and "出纳" in evidence
    assert "人员分工" in evidence
    # the id is masked unless asked for
    assert ws.cell(row=acc, column=column["身份证号"]).value == person_id(1)[:4] + "*" * 10 + person_id(1)[-4:]
    # a link from the finding to the marked row
    link = ws.cell(row=acc, column=column["标注位置"]).hyperlink
    assert link is not None and link.location == "'标注-人员分工'!A4"
    for name in ("数据问题", "规则说明", "提示"):
        assert wb[name].freeze_panes in ("A2", "B2")
        assert wb[name].auto_filter.ref.startswith("A1:")


def test_column_widths_fit_chinese_text(report):
    wb, _ = workbook(report, "zh")
    ws = wb["违规清单"]
    # The unit column is narrowed to print (see test_printing) and its row is tall enough for the
    # unit's name wrapped onto several lines.
    unit_width = ws.column_dimensions["E"].width
    assert ws.cell(row=1, column=5).value == "单位"
    lines = -(-text_width(UNIT) // int((unit_width - 1) * 0.85))
    assert all(ws.row_dimensions[r].height >= 18 * lines for r in range(2, ws.max_row + 1))
    assert text_width("会计") == 4 and text_width("ab") == 2


def test_formula_looking_name_stays_text(report):
    wb, data = workbook(report, "zh")
    for ws in (wb["违规清单"], wb["标注-人员分工"]):
        cells = [c for row in ws.iter_rows() for c in row if c.value == FORMULA_NAME]
        assert cells, ws.title
        assert all(c.data_type == "s" for c in cells)
    # and nothing in the file is stored as a formula
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name


def test_marked_copy_fills_and_comments_offending_cells(report):
    wb, _ = workbook(report, "zh")
    ws = wb["标注-人员分工"]
    # layout kept: title rows and merged ranges; widths fitted to the text
    assert ws["A1"].value == "经办机构人员分工、岗位职责情况表"
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:I1", "A2:I2", "B4:B8"}
    assert ws.column_dimensions["G"].width >= 8
    # accountant + cashier: name and post filled red, with the rule in the comment
    for coordinate in ("D4", "G4"):
        assert fill_of(ws[coordinate]) == MARK_FILL["high"], coordinate
        assert "SOD-ACC-CASH" in ws[coordinate].comment.text
    assert "兼有会计和出纳职责" in ws["G4"].comment.text
    # non-established staff on a high-risk post: the staff-type cell is marked too
    assert "STAFF-HIGH-RISK" in ws["F5"].comment.text
    assert fill_of(ws["F5"]) == MARK_FILL["medium"]
    # seals and tickets: the custody column, not the post column
    assert "SOD-TICKET-SEAL" in ws["H8"].comment.text
    assert ws["G8"].comment is None or "SOD-TICKET-SEAL" not in ws["G8"].comment.text
    # a data warning marks its own cell in its own colour
    assert fill_of(ws["I7"]) == MARK_FILL["warning"]
    assert "DATE-UNREADABLE" in ws["I7"].comment.text
    # clean cells stay clean
    assert ws["D6"].comment is None
    # id numbers masked in the copy unless --show-ids
    assert ws["E4"].value == person_id(1)[:4] + "*" * 10 + person_id(1)[-4:]
    wb_ids, _ = workbook(report, "zh", show_ids=True)
    assert wb_ids["标注-人员分工"]["E4"].value == person_id(1)


def test_summary_has_counts_chart_and_assessment_items(report):
    wb, _ = workbook(report, "zh")
    ws = wb["汇总"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "2024-06-30" in values
    assert any(isinstance(v, str) and "annex2.xlsx" in v for v in values)
    assert "考核表扣分项" in values
    assert "第3项" in values and "第5项" in values and "第14项" in values
    assert "不相容岗位分离" in values
    assert len(ws._charts) == 1
    # counts by severity
    high = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "严重")
    assert ws.cell(row=high, column=2).value == sum(1 for v in report.violations if v.severity == "high")
    en = workbook(report, "en")[0]["Summary"]
    assert "item 3" in [c.value for row in en.iter_rows() for c in row]


def test_csv_source_gets_a_plain_marked_copy(tmp_path):
    path = tmp_path / "annex2.csv"
    lines = [",".join(HEADER[1:])]
    lines.append(f"{UNIT},财务科,钱会计,{person_id(7)},在编,会计、出纳,,2022.01")
    lines.append(f"{UNIT},稽核科,汪明,{person_id(3)},在编,内控稽核,,2021.03")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(CheckRequest(staff=[str(path)], as_of=AS_OF))
    assert report.sheets == ((str(path), None, 1),)
    wb, _ = workbook(report, "en")
    ws = wb["Marked-annex2"]
    assert ws["C1"].value == "姓名" and ws["C1"].font.b
    assert ws["C2"].value == "钱会计"
    assert "SOD-ACC-CASH" in ws["C2"].comment.text and "SOD-ACC-CASH" in ws["F2"].comment.text
    assert fill_of(ws["F2"]) == MARK_FILL["high"]


def test_the_writer_never_reopens_an_input(tmp_path):
    # The report carries the sheets it marks: the input can be gone by the time it is written.
    path = tmp_path / "gone.xlsx"
    make_staffing(path)
    report = run(CheckRequest(staff=[str(path)], as_of=AS_OF))
    path.unlink()
    wb, _ = workbook(report, "en")
    assert wb.sheetnames == ["Summary", "Violations", "Notices", "Data issues", "Rules", "Marked-人员分工"]
    assert wb["Marked-人员分工"]["A1"].value == "经办机构人员分工、岗位职责情况表"


def test_cli_refuses_xlsx_to_a_terminal_and_writes_a_file(staffing, tmp_path):
    runner = CliRunner()
    args = ["check", "--staff", str(staffing), "--as-of", "2024-06-30", "--format", "xlsx"]
    refused = runner.invoke(cli, args + ["--lang", "en"])
    assert refused.exit_code == 2
    assert "binary format" in refused.output and "-o" in refused.output
    refused_zh = runner.invoke(cli, args + ["--lang", "zh"])
    assert refused_zh.exit_code == 2 and "二进制" in refused_zh.output
    out = tmp_path / "report.xlsx"
    written = runner.invoke(cli, args + ["--lang", "zh", "-o", str(out)])
    assert written.exit_code == 1, written.output      # violations found
    assert openpyxl.load_workbook(out).sheetnames[0] == "汇总"
