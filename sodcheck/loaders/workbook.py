"""xlsx sheets read by streaming their XML: values, the number formats of numeric cells, merged
ranges as ranges.

openpyxl builds an object for every cell, merged cells included, so an 8 KB file whose merged
range is A1:AX1000000 grows to gigabytes. Here a sheet is parsed as a stream, only cells that hold
a value are kept, and a merged range stays four numbers. Values come out as openpyxl's
``data_only`` reading gives them (numbers as int or float, date-formatted numbers as datetime,
cached formula results), so every warning and row number is the same as before.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from ..model import SodcheckError, Text

MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")
REL_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_ID = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
          "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
CHUNK = 1 << 20
# A document type declaration is how entity expansion (billion laughs) and external entities get
# into XML; no part Excel writes has one, so its presence alone refuses the file.
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_RANGE_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


@dataclass(frozen=True)
class Limits:
    """What one sheet may hold before it is refused rather than read. A province's staffing sheet
    or permission export is far below these; a hostile or broken file is not."""

    rows: int
    columns: int
    cells: int          # row slots up to each row's last value, summed over the sheet


class SheetTooLarge(Exception):
    def __init__(self, what: Text, row: int | None):
        super().__init__(what.en)
        self.what, self.row = what, row


@dataclass
class RawSheet:
    name: str
    rows: list[list[tuple[object, str | None]]]   # (value, number format of a number) per cell
    row_numbers: list[int]
    merged: list[tuple[int, int, int, int]]


def column_index(letters: str) -> int:
    """0-based index of column letters (A -> 0)."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """A1:B2 as 0-based (first row, first column, last row, last column); None if not a range."""
    hit = _RANGE_REF.match(ref.strip().upper())
    if not hit:
        return None
    c0, r0 = column_index(hit[1]), int(hit[2]) - 1
    c1, r1 = (column_index(hit[3]), int(hit[4]) - 1) if hit[3] else (c0, r0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


class _Part:
    """One XML member of the zip, parsed as a stream of elements."""

    def __init__(self, archive: zipfile.ZipFile, member: str):
        self.archive, self.member = archive, member

    def events(self, events: tuple[Literal["start", "end"], ...] = ("end",)) -> Iterator[tuple[str, Element]]:
        parser: XMLPullParser = XMLPullParser(events)
        with self.archive.open(self.member) as stream:
            prolog = True
            for chunk in _chunks(stream):
                if prolog:
                    # Only the prolog (before the first element) can declare a document type.
                    start = re.search(rb"<[A-Za-z_]", chunk)
                    if _DOCTYPE.search(chunk[:start.start()] if start else chunk):
                        raise _BadPart(self.member, Text("含有不安全的 XML（文档类型声明），已拒绝",
                                                         "holds unsafe XML (a document type declaration); refused"))
                    prolog = start is None
                try:
                    parser.feed(chunk)
                    yield from _elements(parser)
                except ParseError as exc:
                    raise _BadPart(self.member, Text(f"不是有效的 XML：{exc}", f"is not valid XML: {exc}")) from None
            try:
                parser.close()
            except ParseError as exc:
                raise _BadPart(self.member, Text(f"不是有效的 XML：{exc}", f"is not valid XML: {exc}")) from None
            yield from _elements(parser)


def _elements(parser: XMLPullParser) -> Iterator[tuple[str, Element]]:
    for item in parser.read_events():
        yield cast(tuple[str, Element], item)


class _NoTree:
    """A parser target that keeps nothing: checking a part's XML in constant memory."""

    def close(self) -> None:
        return None


def check_part(archive: zipfile.ZipFile, member: str) -> Text | None:
    """What is wrong with one XML part (unsafe or not well-formed), or None."""
    from xml.etree.ElementTree import XMLParser

    parser = XMLParser(target=_NoTree())
    try:
        with archive.open(member) as stream:
            head = stream.read(CHUNK)
            start = re.search(rb"<[A-Za-z_]", head)
            if _DOCTYPE.search(head[:start.start()] if start else head):
                return Text("含有不安全的 XML（文档类型声明），已拒绝",
                            "holds unsafe XML (a document type declaration); refused")
            parser.feed(head)
            for chunk in _chunks(stream):
                parser.feed(chunk)
            parser.close()
    except ParseError as exc:
        return Text(f"不是有效的 XML：{exc}", f"is not valid XML: {exc}")
    return None


class _BadPart(Exception):
    """A part of the package that cannot be read: what is wrong, and which part."""

    def __init__(self, member: str, what: Text):
        super().__init__(what.en)
        self.member, self.what = member, what


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    from .safety import MAX_PART

    # The zip directory's sizes were checked, but a part may unpack to more than it declares.
    unpacked = 0
    while chunk := stream.read(CHUNK):
        unpacked += len(chunk)
        if unpacked > MAX_PART:
            raise zipfile.BadZipFile(f"a part unpacks to more than {MAX_PART // (1024 * 1024)} MB")
        yield chunk


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _relationships(archive: zipfile.ZipFile, names: set[str], part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, member path) of a part's relationships."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if rels not in names:
        return found
    for _, element in _Part(archive, rels).events():
        if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(folder, target))
            found[element.get("Id", "")] = (element.get("Type", ""), path)
    return found


def _shared_strings(archive: zipfile.ZipFile, member: str | None) -> list[str]:
    strings: list[str] = []
    if member is None:
        return strings
    for _, element in _Part(archive, member).events():
        if _local(element.tag) != "si":
            continue
        # Plain text, or rich-text runs joined; phonetic guides (rPh) are not part of the value.
        pieces = []
        for child in element:
            name = _local(child.tag)
            if name == "t":
                pieces.append(child.text or "")
            elif name == "r":
                pieces.extend(t.text or "" for t in child if _local(t.tag) == "t")
        strings.append("".join(pieces).replace("x005F_", ""))
        element.clear()
    return strings


def _styles(archive: zipfile.ZipFile, member: str | None) -> tuple[list[str], set[int], set[int]]:
    """(number format of each cell style, styles that show dates, styles that show durations)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    style_formats: list[int] = []
    if member is not None:
        in_cell_xfs = False
        for event, element in _Part(archive, member).events(("start", "end")):
            name = _local(element.tag)
            if name == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and name == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "General")
            elif event == "end" and name == "xf" and in_cell_xfs:
                style_formats.append(int(element.get("numFmtId", "0") or 0))
    formats = [custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in style_formats]
    dates = {s for s, f in enumerate(formats) if is_date_format(f)}
    durations = {s for s, f in enumerate(formats) if is_timedelta_format(f)}
    return formats, dates, durations


class _Book:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits, with_formats: bool):
        self.archive, self.limits, self.with_formats = archive, limits, with_formats
        names = set(archive.namelist())
        self.names = names
        package = _relationships(archive, names, "")
        office = next((p for t, p in package.values() if t.endswith("/officeDocument")), "xl/workbook.xml")
        if office not in names:
            raise _BadPart(office, Text("缺失", "is missing"))
        self.office = office
        rels = _relationships(archive, names, office)
        self.sheets: list[tuple[str, str]] = []
        self.epoch_1904 = False
        for _, element in _Part(archive, office).events():
            name = _local(element.tag)
            if name == "workbookPr":
                self.epoch_1904 = element.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                rel = next((element.get(a) for a in REL_ID if element.get(a)), None)
                kind, path = rels.get(rel or "", ("", ""))
                if kind.endswith("/worksheet") and path in names:
                    self.sheets.append((element.get("name", ""), path))
        shared = next((p for t, p in rels.values() if t.endswith("/sharedStrings") and p in names), None)
        styles = next((p for t, p in rels.values() if t.endswith("/styles") and p in names), None)
        self.strings = _shared_strings(archive, shared)
        # Without formats (permission exports) numbers stay numbers: no date conversion either.
        self.formats, self.dates, self.durations = _styles(archive, styles) if with_formats else ([], set(), set())

    def number(self, text: str, style: int) -> object:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        value: int | float = float(text) if ("." in text or "e" in text or "E" in text) else int(text)
        if style in self.dates:
            try:
                return from_excel(value, CALENDAR_MAC_1904 if self.epoch_1904 else CALENDAR_WINDOWS_1900,
                                  timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"   # what openpyxl gives for a date serial outside the calendar
        return value

    def sheet(self, name: str, member: str) -> RawSheet:
        from openpyxl.utils.datetime import from_ISO8601

        limits = self.limits
        rows: list[list[tuple[object, str | None]]] = []
        numbers: list[int] = []
        merged: list[tuple[int, int, int, int]] = []
        columns: dict[str, int] = {}
        strings, formats = self.strings, self.formats
        row_number, slots = 0, 0
        sheet_data: Element | None = None
        for event, element in _Part(self.archive, member).events(("start", "end")):
            tag = element.tag
            if event == "start":
                if tag.endswith("}sheetData"):
                    sheet_data = element
                continue
            if tag.endswith("}row"):
                row_number = int(element.get("r") or row_number + 1)
                cells: dict[int, tuple[object, str | None]] = {}
                column = -1
                for cell in element:
                    ref = cell.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        index = columns.get(letters)
                        if index is None:
                            index = columns[letters] = column_index(letters)
                        column = index
                    else:
                        column += 1
                    kind = cell.get("t", "n")
                    value: object = None
                    number_format = None
                    if kind == "inlineStr":
                        value = "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t")) or None
                    else:
                        text = None
                        for child in cell:
                            if child.tag.endswith("}v"):
                                text = child.text
                                break
                        if text:
                            if kind == "n":
                                style = int(cell.get("s") or 0)
                                value = self.number(text, style)
                                if isinstance(value, (int, float)) and self.with_formats:
                                    number_format = formats[style] if style < len(formats) else "General"
                            elif kind == "s":
                                value = strings[int(text)]
                            elif kind == "b":
                                value = bool(int(text))
                            elif kind == "d":
                                value = from_ISO8601(text)
                            else:   # str (a formula's text result) and e (an error such as #N/A)
                                value = text
                    if value is not None:
                        cells[column] = (value, number_format)
                if sheet_data is not None:
                    sheet_data.clear()   # the row is read: its elements are not kept
                else:
                    element.clear()
                if not cells:
                    continue
                width = max(cells) + 1
                if row_number > limits.rows:
                    raise SheetTooLarge(Text(f"行数超过上限 {limits.rows:,}", f"more than {limits.rows:,} rows"),
                                        row_number)
                if width > limits.columns:
                    raise SheetTooLarge(Text(f"列数超过上限 {limits.columns:,}",
                                             f"more than {limits.columns:,} columns"), row_number)
                if row_number <= len(rows):
                    raise _BadPart(member, Text(f"第 {row_number} 行出现在第 {len(rows)} 行之后",
                                                f"row {row_number} comes after row {len(rows)}"))
                slots += width + row_number - len(rows)
                if slots > limits.cells:
                    raise SheetTooLarge(Text(f"单元格数超过上限 {limits.cells:,}",
                                             f"more than {limits.cells:,} cells"), row_number)
                while len(rows) < row_number - 1:   # rows without values keep their place
                    rows.append([])
                    numbers.append(len(numbers) + 1)
                rows.append([cells.get(c, (None, None)) for c in range(width)])
                numbers.append(row_number)
            elif tag.endswith("}mergeCell"):
                bounds = parse_range(element.get("ref", ""))
                if bounds is not None:
                    merged.append(bounds)
                    slots += 1
                    if slots > limits.cells:
                        raise SheetTooLarge(Text(f"单元格数超过上限 {limits.cells:,}",
                                                 f"more than {limits.cells:,} cells"), None)
        return RawSheet(name, rows, numbers, merged)


def read_workbook(path, display: str, limits: Limits, formats: bool = True) -> Iterator[RawSheet]:
    """Every worksheet of an xlsx, in workbook order, as raw rows. Every failure is a SodcheckError
    naming the file and, once a sheet is being read, the sheet."""
    sheet_name: str | None = None
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                book = _Book(archive, limits, formats)
            except (ValueError, IndexError) as exc:   # a style or relationship that is not a number
                raise _BadPart("workbook", Text(f"含有无效的值：{exc}", f"holds an invalid value: {exc}")) from None
            for sheet_name, member in book.sheets:
                try:
                    yield book.sheet(sheet_name, member)
                except (ValueError, IndexError) as exc:   # a cell pointing at no shared string, a bad number
                    raise _BadPart(member, Text(f"含有无效的值：{exc}", f"holds an invalid value: {exc}")) from None
    except SheetTooLarge as exc:
        raise SodcheckError(Text(f"工作表过大，已拒绝：{exc.what.zh}", f"sheet too large; refused: {exc.what.en}"),
                            file=display, sheet=sheet_name, row=exc.row) from None
    except _BadPart as exc:
        raise SodcheckError(Text(f"xlsx 的 {exc.member} {exc.what.zh}", f"xlsx part {exc.member} {exc.what.en}"),
                            file=display, sheet=sheet_name) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError) as exc:
        raise SodcheckError(Text(f"文件不是有效的 xlsx（zip 结构损坏：{exc}）",
                                 f"not a valid xlsx (broken zip: {exc})"), file=display, sheet=sheet_name) from None
