"""Any spreadsheet-like file as sheets of cells: xlsx (openpyxl), xls (calamine) and CSV.

Merged cells are filled with their top-left value, because a merged unit or header cell means that
value for every cell it covers. The file kind is judged by content, not by name.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..model import SodcheckError, Text

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Cell:
    value: object
    number_format: str | None = None


@dataclass
class Sheet:
    name: str | None                      # None for CSV
    rows: list[list[Cell]]
    row_numbers: list[int]                # what Excel shows (or the CSV line) for each row
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive

    def text(self, r: int, c: int) -> str:
        row = self.rows[r]
        if c >= len(row) or row[c].value is None:
            return ""
        return str(row[c].value)


def sniff(path: Path, head: bytes) -> str:
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def read_bytes(path: Path, display: str | None = None, size: int = -1) -> bytes:
    """The file's bytes (the first size of them), or one clear error naming it."""
    display = display or str(path)
    try:
        with Path(path).open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise SodcheckError(Text("文件不存在", "file not found"), file=display) from None
    except IsADirectoryError:
        raise SodcheckError(Text("这是一个文件夹，不是文件", "is a folder, not a file"), file=display) from None
    except OSError as exc:
        raise SodcheckError(Text(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}"),
                            file=display) from None


def read_head(path: Path, size: int = 8192) -> bytes:
    return read_bytes(path, size=size)


def decode(raw: bytes, file: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SodcheckError(Text("文本文件既不是 UTF-8 也不是 GB18030 编码",
                             "text file is neither UTF-8 nor GB18030"), file=file)


def read_grid(path: Path, display: str | None = None, values_only: bool = False) -> list[Sheet]:
    """Every sheet of a file. Raises SodcheckError for what is not a spreadsheet.
    values_only: cell values without number formats, read by calamine, which is many times
    faster than openpyxl on a large export (staffing sheets need the formats; exports do not)."""
    display = display or str(path)
    head = read_head(path)
    kind = sniff(path, head)
    suffix = path.suffix.lower()
    if kind == "xlsx" and values_only:
        from .safety import check_zip

        check_zip(path, display)
        return _read_xls(path, display)
    if kind == "xlsx":
        return _read_xlsx(path, display)
    if kind == "xls":
        return _read_xls(path, display)
    if kind == "text" and suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(path.read_bytes(), display)]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise SodcheckError(Text("文件扩展名是 Excel，但内容不是 Excel 工作簿（可能已损坏或被改名）",
                                 "named like an Excel file, but the content is not an Excel workbook "
                                 "(damaged or renamed?)"), file=display)
    raise SodcheckError(Text("不支持的文件类型：需要 xlsx、xls 或 csv",
                             "unsupported file type: expected xlsx, xls or csv"), file=display)


def _fill_merged(sheet: Sheet) -> None:
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(sheet.rows):
            continue
        top = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else Cell(None)
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            while len(row) <= c1:
                row.append(Cell(None))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = Cell(top.value, top.number_format)


def _read_xlsx(path: Path, display: str) -> list[Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    from .safety import check_zip

    check_zip(path, display)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError,
            EOFError, IndexError, AttributeError) as exc:  # openpyxl's ways of meeting a damaged part
        raise SodcheckError(Text(f"无法作为 xlsx 工作簿打开：{exc}",
                                 f"cannot open as an xlsx workbook: {exc}"), file=display) from None
    sheets = []
    for ws in workbook.worksheets:
        rows, numbers = [], []
        for row in ws.iter_rows():
            rows.append([Cell(c.value, c.number_format) for c in row])
            numbers.append(row[0].row if row else len(numbers) + 1)
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                  for m in ws.merged_cells.ranges]
        sheet = Sheet(ws.title, rows, numbers, merged)
        _fill_merged(sheet)
        sheets.append(sheet)
    return sheets


def _read_xls(path: Path, display: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise SodcheckError(Text(f"无法打开工作簿：{exc}", f"cannot open the workbook: {exc}"),
                            file=display) from None
    sheets = []
    for name in workbook.sheet_names:
        ws = workbook.get_sheet_by_name(name)
        data = ws.to_python(skip_empty_area=False)
        rows = [[Cell(v if v != "" else None) for v in row] for row in data]
        merged = []
        for rng in ws.merged_cell_ranges or []:
            (r0, c0), (r1, c1) = rng
            merged.append((r0, c0, r1, c1))
        sheet = Sheet(name, rows, list(range(1, len(rows) + 1)), merged)
        _fill_merged(sheet)
        sheets.append(sheet)
    return sheets


def _read_csv(raw: bytes, display: str) -> Sheet:
    text = decode(raw, display)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows, numbers = [], []
    last_line = 0
    try:
        for record in reader:
            rows.append([Cell(v if v.strip() != "" else None) for v in record])
            numbers.append(last_line + 1)
            last_line = reader.line_num
    except csv.Error as exc:
        raise SodcheckError(Text(f"CSV 无法解析：{exc}", f"CSV does not parse: {exc}"),
                            file=display, row=last_line + 1) from None
    return Sheet(None, rows, numbers)
