"""Shared helpers: workbooks and CSVs built from Python data, a CLI runner, and the inputs several
test files build on (the sample workbook's findings, a maker/checker rule file, a role file and
waivers)."""
from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HEADER = ["姓名", "单位", "人员身份", "岗位", "任现岗时间"]

SAMPLE = REPO / "sample_data" / "annex2_sample.xlsx"
SAMPLE_CSV = REPO / "sample_data" / "annex2_sample.csv"
# (rule, subject) of every violation in the sample workbook as of 2024-06-30 (sample_data/EXPECTED.md).
SAMPLE_VIOLATIONS = {
    ("SOD-BIZ-FIN", "方晓燕"), ("SOD-BIZ-FIN", "王海涛"), ("SOD-BIZ-IT", "赵磊"),
    ("SOD-ACC-CASH", "郑佳"), ("SOD-ACC-CASH", "周晓梅"), ("SOD-TICKET-SEAL", "宋雨"),
    ("SOD-IC-OPS", "徐敏"), ("TENURE-HIGH-RISK", "陈志刚"), ("TENURE-HIGH-RISK", "吴建国"),
    ("TENURE-HIGH-RISK", "许文斌"), ("TENURE-HIGH-RISK", "潘玉兰"), ("STAFF-HIGH-RISK", "刘芳"),
    ("STAFF-HIGH-RISK", "罗丹"), ("ORG-INTERNAL-CONTROL", "贵池区医疗保险管理中心"),
    ("ORG-INTERNAL-CONTROL", "程红梅"),
}

# The rule file of the conformance cases: two user duties (payment_entry under cashier,
# payment_approval under accounting), code mappings for them, and a maker/checker rule.
MAKER_CHECKER = """\
duties:
  - {id: payment_entry, parent: cashier, label: {zh: 支付录入, en: Payment entry}}
  - {id: payment_approval, parent: accounting, label: {zh: 支付审批, en: Payment approval}}
permission_duties:
  - {duty: business, codes: ["YW_*"]}
  - {duty: payment_entry, codes: ["ZF_LR"]}
  - {duty: payment_approval, codes: ["ZF_SP"]}
  - {duty: it, names: ["*权限分配*"]}
rules:
  - id: SYS-PAY-MAKER-CHECKER
    kind: incompatible
    duties: [payment_entry, payment_approval]
    severity: high
    title: {zh: 支付录入与支付审批不得由同一人办理, en: Payment entry and approval by one person}
    message: {zh: 同一人同时拥有支付录入和支付审批权限, en: Holds both payment entry and payment approval}
    source: 内部会计控制规范—货币资金
"""

# The start of a role file: boss (line 4) holds benefit review through clerk and payment itself,
# so SOD-BIZ-FIN fires on boss alone. Test files append the roles they need after it.
BOSS_ROLES = """\
roles:
  clerk:
    permissions: [待遇审核]
  boss:
    includes: [clerk]
    permissions: [资金支付]
"""


def write_xlsx(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None,
               formats: dict[str, dict[str, str]] | None = None) -> Path:
    """A workbook with one sheet per entry; rows are lists of cell values (None for blank)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cell_range in (merged or {}).get(title, []):
            sheet.merge_cells(cell_range)
        for coordinate, number_format in (formats or {}).get(title, {}).items():
            sheet[coordinate].number_format = number_format
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    """A CSV file (None for blank), in its folder, which is made if need be."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def waiver(id="W-1", rule="SOD-BIZ-FIN", kind="role", name="county_clerk", expires="2024-12-31",
           approver="王敏", reason="县局仅两人，由市中心复核", **extra) -> str:
    """One entry of a waiver file; a field given as None is left out."""
    lines = [f"  - id: {id}", f"    rule: {rule}", f"    subject: {{kind: {kind}, name: '{name}'}}"]
    if reason is not None:
        lines.append(f"    reason: {reason}")
    if approver is not None:
        lines.append(f"    approver: {approver}")
    if expires is not None:
        lines.append(f"    expires: {expires}")
    lines += [f"    {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def write_waivers(path: Path, *entries: str) -> Path:
    path.write_text("waivers:\n" + "".join(entries), encoding="utf-8")
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(*args: str) -> tuple[int, dict]:
    code, out, err = run_cli("check", *args, "--format", "json")
    assert "Traceback" not in err
    return code, (json.loads(out) if out.strip() else {"stderr": err})


def pairs(doc: dict, key: str = "violations") -> set[tuple[str, str]]:
    return {(v["rule_id"], v["subject"]["name"]) for v in doc[key]}


@pytest.fixture
def staff_sheet(tmp_path):
    """Write a simple one-sheet workbook: staff_sheet(rows, header=HEADER) -> path."""
    def make(rows: list[list], header: list[str] = HEADER, name: str = "annex2.xlsx") -> Path:
        return write_xlsx(tmp_path / name, {"Sheet1": [header] + rows})
    return make


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """Tests read English messages unless they ask for --lang zh; sodcheck's own default (zh
    unless the locale names another language) is tested in test_language.py."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Every temporary file of the request goes here, so a test can see what was left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
