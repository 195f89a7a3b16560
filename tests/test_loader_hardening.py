"""Hostile and malformed spreadsheets: bounded work, a clear exit-2 message naming the file, and
no row or column dropped silently."""
from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sodcheck.loaders import grid
from sodcheck.loaders.grid import read_grid
from sodcheck.loaders.permissions import load_permissions
from sodcheck.loaders.staffing import load_staffing
from sodcheck.loaders.workbook import Limits

from .conftest import HEADER, run_cli, write_csv, write_xlsx

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def raw_xlsx(path: Path, sheet_xml: str | bytes, strings: list[str] = ()) -> Path:
    """A minimal workbook written part by part, so that a test controls every byte of the sheet."""
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    book = f'<workbook {NS} {RNS}><sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>'
    shared = f'<sst {NS}>' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                                                'package/2006/content-types"/>')
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def sheet_xml(rows: list[list[str]], merged: list[str] = (), start_row: int = 1) -> str:
    """Inline-string cells, one row per list."""
    body = []
    for r, row in enumerate(rows, start=start_row):
        cells = "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                        for c, v in enumerate(row) if v)
        body.append(f'<row r="{r}">{cells}</row>')
    merges = f'<mergeCells count="{len(merged)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merged) + \
        "</mergeCells>" if merged else ""
    return f'<worksheet {NS}><sheetData>{"".join(body)}</sheetData>{merges}</worksheet>'


def exit_2_naming(path: Path, *words: str, args: tuple[str, ...] = ()) -> str:
    code, out, err = run_cli("check", *(args or ("--staff", str(path))), "--lang", "en")
    assert code == 2, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    assert str(path) in err
    for word in words:
        assert word in err, err
    return err


# ----------------------------------------------------------------------------- bounded work

def test_a_merged_range_over_a_million_rows_is_not_expanded(tmp_path):
    rows = [["姓名", "单位", "岗位"], ["甲", "养老中心", "会计"], ["乙", None, "出纳"]]
    path = raw_xlsx(tmp_path / "merged.xlsx", sheet_xml(rows, ["B2:B3", "D1:AX1000000"]))
    tracemalloc.start()
    started = time.perf_counter()
    data = load_staffing([str(path)])
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 20 * 1024 * 1024
    assert {(p.name, p.unit) for p in data.people} == {("甲", "养老中心"), ("乙", "养老中心")}
    [source] = data.source_sheets
    assert source.header_row == 1 and (0, 3, 999_999, 49) in source.merged
    assert max(len(row) for row in source.rows) == 3 and len(source.rows) == 3


def test_merged_unit_and_header_cells_fill_only_where_the_sheet_has_data(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["姓名", "单位", "岗位"], ["甲", "中心", "会计"],
                                                   ["乙", None, "出纳"]]}, merged={"S": ["B2:B40", "A1:A1"]})
    [sheet] = read_grid(path)
    assert [sheet.text(r, 1) for r in range(3)] == ["单位", "中心", "中心"]
    assert len(sheet.rows) == 3


# ----------------------------------------------------------------------------- malformed and oversized

def test_a_malformed_sheet_xml_names_file_and_sheet(tmp_path):
    path = raw_xlsx(tmp_path / "bad.xlsx", sheet_xml([["姓名", "岗位"]]).replace("</sheetData>", "<row>"))
    exit_2_naming(path, "人员", "xl/worksheets/sheet1.xml", "not valid XML")


def test_a_sheet_with_a_document_type_declaration_is_refused(tmp_path):
    xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + sheet_xml([["姓名", "岗位"], ["&a;", "会计"]])
    path = raw_xlsx(tmp_path / "dtd.xlsx", xml)
    exit_2_naming(path, "unsafe XML")


def test_a_sheet_member_declaring_a_huge_size_is_refused_before_unpacking(tmp_path):
    path = raw_xlsx(tmp_path / "huge.xlsx", sheet_xml([["姓名", "岗位"], ["甲", "会计"]]))
    raw = bytearray(path.read_bytes())
    # Declare 300 MB unpacked for the sheet in the central directory, which is what is checked.
    entry = raw.rindex(b"PK\x01\x02", 0, raw.rindex(b"xl/worksheets/sheet1.xml") + 1)
    raw[entry + 24:entry + 28] = (300 * 1024 * 1024).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    started = time.perf_counter()
    exit_2_naming(path, "refused")
    assert time.perf_counter() - started < 5


def test_a_damaged_zip_is_a_clear_error(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [HEADER]})
    path.write_bytes(path.read_bytes()[:200])
    exit_2_naming(path)


def test_rows_and_columns_beyond_the_limits_are_refused_with_the_row(tmp_path, monkeypatch):
    wide = f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>' \
           f'<c r="ZZZ1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    exit_2_naming(raw_xlsx(tmp_path / "wide.xlsx", wide), "too large", "columns", "row 1")
    monkeypatch.setattr(grid, "LIMITS", Limits(rows=3, columns=1_000, cells=1_000))
    long = sheet_xml([["姓名", "岗位"], ["甲", "会计"], ["乙", "出纳"], ["丙", "会计"]])
    exit_2_naming(raw_xlsx(tmp_path / "long.xlsx", long), "too large", "rows", "row 4")
    csv_path = write_csv(tmp_path / "long.csv", [["姓名", "岗位"]] + [["甲", "会计"]] * 5)
    exit_2_naming(csv_path, "too large")


def test_a_permission_workbook_with_broken_xml_names_the_file(tmp_path):
    path = raw_xlsx(tmp_path / "perms.xlsx", sheet_xml([["账号", "角色"], ["u1", "r1"]]).replace("</row>", "", 1))
    exit_2_naming(path, "not valid XML", args=("--perms", str(path)))


# ----------------------------------------------------------------------------- repeated headers

def test_a_second_post_column_is_read_too(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["姓名", "单位", "岗位", "岗位"], ["甲", "中心", "会计", "出纳"]]})
    data = load_staffing([str(path)])
    assert sorted((p.text, p.column) for p in data.postings) == [("会计", "C"), ("出纳", "D")]


def test_a_second_post_column_can_make_the_violation(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名", "单位", "岗位", "岗位"], ["甲", "中心", "会计", "出纳"]])
    code, out, _ = run_cli("check", "--staff", str(path), "--format", "json")
    assert code == 1 and "SOD-ACC-CASH" in out


@pytest.mark.parametrize("header", [["姓名", "姓名", "岗位"], ["姓名", "岗位", "身份证号", "公民身份号码"]])
def test_two_columns_for_one_value_are_an_error_naming_both(tmp_path, header):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [header, ["甲"] * len(header)]})
    err = exit_2_naming(path, "sheet S", "row 1")
    repeated = [i for i, h in enumerate(header) if header.count(h) > 1 or h in ("身份证号", "公民身份号码")]
    for i in repeated:
        assert f"column {chr(65 + i)} ({header[i]!r})" in err


def test_a_header_merged_across_two_columns_is_one_column(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["姓名", None, "岗位"], ["甲", None, "会计"]]},
                      merged={"S": ["A1:B1"]})
    assert {p.name for p in load_staffing([str(path)]).people} == {"甲"}


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_a_repeated_permission_column_is_an_error_naming_both(tmp_path, suffix):
    header, row = ["account", "role", "role"], ["u1", "r1", "r2"]
    path = tmp_path / f"grants.{suffix}"
    if suffix == "csv":
        write_csv(path, [header, row])
    elif suffix == "xlsx":
        write_xlsx(path, {"S": [header, row]})
    else:
        pq.write_table(pa.Table.from_arrays([pa.array([v]) for v in row], names=header), path)
    exit_2_naming(path, "column B ('role')", "column C ('role')", args=("--perms", str(path)))


# ----------------------------------------------------------------------------- CSV quoting

def test_an_unclosed_quote_in_a_staffing_csv_names_its_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("姓名,单位,岗位\n甲,中心,\"会计\n乙,中心,内控\n丙,中心,出纳\n", encoding="utf-8")
    exit_2_naming(path, "quote", "row 2")


def test_a_csv_value_over_two_lines_keeps_later_line_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("姓名,岗位,任现岗时间\n\n郑浩,\"会计\n出纳\",2018.2\n梁晨,出纳,坏日期\n", encoding="gb18030")
    data = load_staffing([str(path)])
    assert [(w.code, w.row) for w in data.warnings] == [("DATE-UNREADABLE", 5)]
    assert sorted(p.text for p in data.postings) == ["会计", "出纳", "出纳"]


# ----------------------------------------------------------------------------- row accounting

STAFF_ROWS = [
    ["经办机构人员分工、岗位职责情况表", None, None, None, None],   # title: above the header
    HEADER,
    ["甲", "中心", "在编", "会计", "2016.5"],                      # used
    [None, None, None, None, None],                               # blank: skipped silently
    ["乙", "中心", "在编", "出纳", "2013年13月"],                  # used, with a warning
    [None, "中心", "在编", "出纳", "2016.5"],                      # no name: warned and skipped
    ["丙", "中心", "编外", None, "2016.5"],                        # no post: used, with a warning
    HEADER,                                                       # header repeated for printing
    ["合计：3人", None, None, None, None],                          # footer: skipped silently
    ["填表人：某某", None, None, None, None],                       # footer: skipped silently
]
# Title rows and the header are not data; blank rows, footers and repeated headers are skipped
# without a warning (docs/input-format.md); every other row is used or warned about.
USED, WARNED_SKIPPED, SILENT = {3, 5, 7}, {6}, {1, 2, 4, 8, 9, 10}


def _staff_accounting(data) -> None:
    used = {p.row for p in data.postings}
    warned = {w.row for w in data.warnings}
    assert used == USED
    assert {(w.code, w.row) for w in data.warnings} == {("DATE-UNREADABLE", 5), ("ROW-NO-NAME", 6),
                                                        ("POST-MISSING", 7)}
    assert warned - used == WARNED_SKIPPED
    assert set(range(1, len(STAFF_ROWS) + 1)) == used | WARNED_SKIPPED | SILENT
    assert not (used | WARNED_SKIPPED) & SILENT


def test_every_staffing_xlsx_row_is_used_warned_or_plainly_not_data(tmp_path):
    _staff_accounting(load_staffing([str(write_xlsx(tmp_path / "a.xlsx", {"S": STAFF_ROWS}))]))


def test_every_staffing_csv_row_is_used_warned_or_plainly_not_data(tmp_path):
    _staff_accounting(load_staffing([str(write_csv(tmp_path / "a.csv", STAFF_ROWS))]))


PERM_ROWS = [
    ["account", "role"],
    ["u1", "r1"],           # used
    [None, None],           # blank (CSV: an empty line; xlsx: an empty row): skipped silently
    ["u2", None],           # no role: warned and skipped
    [None, "r2"],           # no account: warned and skipped
    ["u3", "r3"],           # used
]


def _perm_accounting(data, blank_rows: set[int]) -> None:
    used = set(data.account_roles["row"].to_pylist())
    warned = {w.row for w in data.warnings}
    assert used == {2, 6} and warned == {4, 5} | ({3} - blank_rows)
    assert set(range(2, len(PERM_ROWS) + 1)) == used | warned | blank_rows


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_every_permission_row_is_used_warned_or_blank(tmp_path, suffix):
    path = tmp_path / f"grants.{suffix}"
    if suffix == "csv":
        path.write_text("account,role\nu1,r1\n\nu2,\n,r2\nu3,r3\n", encoding="utf-8")
    elif suffix == "xlsx":
        write_xlsx(path, {"S": PERM_ROWS})
    else:
        columns = list(zip(*PERM_ROWS[1:]))
        pq.write_table(pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], names=PERM_ROWS[0]), path)
    data = load_permissions([str(path)])
    # A blank line of a CSV or row of a sheet is skipped silently; parquet has no blank lines, so
    # a row of nulls there is an incomplete row, warned about.
    _perm_accounting(data, {3} if suffix != "parquet" else set())
