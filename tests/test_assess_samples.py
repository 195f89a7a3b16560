"""The monthly-sample item of the 考核表 judged on the filled worksheets of `sodcheck sample`
(`sodcheck assess --samples`): complete records keep the points, a month without a worksheet or a
blank answer costs half, a worksheet that cannot prove its sample costs them all."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sodcheck.cli import cli
from tests.test_sample_report import drawn, fill  # noqa: F401  (drawn is a fixture)

from .conftest import SAMPLE as STAFF

ALL_CLEAR = [("无问题", "", "汪明华", date(2024, 4, 3))]


def item6(tmp_path, *args: str) -> tuple[dict, dict]:
    target = tmp_path / "assess.json"
    result = CliRunner().invoke(cli, ["assess", *args, "--format", "json", "-o", str(target), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    doc = json.loads(target.read_text(encoding="utf-8"))
    return next(i for i in doc["items"] if i["no"] == 6), doc


def test_complete_records_keep_the_points(drawn, tmp_path):  # noqa: F811
    _, worksheet = drawn
    filled = tmp_path / "三月核查表.xlsx"
    fill(worksheet, filled, answers=ALL_CLEAR)
    item, doc = item6(tmp_path, "--samples", str(filled), "--as-of", "2024-04-30")
    assert (item["status"], item["score"], item["points"]) == ("scored", 4, 4)
    assert "核查表1份（2024-03）" in item["basis"] and "核查记录完整" in item["basis"]
    assert "三月核查表.xlsx" in doc["inputs"]


def test_a_pending_business_costs_half(drawn, tmp_path):  # noqa: F811
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled, answers=[*ALL_CLEAR, ("待核实", "", "孙伟", None)])
    item, _ = item6(tmp_path, "--samples", str(filled), "--as-of", "2024-04-30")
    assert item["score"] == 2 and "仍待核实的业务：1笔（轻微）" in item["basis"]


def test_a_month_without_a_worksheet_costs_half(drawn, tmp_path):  # noqa: F811
    _, worksheet = drawn
    folder = tmp_path / "worksheets"
    folder.mkdir()
    fill(worksheet, folder / "march.xlsx", answers=ALL_CLEAR)
    # As of the end of June, April's and May's businesses should have been sampled too.
    item, _ = item6(tmp_path, "--samples", str(folder), "--as-of", "2024-06-30")
    assert item["score"] == 2
    assert "缺少核查表的月份：2024-04、2024-05（较重）" in item["basis"]


def test_a_trimmed_sample_costs_every_point(drawn, tmp_path):  # noqa: F811
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    wb = fill(worksheet, filled, answers=ALL_CLEAR)
    wb["核查清单"].delete_rows(3)       # one drawn business left out of the checklist
    wb.save(filled)
    item, _ = item6(tmp_path, "--samples", str(filled), "--as-of", "2024-04-30")
    assert item["score"] == 0 and "核查清单少了抽中的业务：1项（严重）" in item["basis"]


def test_worksheets_win_over_the_answers_file(drawn, tmp_path):  # noqa: F811
    _, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled, answers=ALL_CLEAR)
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers:\n  - {item: 6, score: 1}\n", encoding="utf-8")
    item, doc = item6(tmp_path, "--samples", str(filled), "--answers", str(answers), "--as-of", "2024-04-30")
    assert item["score"] == 4
    assert [w["code"] for w in doc["warnings"]] == ["ASSESS-ANSWER-IGNORED"]
    # Without worksheets the answer scores it, as before.
    item, _ = item6(tmp_path, "--answers", str(answers), "--staff", str(STAFF), "--as-of", "2024-04-30")
    assert (item["status"], item["score"]) == ("manual", 1)


def test_a_redraw_from_the_logs_is_compared(drawn, tmp_path):  # noqa: F811
    log, worksheet = drawn
    filled = tmp_path / "filled.xlsx"
    fill(worksheet, filled, answers=ALL_CLEAR)
    item, _ = item6(tmp_path, "--samples", str(filled), "--ops", log, "--as-of", "2024-04-30")
    assert item["score"] == 4
    other = tmp_path / "other.csv"
    # Another log: the last businesses of the month are not in it.
    lines = Path(log).read_text(encoding="utf-8").splitlines()[:-40]
    other.write_text("\n".join(lines) + "\n", encoding="utf-8")
    item, _ = item6(tmp_path, "--samples", str(filled), "--ops", str(other), "--as-of", "2024-04-30")
    assert item["score"] == 0 and "重新抽样与核查表不符" in item["basis"]


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_the_worksheets_are_named_in_the_reports(drawn, tmp_path, fmt):  # noqa: F811
    _, worksheet = drawn
    filled = tmp_path / "三月核查表.xlsx"
    fill(worksheet, filled, answers=ALL_CLEAR)
    target = tmp_path / f"assess.{fmt}"
    result = CliRunner().invoke(cli, ["assess", "--samples", str(filled), "--as-of", "2024-04-30", "--format", fmt,
                                      "-o", str(target), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        rows = load_workbook(target)["自评表"].iter_rows(values_only=True)
        row6 = next(r for r in rows if r[0] == 6)
        assert row6[4] == 4 and "核查表1份" in row6[6]
    else:
        from docx import Document
        text = "\n".join(p.text for p in Document(str(target)).paragraphs)
        assert "三月核查表.xlsx" in text
