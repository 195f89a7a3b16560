"""The checker's worksheet (xlsx): a summary of the strata, the checklist with a dropdown for the
conclusion, and a hidden, protected sheet recording what was drawn (month, seed, rates, strata,
businesses and their fingerprint) so that ``sodcheck sample report`` can tell a trimmed or edited
sample from the one drawn. A4 landscape, header frozen and printed on every page, filters, a
signature line."""
from __future__ import annotations

import io
import json

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..report.xlsx import GRID, WRAP, _fit_rows, _print_setup, _set_widths, _table, put
from .draw import Sample
from .wording import CONCLUSIONS, WORDS, rates_text, step_line, type_text

FORMAT = "sodcheck-sample/1"
TITLE = Font(bold=True, size=16)
BOLD = Font(bold=True)
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")     # the columns the checker fills in
# Checklist columns: what the reader looks for, in this order.
CHECKLIST = ("no", "biz_id", "biz_type", "class", "reason", "rules", "steps", "conclusion", "description",
             "checker", "checked_on")
ANSWERS = ("conclusion", "description", "checker", "checked_on")
CAPS = {"no": 6, "biz_id": 18, "biz_type": 22, "class": 22, "reason": 10, "rules": 22, "steps": 46,
        "conclusion": 10, "description": 30, "checker": 10, "checked_on": 12}


def render(sample: Sample, lang: str) -> bytes:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    w = WORDS[lang]
    summary.title = w["summary_sheet"]
    _summary(summary, sample, lang)
    _checklist(wb.create_sheet(w["checklist_sheet"]), sample, lang)
    _about(wb.create_sheet(w["about_sheet"]), sample, lang)
    wb.properties.title = w["title"].format(month=sample.month)
    wb.properties.subject = f"seed {sample.seed}; fingerprint {sample.fingerprint}"
    wb.properties.creator = f"sodcheck {__version__}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _footer(ws: Worksheet, lang: str, signature: bool) -> None:
    footer = ws.oddFooter
    assert footer is not None
    if signature:
        footer.left.text = WORDS[lang]["signature"]
        footer.left.size = 10
    footer.right.text = WORDS[lang]["page"]
    footer.right.size = 9


def _summary(ws: Worksheet, sample: Sample, lang: str) -> None:
    w = WORDS[lang]
    headers = [w["biz_type"], w["class"], w["population"], w["rate"], w["size"], w["findings"], w["total"]]
    last = get_column_letter(len(headers))
    put(ws, 1, 1, w["title"].format(month=sample.month)).font = TITLE
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = Alignment(horizontal="center")
    population = sum(s.population for s in sample.strata)
    meta = [(w["month"], sample.month, w["seed"], sample.seed),
            (w["population_total"], population, w["sample_total"], len(sample.businesses))]
    for r, (k1, v1, k2, v2) in enumerate(meta, start=2):
        put(ws, r, 1, k1).font = BOLD
        put(ws, r, 2, v1).alignment = Alignment(horizontal="left")
        put(ws, r, 3, k2).font = BOLD
        put(ws, r, 4, v2).alignment = Alignment(horizontal="left")
    wide = [(w["rates"], rates_text(sample.rates, sample.class_label, lang)),
            (w["min_per_type"], w["items"].format(count=sample.min_per_type)),
            (w["fingerprint"], sample.fingerprint)]
    for r, (key, value) in enumerate(wide, start=4):
        put(ws, r, 1, key).font = BOLD
        put(ws, r, 2, value).alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=len(headers))
    ws["B6"].font = Font(name="Courier New", size=9)
    rows: list[list] = [[type_text(s.biz_type, lang), sample.class_label(s.class_id, lang), s.population,
                         sample.rate_of.get(s.class_id, 0), s.size, s.findings, s.size + s.findings]
                        for s in sample.strata]
    rows.append([w["total"], "", population, "", sum(s.size for s in sample.strata),
                 sum(s.findings for s in sample.strata), len(sample.businesses)])
    widths: dict[int, int] = {1: 14, 2: 14}
    header_row = 8
    end = _table(ws, header_row, headers, rows, widths)
    for r in range(header_row + 1, end - 1):
        ws.cell(row=r, column=4).number_format = "0%" if all(
            float(rate * 100).is_integer() for _, rate in sample.rates) else "0.0%"
    # CJK text needs more room than its nominal width in LibreOffice's and Excel's fonts.
    widths = {column: round(width * 1.15) for column, width in widths.items()}
    for column in range(1, len(headers) + 1):
        ws.cell(row=end - 1, column=column).font = BOLD
    note = put(ws, end + 1, 1, w["method"].format(month=sample.month, min=sample.min_per_type, seed=sample.seed))
    note.alignment = WRAP
    ws.merge_cells(start_row=end + 1, start_column=1, end_row=end + 1, end_column=len(headers))
    put(ws, end + 3, 1, w["signature"]).font = Font(size=12)
    ws.merge_cells(start_row=end + 3, start_column=1, end_row=end + 3, end_column=len(headers))
    final = _set_widths(ws, widths, {1: 30, 2: 26, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10})
    _fit_rows(ws, header_row + 1, end - 1, final)
    # The method note spans the table's width: as tall as its text needs there.
    span = sum(final.values())
    ws.row_dimensions[end + 1].height = 18 * (-(-len(note.value) * (2 if lang == "zh" else 1) // span) + 1)
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, f"{header_row}:{header_row}")
    _footer(ws, lang, signature=False)


def _checklist(ws: Worksheet, sample: Sample, lang: str) -> None:
    w = WORDS[lang]
    headers = [w[c] for c in CHECKLIST]
    rows = []
    for n, b in enumerate(sample.businesses, start=1):
        steps = "\n".join(step_line(s.time, s.kind, s.step, s.who.get(lang), lang) for s in b.steps)
        rows.append([n, b.biz_id, type_text(b.biz_type, lang), sample.class_label(b.class_id, lang), w[b.reason],
                     " ".join(b.rules), steps, None, None, None, None])
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows, widths)
    last_row = max(2, len(rows) + 1)
    for name in ANSWERS:
        column = CHECKLIST.index(name) + 1
        widths[column] = max(widths.get(column, 0), CAPS[name])
        for r in range(2, len(rows) + 2):
            cell = ws.cell(row=r, column=column)
            cell.fill, cell.border, cell.alignment = ANSWER_FILL, GRID, WRAP
            if name == "checked_on":
                cell.number_format = "yyyy-mm-dd"
    conclusion = get_column_letter(CHECKLIST.index("conclusion") + 1)
    choices = ",".join(w[c] for c in CONCLUSIONS)
    rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True, showDropDown=False,
                          showErrorMessage=True, showInputMessage=True, promptTitle=w["conclusion"],
                          prompt=w["prompt"], errorTitle=w["conclusion"], error=w["error"])
    rule.add(f"{conclusion}2:{conclusion}{last_row}")
    ws.add_data_validation(rule)
    final = _set_widths(ws, widths, {CHECKLIST.index(c) + 1: cap for c, cap in CAPS.items()})
    _fit_rows(ws, 2, len(rows) + 1, final)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    _print_setup(ws, "1:1")
    header = ws.oddHeader
    assert header is not None
    header.center.text = f"{w['title'].format(month=sample.month)}    {w['seed']} {sample.seed}"
    header.center.size = 11
    _footer(ws, lang, signature=True)


def _about(ws: Worksheet, sample: Sample, lang: str) -> None:
    """What was drawn, one tagged row each, as text (no number is re-read as a float): the reader
    checks the fingerprint over these rows and compares the checklist with them."""
    rows: list[list[str]] = [
        ["format", FORMAT], ["version", __version__], ["lang", lang], ["month", sample.month],
        ["seed", str(sample.seed)], ["min_per_type", str(sample.min_per_type)],
        ["fingerprint", sample.fingerprint], ["inputs", json.dumps(list(sample.inputs), ensure_ascii=False)]]
    rows += [["rate", class_id, repr(float(rate))] for class_id, rate in sample.rates]
    rows += [["class", class_id, label.zh, label.en] for class_id, label in sample.class_labels]
    rows += [["stratum", s.biz_type, s.class_id, str(s.population), str(s.size)] for s in sample.strata]
    rows += [["business", b.biz_id, b.biz_type, b.class_id, b.reason, " ".join(b.rules)]
             for b in sample.businesses]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = put(ws, r, c, value)
            cell.data_type = "s"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
