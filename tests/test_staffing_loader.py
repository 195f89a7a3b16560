"""The Annex 2 loader on sheets as officers make them."""
from __future__ import annotations

from datetime import date

import pytest

from sodcheck.loaders.staffing import check_id, load_staffing, split_items, staff_status
from sodcheck.model import SodcheckError

from .conftest import HEADER, write_csv, write_xlsx


def codes(data):
    return sorted({w.code for w in data.warnings})


def people(data):
    return {(p.name, p.unit) for p in data.people}


def test_title_rows_two_row_header_merged_unit_and_footer(tmp_path):
    rows = [
        ["附件2", None, None, None, None, None, None, None],
        ["经办机构人员分工、岗位职责情况表"] + [None] * 7,
        ["填报单位（盖章）：贵池区人社局        填报日期：2024年6月30日"] + [None] * 7,
        ["序号", "单位", "姓  名", "人员身份", "岗位情况", None, None, "保管物品"],
        [None, None, None, None, "岗位", "岗位职责", "任现岗时间", None],
        [1, "养老中心", "蔡文", "在编", "会计", "基金会计核算", "2016.4", None],
        [2, None, "邓超", "在编", "内控稽核", "内部控制", "2017.1", None],
        [None] * 8,
        [3, "就业局", "彭丽", "在编", "待遇审核", "失业金审核", "2018.1", "印章"],
        ["合计：3人"] + [None] * 7,
        ["填表人：某某    审核人：某某"] + [None] * 7,
        ["注：本表由各单位填报"] + [None] * 7,
    ]
    path = write_xlsx(tmp_path / "a.xlsx", {"人员分工": rows},
                      merged={"人员分工": ["A2:H2", "A3:H3", "E4:G4", "A4:A5", "B4:B5", "C4:C5", "D4:D5",
                                         "H4:H5", "B6:B7"]})
    data = load_staffing([str(path)])
    assert data.warnings == []
    assert people(data) == {("蔡文", "养老中心"), ("邓超", "养老中心"), ("彭丽", "就业局")}
    assert data.sheets == [(str(path), "人员分工", 4)]
    by_name = {p.person_key: p for p in data.postings if p.source == "post"}
    caiwen = next(p for p in data.postings if p.text == "会计")
    assert (caiwen.row, caiwen.column, caiwen.start) == (6, "E", date(2016, 4, 1))
    assert any(p.source == "custody" and p.text == "印章" and p.row == 9 for p in data.postings)
    assert by_name


def test_header_text_spaced_out_and_full_width(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["姓\u3000\u3000名", "单 位", "岗　位", "人员身份"],
                                                   ["ＡＢ", "甲中心", "会计", "在编"]]})
    data = load_staffing([str(path)])
    assert people(data) == {("AB", "甲中心")}


def test_u3000_inside_names_is_the_same_person(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["林\u3000峰", "甲", "在编", "会计", "2016.5"],
                                                   ["林峰", "甲", "在编", "出纳", "2016.5"]]})
    data = load_staffing([str(path)])
    assert len(data.people) == 1 and data.people[0].name == "林峰"


def test_unit_from_reporting_line_then_sheet_name(tmp_path):
    with_line = write_xlsx(tmp_path / "a.xlsx", {"S": [["填报单位：贵池区医保中心"], ["姓名", "岗位"],
                                                      ["甲", "会计"]]})
    assert people(load_staffing([str(with_line)])) == {("甲", "贵池区医保中心")}
    by_sheet = write_xlsx(tmp_path / "b.xlsx", {"贵池区就业局": [["姓名", "岗位"], ["乙", "出纳"]]})
    assert people(load_staffing([str(by_sheet)])) == {("乙", "贵池区就业局")}


def test_several_data_sheets_and_an_instructions_sheet(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {
        "填表说明": [["1. 每人一行"], ["2. 日期写作 2019.03"]],
        "养老中心": [HEADER, ["甲", "养老中心", "在编", "会计", "2016.5"]],
        "就业局": [HEADER, ["乙", "就业局", "在编", "出纳", "2016.5"]],
        "Sheet3": [],
    })
    data = load_staffing([str(path)])
    assert data.warnings == []
    assert people(data) == {("甲", "养老中心"), ("乙", "就业局")}


def test_a_table_without_post_column_among_good_sheets_is_skipped_with_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"好": [HEADER, ["甲", "中心", "在编", "会计", "2016.5"]],
                                            "联系人": [["姓名", "电话", "单位"], ["乙", "123", "中心"]]})
    data = load_staffing([str(path)])
    assert [(w.code, w.sheet) for w in data.warnings] == [("SHEET-SKIPPED", "联系人")]


def test_multi_post_cells_split_on_every_separator():
    assert split_items("会计、出纳，稽核,征缴；内控;信息/档案\n门卫") == \
        ["会计", "出纳", "稽核", "征缴", "内控", "信息", "档案", "门卫"]


def test_a_line_break_inside_a_cell_separates_posts(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["郑浩", "中心", "在编", "会计\n出纳", "2018.2"]]})
    assert [p.text for p in load_staffing([str(path)]).postings] == ["会计", "出纳"]


def test_rows_that_are_not_people_are_skipped_quietly_or_named(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [
        HEADER,
        ["甲", "中心", "在编", "会计", "2016.5"],
        [None, None, None, None, None],
        [None, "中心", "在编", "出纳", "2016.5"],     # a post without a name: warned, skipped
        ["乙", "中心", "在编", None, "2016.5"],       # a person without a post: warned, kept
        HEADER,                                       # header repeated for printing
    ]})
    data = load_staffing([str(path)])
    assert [(w.code, w.row, w.column) for w in sorted(data.warnings, key=lambda w: w.row)] == \
        [("ROW-NO-NAME", 4, "A"), ("POST-MISSING", 5, "D")]
    assert {p.name for p in data.people} == {"甲", "乙"}


def test_unreadable_date_names_file_sheet_row_and_column(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["甲", "中心", "在编", "出纳", "2013年13月"]]})
    [warning] = load_staffing([str(path)]).warnings
    assert (warning.code, warning.file, warning.sheet, warning.row, warning.column) == \
        ("DATE-UNREADABLE", str(path), "S", 2, "E")


def test_number_date_that_cannot_tell_october_warns(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["甲", "中心", "在编", "出纳", 2016.1],
                                                   ["乙", "中心", "在编", "会计", 2016.1]]},
                      formats={"S": {"E3": "0.00"}})
    data = load_staffing([str(path)])
    starts = {p.row: p.start for p in data.postings}
    assert starts == {2: date(2016, 1, 1), 3: date(2016, 10, 1)}
    assert [(w.code, w.row) for w in data.warnings] == [("DATE-AMBIGUOUS", 2)]


@pytest.mark.parametrize("value, expected", [
    ("在编", True), ("编内", True), ("正式在编", True), ("行政编制", True), ("事业编制", True),
    ("参公", True), ("参照公务员管理", True), ("编外", False), ("劳务派遣", False), ("合同制", False),
    ("聘用", False), ("临时", False), ("公益性岗位", False), ("购买服务", False), ("非在编", False),
    ("实习", None),
])
def test_staff_types(value, expected):
    assert staff_status(value) is expected


def test_unknown_staff_type_is_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["甲", "中心", "实习", "会计", "2016.5"]]})
    assert codes(load_staffing([str(path)])) == ["STAFF-TYPE-UNKNOWN"]


@pytest.mark.parametrize("number, valid", [
    ("341702197909094320", True), ("11010519491231002X", True), ("11010519491231002x", False),
    ("341702197909094321", False), ("110105491231002", True), ("12345", False)])
def test_id_check_digit(number, valid):
    assert check_id(number) is valid


def test_bad_id_warns_and_still_identifies(tmp_path):
    header = ["姓名", "单位", "身份证号", "人员身份", "岗位"]
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [header, ["甲", "中心", "341702197909094321", "在编", "会计"],
                                                   ["甲", "乙局", "341702197909094321", "在编", "出纳"]]})
    data = load_staffing([str(path)])
    assert len(data.people) == 1
    assert codes(data) == ["ID-INVALID"]


def test_lowercase_x_is_accepted_as_check_digit(tmp_path):
    header = ["姓名", "身份证号", "岗位"]
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [header, ["甲", "11010519491231002x", "会计"]]})
    data = load_staffing([str(path)])
    assert data.warnings == [] and data.people[0].id_number == "11010519491231002X"


def test_one_id_under_two_names_warns(tmp_path):
    header = ["姓名", "单位", "身份证号", "岗位"]
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [header, ["甲", "中心", "341702197909094320", "会计"],
                                                   ["乙", "中心", "341702197909094320", "出纳"]]})
    data = load_staffing([str(path)])
    assert codes(data) == ["ID-NAME-CONFLICT"] and len(data.people) == 1


def test_id_number_links_rows_across_files(tmp_path):
    header = ["姓名", "单位", "身份证号", "岗位"]
    a = write_xlsx(tmp_path / "a.xlsx", {"S": [header, ["林峰", "甲", "341702197909094320", "会计"]]})
    b = write_csv(tmp_path / "b.csv", [header, ["林峰", "乙", "341702197909094320", "出纳"]])
    data = load_staffing([str(a), str(b)])
    assert len(data.people) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_line_numbers(tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", [HEADER, ["罗斌", "养老中心", "在编", "待遇审核", "2016/3/5"],
                                          ["梁晨", "养老中心", "聘用", "出纳", "2018年13月"]], encoding)
    data = load_staffing([str(path)])
    assert people(data) == {("罗斌", "养老中心"), ("梁晨", "养老中心")}
    [warning] = data.warnings
    assert (warning.row, warning.column, warning.sheet) == (3, "E", None)


def test_csv_line_numbers_count_quoted_line_breaks(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("姓名,岗位,任现岗时间\n郑浩,\"会计\n出纳\",2018.2\n梁晨,出纳,坏日期\n", encoding="utf-8")
    data = load_staffing([str(path)])
    assert [(w.code, w.row) for w in data.warnings] == [("DATE-UNREADABLE", 4)]


def test_folder_input_reads_every_sheet_file(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER, ["甲", "中心", "在编", "会计", "2016.5"]]})
    write_csv(tmp_path / "b.csv", [HEADER, ["乙", "中心", "在编", "出纳", "2016.5"]])
    (tmp_path / "notes.txt").write_text("not a sheet")
    assert {p.name for p in load_staffing([str(tmp_path)]).people} == {"甲", "乙"}


@pytest.mark.parametrize("sheet, message", [
    ({"S": [["姓名", "单位", "人员身份"], ["甲", "中心", "在编"]]}, "post"),
    ({"S": [["单位", "岗位", "人员身份"], ["中心", "会计", "在编"]]}, "name"),
    ({"S": [["随便", "什么"], ["1", "2"]]}, "no staffing table"),
    ({"S": []}, "no staffing table"),
])
def test_unusable_workbooks_are_errors(tmp_path, sheet, message):
    path = write_xlsx(tmp_path / "a.xlsx", sheet)
    with pytest.raises(SodcheckError) as caught:
        load_staffing([str(path)])
    assert message in caught.value.render("en") and str(path) in caught.value.render("en")


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("this is not a workbook")
    with pytest.raises(SodcheckError, match="not an Excel workbook"):
        load_staffing([str(path)])


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(SodcheckError, match="file not found"):
        load_staffing([str(tmp_path / "none.xlsx")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SodcheckError, match="folder holds no"):
        load_staffing([str(tmp_path / "empty")])


def test_legacy_xls_with_merged_unit(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("人员分工")
    sheet.write_merge(0, 0, 0, 4, "经办机构人员分工、岗位职责情况表")
    for column, title in enumerate(HEADER):
        sheet.write(1, column, title)
    sheet.write_merge(2, 3, 1, 1, "甲中心")
    for row, values in enumerate([["李娜", None, "在编", "会计、出纳", "2015.09"],
                                  ["王五", None, "编外", "出纳", "坏日期"]], start=2):
        for column, value in enumerate(values):
            if value is not None:
                sheet.write(row, column, value)
    path = tmp_path / "old.xls"
    workbook.save(str(path))
    data = load_staffing([str(path)])
    assert people(data) == {("李娜", "甲中心"), ("王五", "甲中心")}
    assert [(w.code, w.sheet, w.row, w.column) for w in data.warnings] == \
        [("DATE-UNREADABLE", "人员分工", 4, "E")]
