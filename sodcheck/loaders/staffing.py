"""The Annex 2 staffing sheet ("经办机构人员分工、岗位职责情况表") as officers really fill it in.

Finds the header row under title rows, joins two-row headers, follows merged unit cells, skips
instruction sheets, blank and footer rows, reads free-form dates, and keys people by id number or
by name within a unit. Every row it does not use is either plainly not data (blank, footer, a
repeated header) or named in a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..model import DataWarning, Person, Posting, SodcheckError, SourceGrid, Text
from ..text import column_letter, compact, tidy
from .dates import parse_cell
from .grid import Sheet, read_grid
from .headers import STAFF_ALIASES, build_lookup, first_columns, recognise, repeated_column_error, repeated_fields

LOOKUP = build_lookup(STAFF_ALIASES)
HEADER_SCAN_ROWS = 40
SPLIT = re.compile(r"[、，,；;/／|｜\n\r]+")
FOOTER = re.compile(r"^(?:(?:注|说明|备注|填报说明|填表说明)\d*[:：.、]|(?:填表人|填报人|制表人|制表|审核人|"
                    r"负责人|单位负责人|分管领导|主要负责人|联系电话|联系人|填报日期|填表日期)|(?:合计|总计|小计))")
REPORTING_UNIT = re.compile(r"填报单位(?:[（(]盖章[）)])?[:：]\s*(.+?)(?:\s{2,}|填报日期|填表日期|$)")
INSTRUCTIONS = re.compile(r"说明|须知|指引|instruction|readme|help|填表|示例说明", re.IGNORECASE)
ESTABLISHED = ("在编", "编内", "正式在编", "行政编制", "事业编制", "参公", "参照公务员管理", "公务员")
NOT_ESTABLISHED = ("编外", "非在编", "非编", "劳务派遣", "派遣", "合同制", "合同工", "聘用", "临时",
                   "公益性岗位", "购买服务", "外包", "返聘")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MULTI_COLUMN_FIELDS = ("post", "custody", "duties")


@dataclass
class StaffRow:
    file: str
    sheet: str | None
    row: int
    name: str
    unit: str
    department: str
    id_number: str | None
    staff_type: str
    established: bool | None
    posts: list[tuple[str, str]]       # (post, letter of the column it is in)
    custody: list[tuple[str, str]]
    duties_text: str
    category: str
    start: date | None
    start_raw: str
    columns: dict[str, str]


@dataclass
class StaffingData:
    people: list[Person] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sheets: list[tuple[str, str | None, int]] = field(default_factory=list)  # file, sheet, header row
    # The grids those sheets were read from, so that a report can mark them without reopening the
    # files. Values are as read, with merged values filled in where the sheet has data.
    source_sheets: list[SourceGrid] = field(default_factory=list)

    @property
    def person_rows(self) -> dict[str, list[Posting]]:
        grouped: dict[str, list[Posting]] = {}
        for p in self.postings:
            grouped.setdefault(p.person_key, []).append(p)
        return grouped


def data_warning(code: str, zh: str, en: str, file: str | None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None) -> DataWarning:
    return DataWarning(code, file, sheet, row, column, Text(zh, en))


def short_id(id_number: str) -> str:
    """Enough of an id number for the officer to find the row, not enough to copy it."""
    return f"{id_number[:4]}…{id_number[-4:]}"


def check_id(id_number: str) -> bool:
    if re.fullmatch(r"\d{15}", id_number):
        return True
    if not re.fullmatch(r"\d{17}[\dX]", id_number):
        return False
    total = sum(int(d) * w for d, w in zip(id_number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == id_number[17]


def staff_status(value: str) -> bool | None:
    key = compact(value)
    if any(token in key for token in NOT_ESTABLISHED):
        return False
    if any(token in key for token in ESTABLISHED):
        return True
    return None


def split_items(value: str) -> list[str]:
    return [tidy(part) for part in SPLIT.split(value or "") if compact(part)]


# ----------------------------------------------------------------------------- header detection

@lru_cache(maxsize=1 << 16)
def _field_of(value: str) -> str | None:
    # Every data row is checked for a repeated header; units, posts and dates repeat down a sheet.
    return recognise(value, LOOKUP)


def _columns(sheet: Sheet, r: int) -> list[tuple[int, str]]:
    found = []
    for c, cell in enumerate(sheet.rows[r]):
        field_name = _field_of(cell.value) if isinstance(cell.value, str) else None
        if field_name:
            found.append((c, field_name))
    return found


def _fields(sheet: Sheet, r: int) -> dict[str, int]:
    return first_columns(_columns(sheet, r))


@dataclass(frozen=True)
class Header:
    first: int                                  # index of the first header row
    data_start: int                             # index of the first row below the header
    found: dict[str, int]                       # field -> its (first) column
    columns: tuple[tuple[int, str, int], ...]   # every column that names a field: (column, field, row index)


def read_header(sheet: Sheet) -> Header | None:
    best: tuple[int, dict[str, int]] | None = None
    for r in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        found = _fields(sheet, r)
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    if best is None:
        return None
    r, found = best
    columns = [(c, f, r) for c, f in _columns(sheet, r)]
    first, data_start = r, r + 1
    # A two-row header: a group cell ("岗位情况") above sub-columns, or single-row columns merged
    # down over both rows. Take from the neighbouring row what this row does not name.
    for other in (r - 1, r + 1):
        if not 0 <= other < len(sheet.rows):
            continue
        named = {c for c, _, _ in columns}
        extra = {f: c for f, c in _fields(sheet, other).items()
                 if f not in found and c not in found.values()}
        if extra and "name" not in extra:
            found.update(extra)
            columns += [(c, f, other) for c, f in _columns(sheet, other) if c not in named]
            first, data_start = min(first, other), max(data_start, other + 1)
        elif other == r - 1 and _fields(sheet, other) and \
                _fields(sheet, other).items() <= found.items():
            first = other  # the same names merged down over two header rows
    return Header(first, data_start, found, tuple(sorted(columns)))


def find_header(sheet: Sheet) -> tuple[int, int, dict[str, int]] | None:
    """(first header row, first data row, field -> column index), or None."""
    header = read_header(sheet)
    return None if header is None else (header.first, header.data_start, header.found)


def _same_header_cell(sheet: Sheet, header: Header, a: int, b: int) -> bool:
    """Whether columns a and b lie under one header cell merged across them."""
    return any(header.first <= r0 < header.data_start and c0 <= min(a, b) and max(a, b) <= c1
               for r0, c0, _, c1 in sheet.merged)


def extra_columns(sheet: Sheet, header: Header, file: str) -> dict[str, list[int]]:
    """Further columns of the fields that several columns name. Posts, custody items and duties
    are read from all of them (a second 岗位 column holds more posts); for any other field, which
    holds one value per person, two columns are an error naming both: which to believe is the
    officer's call, and reading only one would drop the other silently."""
    extra: dict[str, list[int]] = {}
    for field_name, columns in repeated_fields([(c, f) for c, f, _ in header.columns]).items():
        distinct = [columns[0]]
        for c in columns[1:]:
            if not _same_header_cell(sheet, header, distinct[-1], c):
                distinct.append(c)
        if len(distinct) < 2:
            continue
        if field_name in MULTI_COLUMN_FIELDS:
            extra[field_name] = distinct[1:]
            continue
        rows = {c: r for c, f, r in header.columns if f == field_name}
        raise repeated_column_error(
            field_name, [(column_letter(c), tidy(sheet.text(rows[c], c))) for c in distinct], file, sheet.name,
            sheet.row_numbers[rows[distinct[1]]])
    return extra


def reporting_unit(sheet: Sheet, before_row: int) -> str | None:
    for r in range(before_row):
        for cell in sheet.rows[r]:
            if isinstance(cell.value, str):
                hit = REPORTING_UNIT.search(cell.value)
                if hit and compact(hit.group(1)):
                    return tidy(hit.group(1))
    return None


def _is_instructions(sheet: Sheet) -> bool:
    if sheet.name and INSTRUCTIONS.search(sheet.name):
        return True
    filled = [(r, c) for r, row in enumerate(sheet.rows) for c, cell in enumerate(row)
              if cell.value is not None and str(cell.value).strip()]
    return len({c for _, c in filled}) <= 1


def _is_empty(sheet: Sheet) -> bool:
    return not any(cell.value is not None and str(cell.value).strip()
                   for row in sheet.rows for cell in row)


# ----------------------------------------------------------------------------- reading rows

class _SheetReader:
    def __init__(self, sheet: Sheet, file: str, found: dict[str, int], data_start: int,
                 default_unit: str, warnings: list[DataWarning], extra: dict[str, list[int]] | None = None):
        self.sheet, self.file, self.cols, self.data_start = sheet, file, found, data_start
        self.default_unit, self.warnings = default_unit, warnings
        self.letters = {f: column_letter(c) for f, c in found.items()}
        self.extra = extra or {}

    def items(self, r: int, field_name: str) -> list[tuple[str, str]]:
        """(item, column letter) of a field that may span several columns, split per item."""
        columns = ([self.cols[field_name]] if field_name in self.cols else []) + self.extra.get(field_name, [])
        return [(item, column_letter(c)) for c in columns for item in split_items(self._raw_at(r, c))]

    def _raw_at(self, r: int, c: int) -> str:
        row = self.sheet.rows[r]
        value = row[c].value if c < len(row) else None
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    def cell(self, r: int, field_name: str):
        c = self.cols.get(field_name)
        if c is None or c >= len(self.sheet.rows[r]):
            return None
        return self.sheet.rows[r][c]

    def text(self, r: int, field_name: str) -> str:
        return tidy(self.raw(r, field_name))

    def raw(self, r: int, field_name: str) -> str:
        """The cell as typed, line breaks included (they separate posts within one cell)."""
        c = self.cols.get(field_name)
        return "" if c is None else self._raw_at(r, c)

    def warn(self, code: str, zh: str, en: str, row: int, field_name: str | None = None) -> None:
        self.warnings.append(data_warning(code, zh, en, self.file, self.sheet.name, row,
                                          self.letters.get(field_name) if field_name else None))

    def rows(self) -> list[StaffRow]:
        out: list[StaffRow] = []
        unit_above = ""
        for r in range(self.data_start, len(self.sheet.rows)):
            excel_row = self.sheet.row_numbers[r]
            values = [tidy(c.value) for c in self.sheet.rows[r] if c.value is not None]
            values = [v for v in values if v]
            if not values:
                continue
            if FOOTER.match(compact(values[0])) or len(_fields(self.sheet, r)) >= 2:
                continue  # footer or a header repeated for printing: not data
            name = self.text(r, "name")
            unit = self.text(r, "unit") or unit_above
            if self.text(r, "unit"):
                unit_above = unit
            post = self.text(r, "post")
            if not name:
                texts = [self.text(r, f) for f in self.cols if f != "unit"] + \
                    [tidy(self._raw_at(r, c)) for cs in self.extra.values() for c in cs]
                meaningful = [t for t in texts if t and not re.fullmatch(r"\d+", t)]
                if meaningful:
                    self.warn("ROW-NO-NAME", f"此行有内容但没有姓名，已跳过：{' '.join(values)[:60]}",
                              f"row has content but no name; skipped: {' '.join(values)[:60]}",
                              excel_row, "name")
                continue
            out.append(self.read_row(r, excel_row, name, unit or self.default_unit, post))
        return out

    def read_row(self, r: int, excel_row: int, name: str, unit: str, post: str) -> StaffRow:
        staff_type = self.text(r, "staff_type")
        established = staff_status(staff_type) if staff_type else None
        if staff_type and established is None:
            self.warn("STAFF-TYPE-UNKNOWN",
                      f"人员身份“{staff_type}”无法判断是否在编",
                      f"staff type {staff_type!r} is neither established (在编) nor known non-established",
                      excel_row, "staff_type")
        id_number = self.read_id(r, excel_row)
        start_cell = self.cell(r, "post_start")
        parsed = parse_cell(start_cell.value if start_cell else None,
                            start_cell.number_format if start_cell else None)
        if parsed.problem:
            self.warn("DATE-UNREADABLE", f"任现岗时间“{parsed.raw}”无法识别：{parsed.problem}",
                      f"start date {parsed.raw!r} cannot be read: {parsed.problem}", excel_row, "post_start")
        elif parsed.ambiguous:
            self.warn("DATE-AMBIGUOUS",
                      f"任现岗时间 {parsed.raw} 是数字，无法区分 {parsed.raw} 和 {parsed.raw}0；按 "
                      f"{parsed.value:%Y年%m月} 处理，请改为文本或日期格式",
                      f"start date {parsed.raw} is a number that cannot tell {parsed.raw} from "
                      f"{parsed.raw}0; read as {parsed.value:%Y-%m}. Type it as text or a real date",
                      excel_row, "post_start")
        posts = self.items(r, "post")
        if not posts and not self.text(r, "category"):
            self.warn("POST-MISSING", "此行没有填写岗位，无法检查其职责",
                      "row gives no post, so its duties cannot be checked", excel_row, "post")
        return StaffRow(
            file=self.file, sheet=self.sheet.name, row=excel_row, name=name, unit=unit,
            department=self.text(r, "department"), id_number=id_number, staff_type=staff_type,
            established=established, posts=posts, custody=self.items(r, "custody"),
            duties_text="；".join(filter(None, [self.text(r, "duties")] + [
                tidy(self._raw_at(r, c)) for c in self.extra.get("duties", [])])), category=self.text(r, "category"),
            start=parsed.value, start_raw=parsed.raw, columns=self.letters)

    def read_id(self, r: int, excel_row: int) -> str | None:
        cell = self.cell(r, "id_number")
        if cell is None or cell.value is None or not compact(cell.value):
            return None
        value = cell.value
        if isinstance(value, float):
            self.warn("ID-INVALID", "身份证号被 Excel 存成了数字，末几位可能已丢失；请把该列设为文本",
                      "id number is stored as a number, so Excel may have lost its last digits; "
                      "format the column as text", excel_row, "id_number")
            value = f"{value:.0f}"
        id_number = compact(value).upper()
        if not check_id(id_number):
            self.warn("ID-INVALID", f"身份证号 {short_id(id_number)} 格式或校验位不正确",
                      f"id number {short_id(id_number)} has a bad format or check digit",
                      excel_row, "id_number")
        return id_number


def read_file(path: Path, display: str, warnings: list[DataWarning],
              sheets_read: list[tuple[str, str | None, int]],
              grids_read: list[SourceGrid] | None = None) -> list[StaffRow]:
    sheets = read_grid(path, display)
    rows: list[StaffRow] = []
    problems: list[SodcheckError] = []
    used = 0
    for sheet in sheets:
        if _is_empty(sheet):
            continue
        header = read_header(sheet)
        missing = [f for f in ("name", "post") if header is None or f not in header.found]
        if header is None or (missing and "name" not in header.found and "post" not in header.found):
            if not _is_instructions(sheet):
                warnings.append(data_warning(
                    "SHEET-SKIPPED", "此工作表找不到含“姓名”和“岗位”的表头行，已跳过",
                    "no header row with 姓名 (name) and 岗位 (post) found; sheet skipped", display, sheet.name))
            continue
        first, data_start, found = header.first, header.data_start, header.found
        if missing:
            alias = {"name": "姓名", "post": "岗位"}
            names_zh = "、".join(alias[m] for m in missing)
            problems.append(SodcheckError(
                Text(f"第 {sheet.row_numbers[first]} 行的表头中没有 {names_zh} 列",
                     f"the header on row {sheet.row_numbers[first]} has no "
                     f"{' or '.join(f'{m} ({alias[m]})' for m in missing)} column"),
                file=display, sheet=sheet.name, row=sheet.row_numbers[first]))
            continue
        unit = reporting_unit(sheet, first) if "unit" not in found else None
        default_unit = unit or sheet.name or Path(display).stem
        extra = extra_columns(sheet, header, display)
        reader = _SheetReader(sheet, display, found, data_start, default_unit, warnings, extra)
        sheet_rows = reader.rows()
        used += 1
        sheets_read.append((display, sheet.name, sheet.row_numbers[first]))
        if grids_read is not None:
            columns = {f: column_letter(c) for f, c in found.items()}
            grids_read.append(SourceGrid(
                display, sheet.name, sheet.row_numbers[first],
                sheet.row_numbers[data_start] if data_start < len(sheet.row_numbers) else 10**9,
                tuple(sorted(columns.items())), tuple(sheet.row_numbers), sheet.rows, tuple(sheet.merged)))
        if not sheet_rows:
            warnings.append(data_warning("SHEET-NO-PEOPLE", "表头下没有人员数据", "no people below the header",
                                         display, sheet.name, sheet.row_numbers[first]))
        rows.extend(sheet_rows)
    if not used:
        if problems:
            raise problems[0]
        raise SodcheckError(Text("文件中没有可识别的人员分工表（需要含“姓名”和“岗位”列的表头）",
                                 "no staffing table found (a header with 姓名/name and 岗位/post columns)"),
                            file=display)
    for problem in problems:
        warnings.append(data_warning("SHEET-SKIPPED", problem.text.zh, problem.text.en, problem.file,
                                     problem.sheet, problem.row))
    return rows


# ----------------------------------------------------------------------------- people

def _display_name(name: str) -> str:
    return compact(name) if any(ord(ch) > 127 for ch in name) else tidy(name)


def build_people(rows: list[StaffRow], warnings: list[DataWarning]) -> tuple[list[Person], list[Posting]]:
    """The same id is the same person everywhere; without an id, the same name in the same unit.
    A row without an id joins the one id-holder of that name in that unit, if there is exactly one."""
    names_by_id: dict[str, StaffRow] = {}
    ids_by_name_unit: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        if not row.id_number:
            continue
        first = names_by_id.setdefault(row.id_number, row)
        if compact(first.name) != compact(row.name):
            warnings.append(data_warning(
                "ID-NAME-CONFLICT",
                f"身份证号 {short_id(row.id_number)} 在 {first.file} 第 {first.row} 行"
                f"属于“{first.name}”，这里却是“{row.name}”；按同一人处理",
                f"id number {short_id(row.id_number)} belongs to {first.name} "
                f"at {first.file} row {first.row}, but to {row.name} here; treated as one person",
                row.file, row.sheet, row.row, row.columns.get("id_number")))
        ids_by_name_unit.setdefault((compact(row.unit), compact(row.name)), set()).add(row.id_number)

    people: dict[str, Person] = {}
    postings: list[Posting] = []
    for row in rows:
        if row.id_number:
            key = "id:" + row.id_number
        else:
            ids = ids_by_name_unit.get((compact(row.unit), compact(row.name)), set())
            key = "id:" + next(iter(ids)) if len(ids) == 1 else \
                f"nu:{compact(row.unit)}|{compact(row.name)}"
        if key not in people:
            source = names_by_id.get(key[3:], row) if key.startswith("id:") else row
            people[key] = Person(key, _display_name(source.name), tidy(source.unit),
                                 key[3:] if key.startswith("id:") else None)
        common: dict[str, Any] = dict(person_key=key, unit=tidy(row.unit), start=row.start, start_raw=row.start_raw,
                      established=row.established, staff_type=row.staff_type,
                      department=row.department, file=row.file, sheet=row.sheet, row=row.row,
                      start_column=row.columns.get("post_start"),
                      staff_column=row.columns.get("staff_type"))
        for post, letter in row.posts:
            postings.append(Posting(text=post, source="post", column=letter, **common))
        for item, letter in row.custody:
            postings.append(Posting(text=item, source="custody", column=letter, **common))
        if row.category:
            postings.append(Posting(text=row.category, source="category",
                                    column=row.columns.get("category"), **common))
        if row.duties_text:
            postings.append(Posting(text=row.duties_text, source="duties",
                                    column=row.columns.get("duties"), **common))
        if not (row.posts or row.custody or row.category):
            postings.append(Posting(text="", source="post", column=row.columns.get("post"), **common))
    return list(people.values()), postings


def expand_paths(paths: list[str], suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                           and not p.name.startswith(("~$", ".")))
            if not files:
                raise SodcheckError(Text(f"文件夹中没有 {'/'.join(suffixes)} 文件",
                                         f"folder holds no {'/'.join(suffixes)} file"), file=raw)
            found.extend((p, str(p)) for p in files)
        elif path.exists():
            found.append((path, raw))
        else:
            raise SodcheckError(Text("文件不存在", "file not found"), file=raw)
    return found


def load_staffing(paths: list[str]) -> StaffingData:
    data = StaffingData()
    rows: list[StaffRow] = []
    for path, display in expand_paths(paths, (".xlsx", ".xlsm", ".xls", ".csv")):
        data.files.append(display)
        rows.extend(read_file(path, display, data.warnings, data.sheets, data.source_sheets))
    data.people, data.postings = build_people(rows, data.warnings)
    units: dict[str, str] = {}
    for row in rows:
        units.setdefault(compact(row.unit), tidy(row.unit))
    data.units = sorted(units.values())
    return data
