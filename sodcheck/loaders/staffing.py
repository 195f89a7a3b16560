"""The Annex 2 staffing sheet ("经办机构人员分工、岗位职责情况表") as officers really fill it in.

Finds the header row under title rows, joins two-row headers, follows merged unit cells, skips
instruction sheets, blank and footer rows, reads free-form dates, and keys people by id number or
by name within a unit. Every row it does not use is either plainly not data (blank, footer, a
repeated header) or named in a warning.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import DataWarning, Person, Posting, SodcheckError, SourceGrid, Text
from ..text import column_letter, compact, tidy
from .dates import parse_cell
from .grid import SPACE_CHARACTERS, Cell, Sheet, read_grid
from .headers import _NOISE as NOISE
from .headers import STAFF_ALIASES, build_lookup, first_columns, recognise, repeated_column_error, repeated_fields

LOOKUP = build_lookup(STAFF_ALIASES)
HEADER_SCAN_ROWS = 40
SPLIT = re.compile(r"[、，,；;/／|｜\n\r]+")
# A footer row starts with a note word and its number and colon (注1：), a signature word or a total.
NOTE_WORDS = ("注", "说明", "备注", "填报说明", "填表说明")
SIGNATURE_WORDS = ("填表人", "填报人", "制表人", "制表", "审核人", "负责人", "单位负责人", "分管领导", "主要负责人",
                   "联系电话", "联系人", "填报日期", "填表日期")
TOTAL_WORDS = ("合计", "总计", "小计")
FOOTER_WORDS = NOTE_WORDS + SIGNATURE_WORDS + TOTAL_WORDS
FOOTER = re.compile(rf"^(?:(?:{'|'.join(NOTE_WORDS)})\d*[:：.、]|(?:{'|'.join(SIGNATURE_WORDS)})|"
                    rf"(?:{'|'.join(TOTAL_WORDS)}))")
REPORTING_UNIT = re.compile(r"填报单位(?:[（(]盖章[）)])?[:：]\s*(.+?)(?:\s{2,}|填报日期|填表日期|$)")
INSTRUCTIONS = re.compile(r"说明|须知|指引|instruction|readme|help|填表|示例说明", re.IGNORECASE)
ESTABLISHED = ("在编", "编内", "正式在编", "行政编制", "事业编制", "参公", "参照公务员管理", "公务员")
NOT_ESTABLISHED = ("编外", "非在编", "非编", "劳务派遣", "派遣", "合同制", "合同工", "聘用", "临时",
                   "公益性岗位", "购买服务", "外包", "返聘")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MULTI_COLUMN_FIELDS = ("post", "custody", "duties")


@dataclass
class StaffingData:
    people: list[Person] = field(default_factory=list)
    # A PostingTable when loaded: it builds each Posting as it is read.
    postings: Sequence[Posting] = field(default_factory=list)
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


def _filled_columns(sheet: Sheet) -> int:
    """How many columns hold a value somewhere."""
    coded = sheet.coded()
    return sum(coded.filled(c) for c in range(len(coded.cells)))


def _is_instructions(sheet: Sheet) -> bool:
    if sheet.name and INSTRUCTIONS.search(sheet.name):
        return True
    return _filled_columns(sheet) <= 1


def _is_empty(sheet: Sheet) -> bool:
    return not _filled_columns(sheet)


# ----------------------------------------------------------------------------- column text, vectorised

# A value tidy() changes, unless NFKC does: space at either end, two in a row, or any other space.
_UNTIDY = "^ | $|  |[" + SPACE_CHARACTERS.replace(" ", "") + "]"
# What every footer starts with (FOOTER says what must follow), and every alias a header key may
# hold: hints that pyarrow checks for a whole column, so that only the few hits go through Python.
_FOOTER_HINT = "^(?:" + "|".join(FOOTER_WORDS) + ")"
_HEADER_HINT = "|".join(re.escape(alias) for alias in sorted(LOOKUP, key=len, reverse=True))


def tidy_array(values: pa.Array) -> pa.Array:
    """tidy() of every value. pyarrow finds the values tidy() leaves as they are (NFKC already,
    single inner spaces, none at either end), which in a column of names or numbers is nearly all
    of them; only the rest go through Python."""
    untidy = pc.or_(pc.not_equal(pc.utf8_normalize(values, "NFKC"), values),
                    pc.match_substring_regex(values, _UNTIDY))
    hits = np.flatnonzero(untidy.to_numpy(zero_copy_only=False))
    if not len(hits):
        return values
    return pc.replace_with_mask(values, untidy, pa.array([tidy(values[i].as_py()) for i in hits.tolist()], pa.string()))


def _footer_texts(texts: pa.Array) -> np.ndarray:
    """Which tidy texts are footers (合计, 填表人, 注：...), as FOOTER judges them."""
    squeezed = pc.replace_substring(texts, " ", "")      # compact() of a tidy text
    found = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(pc.match_substring_regex(squeezed, _FOOTER_HINT).to_numpy(zero_copy_only=False)).tolist():
        found[i] = bool(FOOTER.match(squeezed[i].as_py()))
    return found


def _header_texts(texts: pa.Array, cells: Sequence[Cell]) -> np.ndarray:
    """Which cells name a field, as recognise() judges them. The hint is header_key() done by
    pyarrow; a cell whose key holds no alias cannot name a field, so recognise() sees only the rest."""
    keys = pc.utf8_lower(pc.replace_substring_regex(pc.replace_substring(texts, " ", ""), NOISE.pattern, ""))
    found = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(pc.match_substring_regex(keys, _HEADER_HINT).to_numpy(zero_copy_only=False)).tolist():
        value = cells[i].value
        found[i] = isinstance(value, str) and _field_of(value) is not None
    return found


# ----------------------------------------------------------------------------- reading rows

def _maker(cls: type) -> Callable[..., Any]:
    """A function making an instance of a frozen dataclass from its fields in declaration order,
    without the dataclass __init__, which sets each field through object.__setattr__ (5 µs a
    Posting, against 0.4 µs: a million-row sheet makes a million people and two million postings).
    Written from the class's fields, as dataclasses writes __init__, so it follows the model."""
    names = tuple(each.name for each in fields(cls))
    lines = [f"def make({', '.join(names)}):", "    instance = new(cls)", "    attributes = instance.__dict__"]
    lines += [f"    attributes[{name!r}] = {name}" for name in names]
    lines.append("    return instance")
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec("\n".join(lines), namespace)      # the text is made from the class's field names only
    return namespace["make"]


make_posting = _maker(Posting)
make_person = _maker(Person)


def _raw_value(value: object) -> str:
    """A cell as typed, line breaks included (they separate posts within one cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class _Distinct:
    """What one column's distinct cells say, judged once per value rather than once per row: as
    typed (raw) and tidy, in Arrow for the checks that look at every value, and as Python lists for
    the columns read further (built when first asked for: a column of a million sequence numbers
    never needs them)."""

    def __init__(self, cells: Sequence[Cell], arrow_text: pa.Array | None):
        if arrow_text is not None:      # from Arrow: every cell is text, or blank (null)
            self.is_text = arrow_text.is_valid().to_numpy(zero_copy_only=False)
            self.is_value = self.is_text
            self.raw_array = arrow_text.fill_null("")
        else:
            values = [cell.value for cell in cells]
            self.is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
            self.is_value = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
            self.raw_array = pa.array([v if isinstance(v, str) else _raw_value(v) for v in values], pa.string())
        self.text_array = tidy_array(self.raw_array)
        self._raw: list[str] | None = None
        self._text: list[str] | None = None

    @property
    def raw(self) -> list[str]:
        """Each cell as typed, line breaks included (they separate posts within one cell)."""
        if self._raw is None:
            self._raw = self.raw_array.to_pylist()
        return self._raw

    @property
    def text(self) -> list[str]:
        if self._text is None:
            self._text = self.text_array.to_pylist()
        return self._text


def _lookup(values: list, codes: np.ndarray) -> list:
    """values[code] for every code, as a list (one reference per row, no new objects)."""
    table = np.empty(len(values), dtype=object)
    table[:] = values
    return table[codes].tolist()


Items = tuple[tuple[str, str], ...]      # (post, letter of the column it is in)


@dataclass(frozen=True)
class SheetRows:
    """The rows of one sheet that name a person, held column by column: each list has one entry
    per row, most of them shared references to a column's distinct values."""
    file: str
    sheet: str | None
    columns: dict[str, str]              # field -> column letter
    rows: list[int]                      # as Excel numbers them (the line, in a CSV)
    names: list[str]                     # tidy
    name_keys: list[str]                 # compact(): how people are matched
    units: list[str]                     # tidy
    unit_keys: list[str]
    departments: list[str]
    ids: list[str | None]
    staff_types: list[str]
    established: list[bool | None]
    posts: list[Items]
    custody: list[Items]
    duties: list[str]
    categories: list[str]
    starts: list[date | None]
    start_raws: list[str]
    serials: list[str]
    notes: list[str]

    def __len__(self) -> int:
        return len(self.rows)


class _SheetReader:
    """Reads the data rows of one sheet column by column: every distinct value of a column is
    normalised, parsed and checked once, rows are classified with array operations, and only rows
    that need a warning or a closer look are visited one by one."""

    def __init__(self, sheet: Sheet, file: str, found: dict[str, int], data_start: int,
                 default_unit: str, warnings: list[DataWarning], extra: dict[str, list[int]] | None = None):
        self.sheet, self.file, self.cols, self.data_start = sheet, file, found, data_start
        self.default_unit, self.warnings = tidy(default_unit), warnings
        self.letters = {f: column_letter(c) for f, c in found.items()}
        self.extra = extra or {}
        self.coded = sheet.coded()
        self.width = len(self.coded.cells)
        self._judged: dict[int, _Distinct] = {}

    # -- one row at a time, for the rows that need it

    def _raw_at(self, r: int, c: int) -> str:
        if c >= self.width:
            return ""
        return self.distinct(c).raw[self.coded.codes[c][r]]

    def text(self, r: int, field_name: str) -> str:
        c = self.cols.get(field_name)
        return "" if c is None or c >= self.width else self.distinct(c).text[self.coded.codes[c][r]]

    def warn(self, code: str, zh: str, en: str, row: int, field_name: str | None = None) -> None:
        self.warnings.append(data_warning(code, zh, en, self.file, self.sheet.name, row,
                                          self.letters.get(field_name) if field_name else None))

    # -- column by column

    def distinct(self, c: int) -> _Distinct:
        judged = self._judged.get(c)
        if judged is None:
            judged = self._judged[c] = _Distinct(self.coded.cells[c], self.coded.arrow_text(c))
        return judged

    def _column(self, field_name: str) -> int | None:
        c = self.cols.get(field_name)
        return None if c is None or c >= self.width else c

    def _per_distinct(self, field_name: str, judge) -> tuple[list, np.ndarray] | None:
        """(judge(cell) for each distinct cell of a field's column, each data row's index among them)."""
        c = self._column(field_name)
        if c is None:
            return None
        return [judge(cell) for cell in self.coded.cells[c]], self.coded.codes[c][self.data_start:]

    def _id_numbers(self) -> tuple[list[str | None], np.ndarray] | None:
        """(each distinct id number, compact and upper case, or None; each data row's index among
        them), and per distinct id whether it was stored as a number or is malformed."""
        c = self._column("id_number")
        if c is None:
            return None
        if self.coded.arrow_text(c) is None:     # cells of any kind (numbers too): one at a time
            judged = [_id_number(cell.value) for cell in self.coded.cells[c]]
            ids = [None if j is None else j[0] for j in judged]
            self.id_stored_as_number = np.asarray([j is not None and j[1] for j in judged], dtype=bool)
            self.id_bad = np.asarray([j is not None and j[2] for j in judged], dtype=bool)
        else:                                    # text: a million of them checked by Arrow and numpy
            ids, self.id_bad = _id_texts(self.distinct(c).text_array)
            self.id_stored_as_number = np.zeros(len(ids), dtype=bool)
        return ids, self.coded.codes[c][self.data_start:]

    def _texts(self, field_name: str) -> tuple[list[str], np.ndarray] | None:
        """(the tidy text of each distinct cell of a field's column, each data row's index among them)."""
        c = self._column(field_name)
        if c is None:
            return None
        return self.distinct(c).text, self.coded.codes[c][self.data_start:]

    def _kept(self, count: int) -> np.ndarray:
        """Rows that are data: not blank, not a footer, not a header repeated for printing."""
        if not self.width:
            return np.zeros(count, dtype=bool)
        filled = np.zeros((count, self.width), dtype=bool)
        footer = np.zeros((count, self.width), dtype=bool)
        named = np.zeros(count, dtype=np.int64)
        for c, cells in enumerate(self.coded.cells):
            codes = self.coded.codes[c][self.data_start:]
            distinct = self.distinct(c)
            # Text shows its tidy text; anything else (a number, a date) always shows something and
            # is never a footer or a header.
            texts = distinct.text_array
            has_text = pc.greater(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False)
            filled[:, c] = np.where(distinct.is_text, has_text, distinct.is_value)[codes]
            footer[:, c] = (distinct.is_text & _footer_texts(texts))[codes]
            named += _header_texts(texts, cells)[codes]
        first = filled.argmax(axis=1)
        rows = np.arange(count)
        kept = filled.any(axis=1) & ~footer[rows, first]
        # Two cells naming fields make a candidate; whether they name two different fields is
        # decided row by row, and such rows are few.
        for i in np.flatnonzero(kept & (named >= 2)).tolist():
            if len(_fields(self.sheet, self.data_start + i)) >= 2:
                kept[i] = False
        return kept

    def rows(self) -> SheetRows:
        count = max(len(self.coded) - self.data_start, 0)
        kept = self._kept(count)
        names = self._texts("name")
        name_texts, name_codes = names if names else ([""], np.zeros(count, dtype=np.int64))
        has_name = np.asarray([bool(v) for v in name_texts], dtype=bool)[name_codes]
        units = self._texts("unit")
        if units is not None:
            unit_texts, unit_codes = units
            has_unit = np.asarray([bool(v) for v in unit_texts], dtype=bool)[unit_codes] & kept
            # A unit cell left blank means the unit above: the last unit a data row gave.
            above = np.maximum.accumulate(np.where(has_unit, np.arange(count), -1)) if count else \
                np.zeros(0, dtype=np.int64)
            unit_values = np.asarray(unit_texts + [self.default_unit], dtype=object)
            unit_of = unit_values[np.where(above >= 0, unit_codes[np.maximum(above, 0)], len(unit_texts))]
            unit_of[unit_of == ""] = self.default_unit
        else:
            unit_of = np.full(count, self.default_unit, dtype=object)

        field_values = self._field_values()
        flagged = self._flagged(field_values, count)
        used = kept & has_name
        attention = np.flatnonzero((kept & ~has_name) | (used & flagged)).tolist()
        for i in attention:
            r = self.data_start + i
            if used[i]:
                self._row_warnings(r, field_values)
            else:
                self._no_name(r)
        return self._sheet_rows(np.flatnonzero(used), name_texts, name_codes, unit_of, field_values)

    def _no_name(self, r: int) -> None:
        texts = [self.text(r, f) for f in self.cols if f != "unit"] + \
            [tidy(self._raw_at(r, c)) for cs in self.extra.values() for c in cs]
        if [t for t in texts if t and not re.fullmatch(r"\d+", t)]:
            values = [v for v in (tidy(cell.value) for cell in self.sheet.rows[r] if cell.value is not None) if v]
            self.warn("ROW-NO-NAME", f"此行有内容但没有姓名，已跳过：{' '.join(values)[:60]}",
                      f"row has content but no name; skipped: {' '.join(values)[:60]}",
                      self.sheet.row_numbers[r], "name")

    def _field_values(self) -> dict[str, tuple[list, np.ndarray]]:
        """Each field's distinct values, judged: the work every row used to repeat."""
        values: dict[str, tuple[list, np.ndarray]] = {}
        for field_name in ("department", "category", "duties", "serial", "note"):
            if (texts := self._texts(field_name)) is not None:
                values[field_name] = texts
        if (ids := self._id_numbers()) is not None:
            values["id_number"] = ids
        if (staff := self._texts("staff_type")) is not None:
            values["staff_type"] = ([_staff_type(text) for text in staff[0]], staff[1])
        judges = {
            "post_start": lambda cell: parse_cell(cell.value, cell.number_format),
        }
        for field_name, judge in judges.items():
            if (judged := self._per_distinct(field_name, judge)) is not None:
                values[field_name] = judged
        for field_name in ("post", "custody"):
            columns = ([self.cols[field_name]] if field_name in self.cols else []) + self.extra.get(field_name, [])
            for n, c in enumerate(col for col in columns if col < self.width):
                letter = column_letter(c)
                values[f"{field_name}:{n}"] = (
                    [tuple((item, letter) for item in split_items(raw)) for raw in self.distinct(c).raw],
                    self.coded.codes[c][self.data_start:])
        for n, c in enumerate(col for col in self.extra.get("duties", []) if col < self.width):
            values[f"duties:{n + 1}"] = (self.distinct(c).text, self.coded.codes[c][self.data_start:])
        return values

    @staticmethod
    def _series(values: dict[str, tuple[list, np.ndarray]], prefix: str) -> list[tuple[list, np.ndarray]]:
        return [v for k, v in values.items() if k == prefix or k.startswith(prefix + ":")]

    def _flagged(self, values: dict[str, tuple[list, np.ndarray]], count: int) -> np.ndarray:
        """Rows that get a warning about their staff type, id number, start date or post."""
        flagged = np.zeros(count, dtype=bool)

        def mark(field_name: str, test) -> None:
            if field_name in values:
                judged, codes = values[field_name]
                flagged[:] |= np.asarray([test(v) for v in judged], dtype=bool)[codes]

        mark("staff_type", lambda v: v[0] != "" and v[1] is None)
        if "id_number" in values:
            flagged |= (self.id_stored_as_number | self.id_bad)[values["id_number"][1]]
        mark("post_start", lambda v: bool(v.problem or v.ambiguous))
        no_post = np.ones(count, dtype=bool)
        for judged, codes in self._series(values, "post"):
            no_post &= np.asarray([not items for items in judged], dtype=bool)[codes]
        if "category" in values:
            judged, codes = values["category"]
            no_post &= np.asarray([not text for text in judged], dtype=bool)[codes]
        return flagged | no_post

    def _row_warnings(self, r: int, values: dict[str, tuple[list, np.ndarray]]) -> None:
        """The warnings of one row, in the order the officer reads them."""
        i, excel_row = r - self.data_start, self.sheet.row_numbers[r]

        def at(field_name: str):
            judged, codes = values[field_name]
            return judged[codes[i]]

        if "staff_type" in values:
            staff_type, established = at("staff_type")
            if staff_type and established is None:
                self.warn("STAFF-TYPE-UNKNOWN",
                          f"人员身份“{staff_type}”无法判断是否在编",
                          f"staff type {staff_type!r} is neither established (在编) nor known non-established",
                          excel_row, "staff_type")
        if "id_number" in values and (id_number := at("id_number")) is not None:
            code = values["id_number"][1][i]
            if self.id_stored_as_number[code]:
                self.warn("ID-INVALID", "身份证号被 Excel 存成了数字，末几位可能已丢失；请把该列设为文本",
                          "id number is stored as a number, so Excel may have lost its last digits; "
                          "format the column as text", excel_row, "id_number")
            if self.id_bad[code]:
                self.warn("ID-INVALID", f"身份证号 {short_id(id_number)} 格式或校验位不正确",
                          f"id number {short_id(id_number)} has a bad format or check digit",
                          excel_row, "id_number")
        if "post_start" in values:
            parsed = at("post_start")
            if parsed.problem:
                self.warn("DATE-UNREADABLE", f"任现岗时间“{parsed.raw}”无法识别：{parsed.problem.zh}",
                          f"start date {parsed.raw!r} cannot be read: {parsed.problem.en}", excel_row, "post_start")
            elif parsed.ambiguous:
                self.warn("DATE-AMBIGUOUS",
                          f"任现岗时间 {parsed.raw} 是数字，无法区分 {parsed.raw} 和 {parsed.raw}0；按 "
                          f"{parsed.value:%Y年%m月} 处理，请改为文本或日期格式",
                          f"start date {parsed.raw} is a number that cannot tell {parsed.raw} from "
                          f"{parsed.raw}0; read as {parsed.value:%Y-%m}. Type it as text or a real date",
                          excel_row, "post_start")
        posts = [item for judged, codes in self._series(values, "post") for item in judged[codes[i]]]
        if not posts and not ("category" in values and at("category")):
            self.warn("POST-MISSING", "此行没有填写岗位，无法检查其职责",
                      "row gives no post, so its duties cannot be checked", excel_row, "post")

    def _sheet_rows(self, used: np.ndarray, name_texts: list[str], name_codes: np.ndarray,
                    unit_of: np.ndarray, values: dict[str, tuple[list, np.ndarray]]) -> SheetRows:
        count = len(used)

        def column(field_name: str, default, part=None) -> list:
            """Each used row's judged value of a field (or part of it), or default without the column."""
            if field_name not in values:
                return [default] * count
            judged, codes = values[field_name]
            return _lookup(judged if part is None else [part(v) for v in judged], codes[used])

        def joined(prefix: str, join) -> list:
            series = [column(k, None) for k in values if k.startswith(prefix + ":")]
            if not series:
                return [()] * count
            return series[0] if len(series) == 1 else [join(parts) for parts in zip(*series)]

        def concatenated(parts: tuple[Items, ...]) -> Items:
            return tuple(item for part in parts for item in part)

        # compact() of a tidy text is the text without its spaces
        codes = name_codes[used]
        names, name_keys = _lookup(name_texts, codes), _lookup([name.replace(" ", "") for name in name_texts], codes)
        units = unit_of[used].tolist()
        unit_keys = {unit: compact(unit) for unit in dict.fromkeys(units)}
        duties_parts = [column("duties", "")] + [column(k, "") for k in values if k.startswith("duties:")]
        duties = duties_parts[0] if len(duties_parts) == 1 else \
            ["；".join(filter(None, parts)) for parts in zip(*duties_parts)]
        excel_rows = _lookup(self.sheet.row_numbers, used + self.data_start)      # the sheet's own numbers
        return SheetRows(
            self.file, self.sheet.name, self.letters, excel_rows, names, name_keys, units,
            [unit_keys[unit] for unit in units], column("department", ""),
            column("id_number", None),
            column("staff_type", "", itemgetter(0)), column("staff_type", None, itemgetter(1)),
            joined("post", concatenated), joined("custody", concatenated), duties, column("category", ""),
            column("post_start", None, attrgetter("value")), column("post_start", "", attrgetter("raw")),
            column("serial", ""), column("note", ""))


def _staff_type(text: str) -> tuple[str, bool | None]:
    return text, staff_status(text) if text else None


def _id_number(value: object) -> tuple[str, bool, bool] | None:
    """(id number, stored as a number, bad format or check digit), or None for no id."""
    if value is None or not compact(value):
        return None
    stored_as_number = isinstance(value, float)
    id_number = compact(f"{value:.0f}" if isinstance(value, float) else value).upper()
    return id_number, stored_as_number, not check_id(id_number)


_ID_WEIGHTS = np.asarray(ID_WEIGHTS, dtype=np.int64)
_ID_CHECK = np.frombuffer(ID_CHECK.encode(), dtype=np.uint8)


def _id_texts(texts: pa.Array) -> tuple[list[str | None], np.ndarray]:
    """_id_number() of tidy texts: (each id, or None for a blank cell; whether it is malformed).
    ASCII ids are upper-cased and checked by Arrow and numpy; any other text as check_id() says."""
    compacted = pc.replace_substring(texts, " ", "")         # compact() of a tidy text
    ascii_text = pc.string_is_ascii(compacted).to_numpy(zero_copy_only=False)
    ids: list[str | None] = [value or None for value in pc.utf8_upper(compacted).to_pylist()]
    bad = np.ones(len(ids), dtype=bool)
    bad[pc.match_substring_regex(compacted, r"^\d{15}$").to_numpy(zero_copy_only=False)] = False
    eighteen = np.flatnonzero(pc.match_substring_regex(compacted, r"^\d{17}[\dXx]$").to_numpy(zero_copy_only=False))
    if len(eighteen):
        chosen = pc.utf8_upper(compacted.take(pa.array(eighteen)))
        offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int32)[chosen.offset:chosen.offset + len(chosen) + 1]
        digits = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]].reshape(-1, 18)
        total = (digits[:, :17].astype(np.int64) - ord("0")) @ _ID_WEIGHTS
        bad[eighteen] = _ID_CHECK[total % 11] != digits[:, 17]
    for i in np.flatnonzero(~ascii_text).tolist():
        id_number = compacted[i].as_py().upper()
        ids[i], bad[i] = id_number, not check_id(id_number)
    bad[pc.equal(pc.binary_length(compacted), 0).to_numpy(zero_copy_only=False)] = False   # no id
    return ids, bad


def read_file(path: Path, display: str, warnings: list[DataWarning],
              sheets_read: list[tuple[str, str | None, int]],
              grids_read: list[SourceGrid] | None = None) -> list[SheetRows]:
    sheets = read_grid(path, display)
    found_rows: list[SheetRows] = []
    problems: list[SodcheckError] = []
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
        sheet_rows = _SheetReader(sheet, display, found, data_start, default_unit, warnings, extra).rows()
        sheets_read.append((display, sheet.name, sheet.row_numbers[first]))
        if grids_read is not None:
            columns = {f: column_letter(c) for f, c in found.items()}
            grids_read.append(SourceGrid(
                display, sheet.name, sheet.row_numbers[first],
                sheet.row_numbers[data_start] if data_start < len(sheet.row_numbers) else 10**9,
                tuple(sorted(columns.items())), tuple(sheet.row_numbers), sheet.rows, tuple(sheet.merged)))
        if not len(sheet_rows):
            warnings.append(data_warning("SHEET-NO-PEOPLE", "表头下没有人员数据", "no people below the header",
                                         display, sheet.name, sheet.row_numbers[first]))
        found_rows.append(sheet_rows)
    if not found_rows:
        if problems:
            raise problems[0]
        raise SodcheckError(Text("文件中没有可识别的人员分工表（需要含“姓名”和“岗位”列的表头）",
                                 "no staffing table found (a header with 姓名/name and 岗位/post columns)"),
                            file=display)
    for problem in problems:
        warnings.append(data_warning("SHEET-SKIPPED", problem.text.zh, problem.text.en, problem.file,
                                     problem.sheet, problem.row))
    pa.default_memory_pool().release_unused()       # the columns' checks are done
    return found_rows


# ----------------------------------------------------------------------------- people

class PostingTable(Sequence[Posting]):
    """The postings of a load, held column by column: per posting its text, source and column
    letter; per row the person and what the row says once (unit, start date, staff type, ...); and
    where each row's postings begin. A million-row sheet gives two million postings: held so they
    cost a few bytes each, every Posting is built when it is read."""

    def __init__(self, sheets: list[SheetRows], person_keys: list[str], person_codes: np.ndarray,
                 bounds: np.ndarray, texts: list[str], sources: list[str], columns: list[str | None]):
        self.sheets = sheets
        self.person_keys = person_keys      # each person's key
        self.person_codes = person_codes    # per row, over all sheets in order: its person's index in person_keys
        self.bounds = bounds                # per row: the index of its first posting; then the total
        self.texts, self.sources, self.columns = texts, sources, columns
        self._sheet_starts = np.cumsum([0] + [len(sheet) for sheet in sheets])

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> Posting: ...

    @overload
    def __getitem__(self, index: slice) -> list[Posting]: ...

    def __getitem__(self, index: int | slice) -> Posting | list[Posting]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        r = int(np.searchsorted(self.bounds, index, side="right")) - 1
        s = int(np.searchsorted(self._sheet_starts, r, side="right")) - 1
        return self._posting(index, r, self.sheets[s], r - int(self._sheet_starts[s]))

    def _posting(self, index: int, r: int, sheet: SheetRows, k: int) -> Posting:
        return make_posting(
            self.person_keys[self.person_codes[r]], sheet.units[k], self.texts[index], self.sources[index],
            sheet.starts[k], sheet.start_raws[k], sheet.established[k], sheet.staff_types[k], sheet.departments[k],
            sheet.file, sheet.sheet, sheet.rows[k], self.columns[index], sheet.columns.get("post_start"),
            sheet.columns.get("staff_type"), sheet.serials[k], sheet.notes[k])

    def __iter__(self) -> Iterator[Posting]:
        bounds = self.bounds
        r = 0
        for sheet in self.sheets:
            for k in range(len(sheet)):
                for index in range(int(bounds[r]), int(bounds[r + 1])):
                    yield self._posting(index, r, sheet, k)
                r += 1


def _codes(values: pa.Array) -> tuple[list, np.ndarray]:
    """(the distinct values in order of first appearance, each row's index among them; -1 for null)."""
    encoded = pc.dictionary_encode(values)
    return encoded.dictionary.to_pylist(), encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)


def _first_rows(codes: np.ndarray, count: int) -> np.ndarray:
    """For each of count codes, the first row that has it (codes number values by first appearance)."""
    rows = np.flatnonzero(codes >= 0)
    present, first = np.unique(codes[rows], return_index=True)
    found = np.full(count, -1, dtype=np.int64)
    found[present] = rows[first]
    return found


def build_people(sheets: list[SheetRows], warnings: list[DataWarning]) -> tuple[list[Person], PostingTable]:
    """The same id is the same person everywhere; without an id, the same name in the same unit.
    A row without an id joins the one id-holder of that name in that unit, if there is exactly one.
    Rows are matched column by column (Arrow and numpy); Python visits each person once and only the
    rows that need a warning or a join."""
    starts = np.cumsum([0] + [len(sheet) for sheet in sheets])

    def at(r: int) -> tuple[SheetRows, int]:
        s = int(np.searchsorted(starts, r, side="right")) - 1
        return sheets[s], r - int(starts[s])

    ids = pa.array([i for sheet in sheets for i in sheet.ids], pa.string())
    name_keys = pa.array([k for sheet in sheets for k in sheet.name_keys], pa.string())
    unit_keys = pa.array([k for sheet in sheets for k in sheet.unit_keys], pa.string())
    id_values, id_codes = _codes(ids)
    first_of_id = _first_rows(id_codes, len(id_values))
    with_id = np.flatnonzero(id_codes >= 0)
    if len(with_id):
        matched_as = np.asarray(name_keys.to_numpy(zero_copy_only=False), dtype=object)
        for r in with_id[matched_as[with_id] != matched_as[first_of_id[id_codes[with_id]]]].tolist():
            (sheet, k), (first, j) = at(r), at(int(first_of_id[id_codes[r]]))
            id_number = id_values[id_codes[r]]
            warnings.append(data_warning(
                "ID-NAME-CONFLICT",
                f"身份证号 {short_id(id_number)} 在 {first.file} 第 {first.rows[j]} 行"
                f"属于“{first.names[j]}”，这里却是“{sheet.names[k]}”；按同一人处理",
                f"id number {short_id(id_number)} belongs to {first.names[j]} "
                f"at {first.file} row {first.rows[j]}, but to {sheet.names[k]} here; treated as one person",
                sheet.file, sheet.sheet, sheet.rows[k], sheet.columns.get("id_number")))
    # A row without an id takes the id of the one id-holder of its name in its unit.
    id_of = id_codes.copy()      # each row's id, as its index in id_values, joins included
    without_id = np.flatnonzero(id_codes < 0)
    if len(with_id) and len(without_id):
        pairs = pc.binary_join_element_wise(unit_keys, name_keys, "\x00")
        holders: dict[str, set[int]] = {}
        wanted = pc.is_in(pairs.take(pa.array(with_id)), value_set=pairs.take(pa.array(without_id)))
        for r in with_id[wanted.to_numpy(zero_copy_only=False)].tolist():
            holders.setdefault(pairs[r].as_py(), set()).add(int(id_codes[r]))
        if holders:
            for r, pair in zip(without_id.tolist(), pairs.take(pa.array(without_id)).to_pylist()):
                found = holders.get(pair)
                if found is not None and len(found) == 1:
                    id_of[r] = next(iter(found))
    row_ids = pa.array(id_values, pa.string()).take(pa.array(id_of, mask=id_of < 0))
    keys = pc.if_else(pc.is_valid(row_ids), pc.binary_join_element_wise("id:", row_ids, ""),
                      pc.binary_join_element_wise("nu:", unit_keys, "|", name_keys, ""))
    person_keys, person_codes = _codes(keys)
    del ids, name_keys, unit_keys, keys, row_ids
    pa.default_memory_pool().release_unused()       # for the people, made next
    # A person with an id is named as the first row giving that id names them; anyone else, as
    # the first row of their name in their unit.
    source = _first_rows(person_codes, len(person_keys))
    person_ids = id_of[source]
    source[person_ids >= 0] = first_of_id[person_ids[person_ids >= 0]]
    names = [name for sheet in sheets for name in sheet.names]
    compact_names = [key for sheet in sheets for key in sheet.name_keys]
    units = [unit for sheet in sheets for unit in sheet.units]
    people = [make_person(key, names[r] if names[r].isascii() else compact_names[r], units[r],
                          id_values[i] if i >= 0 else None)
              for key, r, i in zip(person_keys, source.tolist(), person_ids.tolist())]
    return people, _posting_table(sheets, person_keys, person_codes)


def _posting_table(sheets: list[SheetRows], person_keys: list[str], person_codes: np.ndarray) -> PostingTable:
    """Each row's postings in the order the officer reads them: posts, custody items, the post
    category, the duties; a row with none of the first three still gives one empty post. Built kind
    by kind over all rows, then put in row order by one stable sort."""
    rows: list[np.ndarray] = []
    texts: list[object] = []
    sources: list[str] = []
    columns: list[str | None] = []
    start = 0
    for sheet in sheets:
        count, letters = len(sheet), sheet.columns
        numbers = np.arange(start, start + count)
        has_items = np.zeros(count, dtype=bool)
        for items, source in ((sheet.posts, "post"), (sheet.custody, "custody")):
            lengths = np.fromiter(map(len, items), dtype=np.int64, count=count)
            has_items |= lengths > 0
            listed = list(chain.from_iterable(items))
            rows.append(np.repeat(numbers, lengths))
            texts += [text for text, _ in listed]
            columns += [letter for _, letter in listed]
            sources += [source] * len(listed)
        for values, source in ((sheet.categories, "category"), (sheet.duties, "duties")):
            given = np.fromiter(map(bool, values), dtype=bool, count=count)
            if source == "category":
                has_items |= given
            rows.append(numbers[given])
            texts += [value for value in values if value]
            columns += [letters.get(source)] * int(given.sum())
            sources += [source] * int(given.sum())
        rows.append(numbers[~has_items])
        texts += [""] * int((~has_items).sum())
        columns += [letters.get("post")] * int((~has_items).sum())
        sources += ["post"] * int((~has_items).sum())
        start += count
    row_of = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    order = np.argsort(row_of, kind="stable")       # by row; within a row, in the order kinds were added
    bounds = np.searchsorted(row_of[order], np.arange(start + 1), side="left")

    del row_of, rows

    def ordered(values: list) -> list:
        table = np.empty(len(values), dtype=object)
        table[:] = values
        values.clear()      # a million-row sheet's postings: the copies are made one list at a time
        return table[order].tolist()

    return PostingTable(sheets, person_keys, person_codes, bounds, ordered(texts), ordered(sources), ordered(columns))


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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading makes millions of small objects and no reference cycles; the cyclic collector would
    walk them again and again while they are made (a third of the time of a million-row sheet)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_staffing(paths: list[str]) -> StaffingData:
    with _no_cycle_collection():
        return _load_staffing(paths)


def _load_staffing(paths: list[str]) -> StaffingData:
    data = StaffingData()
    sheets: list[SheetRows] = []
    for path, display in expand_paths(paths, (".xlsx", ".xlsm", ".xls", ".csv")):
        data.files.append(display)
        sheets.extend(read_file(path, display, data.warnings, data.sheets, data.source_sheets))
    data.people, data.postings = build_people(sheets, data.warnings)
    units: dict[str, str] = {}      # the unit as the first row of each compact() key gives it
    for sheet in sheets:
        for key, unit in dict(zip(reversed(sheet.unit_keys), reversed(sheet.units))).items():
            units.setdefault(key, unit)
    data.units = sorted(units.values())
    return data
