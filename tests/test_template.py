"""The blank Annex 2 template: its parts, and that it loads cleanly, blank or filled in."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli
from sodcheck.loaders.staffing import ID_CHECK, ID_WEIGHTS, check_id, staff_status
from sodcheck.pipeline import CheckRequest, run
from sodcheck.report.xlsx import text_width
from sodcheck.ruleset import load_ruleset
from sodcheck.template import (
    BLANK_ROWS,
    COLUMNS,
    COMMON_POSTS,
    EXAMPLE_ID,
    FIRST_ROW,
    STAFF_TYPES,
    WORDS,
    render_template,
)

from .test_printing import printed_font_pt, printed_scale

AS_OF = date(2024, 6, 30)
CANONICAL = ["序号", "单位", "科室", "姓名", "身份证号码", "人员身份", "岗位", "岗位职责", "保管物品",
             "任现岗时间", "备注"]


def person_id(serial: int) -> str:
    first = f"34170219850101{serial:03d}"
    return first + ID_CHECK[sum(int(d) * w for d, w in zip(first, ID_WEIGHTS)) % 11]


def write_template(tmp_path, lang: str):
    path = tmp_path / f"template_{lang}.xlsx"
    path.write_bytes(render_template(lang))
    return path


def validations(ws) -> dict[str, object]:
    """Data validations by the first cell of their range."""
    return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_parts(tmp_path, lang):
    wb = openpyxl.load_workbook(write_template(tmp_path, lang))
    w = WORDS[lang]
    assert wb.sheetnames == [w["form"], w["instructions"], w["lists"]]
    assert WORDS["zh"]["instructions"] == "填表说明"
    assert wb[w["lists"]].sheet_state == "hidden"
    ws = wb[w["form"]]
    # the plan's 附件2 label, its title and the 填报单位 line above the header
    assert ws["A1"].value.startswith("附件2")
    assert ws["A2"].value.startswith("经办机构人员分工、岗位职责情况表")
    assert "A2:K2" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A3"].value.startswith("填报单位（盖章）")
    header = [ws.cell(row=FIRST_ROW - 1, column=c).value for c in range(1, 12)]
    assert [h.split("\n")[0] for h in header] == CANONICAL
    assert ws.freeze_panes == f"A{FIRST_ROW}"

    found = validations(ws)
    staff = found[f"F{FIRST_ROW}"]
    assert staff.type == "list"
    assert staff.formula1.strip('"').split(",") == list(STAFF_TYPES)
    post = found[f"G{FIRST_ROW}"]
    assert post.type == "list" and not post.showErrorMessage     # free text still allowed
    assert post.formula1.startswith(f"'{w['lists']}'!$A$2")
    date_hint = found[f"J{FIRST_ROW}"]
    assert date_hint.showInputMessage and "2019.03" in date_hint.prompt and "2019-03-05" in date_hint.prompt
    assert "如 2019.03 或 2019-03-05" in WORDS["zh"]["date_prompt"]
    assert "2019.03" in ws[f"J{FIRST_ROW - 1}"].comment.text

    # id numbers and dates are text, so Excel keeps every digit and 2019.03 stays 2019.03
    for r in (FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 200):
        assert ws[f"E{r}"].number_format == "@"
        assert ws[f"J{r}"].number_format == "@"

    example = [ws.cell(row=FIRST_ROW, column=c).value for c in range(1, 12)]
    assert example[4] == EXAMPLE_ID and check_id(EXAMPLE_ID)
    assert example[5] in STAFF_TYPES
    assert all(ws.cell(row=FIRST_ROW + 1, column=c).value is None for c in range(1, 12))

    lists = wb[w["lists"]]
    names = [c.value for c in lists["A"][1:] if c.value]
    assert names == [n for group in COMMON_POSTS.values() for n in group]
    notes = wb[w["instructions"]]
    assert notes.max_column == 1 and notes.max_row > 5


def test_staff_types_and_post_names_are_understood():
    assert all(staff_status(t) is not None for t in STAFF_TYPES)
    taxonomy = load_ruleset([]).taxonomy
    for duty, names in COMMON_POSTS.items():
        assert duty in taxonomy.duties
        for name in names:
            assert [m.duty for m in taxonomy.classify(name)] == [duty], name
    assert len(COLUMNS) == len(CANONICAL)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_blank_template_loads_without_warnings(tmp_path, lang):
    report = run(CheckRequest(staff=[str(write_template(tmp_path, lang))], as_of=AS_OF))
    assert report.warnings == ()
    assert report.violations == () and report.notices == ()
    assert report.stat("people") == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filled_template_loads_without_warnings_and_finds(tmp_path, lang):
    path = write_template(tmp_path, lang)
    wb = openpyxl.load_workbook(path)
    ws = wb[WORDS[lang]["form"]]
    unit = "贵池区社会养老保险管理中心"
    rows = [
        [1, unit, "财务科", "李会计", person_id(1), "在编", "会计、出纳", "负责基金会计核算和资金收付", "",
         "2021.03", ""],
        [2, unit, "稽核科", "王内控", person_id(2), "事业编制", "内控稽核", "负责内部控制检查", "", "2020-05-01", ""],
        [3, unit, "待遇科", "赵发放", person_id(3), "劳务派遣", "待遇发放", "负责养老金发放", "", "2023.07", ""],
        [4, unit, "财务科", "孙保管", person_id(4), "在编", "财务", "负责财务管理", "财务专用章、空白票据",
         "2022.01", ""],
        [5, unit, "征缴科", "周登记", person_id(5), "合同制", "参保登记", "负责参保登记", "", "2018.09", ""],
    ]
    # The officer overwrites the example row and goes on below it, typing text as Excel keeps it.
    for r, values in enumerate(rows, start=FIRST_ROW):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value if value != "" else None)
    wb.save(path)

    report = run(CheckRequest(staff=[str(path)], as_of=AS_OF))
    assert report.warnings == ()
    assert report.stat("people") == 5
    found = {(v.rule_id, v.subject.name) for v in report.violations}
    assert found == {("SOD-ACC-CASH", "李会计"), ("STAFF-HIGH-RISK", "赵发放"),
                     ("SOD-TICKET-SEAL", "孙保管")}
    assert report.notices == ()


def test_cli_template_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "附件2.xlsx"
    result = runner.invoke(cli, ["template", "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "人员分工"
    missing = runner.invoke(cli, ["template"])
    assert missing.exit_code == 2
    piped = runner.invoke(cli, ["template", "-o", "-", "--lang", "en"])
    assert piped.exit_code == 0
    assert openpyxl.load_workbook(io.BytesIO(piped.stdout_bytes)).sheetnames[0] == "Staffing"


def bordered(cell) -> bool:
    return all(getattr(cell.border, side).style for side in ("left", "right", "top", "bottom"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_prints_on_a4_with_rows_to_fill_and_a_signature_line(tmp_path, lang):
    wb = openpyxl.load_workbook(write_template(tmp_path, lang))
    w = WORDS[lang]
    ws = wb[w["form"]]
    # the example row and 20 blank rows, bordered in every column; nothing bordered below them
    last = FIRST_ROW + BLANK_ROWS
    assert all(bordered(ws.cell(row=r, column=c)) for r in range(FIRST_ROW, last + 1) for c in range(1, 12))
    assert all(ws.cell(row=r, column=c).value is None for r in range(FIRST_ROW + 1, last + 1) for c in range(1, 12))
    assert not bordered(ws.cell(row=last + 1, column=1))
    # 填表人 / 审核人 / 填报日期 below the rows, inside what prints
    sign = ws.cell(row=last + 2, column=1).value
    assert all(word in sign for word in ("填表人", "审核人", "填报日期"))
    assert ws.print_area.endswith(f"$K${last + 2}")
    assert ws.print_title_rows == f"${FIRST_ROW - 1}:${FIRST_ROW - 1}"
    for sheet, orientation in ((ws, "landscape"), (wb[w["instructions"]], "portrait")):
        assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == orientation
        assert printed_font_pt(sheet) >= 9, (sheet.title, printed_font_pt(sheet))
    # the form and its signature line fit one page high
    heights = sum(ws.row_dimensions[r].height or 15 for r in range(1, last + 3))
    printable = (595.3 - 72 * (ws.page_margins.top + ws.page_margins.bottom)) / printed_scale(ws)
    assert heights <= printable, (heights, printable)
    # the instructions wrap within the printed page, each row tall enough for its lines
    notes = wb[w["instructions"]]
    assert printed_scale(notes) == 1
    for r in range(1, notes.max_row + 1):
        cell = notes.cell(row=r, column=1)
        assert cell.alignment.wrap_text
        if cell.value:
            lines = -(-text_width(cell.value) // (notes.column_dimensions["A"].width - 4))
            assert notes.row_dimensions[r].height >= 18 * lines


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instructions_say_one_thing_about_several_posts(lang):
    """The loader reads several posts in one cell (split by 、) and one row per post alike: the
    instructions recommend the first, say once that the second also works, and never ask for
    one row per post."""
    w = WORDS[lang]
    text = "\n".join(w["lines"])
    separator = "用“、”分隔" if lang == "zh" else "separated by 、"
    assert text.count(separator) == 1 and separator in w["post_prompt"]
    forbidden = "每人每个岗位一行" if lang == "zh" else "One row per person and post"
    assert forbidden not in text
    assert ("每个岗位一行" in text) if lang == "zh" else ("one row per post" in text)
    assert f"{FIRST_ROW}" in w["lines"][-3]      # the example row is named by its row number
