"""A blank Annex 2 workbook (附件2 经办机构人员分工、岗位职责情况表) that sodcheck reads without a
single warning: the 附件2 label, the title and the 填报单位 line as in the plan, canonical headers, a
dropdown of staff types the loader understands, post names the built-in taxonomy classifies,
text-formatted id and date columns (so Excel neither rounds an id number nor turns 2019.03 into a
number), one example row and 20 bordered rows to fill in by hand, the 填表人 / 审核人 / 填报日期 line,
and an instructions sheet that prints on A4.
"""
from __future__ import annotations

import io
from typing import Literal, TypedDict

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from .report.xlsx import SIDE_MARGIN_IN, text_width

# (Chinese header, English gloss, column width). The Chinese header is what the loader and every
# municipal form use; the English gloss sits in brackets, which header matching ignores.
# The widths add up to what prints on A4 landscape, one page wide, at 9 pt or more (see
# tests/test_printing.py for how a printed size is worked out); longer text wraps.
COLUMNS = (
    ("序号", "No.", 5),
    ("单位", "Unit", 14),
    ("科室", "Office", 9),
    ("姓名", "Name", 8),
    ("身份证号码", "ID number", 20),
    ("人员身份", "Staff type", 9),
    ("岗位", "Post", 14),
    ("岗位职责", "Duties", 20),
    ("保管物品", "Items kept", 12),
    ("任现岗时间", "In post since", 11),
    ("备注", "Remarks", 12),
)
STAFF_TYPES = ("在编", "事业编制", "行政编制", "参公", "编外", "劳务派遣", "合同制", "聘用",
               "公益性岗位", "购买服务")
# Common post names, by the duty the built-in taxonomy gives them (tests hold them to it).
COMMON_POSTS: dict[str, tuple[str, ...]] = {
    "business": ("参保登记", "费用征集", "待遇审核", "关系转移", "个人权益记录", "业务稽核", "档案管理",
                 "窗口受理", "咨询服务", "工伤认定", "医疗费用审核", "社保卡管理"),
    "rate_assessment": ("缴费核定",),
    "benefit_payment": ("待遇发放",),
    "accounting": ("会计",),
    "cashier": ("出纳",),
    "finance": ("财务", "基金财务管理"),
    "it": ("信息管理员", "系统管理员", "网络管理", "数据管理"),
    "internal_control": ("内控稽核", "内部控制"),
}
FIRST_ROW = 5          # 附件2, title, reporting unit, header, then data
DATA_ROWS = 500        # rows with the dropdowns and text formats
BLANK_ROWS = 20        # bordered rows to fill in by hand below the example row
ROW_HEIGHT = 20        # room to write by hand; the form and its signature line fit one page
INSTRUCTIONS_WIDTH = 72  # prints on A4 portrait at 100 % in Excel and LibreOffice alike
# Columns whose cells show a hint when selected; the same hint sits in a comment on the header.
PromptKey = Literal["staff_prompt", "post_prompt", "date_prompt", "id_prompt"]
PROMPTS: dict[str, PromptKey] = {"人员身份": "staff_prompt", "岗位": "post_prompt", "任现岗时间": "date_prompt",
           "身份证号码": "id_prompt"}
EXAMPLE_ID = "11010519491231002X"   # the worked example of GB 11643; its check digit is right



class TemplateWords(TypedDict):
    """The wording of the template in one language."""

    form: str
    instructions: str
    lists: str
    annex: str
    title: str
    reporting: str
    signatures: str
    posts_header: str
    example: list[str]          # one cell per column of COLUMNS
    staff_prompt: str
    staff_error: str
    post_prompt: str
    date_prompt: str
    id_prompt: str
    lines: list[str]            # the instructions sheet, one line a row


WORDS: dict[str, TemplateWords] = {
    "zh": {
        "form": "人员分工", "instructions": "填表说明", "lists": "岗位选项", "annex": "附件2",
        "title": "经办机构人员分工、岗位职责情况表",
        "reporting": "填报单位（盖章）：",
        "signatures": "填表人：                        审核人：                        填报日期：    年    月    日",
        "posts_header": "常用岗位名称",
        "example": ["1", "XX区社会保险事业管理中心", "稽核科", "张三", EXAMPLE_ID, "在编", "内控稽核",
                    "负责内部控制检查、风险排查与整改督促", "", "2021.03", "示例行，填写前请删除"],
        "staff_prompt": "请从下拉列表选择：在编、事业编制、行政编制、参公为在编人员，其余为非在编人员。",
        "staff_error": "不是常用的人员身份。sodcheck 只能识别下拉列表中的写法，仍要使用吗？",
        "post_prompt": "可从下拉列表选择，也可直接输入。一人兼任多个岗位的，用“、”分隔写在同一格，如：会计、出纳。",
        "date_prompt": "如 2019.03 或 2019-03-05",
        "id_prompt": "18 位身份证号码，本列已设为文本格式，请勿改为数字。",
        "lines": [
            "经办机构人员分工、岗位职责情况表 填表说明",
            "",
            "1. 每人填一行，兼任的岗位写在同一行的“岗位”栏（见第 6 条）。一人在多个单位任职的，在各单位分别"
            "填写一行，身份证号码相同即视为同一人。",
            "2. 单位：填写经办机构全称，同一单位每行都要填写（可合并单元格）。",
            "3. 姓名：与身份证一致。",
            "4. 身份证号码：18 位，本列已设为文本格式；不要改成数字格式，否则末几位会丢失。",
            "5. 人员身份：从下拉列表选择。在编、事业编制、行政编制、参公为在编人员；编外、劳务派遣、合同制、"
            "聘用、公益性岗位、购买服务为非在编人员。待遇发放、费率核定、会计、出纳等高风险岗位必须由在编人员担任。",
            "6. 岗位：可从下拉列表选择常用岗位名称，也可直接输入；一人兼任多个岗位的，用“、”分隔，如“会计、出纳”。"
            "（已按每个岗位一行填好的表也可以直接检查：同一人的各行会合并判断。）",
            "7. 岗位职责：简要写明本岗位的主要工作。",
            "8. 保管物品：保管印章、票据、网银U盾等的，写明物品名称，如“财务专用章、空白票据”。",
            "9. 任现岗时间：如 2019.03 或 2019-03-05；本列已设为文本格式。高风险岗位连续任职原则上不超过 5 年。",
            f"10. 第 {FIRST_ROW} 行是示例，填写前请删除或改写为实际人员；"
            "表格下方的填表人、审核人、填报日期请手写或填写。",
            "",
            "填好后可用 sodcheck 检查不相容岗位：sodcheck check --staff 本文件.xlsx --format xlsx -o 检查报告.xlsx",
        ],
    },
    "en": {
        "form": "Staffing", "instructions": "Instructions", "lists": "Post list", "annex": "附件2 (Annex 2)",
        "title": "经办机构人员分工、岗位职责情况表 (Annex 2: staff posts and duties)",
        "reporting": "填报单位（盖章）Reporting unit (seal):",
        "signatures": "填表人 Filled in by:                    审核人 Reviewed by:                    "
                      "填报日期 Date:",
        "posts_header": "常用岗位名称 (common post names)",
        "example": ["1", "XX区社会保险事业管理中心", "稽核科", "张三", EXAMPLE_ID, "在编", "内控稽核",
                    "负责内部控制检查、风险排查与整改督促", "", "2021.03",
                    "Example row: delete it before filling in"],
        "staff_prompt": "Pick from the list: 在编, 事业编制, 行政编制 and 参公 are established staff; "
                        "the others are not.",
        "staff_error": "Not a usual staff type; sodcheck only understands the ones in the list. Use it anyway?",
        "post_prompt": "Pick from the list or type freely. Several posts of one person go in one cell, "
                       "separated by 、 (e.g. 会计、出纳).",
        "date_prompt": "e.g. 2019.03 or 2019-03-05 (如 2019.03 或 2019-03-05)",
        "id_prompt": "18-character ID number. The column is formatted as text: do not turn it into a number.",
        "lines": [
            "Annex 2 staffing sheet: how to fill it in",
            "",
            "1. One row per person, with all of the person's posts in the 岗位 cell (see 6). Someone who works "
            "in several units has a row in each; the same ID number means the same person.",
            "2. 单位 (Unit): the full name of the agency, on every row (merged cells are fine).",
            "3. 姓名 (Name): as on the ID card.",
            "4. 身份证号码 (ID number): 18 characters. The column is text; formatted as a number, Excel "
            "would lose the last digits.",
            "5. 人员身份 (Staff type): pick from the list. 在编, 事业编制, 行政编制 and 参公 are established "
            "staff; 编外, 劳务派遣, 合同制, 聘用, 公益性岗位 and 购买服务 are not. High-risk posts (benefit "
            "payment, rate assessment, accountant, cashier) must be held by established staff.",
            "6. 岗位 (Post): pick a common post name or type your own; several posts of one person are "
            "separated by 、 as in 会计、出纳. (A sheet already filled in with one row per post checks just as "
            "well: the rows of one person are judged together.)",
            "7. 岗位职责 (Duties): what the post does, in a few words.",
            "8. 保管物品 (Items kept): seals, blank tickets, online-banking keys the person keeps, e.g. "
            "财务专用章、空白票据.",
            "9. 任现岗时间 (In post since): e.g. 2019.03 or 2019-03-05; the column is text. A high-risk post "
            "should not be held for more than 5 years in a row.",
            f"10. Row {FIRST_ROW} is an example: delete it or overwrite it with a real person. Below the table, "
            "fill in or sign 填表人, 审核人 and 填报日期.",
            "",
            "Then check it: sodcheck check --staff this-file.xlsx --format xlsx -o report.xlsx",
        ],
    },
}

THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def header_text(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else f"{zh}\n({en})"


def post_names() -> list[str]:
    return [name for names in COMMON_POSTS.values() for name in names]


def build_template(lang: str = "zh") -> Workbook:
    w = WORDS[lang]
    wb = Workbook()
    ws = wb.active
    # A new workbook opens on one worksheet; the stubs also allow a chartsheet or none.
    assert isinstance(ws, Worksheet)
    ws.title = w["form"]
    last = get_column_letter(len(COLUMNS))
    last_row = FIRST_ROW + DATA_ROWS - 1

    ws["A1"] = w["annex"]
    ws["A1"].font = Font(bold=True, size=12)
    ws.merge_cells("A1:C1")
    ws["A2"] = w["title"]
    ws["A2"].font = Font(bold=True, size=16)
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 34
    ws["A3"] = w["reporting"]
    ws.merge_cells(f"A3:{last}3")
    ws.row_dimensions[3].height = 22

    header_row = FIRST_ROW - 1
    for c, (zh, en, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=c, value=header_text(zh, en, lang))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = GRID
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[header_row].height = 24 if lang == "zh" else 48     # a gloss wraps onto 2 lines

    columns = {zh: get_column_letter(c) for c, (zh, _, _) in enumerate(COLUMNS, start=1)}
    text_columns = {columns["身份证号码"], columns["任现岗时间"]}
    # The example row and BLANK_ROWS rows to fill in are bordered; the rows below them keep the
    # formats and dropdowns for a longer list typed in Excel.
    last_bordered = FIRST_ROW + BLANK_ROWS
    for r in range(FIRST_ROW, last_row + 1):
        for c in range(1, len(COLUMNS) + 1):
            data_cell = ws.cell(row=r, column=c)
            if r <= last_bordered:
                data_cell.border = GRID
            data_cell.alignment = Alignment(vertical="center", wrap_text=True)
            if get_column_letter(c) in text_columns:
                data_cell.number_format = "@"
    for r in range(FIRST_ROW, last_bordered + 1):
        ws.row_dimensions[r].height = ROW_HEIGHT
    # The example's duties (and, in English, its remark) wrap in their columns.
    ws.row_dimensions[FIRST_ROW].height = (2 if lang == "zh" else 3) * ROW_HEIGHT
    signatures = last_bordered + 2
    ws.cell(row=signatures, column=1, value=w["signatures"])
    ws.merge_cells(start_row=signatures, start_column=1, end_row=signatures, end_column=len(COLUMNS))
    ws.row_dimensions[signatures].height = ROW_HEIGHT

    grey = Font(italic=True, color="7F7F7F")
    for c, value in enumerate(w["example"], start=1):
        cell = ws.cell(row=FIRST_ROW, column=c, value=int(value) if c == 1 else (value or None))
        cell.font = grey

    def validation(field: str, **options) -> DataValidation:
        """A validation of the data rows of one column, which shows the column's prompt."""
        rule = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=field,
                              prompt=w[PROMPTS[field]], **options)
        rule.add(f"{columns[field]}{FIRST_ROW}:{columns[field]}{last_row}")
        return rule

    staff = validation("人员身份", type="list", formula1='"' + ",".join(STAFF_TYPES) + '"',
                       showErrorMessage=True, errorStyle="warning", errorTitle="人员身份",
                       error=w["staff_error"])

    lists = wb.create_sheet(w["lists"])
    lists["A1"] = w["posts_header"]
    lists["A1"].font = Font(bold=True)
    names = post_names()
    for r, name in enumerate(names, start=2):
        lists.cell(row=r, column=1, value=name)
    lists.column_dimensions["A"].width = 24
    lists.sheet_state = "hidden"
    # A list drawn from another sheet; with no error message, any other text is accepted too.
    posts = validation("岗位", type="list", formula1=f"'{lists.title}'!$A$2:$A${len(names) + 1}",
                       showErrorMessage=False)
    for rule in (staff, posts, validation("任现岗时间"), validation("身份证号码")):
        ws.add_data_validation(rule)
    for field, prompt in PROMPTS.items():
        comment = Comment(w[prompt], "sodcheck")
        comment.width, comment.height = 260, 90
        ws[f"{columns[field]}{header_row}"].comment = comment

    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{last}{signatures}"
    _print_on_a4(ws, "landscape")

    # One column only: the loader takes a sheet whose text sits in one column for instructions.
    notes = wb.create_sheet(w["instructions"], 1)
    for r, line in enumerate(w["lines"], start=1):
        cell = notes.cell(row=r, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            cell.font = Font(bold=True, size=14)
        # Excel does not grow a row for wrapped text it did not type itself.
        lines = -(-text_width(line) // (INSTRUCTIONS_WIDTH - 4)) if line else 1
        notes.row_dimensions[r].height = 18 * max(1, lines) + (8 if r == 1 else 2)
    notes.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    _print_on_a4(notes, "portrait")
    wb.active = 0
    wb.properties.creator = "sodcheck"
    wb.properties.title = WORDS["zh"]["title"]
    return wb


def _print_on_a4(ws: Worksheet, orientation: Literal["portrait", "landscape"]) -> None:
    """A4, one page wide, with margins the widths above were chosen for."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def render_template(lang: str = "zh") -> bytes:
    buffer = io.BytesIO()
    build_template(lang).save(buffer)
    return buffer.getvalue()
