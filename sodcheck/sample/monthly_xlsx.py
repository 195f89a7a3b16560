"""The monthly report as a workbook for the fund-supervision department: the report sheet (the
lead paragraph, the worksheets, checks per type, problems, what is still 待核实, who checked, what is
wrong with the worksheets, a signature line) and every checked business with its answers."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..report.xlsx import WRAP, _finish_list, _fit_rows, _print_setup, _set_widths, _table, put
from ..text import labelled
from .monthly import MonthlyReport
from .monthly_tables import lead, sections
from .wording import REPORT_WORDS, WORDS, type_text

TITLE = Font(bold=True, size=16)
HEADING = Font(bold=True, size=12)
COLUMNS = 8     # the widest section: the business listings


def render(report: MonthlyReport, lang: str) -> bytes:
    w = REPORT_WORDS[lang]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = w["summary_sheet"]
    last = get_column_letter(COLUMNS)
    put(ws, 1, 1, w["title"]).font = TITLE
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = Alignment(horizontal="center")
    put(ws, 2, 1, labelled(w["months"], ("、" if lang == "zh" else ", ").join(report.months) or w["none"], lang))
    ws.merge_cells(f"A2:{last}2")
    put(ws, 3, 1, lead(report, lang)).alignment = WRAP
    ws.merge_cells(f"A3:{last}3")
    ws.row_dimensions[3].height = 40
    widths: dict[int, int] = {}
    row = 5
    for section in sections(report, lang):
        put(ws, row, 1, section.title).font = HEADING
        if section.rows:
            end = _table(ws, row + 1, list(section.headers), [list(r) for r in section.rows], widths)
        else:
            put(ws, row + 1, 1, w["none"])
            end = row + 2
        row = end + 1
    put(ws, row + 1, 1, w["signature"]).font = Font(size=12)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=COLUMNS)
    widths[1] = max(widths.get(1, 0), 12)
    final = _set_widths(ws, widths, {1: 34, 2: 18, 3: 50, 6: 30})
    _fit_rows(ws, 6, row, final)
    _print_setup(ws)
    footer = ws.oddFooter
    assert footer is not None
    footer.center.text = w["page"]
    _details(wb.create_sheet(w["detail_sheet"]), report, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _details(ws, report: MonthlyReport, lang: str) -> None:
    w = REPORT_WORDS[lang]
    answers = {"ok": WORDS[lang]["ok"], "problem": WORDS[lang]["problem"], "pending": WORDS[lang]["pending"]}
    headers = [w["month"], w["biz_id"], w["biz_type"], w["class"], w["reason"], w["rules"], w["conclusion"],
               w["description"], w["checker"], w["checked_on"], w["file"], w["row"]]
    rows = [[b.month, b.biz_id, type_text(b.biz_type, lang), report.class_label(b.class_id, lang),
             WORDS[lang][b.reason], " ".join(b.rules), answers.get(b.conclusion, b.conclusion_text), b.description,
             b.checker, b.checked_on, b.file, b.row] for b in report.businesses]
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows, widths)
    _finish_list(ws, len(headers), len(rows), widths, {3: 24, 4: 18, 6: 22, 8: 40, 11: 24}, freeze="C2")
