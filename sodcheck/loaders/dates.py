"""Start dates as officers type them: 2012.03, 2012年3月5日, 201203, real date cells, and
year.month typed as a number whose display depends on the cell's number format."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..model import Text
from ..text import compact

PLACEHOLDERS = {"", "—", "-", "--", "——", "－", "无", "/", "／", "空", "不详", "n/a", "na", "none"}

_YMD = re.compile(r"^(\d{4})(?:年|[.\-/])(\d{1,2})(?:(?:月|[.\-/])(?:(\d{1,2})日?)?)?(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_DECIMALS = re.compile(r"0\.(0+)")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    raw: str
    problem: Text | None = None     # unreadable: says why
    ambiguous: bool = False          # read, but the display cannot tell 2016.1 from 2016.10

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


def _make(year: int, month: int, day: int | None, raw: str) -> ParsedDate:
    if not 1900 <= year <= 2100:
        return ParsedDate(None, raw, Text(f"年份 {year} 超出范围", f"year {year} is out of range"))
    if not 1 <= month <= 12:
        return ParsedDate(None, raw, Text(f"没有 {month} 月", f"month {month} does not exist"))
    try:
        return ParsedDate(date(year, month, day or 1), raw)
    except ValueError:
        return ParsedDate(None, raw, Text(f"{year}年{month}月没有 {day} 日",
                                          f"day {day} does not exist in {year}-{month:02d}"))


def parse_text(raw: str) -> ParsedDate:
    text = compact(raw)
    if text.lower() in PLACEHOLDERS:
        return ParsedDate(None, raw)
    hit = _YMD.match(text)
    if hit:
        return _make(int(hit[1]), int(hit[2]), int(hit[3]) if hit[3] else None, raw)
    hit = _COMPACT.match(text)
    if hit:
        return _make(int(hit[1]), int(hit[2]), int(hit[3]) if hit[3] else None, raw)
    return ParsedDate(None, raw, Text("不是可识别的日期（可写作 2012.03 或 2012-03-05）",
                                      "not a date sodcheck can read (use e.g. 2012.03 or 2012-03-05)"))


def parse_number(number: float, number_format: str | None) -> ParsedDate:
    """A numeric cell. year.month typed as a number is read as the cell displays it."""
    fmt = number_format or "General"
    if float(number).is_integer():
        whole = int(number)
        if 19000101 <= whole <= 21001231 or 190001 <= whole <= 210012:
            return parse_text(str(whole))
        if 1 <= whole <= 80000:
            # A date stored as an Excel serial number whose cell has lost its date format.
            return ParsedDate(_EXCEL_EPOCH + timedelta(days=whole), str(whole))
        return ParsedDate(None, str(number), Text("不是可识别的日期", "not a date sodcheck can read"))
    decimals = _DECIMALS.search(fmt)
    if decimals:
        shown = f"{number:.{len(decimals[1])}f}"
        return parse_text(shown)
    shown = repr(float(number))
    parsed = parse_text(shown)
    _, _, month = shown.partition(".")
    if parsed.value and month == "1":
        return ParsedDate(parsed.value, shown, ambiguous=True)
    return parsed


def parse_cell(value: object, number_format: str | None = None) -> ParsedDate:
    if value is None:
        return ParsedDate(None, "")
    if isinstance(value, datetime):
        return ParsedDate(value.date(), value.date().isoformat())
    if isinstance(value, date):
        return ParsedDate(value, value.isoformat())
    if isinstance(value, bool):
        return ParsedDate(None, str(value), Text("不是日期", "not a date"))
    if isinstance(value, (int, float)):
        return parse_number(value, number_format)
    return parse_text(str(value))


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
