"""The Excel workbook officers work in: a summary with a chart and the assessment items at risk,
one sheet each for violations, notices, data issues and rules, and a copy of every staffing sheet
that was read with the offending cells filled and commented.

Every string that came from an input file is written as text, never as a formula: a name such as
``=HYPERLINK(...)`` stays the characters the officer typed.
"""
from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from ..model import DataWarning, Evidence, Report, SourceGrid, Violation, mask_id
from ..text import compact, location_text
from .text import FORMULA_START, assessment_rows, evidence_text, file_names, subject_id, units_text
from .wording import SHEETS, words

SEVERITIES = ("high", "medium", "low")
WORDS = {lang: words(SHEETS, lang) for lang in ("zh", "en")}

# Excel's own "bad / neutral" palette, so the colours read as officers expect.
MARK_FILL = {"high": "FFC7CE", "medium": "FFE699", "low": "FFF2CC", "notice": "DDEBF7",
             "warning": "E4DFEC"}
MARK_RANK = {"high": 5, "medium": 4, "low": 3, "notice": 2, "warning": 1}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


# Points per wrapped line: CJK glyphs stand taller than Latin ones in Excel's and LibreOffice's
# default fonts, and 15 points (the Latin default) clips the second line of Chinese text.
LINE_HEIGHT = 18


def fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour)


def text_width(value: object) -> int:
    """How many columns of Excel's default font a value needs: CJK characters count double."""
    if value is None:
        return 0
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in str(value).split("\n")), default=0)


def put(ws, row: int, column: int, value: object):
    """Write a value so that Excel shows it and never runs it."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        # openpyxl took it for a formula; store it as a string, and tell Excel to keep it text
        # when the officer edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def sheet_title(name: str, taken: set[str]) -> str:
    base = SHEET_NAME_BAD.sub("_", name).strip("'") or "Sheet"
    title, n = base[:31], 2
    while title.lower() in taken:
        suffix = f"({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def status_text(v: Violation, lang: str) -> str:
    words = WORDS[lang]["statuses"]
    parts = [v.waiver_status or "", v.change, v.baseline]
    return ("、" if lang == "zh" else ", ").join(words.get(p, p) for p in parts if p)


def _table(ws, row: int, headers: list[str], rows: list[list], widths: dict[int, int],
           first_column: int = 1) -> int:
    """A bordered table with a coloured header; returns the next free row."""
    for c, header in enumerate(headers):
        cell = put(ws, row, first_column + c, header)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths[first_column + c] = max(widths.get(first_column + c, 0), text_width(header))
    for r, values in enumerate(rows, start=row + 1):
        for c, value in enumerate(values):
            cell = put(ws, r, first_column + c, value)
            cell.border, cell.alignment = GRID, WRAP
            widths[first_column + c] = max(widths.get(first_column + c, 0), text_width(value))
    return row + len(rows) + 1


def _set_widths(ws, widths: dict[int, int], caps: dict[int, int] | None = None,
                minimum: int = 6) -> dict[int, int]:
    """Fit each column to its widest line, up to a cap past which the text wraps."""
    final = {}
    for column, width in widths.items():
        cap = (caps or {}).get(column, MAX_WIDTH)
        final[column] = max(minimum, min(cap, width + 2))
        ws.column_dimensions[get_column_letter(column)].width = final[column]
    return final


def _fit_rows(ws, first: int, last: int, widths: dict[int, int]) -> None:
    """Row heights for wrapped text. Excel does not grow a row for wrapped text it did not type
    itself, so the report says how tall each row must be."""
    for r in range(first, last + 1):
        lines = 1
        for column, width in widths.items():
            value = ws.cell(row=r, column=column).value
            if value is None:
                continue
            # LibreOffice and Excel fit less than the nominal width: wrap early rather than clip.
            room = max(1, int((width - 1) * 0.85))
            lines = max(lines, sum(max(1, -(-text_width(line) // room))
                                   for line in str(value).split("\n")))
        if lines > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * lines + 4


def _finish_list(ws, columns: int, rows: int, widths: dict[int, int], caps: dict[int, int],
                 freeze: str = "A2", printed: int | None = None, keep: dict[int, int] | None = None) -> None:
    """A list sheet (header on row 1, one row per item) fitted to its text, its header frozen,
    filtered and printed on every page. Only the first ``printed`` columns go on paper (the rest,
    such as links into the workbook, mean nothing there); ``keep`` gives columns that must not
    be narrowed below a width to print."""
    printed = printed or columns
    final = _set_widths(ws, widths, caps)
    _fit_print_width(ws, final, range(1, printed + 1), "landscape", keep)
    _fit_rows(ws, 1, rows + 1, final)     # the header wraps too once its column is narrowed
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(2, rows + 1)}"
    _print_setup(ws, "1:1")
    ws.print_area = f"A1:{get_column_letter(printed)}{max(2, rows + 1)}"


# Printing. Lists are fitted to one A4 page wide, so their printed text is the body font scaled by
# page width / column widths; they must stay at or above PRINTED_PT_MIN when printed, which is what
# the column widths are chosen for (with room to spare, since Excel and LibreOffice measure a column
# a little differently).
PAPER_WIDTH_PT = {"portrait": 595.3, "landscape": 841.9}
SIDE_MARGIN_IN = 0.4
BODY_PT = 11                    # openpyxl's default font, which every list cell uses
PRINTED_PT_MIN = 9
PRINTED_PT_AIM = 9.2
# One unit of column width on paper at 100 %: LibreOffice prints it 7 pt wide, Excel 5.25 pt (7 px
# at 96 dpi). Fitting a page one page wide, LibreOffice therefore scales further down: its width is
# the one the printed size is worked out from. The widths themselves are Excel's (a CJK character
# counts two units), so text fits in both.
COLUMN_UNIT_PT = 7.0
UNBREAKABLE = re.compile(r"[^\s\-/、，,；;：:（）()\u2e80-\u9fff\uff00-\uffef]+")


def print_width_units(orientation: str) -> float:
    """How many units of column width fit across the printed page at 100 %."""
    return (PAPER_WIDTH_PT[orientation] - 2 * SIDE_MARGIN_IN * 72) / COLUMN_UNIT_PT


def _narrowest(ws, column: int) -> int:
    """The width a column cannot wrap below: its longest run of Latin letters or digits (CJK text
    wraps between any two characters, Latin text at spaces, hyphens and slashes)."""
    longest = 0
    for (cell,) in ws.iter_rows(min_col=column, max_col=column):
        if cell.value is not None:
            longest = max([longest, *(len(token) for token in UNBREAKABLE.findall(str(cell.value)))])
    return max(6, longest + 2)


def _fit_print_width(ws, widths: dict[int, int], printed, orientation: str,
                     keep: dict[int, int] | None = None) -> None:
    """Narrow the printed columns in proportion (their text wraps onto more lines, none below the
    width its longest word needs) until the page, fitted to one page wide, prints the body text
    at PRINTED_PT_AIM or more."""
    budget = print_width_units(orientation) * BODY_PT / PRINTED_PT_AIM
    columns = [c for c in printed if c in widths]
    if sum(widths[c] for c in columns) <= budget:
        return
    floors = {c: min(widths[c], (keep or {}).get(c) or _narrowest(ws, c)) for c in columns}

    def narrowed(factor: float) -> dict[int, int]:
        return {c: max(floors[c], int(widths[c] * factor)) for c in columns}

    low, high = 0.0, 1.0            # the largest factor (to 1/1000) whose widths fit the budget
    while high - low > 0.001:
        middle = (low + high) / 2
        low, high = (middle, high) if sum(narrowed(middle).values()) <= budget else (low, middle)
    for c, width in narrowed(low).items():
        widths[c] = width
        ws.column_dimensions[get_column_letter(c)].width = width


def _print_setup(ws, title_rows: str | None = None, orientation: str = "landscape") -> None:
    """A4, one page wide, the title rows on every page."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    if title_rows:
        ws.print_title_rows = title_rows


def _headers_and_footers(ws, report: Report, lang: str, signed: bool) -> None:
    """The report's title, as-of date and page number at the top of every printed page, and at the
    bottom of the summary and the finding lists the line the officers sign. A footer rather than
    cells below the list: it cannot end up alone on a last page, nor get in the way of sorting
    and filtering."""
    w = WORDS[lang]
    # Excel keeps headers and footers at their own size however far the sheet is scaled to fit;
    # LibreOffice scales them with it, so they are a size that stays at 9 pt or more either way.
    ws.HeaderFooter.scaleWithDoc = False
    parts = [(ws.oddHeader.left, w["title"]),
             (ws.oddHeader.right, f"{w['as_of']} {report.as_of.isoformat()}    {w['page_of']}")]
    if signed:
        # 填报单位 and 日期 on the left, 检查人 and 审核人 on the right: one line even on A4 portrait.
        blank = "_" * 12
        parts += [(ws.oddFooter.left, f"{w['sign_unit']}{blank}    {w['sign_date']}{blank}"),
                  (ws.oddFooter.right, f"{w['sign_checker']}{blank}    {w['sign_reviewer']}{blank}")]
        ws.page_margins.bottom = 0.9     # room for the signatures below the last row
    for part, text in parts:
        part.text, part.size = text, BODY_PT


# ----------------------------------------------------------------------------- marked copies

@dataclass
class Mark:
    rank: int
    colour: str
    notes: list[str] = field(default_factory=list)


@dataclass
class SheetMarks:
    """What to fill and say in one copied sheet, keyed by (Excel row, column letter)."""

    cells: dict[tuple[int, str], Mark] = field(default_factory=dict)
    title: str = ""

    def add(self, row: int, column: str | None, kind: str, note: str) -> None:
        if column is None:
            return
        mark = self.cells.setdefault((row, column), Mark(0, ""))
        if MARK_RANK[kind] > mark.rank:
            mark.rank, mark.colour = MARK_RANK[kind], MARK_FILL[kind]
        if note not in mark.notes:
            mark.notes.append(note)


@dataclass
class MarkedSheet:
    """A staffing sheet as the report carries it, and the marks to put on its copy."""

    source: SourceGrid
    row_index: dict[int, int]             # Excel row (or CSV line) -> grid row index
    marks: SheetMarks = field(default_factory=SheetMarks)


def _letter_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _mark_unit(sheets: dict[tuple, MarkedSheet], unit: str, kind: str, note: str) -> None:
    """A finding about a whole unit goes on the first cell that names the unit in each sheet."""
    key = compact(unit)
    for marked in sheets.values():
        source = marked.source
        letter = source.column("unit")
        if letter is None:
            continue
        c = _letter_index(letter)
        for index, number in enumerate(source.row_numbers):
            if number >= source.data_start and compact(source.text(index, c)) == key:
                marked.marks.add(number, letter, kind, note)
                break


def _see_also(v: Violation, here: Evidence, report: Report, lang: str) -> str:
    """The other rows of the same conflict, so that a reader at one marked cell finds the rest."""
    names = file_names(report)
    others = []
    for e in sorted({replace(e, cells=()) for e in v.evidence if e.row is not None}):
        if (e.file, e.sheet, e.row) == (here.file, here.sheet, here.row):
            continue
        same_sheet = (e.file, e.sheet) == (here.file, here.sheet)
        others.append(location_text(lang, None if e.file == here.file else names.get(e.file or "", e.file),
                                    None if same_sheet else e.sheet, e.row))
    if not others:
        return ""
    others = list(dict.fromkeys(others))
    return f"（另见 {'；'.join(others)}）" if lang == "zh" else f" (see also {'; '.join(others)})"


def _collect_marks(report: Report, sheets: dict[tuple, MarkedSheet], lang: str) -> None:
    """Each finding marks the cells its evidence names (the checks chose them), and the name."""
    findings = [(v, v.severity) for v in report.violations] + [(v, "notice") for v in report.notices]
    for v, kind in findings:
        label = WORDS[lang]["notices"] if kind == "notice" else WORDS[lang][v.severity]
        note = f"[{v.rule_id} {label}] {v.message.get(lang)}"
        if v.subject.kind == "unit":
            # A finding about a whole unit marks the unit's cell once, not every row looked through.
            _mark_unit(sheets, v.subject.unit or v.subject.name, kind, note)
            continue
        for e in v.evidence:
            marked = sheets.get((e.file, e.sheet))
            if marked is None or e.row is None:
                continue
            row_note = note + _see_also(v, e, report, lang)
            marks = marked.marks
            marks.add(e.row, marked.source.column("name"), kind, row_note)
            for letter in e.cells:
                marks.add(e.row, letter, kind, row_note)
            if e.post and e.cells:
                marks.add(e.row, e.cells[0], kind,
                          f"  “{e.post}” → {report.duty_label(e.duty, lang)}" if lang == "zh" else
                          f"  {e.post!r} → {report.duty_label(e.duty, lang)}")
    for w in report.warnings:
        marked = sheets.get((w.file, w.sheet))
        if marked is not None and w.row is not None:
            marked.marks.add(w.row, w.column, "warning", f"[{w.code}] {w.message.get(lang)}")


def _copy_grid(marked: MarkedSheet, dst) -> None:
    """A copy of the sheet as read: values, merged ranges, a bold header, borders, fitted widths."""
    source = marked.source
    covered = {(r, c) for r0, c0, r1, c1 in source.merged for r in range(r0, r1 + 1)
               for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
    spanning = {(r0, c0) for r0, c0, r1, c1 in source.merged if c1 > c0}
    widths: dict[int, int] = {}
    header_index = marked.row_index.get(source.header_row, 0)
    data_index = marked.row_index.get(source.data_start, header_index + 1)
    for r, row in enumerate(source.rows):
        for c, cell in enumerate(row):
            if (r, c) in covered or cell.value is None:
                continue
            target = put(dst, r + 1, c + 1, cell.value)
            if header_index <= r < data_index:
                target.font = Font(bold=True)
            target.border = GRID
            if (r, c) not in spanning:      # a title across the sheet does not widen its first column
                widths[c + 1] = max(widths.get(c + 1, 0), text_width(cell.value))
    for r0, c0, r1, c1 in source.merged:
        if (r1 > r0 or c1 > c0) and r0 < len(source.rows):
            dst.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=min(r1, len(source.rows) - 1) + 1,
                            end_column=c1 + 1)
    _set_widths(dst, widths)
    dst.freeze_panes = f"A{data_index + 1}"
    _print_setup(dst, f"{header_index + 1}:{data_index}" if data_index > header_index else None)


def _mask_ids(marked: MarkedSheet, dst, row_of) -> None:
    letter = marked.source.column("id_number")
    if letter is None:
        return
    column = _letter_index(letter) + 1
    for number in marked.source.row_numbers:
        if number < marked.source.data_start or row_of(number) is None:
            continue
        cell = dst.cell(row=row_of(number), column=column)
        if isinstance(cell, MergedCell) or cell.value is None:
            continue
        value = cell.value
        if isinstance(value, float):
            value = f"{value:.0f}"
        text = str(value).strip()
        if text:
            put(dst, cell.row, column, mask_id(text))


def _apply_marks(marked: MarkedSheet, dst, row_of) -> None:
    for (row, letter), mark in sorted(marked.marks.cells.items()):
        if row_of(row) is None:
            continue
        cell = dst.cell(row=row_of(row), column=_letter_index(letter) + 1)
        if isinstance(cell, MergedCell):
            # A merged unit cell: the value and the fill live in the top-left cell of the range.
            for rng in dst.merged_cells.ranges:
                if cell.coordinate in rng:
                    cell = dst.cell(row=rng.min_row, column=rng.min_col)
                    break
        cell.fill = fill(mark.colour)
        text = "\n".join(mark.notes)
        if cell.comment is not None and cell.comment.author != "sodcheck":
            text = cell.comment.text + "\n\n" + text
        comment = Comment(text, "sodcheck")
        lines = sum(1 + text_width(n) // 40 for n in text.split("\n"))
        comment.width, comment.height = 320, min(400, 24 + 16 * lines)
        cell.comment = comment


def _marked_copies(wb, report: Report, lang: str, show_ids: bool, taken: set[str]) -> dict[tuple, tuple[str, object]]:
    """Add the marked sheets from the grids the report carries; returns (file, sheet) -> (sheet
    title, Excel row -> copied row)."""
    sheets = {(s.file, s.sheet): MarkedSheet(s, {n: i for i, n in enumerate(s.row_numbers)})
              for s in report.sources}
    _collect_marks(report, sheets, lang)
    made: dict[tuple, tuple[str, object]] = {}
    for (file, name), marked in sheets.items():
        label = name if name is not None else Path(file).stem
        title = sheet_title(WORDS[lang]["marked"] + label, taken)
        dst = wb.create_sheet(title)
        _copy_grid(marked, dst)
        # Grid row i goes to row i + 1: CSV line numbers can skip (a quoted cell spanning lines),
        # the copy cannot.
        def row_of(number, index=marked.row_index):
            return index[number] + 1 if number in index else None
        if not show_ids:
            _mask_ids(marked, dst, row_of)
        _apply_marks(marked, dst, row_of)
        made[(file, name)] = (title, row_of)
    return made


def _link(cell, made: dict, file: str | None, sheet: str | None, row: int | None,
          column: str | None, lang: str) -> None:
    target = made.get((file, sheet))
    if target is None or row is None:
        return
    title, row_of = target
    copied = row_of(row)
    if copied is None:
        return
    cell.value = f"{title} " + WORDS[lang]["row_link"].format(row=row)
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{title}'!{column or 'A'}{copied}")
    cell.font = Font(color="0563C1", underline="single")


# ----------------------------------------------------------------------------- sheets

def _summary(ws, report: Report, lang: str, has_marked: bool) -> None:
    w = WORDS[lang]
    widths: dict[int, int] = {1: 14, 2: 30, 3: 8, 4: 8}
    cell = put(ws, 1, 1, w["title"])
    cell.font = Font(bold=True, size=16)
    ws.row_dimensions[1].height = 28
    rule_ids = [r.id for r in report.rules]
    facts = [(w["as_of"], report.as_of.isoformat()),
             (w["inputs"], "\n".join(file_names(report).values())),
             (w["ruleset"], w["ruleset_value"].format(n=len(rule_ids), ids=", ".join(rule_ids)))]
    if report.stat("people") is not None:
        facts.append((w["people"], report.stat("people")))
    if report.stat("units") is not None:
        facts.append((w["units"], report.stat("units")))
    facts += [(w["violations"], len(report.violations)),
              (w["counted"], sum(1 for v in report.violations if v.counts)),
              (w["notices"], len(report.notices)), (w["warnings"], len(report.warnings))]
    row = 3
    for key, value in facts:
        label = put(ws, row, 1, key)
        label.font, label.alignment = Font(bold=True), Alignment(vertical="top")
        cell = put(ws, row, 2, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
        lines = sum(1 + text_width(line) // 80 for line in str(value).split("\n"))
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines + 4
        row += 1

    def heading(text: str) -> None:
        nonlocal row
        row += 1
        put(ws, row, 1, text).font = Font(bold=True, size=12, color="1F4E78")
        row += 1

    tables: list[tuple[int, int]] = []      # their rows grow to the wrapped text once widths are known

    def table(headers: list[str], rows: list[list]) -> int:
        first = row
        tables.append((first, _table(ws, first, headers, rows, widths) - 1))
        return tables[-1][1] + 1

    heading(w["assessment"])
    items = assessment_rows(report, lang)
    if items:
        row = table([w["item"], w["item_title"], w["points"], w["count"], w["rules"]],
                    [[w["item_value"].format(item=i["item"]), i["title"], i["points"], i["count"],
                      ", ".join(i["rules"])] for i in items])
        for r in range(row - len(items), row):
            ws.cell(row=r, column=1).fill = fill(MARK_FILL["high"])
    else:
        put(ws, row, 1, w["no_assessment"])
        row += 1

    heading(w["by_severity"])
    severity_rows = [[w[s], sum(1 for v in report.violations if v.severity == s)] for s in SEVERITIES]
    row = table([w["severity"], w["count"]], severity_rows)
    for r, s in zip(range(row - 3, row), SEVERITIES):
        ws.cell(row=r, column=1).fill = fill(MARK_FILL[s])

    heading(w["by_rule"])
    by_rule = Counter(v.rule_id for v in report.violations)
    rule_rows = [[r.id, r.title.get(lang), w[r.severity], by_rule[r.id]] for r in report.rules
                 if by_rule[r.id]]
    rule_header = row
    row = table([w["rule"], w["rule_title"], w["severity"], w["count"]], rule_rows)
    if rule_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = w["chart"]
        chart.legend = None
        data = Reference(ws, min_col=4, min_row=rule_header, max_row=rule_header + len(rule_rows))
        cats = Reference(ws, min_col=1, min_row=rule_header + 1, max_row=rule_header + len(rule_rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.series[0].graphicalProperties.solidFill = "C0504D"
        chart.x_axis.delete = False   # openpyxl hides both axes by default; Excel then shows none
        chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None
        chart.y_axis.numFmt = "0"
        chart.y_axis.majorUnit = max(1, max(by_rule.values()) // 8)
        chart.x_axis.scaling.orientation = "maxMin"  # first rule on top, as in the table
        chart.width, chart.height = 17, max(5.0, 0.8 * len(rule_rows) + 2.5)
        # The chart floats over rows kept empty for it, so that nothing hides under it.
        ws.add_chart(chart, f"A{row + 1}")
        row += 2 + int(chart.height / 0.53)

    heading(w["by_unit"])
    units = Counter(u for v in report.violations for u in (v.units or ("",)))
    notices = Counter(u for v in report.notices for u in (v.units or ("",)))
    row = table([w["unit"], w["violations"], w["notices"]],
                [[u, units[u], notices[u]] for u in sorted(set(units) | set(notices))])

    heading(w["legend"])
    for kind in ("high", "medium", "low", "notice", "warning"):
        swatch = put(ws, row, 1, "")
        swatch.fill, swatch.border = fill(MARK_FILL[kind]), GRID
        put(ws, row, 2, w["legend_items"][kind])
        row += 1
    if has_marked:
        note = put(ws, row, 1, w["marked_note"])
        note.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        ws.row_dimensions[row].height = LINE_HEIGHT * 2 + 4
        row += 1
    final = _set_widths(ws, widths, {1: 24, 2: 30, 5: 40})
    _fit_print_width(ws, final, range(1, 6), "portrait")
    for first, last in tables:
        _fit_rows(ws, first, last, final)
    _print_setup(ws, orientation="portrait")
    ws.print_area = f"A1:E{row}"


# The columns a printed list holds come first, the 整改 columns beside the finding where the officer
# fills them in; the subject kind, the (masked) id number and the link to the marked row follow on
# screen only, so that the printed text stays at 9 pt or more on an A4 page.
FINDING_CAPS = {1: 5, 2: 8, 3: 22, 4: 14, 5: 16, 6: 36, 7: 36, 8: 20, 9: 10, 10: 12, 11: 46, 12: 10, 13: 8,
                14: 21, 15: 22}
FINDING_PRINTED = 12
# 整改措施, 责任人, 整改时限 are filled in by hand on the printed list: the widths they keep on paper.
WRITE_IN = {8: 14, 9: 8, 10: 9}


def _findings_sheet(ws, items, report: Report, lang: str, show_ids: bool, made: dict,
                    severity_fill: bool) -> None:
    w = WORDS[lang]
    headers = [w["no"], w["severity"], w["rule"], w["subject"], w["unit"], w["message"], w["remedy"],
               w["action"], w["owner"], w["deadline"], w["evidence"], w["status"],
               w["kind"], w["id"], w["where"]]
    rows = []
    for n, v in enumerate(items, start=1):
        rows.append([n, w[v.severity] if severity_fill else w["notice"], v.rule_id, v.subject.name,
                     units_text(v, lang), v.message.get(lang),
                     report.remedy(v.rule_id, lang), "", "", "",
                     "\n".join(evidence_text(e, report, lang) for e in v.evidence), status_text(v, lang),
                     w["subject_kinds"].get(v.subject.kind, v.subject.kind), subject_id(v, show_ids) or "", ""])
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows, widths)
    where = headers.index(w["where"]) + 1
    for r, v in enumerate(items, start=2):
        ws.cell(row=r, column=2).fill = fill(MARK_FILL[v.severity if severity_fill else "notice"])
        first = next((e for e in v.evidence if e.row is not None), None)
        if first is not None:
            _link(ws.cell(row=r, column=where), made, first.file, first.sheet, first.row, None, lang)
    widths[where] = max(widths.get(where, 0), 22 if made else 8)
    for blank in WRITE_IN:      # 整改措施, 责任人, 整改时限: room to write
        widths[blank] = max(widths.get(blank, 0), 16)
    _finish_list(ws, len(headers), len(rows), widths, FINDING_CAPS, printed=FINDING_PRINTED, keep=WRITE_IN)


def _warnings_sheet(ws, warnings: tuple[DataWarning, ...], lang: str, made: dict) -> None:
    w = WORDS[lang]
    headers = [w["no"], w["code"], w["file"], w["sheet"], w["row"], w["column"], w["message"], w["where"]]
    rows = [[n, x.code, x.file or "", x.sheet or "", x.row if x.row is not None else "",
             x.column or "", x.message.get(lang), ""] for n, x in enumerate(warnings, start=1)]
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows, widths)
    for r, x in enumerate(warnings, start=2):
        ws.cell(row=r, column=2).fill = fill(MARK_FILL["warning"])
        _link(ws.cell(row=r, column=8), made, x.file, x.sheet, x.row, x.column, lang)
    widths[8] = max(widths.get(8, 0), 22 if made else 8)
    _finish_list(ws, len(headers), len(rows), widths, {1: 5, 2: 20, 3: 36, 4: 16, 5: 6, 6: 6, 7: 60, 8: 22},
                 printed=7)


def _rules_sheet(ws, report: Report, lang: str) -> None:
    w = WORDS[lang]
    counts = Counter(v.rule_id for v in report.violations)
    headers = [w["rule"], w["rule_kind"], w["severity"], w["rule_title"], w["description"],
               w["source"], w["item"], w["points"], w["count"]]
    rows = []
    for rule in report.rules:
        a = dict(rule.assessment)
        title = a.get("title")
        item = ""
        if a:
            item = w["item_value"].format(item=a["item"])
            if title is not None:
                item += " " + (title.get(lang) if hasattr(title, "get") else str(title))
        rows.append([rule.id, w["rule_kinds"].get(rule.kind, rule.kind), w[rule.severity], rule.title.get(lang),
                     rule.description.get(lang) if rule.description else "", rule.source, item,
                     a.get("points", ""), counts[rule.id]])
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows, widths)
    # The rule id stays in view beside the long descriptions.
    _finish_list(ws, len(headers), len(rows), widths,
                 {1: 22, 2: 12, 3: 8, 4: 30, 5: 40, 6: 50, 7: 24, 8: 6, 9: 8}, freeze="B2")


def build(report: Report, lang: str = "en", show_ids: bool = False) -> Workbook:
    w = WORDS[lang]
    wb = Workbook()
    summary = wb.worksheets[0]
    summary.title = w["sheets"]["summary"]
    taken = {summary.title.lower()}
    sheets = {key: wb.create_sheet(sheet_title(w["sheets"][key], taken))
              for key in ("violations", "notices", "warnings", "rules")}
    made = _marked_copies(wb, report, lang, show_ids, taken)
    _summary(summary, report, lang, bool(made))
    _findings_sheet(sheets["violations"], report.violations, report, lang, show_ids, made, True)
    _findings_sheet(sheets["notices"], report.notices, report, lang, show_ids, made, False)
    _warnings_sheet(sheets["warnings"], report.warnings, lang, made)
    _rules_sheet(sheets["rules"], report, lang)
    for ws in wb.worksheets:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4        # the marked copies print on A4 too
        _headers_and_footers(ws, report, lang, signed=ws in (summary, sheets["violations"], sheets["notices"]))
    wb.properties.creator = "sodcheck"
    wb.properties.title = w["title"]
    return wb


def render(report: Report, options) -> bytes:
    buffer = io.BytesIO()
    build(report, options.lang, options.show_ids).save(buffer)
    return buffer.getvalue()
