"""Shared helpers: workbooks and CSVs built from Python data, and a CLI runner."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HEADER = ["姓名", "单位", "人员身份", "岗位", "任现岗时间"]


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
    text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\n"
    path.write_bytes(text.encode(encoding))
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
