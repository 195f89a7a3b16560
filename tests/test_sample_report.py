"""The worksheet and `sodcheck sample report`: answers read back (openpyxl and LibreOffice), blank
answers, a trimmed or altered sample, a redraw that does not match."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sodcheck.cli import cli
from tests.test_sample import march_rows, write_log

ANSWERS = [("无问题", "", "汪明华", date(2024, 4, 3)), ("有问题", "复核晚于审批", "汪明华", "2024-04-03"),
           ("待核实", "", "孙伟", None)]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    log = write_log(folder / "march.csv", march_rows())
    worksheet = folder / "核查表.xlsx"
    result = CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2024-03", "--format", "xlsx", "-o",
                                      str(worksheet), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    return log, worksheet


def fill(worksheet, target, answers=ANSWERS, blank_rest=False):
    """Fill the checklist as a checker would: every row answered (the first rows as ``answers``),
    unless ``blank_rest``."""
    wb = load_workbook(worksheet)
    ws = wb["核查清单"]
    headers = {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}
    for r in range(2, ws.max_row + 1):
        if r - 2 < len(answers):
            answer = answers[r - 2]
        elif blank_rest:
            continue
        else:
            answer = ("无问题", "", "汪明华", date(2024, 4, 5))
        for name, value in zip(("核查结论", "问题描述", "核查人", "核查日期"), answer):
            ws.cell(row=r, column=headers[name], value=value)
    wb.save(target)
    return wb


def report(*args):
    result = CliRunner().invoke(cli, ["sample", "report", *args, "--format", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_worksheet_layout(drawn):
    _, worksheet = drawn
    wb = load_workbook(worksheet)
    assert wb.sheetnames == ["抽样汇总", "核查清单", "抽样信息"]
    ws = wb["核查清单"]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:K")
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert "稽核人" in ws.oddFooter.left.text and "负责人" in ws.oddFooter.left.text
    validation = ws.data_validations.dataValidation[0]
    assert validation.formula1 == '"无问题,有问题,待核实"' and str(validation.sqref).startswith("H2:")
    assert wb["抽样信息"].sheet_state == "hidden" and wb["抽样信息"].protection.sheet
    summary = wb["抽样汇总"]
    values = [c for row in summary.iter_rows(values_only=True) for c in row if c is not None]
    assert 202403 in values and any("稽核人" in str(v) for v in values)


def test_filled_worksheet_reads_back_every_answer(drawn, tmp_path):
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled)
    doc = report(str(filled))
    businesses = doc["businesses"]
    assert [b["conclusion"] for b in businesses[:3]] == ["ok", "problem", "pending"]
    assert businesses[0]["checked_on"] == "2024-04-03" and businesses[1]["checked_on"] == "2024-04-03"
    assert businesses[1]["description"] == "复核晚于审批" and businesses[2]["checker"] == "孙伟"
    assert all(b["conclusion"] == "ok" for b in businesses[3:])
    assert doc["worksheets"][0]["intact"] is True and doc["worksheets"][0]["redraw"] is None
    totals = {k: sum(t[k] for t in doc["types"]) for k in ("sampled", "checked", "problems", "pending", "blank")}
    assert totals == {"sampled": len(businesses), "checked": len(businesses) - 1, "problems": 1, "pending": 1,
                      "blank": 0}
    assert not doc["flags"]


def test_blank_answers_are_flagged(drawn, tmp_path):
    _, worksheet = drawn
    filled = tmp_path / "partly.xlsx"
    fill(worksheet, filled, answers=ANSWERS[:1] + [("乱写", "", "汪明华", None)], blank_rest=True)
    doc = report(str(filled))
    codes = [f["code"] for f in doc["flags"]]
    assert codes.count("ANSWER-UNREADABLE") == 1
    assert codes.count("ANSWER-BLANK") == len(doc["businesses"]) - 2
    blank = next(f for f in doc["flags"] if f["code"] == "ANSWER-BLANK")
    assert blank["column"] == "H" and blank["row"] == 4 and blank["sheet"] == "核查清单"


def test_trimmed_or_altered_sample_is_caught(drawn, tmp_path):
    _, worksheet = drawn
    trimmed = tmp_path / "trimmed.xlsx"
    wb = fill(worksheet, trimmed)
    ws = wb["核查清单"]
    dropped = ws.cell(row=3, column=2).value
    ws.delete_rows(3)
    wb.save(trimmed)
    flags = report(str(trimmed))["flags"]
    assert [f["code"] for f in flags] == ["SAMPLE-TRIMMED"] and dropped in flags[0]["message"]["en"]

    altered = tmp_path / "altered.xlsx"
    wb = fill(worksheet, altered)
    about = wb["抽样信息"]
    row = next(r for r in range(1, about.max_row + 1) if about.cell(row=r, column=1).value == "business")
    about.delete_rows(row)     # one business taken out of the record, its row left in the list
    wb.save(altered)
    codes = {f["code"] for f in report(str(altered))["flags"]}
    assert codes == {"SAMPLE-ALTERED", "SAMPLE-ADDED"}


def test_redraw_from_the_logs_matches_or_not(drawn, tmp_path):
    log, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled)
    doc = report(str(filled), "--ops", log)
    assert doc["worksheets"][0]["redraw"] == "match" and not doc["flags"]
    # Other logs (a business removed) or other rates give another sample: caught.
    rules = tmp_path / "rates.yaml"
    rules.write_text("ops_sample:\n  rates: {general: 0.2}\n", encoding="utf-8")
    doc = report(str(filled), "--ops", log, "--rules", str(rules))
    mismatch = [f for f in doc["flags"] if f["code"] == "REDRAW-MISMATCH"]
    assert doc["worksheets"][0]["redraw"] == "mismatch" and len(mismatch) == 1
    assert "参保登记: completed/drawn worksheet 100/3, redraw 100/20" in mismatch[0]["message"]["en"]


def test_report_formats_and_inputs_are_never_overwritten(drawn, tmp_path):
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled)
    out = tmp_path / "月报.xlsx"
    result = CliRunner().invoke(cli, ["sample", "report", str(filled), "-o", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["稽核情况", "核查明细"]
    texts = [str(c) for row in wb["稽核情况"].iter_rows(values_only=True) for c in row if c is not None]
    assert "复核晚于审批" in texts and any("待核实" in t for t in texts)
    html = CliRunner().invoke(cli, ["sample", "report", str(filled), "--format", "html", "--lang", "en"])
    assert html.exit_code == 0 and "Problems found" in html.stdout and "复核晚于审批" in html.stdout
    same = CliRunner().invoke(cli, ["sample", "report", str(filled), "-o", str(filled)])
    assert same.exit_code == 2
    notes = tmp_path / "notes.xlsx"
    notes.write_bytes(b"not a workbook")
    assert CliRunner().invoke(cli, ["sample", "report", str(notes), "--format", "json"]).exit_code == 2


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice")), reason="LibreOffice not installed")
def test_worksheet_saved_by_libreoffice_reads_back(drawn, tmp_path):
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled)
    out = tmp_path / "lo"
    office = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx", "--outdir", str(out), str(filled)], check=True, capture_output=True, timeout=180)
    doc = report(str(out / "filled.xlsx"))
    assert [b["conclusion"] for b in doc["businesses"][:3]] == ["ok", "problem", "pending"]
    assert doc["businesses"][0]["checked_on"] == "2024-04-03"
    assert doc["worksheets"][0]["intact"] is True and not doc["flags"]
