"""Outputs never replace an input, are never left half-written, and show control characters
from the inputs escaped."""
from __future__ import annotations

import csv
import io
import json
import os
from datetime import date

import openpyxl
import pytest

from sodcheck.model import Evidence, Report, RuleInfo, SodcheckError, Subject, Text, Violation
from sodcheck.output import write_file
from sodcheck.report import RenderOptions, render, render_pieces
from sodcheck.report.json_doc import PRETTY_LIMIT, document

from .conftest import HEADER, run_cli, write_csv, write_xlsx

ROWS = [["李娜", "中心", "在编", "会计、出纳", "2015.09"], ["赵敏", "中心", "在编", "内控稽核", "2018.01"]]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "html"])
def test_the_report_never_replaces_the_staffing_sheet(tmp_path, fmt):
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [HEADER, *ROWS]})
    before = sheet.read_bytes()
    code, _, err = run_cli("check", "--staff", str(sheet), "--format", fmt, "-o", str(sheet))
    assert code == 2 and "x.xlsx" in err
    assert sheet.read_bytes() == before
    assert openpyxl.load_workbook(sheet).active["A2"].value == "李娜"


def test_a_csv_input_is_protected_too(tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", [HEADER, *ROWS])
    before = sheet.read_bytes()
    code, _, err = run_cli("check", "--staff", str(sheet), "--format", "csv", "-o", str(sheet))
    assert code == 2 and "staff.csv" in err and sheet.read_bytes() == before


@pytest.mark.parametrize("option", ["--sarif-output", "--junit-output"])
def test_ci_outputs_never_replace_an_input(tmp_path, option):
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [HEADER, *ROWS]})
    before = sheet.read_bytes()
    code, _, _err = run_cli("check", "--staff", str(sheet), option, str(sheet))
    assert code == 2 and sheet.read_bytes() == before


def test_the_same_file_by_another_name_is_the_same_input(tmp_path):
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [HEADER, *ROWS]})
    link = tmp_path / "link.xlsx"
    os.link(sheet, link)
    before = sheet.read_bytes()
    code, _, _ = run_cli("check", "--staff", str(sheet), "--format", "xlsx", "-o", str(link))
    assert code == 2 and sheet.read_bytes() == before
    code, _, _ = run_cli("check", "--staff", str(tmp_path), "--format", "csv",
                         "-o", str(tmp_path / "." / "x.xlsx"))
    assert code == 2 and sheet.read_bytes() == before


def test_a_rule_file_or_baseline_is_an_input(tmp_path):
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [HEADER, *ROWS]})
    rules = tmp_path / "office.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    code, _, _ = run_cli("check", "--staff", str(sheet), "--rules", str(rules), "--format", "json", "-o", str(rules))
    assert code == 2 and rules.read_text(encoding="utf-8") == "rules: []\n"


def test_a_failed_write_leaves_the_earlier_report(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("earlier", encoding="utf-8")

    def broken(fd, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", broken)
    with pytest.raises(Exception, match="No space left"):
        write_file("new report", str(target))
    assert target.read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_report_replaces_an_earlier_report(tmp_path):
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [HEADER, *ROWS]})
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    code, _, _ = run_cli("check", "--staff", str(sheet), "--format", "csv", "-o", str(out))
    assert code == 1 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "x.xlsx"]


HOSTILE = "李\x1b[2J\x07娜"


@pytest.fixture
def hostile_sheet(tmp_path):
    return write_csv(tmp_path / "staff.csv", [HEADER, [HOSTILE, "中心", "在编", "会计、出纳", "2015.09"]])


@pytest.mark.parametrize("fmt", ["table", "csv", "github"])
def test_control_characters_are_shown_escaped(hostile_sheet, fmt):
    code, out, _ = run_cli("check", "--staff", str(hostile_sheet), "--format", fmt, "--as-of", "2020-01-01")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out and "\\x07" in out


def test_control_characters_in_csv_cells(hostile_sheet):
    _, out, _ = run_cli("check", "--staff", str(hostile_sheet), "--format", "csv", "--as-of", "2020-01-01")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert any(r[4] == "李\\x1b[2J\\x07娜" for r in rows[1:])


def test_rich_markup_in_a_name_is_shown_as_written(tmp_path):
    sheet = write_csv(tmp_path / "staff.csv", [HEADER, ["[red]李娜", "中心", "在编", "会计、出纳", "2015.09"]])
    _, out, _ = run_cli("check", "--staff", str(sheet), "--format", "table", "--as-of", "2020-01-01")
    assert "[red]李娜" in out


def large_report(findings: int) -> Report:
    """A report of many findings, built directly: more than the JSON writer indents."""
    rule = RuleInfo("OPS-SAME-OPERATOR", "ops_same_operator", "high", Text("同一人", "one operator"), "43号",
                    remedy=Text("核查", "re-check"))
    violations = tuple(Violation("OPS-SAME-OPERATOR", "high", Subject("business", f"YW{n:06d}", "养老中心"),
                                 Text(f"同一人（{n}）", f"one operator ({n})"),
                                 (Evidence("ops.csv", row=n + 2, biz_id=f"YW{n:06d}", step="受理", step_kind="accept",
                                           operator="qt1", time="2024-03-01 09:00:00", more_rows=n % 3),))
                       for n in range(findings))
    return Report(date(2024, 6, 30), violations, (), (), (rule,), ("ops.csv",))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_large_json_report_is_written_in_pieces_with_the_same_bytes(tmp_path, lang):
    report = large_report(PRETTY_LIMIT + 5)
    options = RenderOptions(lang=lang)
    pieces = list(render_pieces("json", report, options))
    assert len(pieces) > PRETTY_LIMIT      # a finding at a time, never the whole document at once
    whole = json.dumps(document(report, lang), ensure_ascii=False) + "\n"
    assert b"".join(pieces) == whole.encode("utf-8") == render("json", report, options).encode("utf-8")
    target = tmp_path / "report.json"
    write_file(iter(pieces), str(target))
    assert json.loads(target.read_bytes())["summary"]["violations"] == PRETTY_LIMIT + 5


def test_a_failed_write_of_pieces_leaves_the_earlier_report(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("earlier", encoding="utf-8")

    def pieces():
        yield b"{"
        raise SodcheckError(Text("坏", "bad"))

    with pytest.raises(SodcheckError):
        write_file(pieces(), str(target))
    assert target.read_text(encoding="utf-8") == "earlier" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
