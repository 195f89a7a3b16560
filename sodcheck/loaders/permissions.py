"""Permission exports of business systems: accounts, roles, nested roles and functions.

A file's kind is judged by its columns, never by its name, so a folder may mix flat exports,
split exports and catalogues in any order. CSV is read with pyarrow (a province export has a
million account-role rows), after the header row is found and the encoding is decided.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import arrow
from ..model import DataWarning, SodcheckError, Text
from ..text import column_letter, compact
from .grid import csv_records, line_count, read_bytes, read_grid, read_head, sniff, utf8_payload
from .headers import (
    PERMISSION_ALIASES,
    build_lookup,
    field_columns,
    first_columns,
    repeated_column_error,
    repeated_fields,
)
from .staffing import expand_paths

LOOKUP = build_lookup(PERMISSION_ALIASES)
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".parquet")
DELIMITERS = (",", "\t", ";")
ACTIVE = ("正常", "启用", "有效", "在用", "active", "enabled", "normal", "1", "y", "yes", "true")
DISABLED = ("停用", "禁用", "注销", "锁定", "冻结", "失效", "无效", "disabled", "inactive", "locked",
            "0", "n", "no", "false")


@dataclass
class PermissionData:
    """Every export of a run, concatenated by kind. Tables carry file (index into files) and row."""

    files: list[str] = field(default_factory=list)
    folders: dict[str, str] = field(default_factory=dict)       # file -> the --perms argument it came from
    accounts: pa.Table | None = None         # account, name, id_number, unit, status, file, row
    account_roles: pa.Table | None = None    # account, role, file, row
    direct: pa.Table | None = None           # account, permission, file, row
    role_permissions: pa.Table | None = None  # role, permission, file, row
    role_includes: pa.Table | None = None    # role, includes, file, row
    catalogue: dict[str, str] = field(default_factory=dict)
    role_names: dict[str, str] = field(default_factory=dict)
    warnings: list[DataWarning] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)   # file -> kinds it held


def status_active(value: str | None) -> bool | None:
    key = compact(value).lower()
    if not key:
        return None
    if key in DISABLED or any(word in key for word in DISABLED if len(word) > 1 and not word.isascii()):
        return False
    if key in ACTIVE or any(word in key for word in ACTIVE if not word.isascii()):
        return True
    return None


def file_kinds(fields: set[str]) -> list[str]:
    if {"account", "permission"} <= fields or {"account", "role", "permission"} <= fields:
        return ["flat"]
    if {"role", "includes"} <= fields:
        return ["role_includes"]
    if {"role", "permission"} <= fields:
        return ["role_permissions"]
    if {"account", "role"} <= fields:
        return ["account_roles"]
    if "account" in fields and ({"name", "id_number", "unit", "status"} & fields):
        return ["accounts"]
    if "permission" in fields and "permission_name" in fields:
        return ["catalogue"]
    return []


# ----------------------------------------------------------------------------- reading one file

def _header_columns(lines: list[list[str]]) -> tuple[int, list[tuple[int, str]]]:
    """(index of the line among the first 20 that names the most fields, its (column, field) pairs)."""
    best: tuple[int, list[tuple[int, str]]] = (0, [])
    for i, cells in enumerate(lines[:20]):
        columns = field_columns(list(cells), LOOKUP)
        if len(first_columns(columns)) > len(first_columns(best[1])):
            best = (i, columns)
    return best


def _header_line(lines: list[list[str]], display: str, sheet: str | None = None,
                 row_numbers: list[int] | None = None) -> tuple[int, dict[str, int]]:
    """(index of the header line, field -> column). Two columns naming one field are an error naming
    both: a second role or account column would otherwise be ignored, and the grants it holds lost."""
    index, columns = _header_columns(lines)
    for field_name, repeated in repeated_fields(columns).items():
        raise repeated_column_error(field_name, [(column_letter(c), str(lines[index][c]).strip()) for c in repeated],
                                    display, sheet, row_numbers[index] if row_numbers else index + 1)
    return index, first_columns(columns)


def _locate_csv_error(text: str, header_index: int, width: int, delimiter: str = ",") -> int | None:
    """pyarrow says what is wrong but not where: find the first line whose field count is off."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line_start = 1
    try:
        for index, record in enumerate(reader):
            if index > header_index and record and len(record) != width:
                return line_start
            line_start = reader.line_num + 1
    except csv.Error:
        return line_start       # a value the csv module refuses (e.g. larger than its limit) is the place
    return None


def _data_lines(payload: bytes, header_index: int, count: int, delimiter: str, display: str) -> np.ndarray:
    """The line number of each data row. Usually one line per row, which a byte count confirms.
    Otherwise (blank lines, which pyarrow skips, or a quoted value holding a line break) the file
    is walked record by record, which also catches a quote that is never closed: pyarrow would
    read the rest of the file into that one value."""
    first = header_index + 2
    if line_count(payload) - first + 1 == count:
        return np.arange(first, first + count)
    numbers = [line for index, (line, record) in enumerate(csv_records(payload, display, delimiter))
               if index > header_index and record]
    return np.asarray(numbers[:count], dtype=np.int64)


def _read_csv(path: Path, display: str) -> tuple[pa.Table, dict[str, int], int, np.ndarray]:
    payload = utf8_payload(read_bytes(path, display), display)
    head_text = payload[:20000].decode("utf-8", "ignore")
    # Tab- and semicolon-separated exports exist (.tsv is accepted): the separator is the one under
    # which the header names the most columns; a comma wins a tie.
    best: tuple[str, list[list[str]], int, dict[str, int]] | None = None
    for delimiter in DELIMITERS:
        lines = list(csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter))
        header_index, columns = _header_columns(lines)
        if best is None or len(first_columns(columns)) > len(best[3]):
            best = (delimiter, lines, header_index, first_columns(columns))
    assert best is not None
    _header_line(best[1], display)   # under the separator chosen, a repeated column is an error
    delimiter, head_lines, header_index, found = best
    if not found:
        return pa.table({}), {}, 1, np.zeros(0, dtype=np.int64)
    header = head_lines[header_index]
    try:
        # Parsed in blocks on every core. Splitting a file into blocks must know where a quoted
        # value holds a line break, which costs a slower pass: only paid when a quote is present.
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(skip_rows=header_index),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in payload),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in header},
                                                 strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        line = _locate_csv_error(payload.decode("utf-8"), header_index, len(header), delimiter)
        raise SodcheckError(Text(f"CSV 无法解析：{exc}", f"CSV does not parse: {exc}"),
                            file=display, row=line) from None
    return table, found, header_index + 1, _data_lines(payload, header_index, table.num_rows, delimiter,
                                                       display)


def _read_excel(path: Path, display: str, warnings: list[DataWarning] | None = None
                ) -> tuple[pa.Table, dict[str, int], int, np.ndarray]:
    """The first sheet with recognisable columns. A later sheet that is a table too is not read,
    and says so: a workbook of one sheet per table would otherwise lose tables silently."""
    chosen, first_name = None, None
    for sheet in read_grid(path, display, values_only=True):
        header_index, found = _header_line(
            [[("" if c.value is None else str(c.value)) for c in row] for row in sheet.rows[:20]],
            display, sheet.name, sheet.row_numbers)
        if not found:
            continue
        if chosen is not None:
            if warnings is not None and file_kinds(set(found)):
                warnings.append(DataWarning("SHEET-SKIPPED", display, sheet.name, sheet.row_numbers[header_index],
                                            None, Text(
                    f"工作表“{sheet.name}”也是一张权限表，但每个工作簿只读第一张（“{first_name}”）；请另存为单独的文件",
                    f"sheet {sheet.name!r} is a permission table too, but only the first one of a workbook "
                    f"({first_name!r}) is read; save it as a file of its own")))
            continue
        # Rows without any value are skipped silently, as pyarrow skips the blank lines of a CSV.
        kept = [i for i in range(header_index + 1, len(sheet.rows))
                if any(c.value is not None for c in sheet.rows[i])]
        data = [sheet.rows[i] for i in kept]
        width = max((len(r) for r in data), default=0)
        table = pa.table({str(c): pa.array([_cell_text(r[c].value) if c < len(r) else None for r in data],
                                            pa.string()) for c in range(width)})
        chosen = table, found, sheet.row_numbers[header_index], \
            np.asarray([sheet.row_numbers[i] for i in kept], dtype=np.int64)
        first_name = sheet.name
    return chosen or (pa.table({}), {}, 1, np.zeros(0, dtype=np.int64))


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code typed into Excel: 1001, not 1001.0
    return str(value)


def _read_parquet(path: Path, display: str) -> tuple[pa.Table, dict[str, int], int, np.ndarray]:
    import pyarrow.parquet as pq

    try:
        _, found = _header_line([pq.read_schema(path).names], display)  # before the columns are read
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SodcheckError(Text(f"parquet 无法读取：{exc}", f"parquet cannot be read: {exc}"),
                            file=display) from None
    return table, found, 1, np.arange(2, 2 + table.num_rows)


def read_export(path: Path, display: str, warnings: list[DataWarning] | None = None
                ) -> tuple[list[str], pa.Table, int]:
    """(kinds, frame with named columns and a row column, header row)."""
    head = read_head(path)
    kind = sniff(path, head)
    if path.suffix.lower() == ".parquet" or head.startswith(b"PAR1"):
        frame, found, header_row, rows = _read_parquet(path, display)
    elif kind in ("xlsx", "xls"):
        frame, found, header_row, rows = _read_excel(path, display, warnings)
    elif kind == "text":
        frame, found, header_row, rows = _read_csv(path, display)
    else:
        raise SodcheckError(Text("不支持的文件类型：需要 csv、xlsx 或 parquet",
                                 "unsupported file type: expected csv, xlsx or parquet"), file=display)
    kinds = file_kinds(set(found))
    if not kinds:
        known = "、".join(sorted({a for names in PERMISSION_ALIASES.values() for a in names[:2]}))
        raise SodcheckError(Text(f"第 {header_row} 行找不到可识别的列（例如 {known}）",
                                 f"no recognisable columns on row {header_row} (expected e.g. account, "
                                 "role, permission, includes, permission_name or their Chinese names)"),
                            file=display, row=header_row)
    columns = {}
    for name, col in found.items():
        values = pc.utf8_trim_whitespace(arrow.strings(frame.column(col)))
        empty = pc.equal(values, "")
        # if_else costs a full copy of the column: only pay it when a value was blank.
        columns[name] = pc.if_else(empty, pa.scalar(None, pa.string()), values) \
            if pc.any(empty).as_py() else values
    columns["row"] = pa.array(rows, pa.int64())
    return kinds, pa.table(columns), header_row


# ----------------------------------------------------------------------------- the whole input

def _warn_blank(data: PermissionData, table: pa.Table, columns: list[str], display: str) -> pa.Table:
    """Rows missing a key value are skipped, each with a warning."""
    bad = pa.chunked_array([pa.array(np.zeros(table.num_rows, dtype=bool))])
    for column in columns:
        bad = pc.or_(bad, arrow.blank(table[column]))
    bad_rows = arrow.ints(table.filter(bad)["row"])
    for row in bad_rows[:50].tolist():
        data.warnings.append(DataWarning("ROW-INCOMPLETE", display, None, row, None, Text(
            f"此行缺少 {'/'.join(columns)}，已跳过", f"row lacks {'/'.join(columns)}; skipped")))
    if len(bad_rows) > 50:
        data.warnings.append(DataWarning("ROW-INCOMPLETE", display, None, None, None, Text(
            f"另有 {len(bad_rows) - 50} 行缺少必填列，已跳过",
            f"{len(bad_rows) - 50} more rows lack required columns; skipped")))
    return table.filter(pc.invert(bad)) if len(bad_rows) else table


def _names(table: pa.Table, key: str, name: str) -> dict[str, str]:
    """key -> name, the first name a file gives for each key."""
    pairs = table.select([key, name]).filter(pc.and_(pc.invert(arrow.blank(table[key])),
                                                     pc.invert(arrow.blank(table[name]))))
    pairs = arrow.first_rows(pairs, key)
    return dict(zip(pairs[key].to_pylist(), pairs[name].to_pylist()))


def _first_details(tables: list[pa.Table]) -> pa.Table:
    """An account is often in a flat export and in an account list: take each detail (status
    above all) from whichever file gives it first, not only from the first file read."""
    if len(tables) == 1:
        return tables[0]  # already one row per account
    combined = pa.concat_tables(tables, promote_options="default")
    columns = [c for c in combined.column_names if c != "account"]
    grouped = combined.group_by("account", use_threads=False).aggregate(
        [(c, "first", pc.ScalarAggregateOptions(skip_nulls=True)) for c in columns])
    return grouped.rename_columns([c.removesuffix("_first") for c in grouped.column_names])


def load_permissions(paths: list[str]) -> PermissionData:
    data = PermissionData()
    parts: dict[str, list[pa.Table]] = {k: [] for k in
                                        ("accounts", "account_roles", "direct", "role_permissions",
                                         "role_includes")}
    for raw in paths:
        for path, display in expand_paths([raw], SUFFIXES):
            index = len(data.files)
            data.files.append(display)
            data.folders[display] = raw
            kinds, table, _ = read_export(path, display, data.warnings)
            data.kinds[display] = kinds
            table = table.append_column("file", pa.array(np.full(table.num_rows, index), pa.int64()))
            cols = set(table.column_names)
            if "permission" in cols and "permission_name" in cols:
                data.catalogue.update(_names(table, "permission", "permission_name"))
            if "role" in cols and "role_name" in cols:
                data.role_names.update(_names(table, "role", "role_name"))
            kind = kinds[0]
            if kind in ("flat", "accounts") or ("account" in cols and ({"name", "status"} & cols)):
                info = [c for c in ("account", "name", "id_number", "unit", "status") if c in cols]
                accounts = table.select(info + ["file", "row"])
                accounts = accounts.filter(pc.invert(arrow.blank(accounts["account"])))
                parts["accounts"].append(arrow.first_rows(accounts, "account"))
            if kind == "flat":
                table = _warn_blank(data, table, ["account"], display)
                if "role" in cols:
                    with_role = pc.invert(arrow.blank(table["role"]))
                    parts["account_roles"].append(table.filter(with_role).select(["account", "role", "file", "row"]))
                    parts["role_permissions"].append(
                        table.filter(pc.and_(with_role, pc.invert(arrow.blank(table["permission"]))))
                        .select(["role", "permission", "file", "row"]))
                    direct = table.filter(pc.invert(with_role))
                else:
                    direct = table
                direct = _warn_blank(data, direct, ["permission"], display)
                parts["direct"].append(direct.select(["account", "permission", "file", "row"]))
            elif kind in ("account_roles", "role_permissions", "role_includes"):
                key, other = {"account_roles": ("account", "role"),
                              "role_permissions": ("role", "permission"),
                              "role_includes": ("role", "includes")}[kind]
                parts[kind].append(_warn_blank(data, table, [key, other], display)
                                   .select([key, other, "file", "row"]))
    for name, tables in parts.items():
        if tables:
            combined = _first_details(tables) if name == "accounts" else \
                pa.concat_tables(tables, promote_options="default")
            setattr(data, name, combined)
    return data
