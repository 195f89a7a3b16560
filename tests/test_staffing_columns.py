"""The column-by-column staffing reader: coded CSV grids, Arrow-side text checks and postings held
as columns give exactly what reading row by row gives."""
from __future__ import annotations

import csv
import gc
import io
import random
import re
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from sodcheck.loaders import grid
from sodcheck.loaders.grid import EMPTY, ArrowCells, Cell, CodedRows, read_grid
from sodcheck.loaders.headers import STAFF_ALIASES
from sodcheck.loaders.staffing import FOOTER, PostingTable, _id_number, _id_texts, load_staffing, tidy_array
from sodcheck.model import Posting, SodcheckError
from sodcheck.text import tidy

from .conftest import HEADER, run_cli, write_csv, write_xlsx

VALID_ID = "110101199003074514"


def values_of(rows) -> list[list[object]]:
    return [[cell.value for cell in row] for row in rows]


# ----------------------------------------------------------------------------- text in Arrow

def test_space_characters_are_those_python_treats_as_space():
    python_spaces = {c for c in map(chr, range(0x110000)) if re.match(r"\s", c)}
    assert set(grid.SPACE_CHARACTERS) == python_spaces
    assert python_spaces == {c for c in map(chr, range(0x110000)) if c.isspace()}


TRICKY = ["", " ", "会计", " 会计", "会计 ", "会  计", "会\u3000计", "\u3000林\u3000峰\u3000", "ＡＢ１２", "a\tb",
          "a\nb", "x\xa0y", "ﬁ", "e\u0301", "①", "㍿", "\u2028", "人员12345", "  a  b  ", "a\x1cb", "Ⅻ", "ｶ"]


def test_tidy_array_is_tidy_for_every_value():
    assert tidy_array(pa.array(TRICKY, pa.string())).to_pylist() == [tidy(v) for v in TRICKY]


def test_tidy_array_leaves_a_tidy_column_as_it_is():
    column = pa.array([f"人员{i}" for i in range(1000)], pa.string())
    assert tidy_array(column) is column


def test_id_numbers_checked_in_arrow_are_judged_as_one_at_a_time():
    values = ["", " ", VALID_ID, VALID_ID[:-1] + "x", VALID_ID[:-1] + "5", "123", "110101900307451",
              "１１０１０１１９９００３０７４５１４", " 1101 0119 9003 0745 14", "١١٠١٠١١٩٩٠٠٣٠٧٤٥١٤", "abc", "ßß",
              "11010119900307451Ｘ", "21010119900307451X", "2101011990030745X1"]
    ids, bad = _id_texts(tidy_array(pa.array(values, pa.string())))
    judged = [_id_number(value) for value in values]
    assert ids == [None if j is None else j[0] for j in judged]
    assert bad.tolist() == [j is not None and j[2] for j in judged]
    assert bad.any() and not bad.all()


# ----------------------------------------------------------------------------- coded rows

def csv_rows(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    rng = random.Random(3)
    rows = [HEADER] + [[rng.choice(["甲", "乙", " 丙 ", f"人员{i}"]), rng.choice(["养老中心", "", "  ", "\u3000"]),
                        rng.choice(["在编", "编外"]), rng.choice(["会计", "出纳、稽核", ""]), f"2016.{i % 12 + 1}"]
                       for i in range(200)]
    return write_csv(tmp_path / "staff.csv", rows), rows


def expected_cells(rows: list[list[str]]) -> list[list[object]]:
    """What a CSV row reads as: its text, or None for a blank cell (spaces only count as blank)."""
    return [[value if value.strip() else None for value in row] for row in rows]


def test_coded_csv_rows_index_slice_and_iterate_like_the_rows_themselves(tmp_path):
    path, rows = csv_rows(tmp_path)
    [sheet] = read_grid(path)
    coded = sheet.rows
    assert isinstance(coded, CodedRows)
    assert any(isinstance(cells, ArrowCells) for cells in coded.cells)
    expected = expected_cells(rows)
    assert len(coded) == len(expected)
    assert [[cell.value for cell in coded[r]] for r in range(len(coded))] == expected
    assert values_of(coded) == expected
    assert values_of(coded[5:17:3]) == expected[5:17:3]
    assert values_of(coded[-3:]) == expected[-3:]
    assert [cell.value for cell in coded[-1]] == expected[-1]
    with pytest.raises(IndexError):
        coded[len(expected)]
    with pytest.raises(IndexError):
        coded[-len(expected) - 1]
    assert sheet.row_numbers == list(range(1, len(expected) + 1))


def test_coded_rows_of_listed_rows_pad_short_rows_and_keep_every_value():
    a, b = Cell("会计"), Cell(3.0, "0.0")
    rows = [[a, b], [a], [], [EMPTY, EMPTY, Cell("x")]]
    coded = CodedRows.of(rows)
    assert values_of(coded) == [["会计", 3.0, None], ["会计", None, None], [None, None, None], [None, None, "x"]]
    assert coded[0][1] is b
    assert values_of(coded[1:3]) == values_of(coded)[1:3]
    assert CodedRows.of(coded) is coded


def test_arrow_cells_give_one_cell_at_a_time_and_all_of_them_alike():
    cells = ArrowCells(pa.array(["会计", None, "出纳"], pa.string()))
    one_by_one = [cells[i] for i in range(len(cells))]
    assert [cell.value for cell in one_by_one] == ["会计", None, "出纳", None]
    assert [cell.value for cell in cells] == ["会计", None, "出纳", None]
    assert cells[-1] is EMPTY and cells[1] is EMPTY
    assert [cell.value for cell in cells[1:3]] == [None, "出纳"]
    with pytest.raises(IndexError):
        cells[4]


def test_the_source_grid_of_a_csv_reads_as_the_xlsx_report_reads_it(tmp_path):
    path, rows = csv_rows(tmp_path)
    data = load_staffing([str(path)])
    [source] = data.source_sheets
    expected = expected_cells(rows)
    # report/xlsx.py: len(source.rows), enumerate(source.rows), source.rows[r][c].value
    assert len(source.rows) == len(expected) == len(source.row_numbers)
    for r, row in enumerate(source.rows):
        assert [cell.value for cell in row] == expected[r]
        assert [source.rows[r][c].value for c in range(len(row))] == expected[r]
    assert source.text(3, 0) == (expected[3][0] or "")


def test_the_xlsx_report_of_a_csv_shows_every_value_of_it(tmp_path):
    path, rows = csv_rows(tmp_path)
    out = tmp_path / "report.xlsx"
    code, _, err = run_cli("check", "--staff", str(path), "--format", "xlsx", "-o", str(out), "--fail-on", "never")
    assert code == 0, err
    workbook = openpyxl.load_workbook(out)
    marked = next(ws for ws in workbook.worksheets
                  if [c.value for c in next(ws.iter_rows(max_row=1))][:len(HEADER)] == HEADER)
    shown = [[cell.value for cell in row][:len(HEADER)] for row in marked.iter_rows(max_row=len(rows))]
    assert shown == expected_cells(rows)


# ----------------------------------------------------------------------------- header and footer hints

def test_repeated_headers_and_footers_are_found_however_they_are_spaced(tmp_path):
    rows = [HEADER, ["甲", "养老中心", "在编", "会计", "2016.4"],
            ["姓 名", "单　位", "人员身份（必填）", "岗位：", "任现岗时间(年月)"],   # a header repeated for printing
            ["乙", "养老中心", "在编", "出纳", "2016.4"],
            ["合 计：2人", None, None, None, None], [" 填表人：某某", None, None, None, None],
            ["注1：本表由各单位填报", None, None, None, None]]
    for path in (write_csv(tmp_path / "a.csv", rows), write_xlsx(tmp_path / "a.xlsx", {"S": rows})):
        data = load_staffing([str(path)])
        assert data.warnings == []
        assert sorted(p.name for p in data.people) == ["乙", "甲"]


def test_every_alias_is_recognised_in_a_repeated_header(tmp_path):
    for field_name, aliases in STAFF_ALIASES.items():
        for alias in aliases:
            header = ["姓名", "岗位", alias] if field_name not in ("name", "post") else ["姓名", "岗位", "备用"]
            repeated = ["姓名", "岗位", alias] if field_name not in ("name", "post") else [alias, "岗位", None]
            if field_name == "post":
                repeated = ["姓名", alias, None]
            rows = [header, ["甲", "会计", None], repeated, ["乙", "出纳", None]]
            data = load_staffing([str(write_csv(tmp_path / "a.csv", rows))])
            assert sorted(p.name for p in data.people) == ["乙", "甲"], alias


def test_footer_words_match_only_as_the_footer_pattern_says():
    assert FOOTER.match("合计")
    assert FOOTER.match("注1：")
    assert not FOOTER.match("注意事项")          # a note word needs its number and colon
    assert not FOOTER.match("会计")


# ----------------------------------------------------------------------------- warnings row by row

def expected_warnings(record: dict) -> list[str]:
    found = []
    if record["staff"] == "奇怪":
        found.append("STAFF-TYPE-UNKNOWN")
    if record["id"] == "123":
        found.append("ID-INVALID")
    if record["date"] == "abc":
        found.append("DATE-UNREADABLE")
    if not record["post"]:
        found.append("POST-MISSING")
    return found


def mixed_rows(count: int) -> list[dict]:
    rng = random.Random(11)
    return [{"name": f"人员{i}", "unit": "养老中心", "staff": rng.choice(["在编", "编外", "奇怪"]),
             "id": rng.choice(["", "", "123"]), "post": rng.choice(["会计", "出纳", ""]),
             "date": rng.choice(["2016.4", "2012年3月5日", "abc", ""])} for i in range(count)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_warnings_come_row_by_row_in_the_order_an_officer_reads_them(tmp_path, kind):
    records = mixed_rows(400)
    header = ["姓名", "单位", "人员身份", "身份证号", "岗位", "任现岗时间"]
    rows = [header] + [[r["name"], r["unit"], r["staff"], r["id"], r["post"], r["date"]] for r in records]
    if kind == "csv":
        path = write_csv(tmp_path / "a.csv", rows)
    else:
        path = write_xlsx(tmp_path / "a.xlsx", {"S": [[v if v != "" else None for v in row] for row in rows]})
    data = load_staffing([str(path)])
    letters = {"STAFF-TYPE-UNKNOWN": "C", "ID-INVALID": "D", "DATE-UNREADABLE": "F", "POST-MISSING": "E"}
    expected = [(code, n + 2, letters[code]) for n, record in enumerate(records) for code in expected_warnings(record)]
    # then, once every row is read, each further name given the same id number
    with_id = [n + 2 for n, record in enumerate(records) if record["id"]]
    expected += [("ID-NAME-CONFLICT", row, "D") for row in with_id[1:]]
    assert [(w.code, w.row, w.column) for w in data.warnings] == expected
    assert len({w.code for w in data.warnings}) == 5


def test_a_numeric_start_date_that_is_no_date_is_a_warning(tmp_path):
    rows = [HEADER, ["甲", "养老中心", "在编", "会计", 99999], ["乙", "养老中心", "在编", "出纳", True]]
    data = load_staffing([str(write_xlsx(tmp_path / "a.xlsx", {"S": rows}))])
    assert [(w.code, w.row, w.column) for w in data.warnings] == [("DATE-UNREADABLE", 2, "E"),
                                                                   ("DATE-UNREADABLE", 3, "E")]
    assert all(w.message.zh and w.message.en for w in data.warnings)


# ----------------------------------------------------------------------------- postings as columns

def test_postings_index_slice_and_iterate_alike(tmp_path):
    rows = [["姓名", "单位", "身份证号", "人员身份", "岗位", "保管物品", "岗位职责", "岗位类别", "任现岗时间"],
            ["甲", "养老中心", VALID_ID, "在编", "会计、出纳", "印章", "核算", None, "2016.4"],
            ["乙", None, None, "编外", None, None, None, None, "2018.1"],
            ["甲", "就业局", VALID_ID, "在编", "稽核", None, None, "会计", "2019.3"]]
    data = load_staffing([str(write_csv(tmp_path / "a.csv", rows))])
    postings = data.postings
    assert isinstance(postings, PostingTable)
    listed = list(postings)
    assert [postings[i] for i in range(len(postings))] == listed
    assert postings[-1] == listed[-1] and postings[1:4] == listed[1:4]
    with pytest.raises(IndexError):
        postings[len(listed)]
    key = "id:" + VALID_ID
    assert [(p.person_key, p.text, p.source, p.column, p.row) for p in listed] == [
        (key, "会计", "post", "E", 2), (key, "出纳", "post", "E", 2), (key, "印章", "custody", "F", 2),
        (key, "核算", "duties", "G", 2),
        ("nu:养老中心|乙", "", "post", "E", 3),
        (key, "稽核", "post", "E", 4), (key, "会计", "category", "H", 4)]
    first = listed[0]
    assert first == Posting(key, "养老中心", "会计", "post", date(2016, 4, 1), "2016.4", True, "在编", "",
                            str(tmp_path / "a.csv"), None, 2, "E", "I", "D")
    assert listed[-1].unit == "就业局" and listed[-1].start == date(2019, 3, 1)
    assert set(data.person_rows) == {key, "nu:养老中心|乙"}
    assert [p.name for p in data.people] == ["甲", "乙"]


def test_postings_of_several_files_and_sheets_keep_their_order(tmp_path):
    first = write_xlsx(tmp_path / "a.xlsx", {"一": [HEADER, ["甲", "中心", "在编", "会计", "2016.4"]],
                                             "二": [HEADER, ["乙", "中心", "在编", "出纳", "2016.4"],
                                                    ["丙", "中心", "在编", "稽核", "2016.4"]]})
    second = write_csv(tmp_path / "b.csv", [HEADER, ["丁", "中心", "在编", "征缴", "2016.4"]])
    data = load_staffing([str(first), str(second)])
    listed = list(data.postings)
    assert [(p.sheet, p.row, p.text) for p in listed] == [("一", 2, "会计"), ("二", 2, "出纳"), ("二", 3, "稽核"),
                                                          (None, 2, "征缴")]
    assert [data.postings[i] for i in range(len(listed))] == listed


# ----------------------------------------------------------------------------- collector

def test_the_cycle_collector_is_as_it_was_after_loading(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, ["甲", "中心", "在编", "会计", "2016.4"]])
    bad = write_csv(tmp_path / "bad.csv", [["无关", "列"], ["x", "y"]])
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            load_staffing([str(path)])
            assert gc.isenabled() is enabled
            with pytest.raises(SodcheckError):
                load_staffing([str(bad)])
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_csv_read_in_arrow_and_record_by_record_gives_the_same_rows(tmp_path):
    _, rows = csv_rows(tmp_path)
    payload = io.StringIO()
    csv.writer(payload, lineterminator="\n").writerows(rows)
    arrow = grid._read_csv(payload.getvalue().encode(), "a.csv")
    ragged = grid._read_csv((payload.getvalue() + "\n只有一格\n").encode(), "b.csv")   # pyarrow refuses this one
    assert isinstance(arrow.rows, CodedRows) and not isinstance(ragged.rows, CodedRows)
    assert values_of(arrow.rows) == [[c.value for c in row] + [None] * (len(HEADER) - len(row))
                                     for row in ragged.rows[:len(rows)]]
