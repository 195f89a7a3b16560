"""Reading a checker's filled worksheet back: what was drawn (the hidden sheet), whether it is still
what was drawn (its fingerprint), and each checklist row's answers.

Columns are found by their header (zh or en, whichever language the worksheet was written in), so a
worksheet re-saved by Excel or LibreOffice, with its columns widened, filtered or sorted, reads the
same. Dates typed by the checker may be date cells or text; both are kept as written (YYYY-MM-DD).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..loaders.safety import check_zip
from ..model import SodcheckError, Text
from .draw import fingerprint
from .wording import CONCLUSIONS, WORDS
from .worksheet import CHECKLIST, FORMAT

# Header text (either language) -> checklist column name.
HEADERS = {WORDS[lang][name].strip().lower(): name for lang in WORDS for name in CHECKLIST}
# Conclusion text (either language) -> ok / problem / pending.
ANSWERS = {WORDS[lang][c].strip().lower(): c for lang in WORDS for c in CONCLUSIONS}
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class FilledRow:
    biz_id: str
    row: int                # Excel row of the checklist
    conclusion: str         # ok, problem, pending; "" left blank; "unreadable" for other text
    conclusion_text: str    # as written
    description: str
    checker: str
    checked_on: str


@dataclass(frozen=True)
class DrawnBusiness:
    biz_id: str
    biz_type: str
    class_id: str
    reason: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class FilledWorksheet:
    file: str                           # as the user named it
    sheet: str                          # the checklist sheet's name
    month: str
    seed: int
    min_per_type: int
    rates: tuple[tuple[str, float], ...]
    class_labels: tuple[tuple[str, Text], ...]
    strata: tuple[tuple[str, str, int, int], ...]       # biz_type, class, population, size
    drawn: tuple[DrawnBusiness, ...]
    recorded_fingerprint: str
    rows: tuple[FilledRow, ...]
    columns: tuple[tuple[str, str], ...]                # checklist column name -> letter

    @property
    def fingerprint(self) -> str:
        """The fingerprint of what the hidden sheet says was drawn, recomputed."""
        return fingerprint(self.month, self.seed, self.rates, self.min_per_type, self.strata,
                           [(b.biz_id, b.biz_type, b.class_id, b.reason) for b in self.drawn])

    def column(self, name: str) -> str | None:
        return dict(self.columns).get(name)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_filled(path: str) -> FilledWorksheet:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    name = Path(path).name
    if not Path(path).is_file():
        raise SodcheckError(Text("核查表不存在", "worksheet not found"), file=path)
    check_zip(Path(path), name)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl's many errors for a file that is no workbook
        raise SodcheckError(Text(f"无法作为 xlsx 工作簿读取：{exc}", f"cannot be read as an xlsx workbook: {exc}"),
                            file=name) from None
    about = next((ws for ws in wb.worksheets if _cell(ws, 1, 1) == "format" and _cell(ws, 1, 2) == FORMAT), None)
    if about is None:
        raise SodcheckError(Text(
            "不是 sodcheck sample 生成的核查表（缺少“抽样信息”工作表），无法核对样本",
            "is no worksheet written by sodcheck sample (its About sheet is missing), so the sample "
            "cannot be verified"), file=name)
    meta, rates, labels, strata, drawn = _read_about(about, name)
    checklist = None
    header_row = 0
    columns: dict[str, int] = {}
    for ws in wb.worksheets:
        if ws is about:
            continue
        for r in range(1, HEADER_SEARCH_ROWS + 1):
            found = {HEADERS[_cell(ws, r, c).lower()]: c for c in range(1, ws.max_column + 1)
                     if _cell(ws, r, c).lower() in HEADERS}
            if "biz_id" in found and "conclusion" in found:
                checklist, header_row, columns = ws, r, found
                break
        if checklist is not None:
            break
    if checklist is None:
        raise SodcheckError(Text("找不到核查清单（需要“业务流水号”和“核查结论”两列的表头）",
                                 "no checklist found (a header with Business id and Conclusion)"), file=name)
    missing = [c for c in ("description", "checker", "checked_on") if c not in columns]
    if missing:
        raise SodcheckError(Text(f"核查清单缺少列：{'、'.join(WORDS['zh'][c] for c in missing)}",
                                 f"the checklist lacks columns: {', '.join(WORDS['en'][c] for c in missing)}"),
                            file=name, sheet=checklist.title, row=header_row)
    rows = []
    for r in range(header_row + 1, checklist.max_row + 1):
        biz_id = _cell(checklist, r, columns["biz_id"])
        if not biz_id:
            continue
        written = _cell(checklist, r, columns["conclusion"])
        conclusion = ANSWERS.get(written.lower(), "unreadable") if written else ""
        rows.append(FilledRow(biz_id, r, conclusion, written, _cell(checklist, r, columns["description"]),
                              _cell(checklist, r, columns["checker"]), _cell(checklist, r, columns["checked_on"])))
    return FilledWorksheet(
        name, checklist.title, meta["month"], _int(meta, "seed", name), _int(meta, "min_per_type", name),
        tuple(rates), tuple(labels), tuple(strata), tuple(drawn), meta.get("fingerprint", ""), tuple(rows),
        tuple(sorted((k, get_column_letter(v)) for k, v in columns.items())))


def _cell(ws: Any, row: int, column: int) -> str:
    return _text(ws.cell(row=row, column=column).value)


def _int(meta: dict[str, str], key: str, file: str) -> int:
    try:
        return int(meta[key])
    except (KeyError, ValueError):
        raise SodcheckError(Text(f"“抽样信息”工作表中的 {key} 缺失或不是整数",
                                 f"{key} in the About sheet is missing or not a whole number"), file=file) from None


def _read_about(ws: Any, file: str) -> tuple[dict[str, str], list, list, list, list]:
    meta: dict[str, str] = {}
    rates: list[tuple[str, float]] = []
    labels: list[tuple[str, Text]] = []
    strata: list[tuple[str, str, int, int]] = []
    drawn: list[DrawnBusiness] = []
    try:
        for values in ws.iter_rows(values_only=True):
            cells = [_text(v) for v in values] + [""] * 6
            tag = cells[0]
            if tag == "rate":
                rates.append((cells[1], float(cells[2])))
            elif tag == "class":
                labels.append((cells[1], Text(cells[2], cells[3])))
            elif tag == "stratum":
                strata.append((cells[1], cells[2], int(cells[3]), int(cells[4])))
            elif tag == "business":
                drawn.append(DrawnBusiness(cells[1], cells[2], cells[3], cells[4], tuple(cells[5].split())))
            elif tag:
                meta[tag] = cells[1]
    except ValueError:
        raise SodcheckError(Text("“抽样信息”工作表已被改动，无法读取",
                                 "the About sheet was altered and cannot be read"), file=file, sheet=ws.title) from None
    if "month" not in meta:
        raise SodcheckError(Text("“抽样信息”工作表缺少抽样月份", "the About sheet has no month"), file=file,
                            sheet=ws.title)
    return meta, rates, labels, strata, drawn

