"""A Word draft of the 自查报告 (python-docx): 基本情况, 检查范围, 发现的问题 by item and by unit,
整改措施 to fill in, 自评得分 and a signature block. Officers finish it in Word or WPS, so it uses
plain paragraphs, built-in styles and simple tables: nothing that breaks when edited."""
from __future__ import annotations

import io
from collections import Counter

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .. import __version__
from ..text import labelled
from .scoring import INPUT_KINDS, INPUT_NAMES, Assessment
from .wording import WORDS, evidence_lines, item_text, ref_text, score_text, source_note, status_text, subject_text

FONT_ZH = "仿宋_GB2312"
FONT_HEADING = "黑体"


def _font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _page_number(paragraph, lang: str) -> None:
    """第 N 页 in the footer, as a PAGE field Word and WPS fill in."""
    before, after = ("第 ", " 页") if lang == "zh" else ("Page ", "")
    paragraph.add_run(before)
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    paragraph.add_run(after)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, headers: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), FONT_HEADING, 10.5, True)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), FONT_ZH, 10.5)
    if widths:
        # Word reads the cells' widths, LibreOffice the table's grid: both are set, and autofit is off
        # so that neither spreads the columns evenly.
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Mm(width)


def render(a: Assessment, options) -> bytes:
    lang = options.lang
    w = WORDS[lang]
    report = a.report
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    _page_number(section.footer.paragraphs[0], lang)
    normal = doc.styles["Normal"]
    normal.font.name = FONT_ZH
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT_ZH)

    def heading(text: str) -> None:
        paragraph = doc.add_paragraph()
        _font(paragraph.add_run(text), FONT_HEADING, 14, True)

    def para(text: str) -> None:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24)
        _font(paragraph.add_run(text), FONT_ZH, 12)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    agency = a.answers.agency
    _font(title.add_run((agency + "\n" if agency else "") + w["report_title"]), "方正小标宋简体", 20, True)
    draft = doc.add_paragraph()
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(draft.add_run(w["draft"]), FONT_ZH, 10.5)

    counting = [f for f in a.findings if f.counts]
    by_severity = Counter(f.violation.severity for f in counting)
    heading(w["sections"]["basic"])
    para(w["basic_text"].format(plan=a.plan.info.title.text().get(lang), source=a.plan.info.source,
                                date=a.as_of.isoformat(), n=len(counting), high=by_severity["high"],
                                medium=by_severity["medium"], low=by_severity["low"]))

    heading(w["sections"]["scope"])
    sep = "、" if lang == "zh" else ", "
    para(w["scope_given"].format(files=sep.join(a.inputs)))
    missing = [INPUT_NAMES[k].get(lang) for k in INPUT_KINDS if k not in a.given]
    if missing:
        para(w["scope_missing"].format(kinds=sep.join(missing)))

    heading(w["sections"]["problems"])
    for item in a.items:
        if not item.findings:
            continue
        paragraph = doc.add_paragraph()
        _font(paragraph.add_run(f"{w['item_value'].format(item=item.item)}  {item_text(item, lang)}"),
              FONT_HEADING, 12, True)
        groups = sorted({u for f in item.findings for u in f.units})
        # Findings of no unit (an account of no unit, a business) come last, under no unit heading.
        groups += [""] if any(not f.units for f in item.findings) else []
        for unit in groups:
            in_unit = [f for f in item.findings if unit in f.units or (not unit and not f.units)]
            if unit:
                _font(doc.add_paragraph().add_run(labelled(w["unit"], unit, lang)),
                      FONT_ZH, 12, True)
            elif len(groups) > 1:
                _font(doc.add_paragraph().add_run(w["no_unit"]), FONT_ZH, 12, True)
            for f in in_unit:
                v = f.violation
                text = (f"{ref_text(f, lang)}　{subject_text(f)}：{v.message.get(lang)}"
                        f"（{w['severities'][v.severity]}）" if lang == "zh" else
                        f"{ref_text(f, lang)} {subject_text(f)}: {v.message.get(lang)} ({w['severities'][v.severity]})")
                if not f.counts:
                    text += f"（{w['waived']}）" if lang == "zh" else f" ({w['waived']})"
                para(text)
                evidence = evidence_lines(f, a, lang)
                if evidence:
                    para(labelled(w["evidence"], evidence, lang))
                remedy = report.remedy(v.rule_id, lang)
                if remedy:
                    para(labelled(w["remedy"], remedy, lang))
    if not a.findings:
        para(w["no_findings"])
    if a.unassigned:
        _font(doc.add_paragraph().add_run(w["unassigned"]), FONT_HEADING, 12, True)
        for v in a.unassigned:
            para(labelled(v.subject.name, v.message.get(lang), lang))

    heading(w["sections"]["measures"])
    para(w["measures_hint"])
    blank = w["blank"]
    for item in a.items:
        answer = item.answer
        if not item.findings and not (answer and answer.measures):
            continue
        para(w["measure_line"].format(item=item.item, measures=(answer.measures if answer else "") or blank * 3,
                                      owner=(answer.owner if answer else "") or blank,
                                      deadline=(answer.deadline if answer else "") or blank))

    heading(w["sections"]["score"])
    para(labelled(w["total"], w["total_value"].format(total=a.total, judged=a.judged, max=a.max), lang))
    para(w["unjudged"].format(points=a.max - a.judged))
    rows = []
    for s in a.sections:
        rows.append([s.id, s.title.get(lang), f"{s.points:g}", score_text(s.score), ""])
        for item in (i for i in a.items if i.section == s.id):
            rows.append([str(item.item), item_text(item, lang), f"{item.points:g}", score_text(item.score),
                         status_text(item, lang)])
    _table(doc, [w["no"], w["item_text"], w["points"], w["score"], w["status"]], rows, [12, 90, 14, 16, 28])
    note = source_note(a, lang)
    if note:
        _font(doc.add_paragraph().add_run(note), FONT_ZH, 10.5)
    if a.units:
        doc.add_paragraph()
        _table(doc, [w["unit"], w["unit_score"], w["unit_max"]],
               [[u.unit, f"{u.score:g}", f"{u.max:g}"] for u in a.units], [90, 30, 40])
        _font(doc.add_paragraph().add_run(w["unit_note"]), FONT_ZH, 10.5)

    heading(w["sections"]["progress"])
    if not a.baseline:
        para(w["no_baseline"])
    elif not a.fixed:
        para(w["fixed_none"])
    else:
        para(f"{w['fixed']}（{w['baseline']}：{a.baseline}）" if lang == "zh"
             else f"{w['fixed']} ({w['baseline']}: {a.baseline})")
        _table(doc, [w["item"], w["rule"], w["subject"], w["unit"]],
               [[w["item_value"].format(item=f.item), f.rule_id, f.name, f.unit or ""] for f in a.fixed],
               [22, 48, 40, 50])

    doc.add_paragraph()
    signature = doc.add_paragraph()
    _font(signature.add_run(w["signature"]), FONT_ZH, 12)
    footer = doc.add_paragraph()
    _font(footer.add_run(w["generated"].format(version=__version__)), FONT_ZH, 9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
