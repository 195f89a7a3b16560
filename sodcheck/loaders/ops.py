"""Operation logs: which file holds which columns, in which layout, and where its rows are.

Nothing here loops over rows. A parquet file goes to DuckDB as it is; a CSV file is streamed by
pyarrow (UTF-8, with or without BOM, or GB18030) into a temporary parquet file with each row's line
number, so that every source reaches DuckDB the same way; an Excel workbook is read into Arrow.
Normalising (trimming, parsing times, spreading the wide layout into steps) is Ibis code in
sodcheck/ops/frame.py.
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..model import DataWarning, SodcheckError, Text
from .grid import read_grid, read_head, sniff
from .headers import build_lookup, recognise
from .staffing import expand_paths

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet")
DELIMITERS = (",", "\t", ";", "|")

# Long layout: one row per step.
LONG_ALIASES: dict[str, tuple[str, ...]] = {
    "biz_id": ("业务流水号", "业务编号", "业务单号", "受理编号", "流水号", "业务号", "业务ID", "办件编号"),
    "biz_type": ("业务类型", "业务名称", "事项名称", "业务事项", "业务种类"),
    "step": ("环节", "操作环节", "业务环节", "节点", "操作类型", "环节名称", "办理环节", "操作"),
    "operator": ("操作员", "经办人", "操作人", "操作账号", "操作员账号", "工号", "操作员编号", "经办人账号",
                 "用户账号", "aae011"),
    "time": ("操作时间", "办理时间", "经办时间", "时间", "操作日期", "aae036"),
    "operator_name": ("操作员姓名", "经办人姓名", "操作人姓名"),
    "unit": ("经办机构", "机构名称", "经办机构名称", "所属机构", "经办单位"),
    "person_id": ("公民身份号码", "身份证号", "身份证号码", "社会保障号码", "证件号码", "aac002"),
    "amount": ("金额", "发放金额", "支付金额"),
}
LONG_REQUIRED = ("biz_id", "step", "operator", "time")
BUSINESS_FIELDS = ("biz_id", "biz_type", "unit", "person_id", "amount")

# Wide layout: one row per business, an operator and a time column per step. (kind, step text as
# reported, operator aliases, time aliases); 办结 needs no operator.
WIDE_STEPS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("accept", "受理", ("经办人", "受理人", "aae011", "录入人", "申报受理人"),
     ("经办时间", "受理时间", "aae036", "录入时间", "经办日期", "受理日期")),
    ("review", "初审", ("初审人", "审核人", "一审人"), ("初审时间", "审核时间", "一审时间", "审核日期")),
    ("recheck", "复核", ("复核人", "复审人", "aae014"), ("复核时间", "复审时间", "aae015", "复核日期")),
    ("approve", "审批", ("审批人", "审定人", "终审人"), ("审批时间", "审定时间", "终审时间", "审批日期")),
    ("pay", "发放", ("发放人", "支付人", "拨付人"), ("发放时间", "支付时间", "拨付时间", "发放日期")),
    ("complete", "办结", (), ("办结时间", "归档时间", "办结日期")),
)


def _wide_aliases() -> dict[str, tuple[str, ...]]:
    aliases = {f: LONG_ALIASES[f] for f in BUSINESS_FIELDS}
    for kind, _, operators, times in WIDE_STEPS:
        if operators:
            aliases[f"{kind}.operator"] = operators
        aliases[f"{kind}.time"] = times
    return aliases


LONG_LOOKUP = build_lookup(LONG_ALIASES)
WIDE_LOOKUP = build_lookup(_wide_aliases())


@dataclass
class OpsSource:
    """One file, ready for DuckDB: a parquet path or an Arrow table, the column of each field, and
    how to number its rows (a column holding the row, or parquet record n is row n + 1)."""

    display: str
    layout: str                         # "long" or "wide"
    fields: dict[str, str]              # field -> column name in the source
    parquet: Path | None = None
    table: pa.Table | None = None
    row_column: str | None = None       # None: row = file_row_number + first_row
    first_row: int = 2


def _layout(found_long: dict[str, int], found_wide: dict[str, int]) -> str | None:
    if all(f in found_long for f in LONG_REQUIRED):
        return "long"
    if "biz_id" in found_wide and any(f"{k}.time" in found_wide and (not ops or f"{k}.operator" in found_wide)
                                      for k, _, ops, _ in WIDE_STEPS):
        return "wide"
    return None


def _find(cells: list[str], lookup: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, value in enumerate(cells):
        name = recognise(value, lookup)
        if name and name not in found:
            found[name] = c
    return found


def _header(lines: list[list[str]]) -> tuple[int, dict[str, int], dict[str, int]]:
    """The row among the first 20 that makes a layout, else names the most fields."""
    best: tuple[int, dict[str, int], dict[str, int]] = (0, {}, {})
    best_score = (False, 0)
    for i, cells in enumerate(lines[:20]):
        found_long, found_wide = _find(cells, LONG_LOOKUP), _find(cells, WIDE_LOOKUP)
        score = (bool(_layout(found_long, found_wide)), max(len(found_long), len(found_wide)))
        if score > best_score:
            best, best_score = (i, found_long, found_wide), score
    return best


def _missing(found_long: dict[str, int], found_wide: dict[str, int]) -> Text:
    lacking = [f for f in LONG_REQUIRED if f not in found_long]
    zh = "、".join(f"{f}（{LONG_ALIASES[f][0]}）" for f in lacking)
    en = ", ".join(f"{f} ({LONG_ALIASES[f][0]})" for f in lacking)
    wide = "" if "biz_id" in found_wide else "业务流水号、"
    return Text(f"不是可识别的操作日志：逐环节格式缺少 {zh} 列；逐业务格式需要 {wide}至少一个环节的经办人和时间列"
                f"（如 经办人/经办时间、复核人/复核时间）",
                f"not an operation log sodcheck can read: the one-row-per-step layout lacks column(s) {en}; "
                "the one-row-per-business layout needs biz_id and at least one step's operator and time "
                "columns (e.g. 经办人/经办时间, 复核人/复核时间)")


def _choose(display: str, header_row: int, cells: list[str], found_long: dict[str, int],
            found_wide: dict[str, int]) -> tuple[str, dict[str, int]]:
    layout = _layout(found_long, found_wide)
    if layout is None:
        raise SodcheckError(_missing(found_long, found_wide), file=display, row=header_row)
    return layout, (found_long if layout == "long" else found_wide)


# ----------------------------------------------------------------------------- CSV

def _encoding(path: Path, display: str) -> str:
    """utf-8 when the whole file decodes as UTF-8 (checked in chunks), else gb18030."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                break
        else:
            try:
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
    head = read_head(path, 1 << 16)
    try:
        head.decode("gb18030")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:      # not merely a character cut at the end of the sample
            raise SodcheckError(Text("文本文件既不是 UTF-8 也不是 GB18030 编码",
                                     "text file is neither UTF-8 nor GB18030"), file=display) from None
    return "gb18030"


def _line_count(path: Path) -> tuple[int, bool]:
    """Lines in the file, and whether it ends with a line break."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count, last == b"\n"


def _exact_lines(path: Path, encoding: str, delimiter: str, header_index: int, width: int) -> np.ndarray:
    """The line of each data record when lines and records differ (blank lines, quoted line
    breaks, short rows): walk the file with the csv module, as pyarrow would read it."""
    numbers, line = [], 1
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for index, record in enumerate(reader):
            if index > header_index and any(value.strip() for value in record) and len(record) == width:
                numbers.append(line)
            line = reader.line_num + 1
    return np.asarray(numbers, dtype=np.int64)


def _csv_source(path: Path, display: str, scratch: Path, warnings: list[DataWarning]) -> OpsSource:
    encoding = _encoding(path, display)
    head_text = read_head(path, 1 << 16).decode(encoding, "ignore").lstrip("\ufeff")
    best = None
    for delimiter in DELIMITERS:
        lines = list(csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter))
        index, found_long, found_wide = _header(lines)
        score = (bool(_layout(found_long, found_wide)), max(len(found_long), len(found_wide)))
        if best is None or score > best[0]:
            best = (score, delimiter, lines, index, found_long, found_wide)
    assert best is not None
    _, delimiter, lines, header_index, found_long, found_wide = best
    header = lines[header_index] if lines else []
    layout, found = _choose(display, header_index + 1, header, found_long, found_wide)
    names = [f"c{i}" for i in range(len(header))]
    skipped: list[str] = []

    def invalid(row) -> str:
        skipped.append(row.text)
        return "skip"

    out = scratch / f"csv{len(list(scratch.iterdir()))}.parquet"
    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(skip_rows=header_index + 1, column_names=names,
                                                 encoding=encoding, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True))
        rows = 0
        with pq.ParquetWriter(out, pa.schema([(n, pa.string()) for n in names])) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        raise SodcheckError(Text(f"CSV 无法解析：{exc}", f"CSV does not parse: {exc}"), file=display) from None
    if skipped:
        warnings.append(DataWarning("ROW-MALFORMED", display, None, None, None, Text(
            f"{len(skipped)} 行的列数与表头不符，已跳过（第一行：{skipped[0][:60]}）",
            f"{len(skipped)} row(s) do not have the header's number of columns; skipped "
            f"(first: {skipped[0][:60]})")))
    lines_total, ends_with_break = _line_count(path)
    first = header_index + 2
    if not ends_with_break:
        lines_total += 1
    source = OpsSource(display, layout, {f: names[c] for f, c in found.items()}, parquet=out, first_row=first)
    if lines_total - first + 1 != rows:
        # Rows are not one per line: number them exactly (a small hand-made file, in practice).
        numbers = _exact_lines(path, encoding, delimiter, header_index, len(names))[:rows]
        table = pq.read_table(out).append_column("__row", pa.array(np.resize(numbers, rows), pa.int64()))
        pq.write_table(table, out)
        source.row_column = "__row"
    return source


# ----------------------------------------------------------------------------- Excel and parquet

_EXCEL_EPOCH = datetime(1899, 12, 30)


def _cell(value: object, is_time: bool) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, timedelta):       # a time-only cell: not a moment
        return str(value)
    if isinstance(value, float):
        if is_time and 1 < value < 80000:  # a datetime stored as an Excel serial number
            moment = _EXCEL_EPOCH + timedelta(days=value)
            return (moment + timedelta(microseconds=500_000)).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
        if value.is_integer():
            return str(int(value))
    return str(value)


def _excel_source(path: Path, display: str, warnings: list[DataWarning]) -> OpsSource:
    chosen: OpsSource | None = None
    problem = None
    for sheet in read_grid(path, display, values_only=True):
        cells = [[("" if c.value is None else str(c.value)) for c in row] for row in sheet.rows[:20]]
        index, found_long, found_wide = _header(cells)
        layout = _layout(found_long, found_wide)
        if layout is None:
            if problem is None and (found_long or found_wide):
                problem = (sheet.row_numbers[index] if sheet.row_numbers else 1, found_long, found_wide)
            continue
        if chosen is not None:
            warnings.append(DataWarning("SHEET-SKIPPED", display, sheet.name, None, None, Text(
                f"工作表“{sheet.name}”也是操作日志，但每个工作簿只读第一张；请另存为单独的文件",
                f"sheet {sheet.name!r} is an operation log too, but only the first one of a workbook is "
                "read; save it as a file of its own")))
            continue
        found = found_long if layout == "long" else found_wide
        time_columns = {c for f, c in found.items() if f == "time" or f.endswith(".time")}
        data = sheet.rows[index + 1:]
        columns = {f"c{c}": pa.array([_cell(r[c].value if c < len(r) else None, c in time_columns) for r in data],
                                     pa.string()) for c in set(found.values())}
        columns["__row"] = pa.array(sheet.row_numbers[index + 1:index + 1 + len(data)], pa.int64())
        chosen = OpsSource(display, layout, {f: f"c{c}" for f, c in found.items()}, table=pa.table(columns),
                           row_column="__row")
    if chosen is None:
        row, found_long, found_wide = problem or (1, {}, {})
        raise SodcheckError(_missing(found_long, found_wide), file=display, row=row)
    return chosen


def _parquet_source(path: Path, display: str) -> OpsSource:
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowInvalid, OSError) as exc:
        raise SodcheckError(Text(f"parquet 无法读取：{exc}", f"parquet cannot be read: {exc}"),
                            file=display) from None
    found_long, found_wide = _find(names, LONG_LOOKUP), _find(names, WIDE_LOOKUP)
    layout, found = _choose(display, 1, names, found_long, found_wide)
    return OpsSource(display, layout, {f: names[c] for f, c in found.items()}, parquet=path)


def read_sources(paths: list[str], scratch: Path, warnings: list[DataWarning]) -> list[OpsSource]:
    """Every file of every --ops argument (a folder is read like a --perms folder)."""
    sources = []
    for path, display in expand_paths(paths, SUFFIXES):
        head = read_head(path)
        kind = sniff(path, head)
        if path.suffix.lower() == ".parquet" or head.startswith(b"PAR1"):
            sources.append(_parquet_source(path, display))
        elif kind in ("xlsx", "xls"):
            sources.append(_excel_source(path, display, warnings))
        elif kind == "text":
            sources.append(_csv_source(path, display, scratch, warnings))
        else:
            raise SodcheckError(Text("不支持的文件类型：需要 csv、xlsx 或 parquet",
                                     "unsupported file type: expected csv, xlsx or parquet"), file=display)
    return sources
