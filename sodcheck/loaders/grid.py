"""Any spreadsheet-like file as sheets of cells: xlsx (streamed XML), xls (calamine) and CSV (pyarrow).

Merged cells are filled with their top-left value, because a merged unit or header cell means that
value for every cell it covers, but only where the sheet has data: a merged range reaching a
million rows below the last person costs nothing. The file kind is judged by content, not by name.

Every sheet is held to LIMITS (rows, columns, cells) and every xlsx part to the sizes in safety.py;
beyond them the file is refused with a message naming it, never read into gigabytes.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..model import SodcheckError, Text
from .workbook import Limits, read_workbook

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class Cell:
    value: object
    number_format: str | None = None    # for a number: how Excel displays it (dates typed as 2016.10)


EMPTY = Cell(None)
# Rows and columns of one sheet: a province's sheet is tens of thousands of rows and a few dozen
# columns; a permission export is at most Excel's 1,048,576 rows (or a CSV of 2 million).
LIMITS = Limits(rows=2_000_000, columns=1_000, cells=50_000_000)


# The characters str.strip() and a str pattern's \s treat as space (those str.isspace() accepts),
# spelled out for pyarrow's RE2, whose \s is ASCII only. tests/test_staffing_columns.py checks them.
SPACE_CHARACTERS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + \
    "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_BLANK = f"^[{SPACE_CHARACTERS}]*$"


class ArrowCells(Sequence[Cell]):
    """A column's distinct cells as Arrow holds them (text, or null for a blank cell), then EMPTY.
    A million distinct names or sequence numbers stay in Arrow's buffers: one cell is built when a
    row is read, and all of them only when the whole column is walked."""

    # Cells built one at a time before the whole column is built: reading a few rows (the header,
    # rows with a warning) stays cheap, and reading every row one by one costs one build of all.
    ONE_AT_A_TIME = 4096

    def __init__(self, dictionary: pa.Array):
        self.dictionary = dictionary
        self._cells: list[Cell] | None = None
        self._built = 0

    def __len__(self) -> int:
        return len(self.dictionary) + 1

    @overload
    def __getitem__(self, index: int) -> Cell: ...

    @overload
    def __getitem__(self, index: slice) -> list[Cell]: ...

    def __getitem__(self, index: int | slice) -> Cell | list[Cell]:
        self._built += 1
        if self._cells is not None or isinstance(index, slice) or self._built > self.ONE_AT_A_TIME:
            return self.all()[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        value = self.dictionary[index].as_py() if index < len(self.dictionary) else None
        return EMPTY if value is None else Cell(value)

    def all(self) -> list[Cell]:
        if self._cells is None:
            self._cells = [EMPTY if value is None else Cell(value) for value in self.dictionary.to_pylist()]
            self._cells.append(EMPTY)
        return self._cells

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.all())


class CodedRows(Sequence[list[Cell]]):
    """A sheet's rows held column by column: each column as its distinct cells and, per row, the
    index of that row's cell among them. A CSV of a million rows is read into this form without a
    Python object per cell, and loaders judge each distinct value once instead of once per row.
    Indexing builds a row of cells on access, so code that walks rows still works."""

    def __init__(self, cells: list[Sequence[Cell]], codes: list[np.ndarray], length: int):
        self.cells = cells      # per column: its distinct cells (a list, or ArrowCells); the last one is EMPTY
        self.codes = codes      # per column: for each row, the index of its cell in cells
        self.length = length

    @classmethod
    def of(cls, rows: Sequence[Sequence[Cell]]) -> CodedRows:
        """Rows of cells in coded form (rows shorter than the widest are padded with EMPTY)."""
        if isinstance(rows, CodedRows):
            return rows
        width = max((len(row) for row in rows), default=0)
        cells: list[Sequence[Cell]] = []
        codes: list[np.ndarray] = []
        for c in range(width):
            # Readers share one Cell per distinct value, so identity finds the distinct cells cheaply;
            # equal cells that are not shared only cost a duplicate entry.
            index: dict[int, int] = {}
            distinct: list[Cell] = []
            column = np.empty(len(rows), dtype=np.int64)
            for r, row in enumerate(rows):
                cell = row[c] if c < len(row) else EMPTY
                code = index.get(id(cell))
                if code is None:
                    code = index[id(cell)] = len(distinct)
                    distinct.append(cell)
                column[r] = code
            distinct.append(EMPTY)
            cells.append(distinct)
            codes.append(column)
        return cls(cells, codes, len(rows))

    def arrow_text(self, c: int) -> pa.Array | None:
        """Column c's distinct cells as Arrow text (null where blank, the last one null), when the
        column came from Arrow: every cell is then text or blank."""
        cells = self.cells[c]
        if not isinstance(cells, ArrowCells):
            return None
        return pa.concat_arrays([cells.dictionary, pa.nulls(1, pa.string())])

    def filled(self, c: int) -> bool:
        """Whether column c holds a value in some row."""
        cells = self.cells[c]
        if isinstance(cells, ArrowCells):
            return cells.dictionary.null_count < len(cells.dictionary)
        return any(cell.value is not None and str(cell.value).strip() for cell in cells)

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> list[Cell]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[Cell]]: ...

    def __getitem__(self, index: int | slice) -> list[Cell] | list[list[Cell]]:
        if isinstance(index, slice):
            return [self[r] for r in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        return [cells[codes[index]] for cells, codes in zip(self.cells, self.codes)]

    def __iter__(self) -> Iterator[list[Cell]]:
        columns = [[table[code] for code in codes.tolist()]
                   for table, codes in ((list(cells), codes) for cells, codes in zip(self.cells, self.codes))]
        return (list(row) for row in zip(*columns)) if columns else (list[Cell]() for _ in range(self.length))


@dataclass
class Sheet:
    name: str | None                      # None for CSV
    rows: Sequence[list[Cell]]            # a list, or CodedRows for a CSV read by pyarrow
    row_numbers: list[int]                # what Excel shows (or the CSV line) for each row
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    _coded: CodedRows | None = field(default=None, init=False, repr=False, compare=False)

    def coded(self) -> CodedRows:
        """The rows column by column, coded once: loaders read a sheet whole after it is filled in."""
        if self._coded is None:
            self._coded = CodedRows.of(self.rows)
        return self._coded

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
    """Every sheet of a file. Raises SodcheckError for what is not a spreadsheet, or is one too
    large or too broken to read. values_only: callers that do not need number formats (permission
    exports) say so; the xlsx reader then skips them."""
    display = display or str(path)
    head = read_head(path)
    kind = sniff(path, head)
    suffix = path.suffix.lower()
    if kind == "xlsx":
        return _read_xlsx(path, display, values_only)
    if kind == "xls":
        return _read_xls(path, display)
    if kind == "text" and suffix in (".csv", ".txt", ".tsv"):
        return [_read_csv(read_bytes(path, display), display)]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise SodcheckError(Text("文件扩展名是 Excel，但内容不是 Excel 工作簿（可能已损坏或被改名）",
                                 "named like an Excel file, but the content is not an Excel workbook "
                                 "(damaged or renamed?)"), file=display)
    raise SodcheckError(Text("不支持的文件类型：需要 xlsx、xls 或 csv",
                             "unsupported file type: expected xlsx, xls or csv"), file=display)


def fill_merged(sheet: Sheet) -> None:
    """Give every cell a merged range covers its top-left value, within the rows the sheet has and
    the columns any of its rows reaches: cells are never created over empty space."""
    width = max((len(row) for row in sheet.rows), default=0)
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(sheet.rows) or c0 >= width or (r0, c0) == (r1, c1):
            continue
        top = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else EMPTY
        last_column = min(c1, width - 1)
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if len(row) <= last_column:
                row.extend([EMPTY] * (last_column + 1 - len(row)))
            for c in range(c0, last_column + 1):
                if (r, c) != (r0, c0):
                    row[c] = top


def _too_large(display: str, sheet: str | None, rows: int, columns: int) -> None:
    if rows > LIMITS.rows or columns > LIMITS.columns or rows * columns > LIMITS.cells:
        raise SodcheckError(Text(
            f"工作表过大，已拒绝：{rows:,} 行 × {columns:,} 列（上限 {LIMITS.rows:,} 行、{LIMITS.columns:,} 列、"
            f"{LIMITS.cells:,} 个单元格）",
            f"sheet too large; refused: {rows:,} rows × {columns:,} columns (limits: {LIMITS.rows:,} rows, "
            f"{LIMITS.columns:,} columns, {LIMITS.cells:,} cells)"), file=display, sheet=sheet)


def _read_xlsx(path: Path, display: str, values_only: bool = False) -> list[Sheet]:
    from .safety import check_zip

    check_zip(path, display, parse_xml=False)   # sizes from the zip directory; parts are parsed below
    sheets = []
    shared: dict[tuple[object, str | None], Cell] = {}
    for raw in read_workbook(path, display, LIMITS, formats=not values_only):
        # One Cell per distinct (value, format): units, posts and staff types repeat down a sheet.
        rows = [[shared.setdefault(item, Cell(*item)) if item[0] is not None else EMPTY for item in row]
                for row in raw.rows]
        sheet = Sheet(raw.name, rows, raw.row_numbers, raw.merged)
        fill_merged(sheet)
        sheets.append(sheet)
    return sheets


def _read_xls(path: Path, display: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    sheets = []
    name = None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            ws = workbook.get_sheet_by_name(name)
            _too_large(display, name, ws.height, ws.width)
            data = ws.to_python(skip_empty_area=False)
            rows = [[Cell(v) if v != "" else EMPTY for v in row] for row in data]
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ws.merged_cell_ranges or []]
            sheet = Sheet(name, rows, list(range(1, len(rows) + 1)), merged)
            fill_merged(sheet)
            sheets.append(sheet)
    except SodcheckError:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise SodcheckError(Text(f"无法读取工作簿：{exc}", f"cannot read the workbook: {exc}"),
                            file=display, sheet=name) from None
    return sheets


def utf8_payload(raw: bytes, display: str) -> bytes:
    """The file as UTF-8 without a BOM, which is what pyarrow reads; GB18030 is transcoded."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.isascii():   # most exports are codes and digits: nothing to decode
        return raw
    # Checked a megabyte at a time: decoding the whole file at once would hold it again as text.
    checker = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(raw), 1 << 20):
            checker.decode(raw[start:start + (1 << 20)])
        checker.decode(b"", final=True)
        return raw
    except UnicodeDecodeError:
        return decode(raw, display).encode("utf-8")


def line_count(payload: bytes) -> int:
    return payload.count(b"\n") + (0 if not payload or payload.endswith(b"\n") else 1)


def csv_records(payload: bytes, display: str, delimiter: str = ",", quotechar: str = '"'
                ) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its fields) for every record, blank lines included as []. Strict:
    a quote that is never closed is an error naming its line, where a lenient reader would carry
    the rest of the file into that one value."""
    reader = csv.reader(io.StringIO(payload.decode("utf-8"), newline=""), delimiter=delimiter,
                        quotechar=quotechar, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise SodcheckError(Text(f"CSV 无法解析（引号未闭合？）：{exc}",
                                 f"CSV does not parse (a quote not closed?): {exc}"),
                            file=display, row=line) from None


def _dialect(payload: bytes) -> tuple[str, str]:
    sample = payload[:16384].decode("utf-8", "ignore")[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        return dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        return ",", '"'


def _arrow_cells(column: pa.ChunkedArray) -> tuple[ArrowCells, np.ndarray]:
    """A column's distinct cells (blank is EMPTY, and EMPTY comes last) and each row's index among them."""
    # A blank cell is a null in the dictionary, like any other value, so that every row has an index.
    encoded = pc.dictionary_encode(column, null_encoding="encode").combine_chunks()
    dictionary = encoded.dictionary
    blank = pc.match_substring_regex(dictionary, _BLANK)
    if pc.any(blank).as_py():   # a value of spaces only is a blank cell, as str.strip() says
        dictionary = pc.if_else(blank, pa.scalar(None, pa.string()), dictionary)
    # int32 codes: a million rows of eight columns in 32 MB
    return ArrowCells(dictionary), encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)


def _read_csv_arrow(payload: bytes, delimiter: str, quotechar: str, width: int) -> pa.Table | None:
    """The file read by pyarrow, every line a row, or None when pyarrow cannot read it so (rows
    of different widths, blank lines, a value over several lines, bad quoting)."""
    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quotechar),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table if table.num_rows == line_count(payload) else None


def _read_csv(raw: bytes, display: str) -> Sheet:
    payload = utf8_payload(raw, display)
    delimiter, quotechar = _dialect(payload)
    first = next(csv_records(payload[:payload.find(b"\n") + 1 or len(payload)], display, delimiter, quotechar),
                 (1, []))[1]
    table = _read_csv_arrow(payload, delimiter, quotechar, len(first)) if first else None
    if table is not None:
        _too_large(display, None, table.num_rows, table.num_columns)
        columns = [_arrow_cells(table.column(i)) for i in range(table.num_columns)]
        length = table.num_rows
        del table
        # The table is gone; hand its memory back rather than keep it for later Arrow work.
        pa.default_memory_pool().release_unused()
        coded = CodedRows([cells for cells, _ in columns], [codes for _, codes in columns], length)
        return Sheet(None, coded, list(range(1, length + 1)))
    # Blank lines, values over several lines or ragged rows (hand-made title lines): record by record.
    rows, numbers = [], []
    for line, record in csv_records(payload, display, delimiter, quotechar):
        rows.append([Cell(v) if v.strip() else EMPTY for v in record])
        numbers.append(line)
        if len(rows) > LIMITS.rows or len(record) > LIMITS.columns:
            _too_large(display, None, len(rows), len(record))
    return Sheet(None, rows, numbers)
