"""The self-assessment workbook: the 考核表 with 自评得分, 扣分依据 (linked to the problems), 整改措施,
责任人 and 整改时限 to fill in, subtotals per section and the total; the problems found; scores per
unit; 整改进度 against a baseline; data issues. Styled and printed as the check report is (A4,
header rows repeated, page numbers), with the helpers of report/xlsx.py."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..report.xlsx import _fit_rows, _print_setup, _set_widths, _table, put
from ..text import labelled
from .scoring import Assessment
from .wording import WORDS, evidence_lines, item_text, ref_text, score_text, source_note, status_text, subject_text

SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=16)


def _page_footer(ws: Worksheet, lang: str) -> None:
    footer = ws.oddFooter
    assert footer is not None
    footer.center.text = "第 &P 页，共 &N 页" if lang == "zh" else "Page &P of &N"
    footer.center.size = 9


def _items_sheet(ws: Worksheet, a: Assessment, lang: str, finding_rows: dict[int, int]) -> None:
    w = WORDS[lang]
    headers = [w["no"], w["item_text"], w["points"], w["method"], w["score"], w["status"], w["basis"],
               w["measures"], w["owner"], w["deadline"], w["progress"]]
    last = get_column_letter(len(headers))
    put(ws, 1, 1, f"{a.plan.info.title.text().get(lang)}（{a.plan.info.source}）" if lang == "zh"
        else f"{a.plan.info.title.text().get(lang)} ({a.plan.info.source})").font = TITLE
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = Alignment(horizontal="center")
    meta = "    ".join((labelled(w["agency"], a.answers.agency or w["blank"], lang),
                            labelled(w["as_of"], a.as_of.isoformat(), lang),
                            labelled(w["scale"], a.scale.definition.title.text().get(lang), lang),
                            labelled(w["total"], w["total_value"].format(total=a.total, judged=a.judged,
                                                                           max=a.max), lang)))
    put(ws, 2, 1, meta)
    ws.merge_cells(f"A2:{last}2")
    widths: dict[int, int] = {}
    rows: list[list] = []
    kinds: list[str] = []
    for section in a.sections:
        rows.append([section.id, section.title.get(lang), section.points, "", score_text(section.score), "",
                     "", "", "", "", ""])
        kinds.append("section")
        for item in (i for i in a.items if i.section == section.id):
            progress = ""
            if item.fixed:
                progress = (f"已整改{len(item.fixed)}项" if lang == "zh" else f"{len(item.fixed)} fixed")
            answer = item.answer
            rows.append([item.item, item_text(item, lang), item.points, w["methods"][item.method],
                         item.score if item.score is not None else "", status_text(item, lang),
                         item.basis.get(lang), answer.measures if answer else "", answer.owner if answer else "",
                         answer.deadline if answer else "", progress])
            kinds.append(f"item:{item.item}")
    rows.append(["", w["grand_total"], a.max, "", a.total, "", w["unjudged"].format(points=a.max - a.judged),
                 "", "", "", ""])
    kinds.append("total")
    header_row = 4
    end = _table(ws, header_row, headers, rows, widths)
    for offset, kind in enumerate(kinds, start=header_row + 1):
        if kind in ("section", "total"):
            for column in range(1, len(headers) + 1):
                cell = ws.cell(row=offset, column=column)
                cell.fill = SECTION_FILL if kind == "section" else TOTAL_FILL
                cell.font = BOLD
        else:
            number = int(kind.split(":")[1])
            item = next(i for i in a.items if i.item == number)
            first = next((f for f in item.findings), None)
            if first is not None and first.ref in finding_rows:
                # The link sits on the status cell: LibreOffice does not wrap the text of a linked cell.
                cell = ws.cell(row=offset, column=6)
                cell.hyperlink = Hyperlink(ref=cell.coordinate,
                                           location=f"'{w['sheets']['findings']}'!A{finding_rows[first.ref]}")
                cell.font = Font(color="1F4E78", underline="single")
    put(ws, end, 1, source_note(a, lang))
    ws.merge_cells(f"A{end}:{last}{end}")
    put(ws, end + 2, 1, w["signature"]).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A{end + 2}:{last}{end + 2}")
    ws.row_dimensions[end + 2].height = 36   # its two lines
    caps = {1: 6, 2: 44, 3: 6, 4: 10, 5: 8, 6: 9, 7: 40, 8: 24, 9: 10, 10: 12, 11: 12}
    for column in (8, 9, 10, 11):
        widths[column] = caps[column]   # blank columns to write in: wide enough for a hand
    _fit_rows(ws, header_row + 1, end - 1, _set_widths(ws, widths, caps))
    if any(len(text) > caps[column] for column, text in enumerate(headers, start=1)):
        ws.row_dimensions[header_row].height = 30   # a header wraps onto a second line
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, f"{header_row}:{header_row}")
    _page_footer(ws, lang)


def _findings_sheet(ws: Worksheet, a: Assessment, lang: str) -> dict[int, int]:
    """The problems, one row each; returns the row of each problem number, for the links."""
    w = WORDS[lang]
    headers = [w["ref"], w["item"], w["rule"], w["severity"], w["subject"], w["units"], w["message"],
               w["evidence"], w["remedy"]]
    rows, refs = [], {}
    for row, f in enumerate(a.findings, start=2):
        refs[f.ref] = row
        v = f.violation
        message = v.message.get(lang) + (f"（{w['waived']}）" if not f.counts else "")
        rows.append([ref_text(f, lang), w["item_value"].format(item=f.item), v.rule_id,
                     w["severities"][v.severity], subject_text(f), "\n".join(f.units), message,
                     evidence_lines(f, a, lang), a.report.remedy(v.rule_id, lang)])
    widths: dict[int, int] = {}
    _table(ws, 1, headers, rows or [[w["no_findings"]] + [""] * (len(headers) - 1)], widths)
    caps = {5: 14, 6: 22, 7: 36, 8: 40, 9: 36}
    _fit_rows(ws, 2, len(rows) + 1, _set_widths(ws, widths, caps))
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    _page_footer(ws, lang)
    return refs


def _units_sheet(ws: Worksheet, a: Assessment, lang: str) -> None:
    w = WORDS[lang]
    scored = [i for i in a.items if i.status == "scored"]
    headers = [w["unit"], *(w["item_value"].format(item=i.item) + f"（{i.points:g}）" for i in scored),
               w["unit_score"], w["unit_max"]]
    rows = [[u.unit, *(dict(i.units).get(u.unit, "") for i in scored), u.score, u.max] for u in a.units]
    widths: dict[int, int] = {}
    end = _table(ws, 1, headers, rows, widths)
    put(ws, end + 1, 1, w["unit_note"])
    _fit_rows(ws, 2, end - 1, _set_widths(ws, widths, {1: 30}))
    _print_setup(ws, "1:1")
    _page_footer(ws, lang)


def _progress_sheet(ws: Worksheet, a: Assessment, lang: str) -> None:
    w = WORDS[lang]
    put(ws, 1, 1, f"{w['fixed']}（{w['baseline']}：{a.baseline}）" if lang == "zh"
        else f"{w['fixed']} ({w['baseline']}: {a.baseline})").font = BOLD
    rows = [[w["item_value"].format(item=f.item), f.rule_id, f.name, f.unit or "",
             w["severities"].get(f.severity or "", f.severity or "")] for f in a.fixed]
    widths: dict[int, int] = {}
    end = _table(ws, 2, [w["item"], w["rule"], w["subject"], w["unit"], w["severity"]],
                 rows or [[w["fixed_none"], "", "", "", ""]], widths)
    _fit_rows(ws, 3, end - 1, _set_widths(ws, widths, {1: 30, 4: 30}))
    _print_setup(ws, "2:2")
    _page_footer(ws, lang)


def _warnings_sheet(ws: Worksheet, a: Assessment, lang: str) -> None:
    from ..text import location_text

    w = WORDS[lang]
    rows = [[warning.code, location_text(lang, warning.file, warning.sheet, warning.row, None, warning.column),
             warning.message.get(lang)] for warning in a.warnings]
    widths: dict[int, int] = {}
    end = _table(ws, 1, [w["warning_code"], w["location"], w["message"]], rows, widths)
    _fit_rows(ws, 2, end - 1, _set_widths(ws, widths, {2: 40, 3: 60}))
    _print_setup(ws, "1:1")
    _page_footer(ws, lang)


def render(a: Assessment, options) -> bytes:
    lang = options.lang
    w = WORDS[lang]
    book = Workbook()
    items = book.active
    assert items is not None
    items.title = w["sheets"]["items"]
    findings = book.create_sheet(w["sheets"]["findings"])
    refs = _findings_sheet(findings, a, lang)
    _items_sheet(items, a, lang, refs)
    _units_sheet(book.create_sheet(w["sheets"]["units"]), a, lang)
    if a.baseline:
        _progress_sheet(book.create_sheet(w["sheets"]["progress"]), a, lang)
    if a.warnings:
        _warnings_sheet(book.create_sheet(w["sheets"]["warnings"]), a, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

