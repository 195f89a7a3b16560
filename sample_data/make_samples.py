#!/usr/bin/env python3
"""Generate the sodcheck sample data (Annex 2 staffing sheet, 人社部发〔2018〕43号).

Run from the repository root::

    python sample_data/make_samples.py

Writes, next to this script:

* ``annex2_sample.xlsx`` -- the workbook as an officer of 池州市贵池区 would fill it in
  (sheet "说明" with instructions, sheet "人员分工" with the form);
* ``annex2_sample.csv``  -- the same rows as a flat UTF-8-with-BOM CSV;
* ``EXPECTED.md``        -- the findings, notices and warnings the sample is built to produce.

Only the standard library and openpyxl are used, and the output is byte-for-byte
deterministic (fixed document properties and zip timestamps), so the generated files
can be committed and regenerated without noise.

All people and identity numbers are fictitious.  Identity numbers use region code
341702 (贵池区) and a correct GB 11643-1999 check digit, but do not belong to anyone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
XLSX_PATH = HERE / "annex2_sample.xlsx"
CSV_PATH = HERE / "annex2_sample.csv"
EXPECTED_PATH = HERE / "EXPECTED.md"

AS_OF = dt.date(2024, 6, 30)
MAX_TENURE_YEARS = 5
NOTICE_DAYS = 180
FIXED_TIMESTAMP = dt.datetime(2024, 6, 30, 9, 0, 0)

REGION = "341702"  # 安徽省池州市贵池区
FILLER_ORG = "池州市贵池区人力资源和社会保障局"
UNIT_PENSION = "贵池区社会养老保险管理中心"
UNIT_MEDICAL = "贵池区医疗保险管理中心"

# --------------------------------------------------------------------------------------
# GB 11643-1999 identity numbers
# --------------------------------------------------------------------------------------
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """Check digit of an 18-digit identity number (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def make_id(birth: dt.date, seq: int, female: bool) -> str:
    """Build a valid identity number; the 17th digit is odd for men, even for women."""
    if female and seq % 2:
        seq += 1
    if not female and not seq % 2:
        seq += 1
    first17 = f"{REGION}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


# --------------------------------------------------------------------------------------
# The roster
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class XDate:
    """A real Excel date cell, shown with ``fmt``; ``text`` is how Excel would export it."""

    value: dt.date
    fmt: str
    text: str


def xdate(y: int, m: int, d: int, style: str = "iso") -> XDate:
    value = dt.date(y, m, d)
    if style == "iso":
        return XDate(value, "yyyy-mm-dd", value.isoformat())
    if style == "cn":
        return XDate(value, 'yyyy"年"m"月"d"日"', f"{y}年{m}月{d}日")
    if style == "dot":
        return XDate(value, "yyyy.mm", f"{y}.{m:02d}")
    raise ValueError(style)


@dataclass(frozen=True)
class Row:
    unit: str
    dept: str  # 科室
    name: str
    status: str  # 人员身份
    post: str  # 岗位
    duties: str  # 岗位职责
    since: XDate | str  # 任现岗时间
    keeps: str = ""  # 保管物品
    note: str = ""  # 备注
    id_key: str | None = None  # key into PEOPLE; None -> identity number left blank


# name -> (birth date, sequence, female).  People missing here get a blank id cell.
PEOPLE: dict[str, tuple[dt.date, int, bool]] = {
    # 养老保险中心
    "汪明华": (dt.date(1975, 4, 12), 31, False),
    "章丽娟": (dt.date(1978, 9, 3), 42, True),
    "吴建国": (dt.date(1972, 11, 20), 15, False),
    "方晓燕": (dt.date(1986, 2, 14), 26, True),
    "陈志刚": (dt.date(1970, 6, 8), 73, False),
    "刘芳": (dt.date(1995, 7, 21), 8, True),
    "王海涛": (dt.date(1983, 12, 1), 57, False),
    "周晓梅": (dt.date(1988, 3, 29), 64, True),
    "赵磊": (dt.date(1990, 10, 10), 19, False),
    "孙伟": (dt.date(1987, 5, 5), 33, False),
    "黄秀英": (dt.date(1969, 1, 17), 82, True),
    "杨帆": (dt.date(1981, 8, 30), 45, False),
    "徐敏": (dt.date(1984, 4, 4), 50, True),
    "胡国庆": (dt.date(1976, 10, 1), 11, False),
    "马丽": (dt.date(1985, 6, 18), 36, True),
    # 医疗保险中心
    "程红梅": (dt.date(1992, 12, 12), 28, True),
    "江涛": (dt.date(1980, 2, 2), 71, False),
    "许文斌": (dt.date(1979, 7, 7), 13, False),
    "郑佳": (dt.date(1991, 9, 9), 24, True),
    "潘玉兰": (dt.date(1974, 3, 15), 60, True),
    "宋雨": (dt.date(1993, 5, 20), 46, True),
    "罗丹": (dt.date(1996, 1, 8), 52, True),
    "韩冰": (dt.date(1989, 11, 11), 39, False),
    "曹军": (dt.date(1988, 8, 8), 17, False),
    "邓立新": (dt.date(1977, 12, 25), 65, False),
    "谢婷": (dt.date(1990, 4, 16), 88, True),
    "田丰": (dt.date(1982, 6, 6), 91, False),
    # 冯雪 (合同制), 彭丽 (合同制) and 钱勇 (编外 驾驶员) are deliberately left without an id.
}

P, M = UNIT_PENSION, UNIT_MEDICAL

ROWS: list[Row] = [
    # ---------------------------------------------------------------- 养老保险管理中心
    Row(P, "综合科", "汪明华", "在编", "内控稽核",
        "负责本中心内部控制制度执行情况检查、风险排查与整改督促", "2021年3月", id_key="汪明华"),
    Row(P, "征缴科", "章丽娟", "事业编制", "参保登记",
        "负责参保单位及个人参保登记、变更、注销", "2012.03", id_key="章丽娟"),
    Row(P, "征缴科", "吴建国", "在编", "缴费核定",
        "负责参保单位缴费基数申报核定、欠费催缴", "2016年3月", id_key="吴建国"),
    Row(P, "征缴科", "马丽", "事业编制", "缴费核定",
        "负责灵活就业人员缴费核定", xdate(2019, 6, 30, "cn"), id_key="马丽"),
    Row(P, "征缴科", "杨帆", "在编", "关系转移",
        "负责养老保险关系转移接续办理", xdate(2011, 8, 1, "iso"), id_key="杨帆"),
    Row(P, "待遇科", "方晓燕", "事业编制", "待遇审核",
        "负责企业职工退休待遇审核", xdate(2021, 9, 1, "iso"), id_key="方晓燕"),
    Row(P, "待遇科", "王海涛", "在编", "待遇审核、会计",
        "负责待遇审核，兼任基金会计核算", "2022/3/5", id_key="王海涛"),
    Row(P, "待遇科", "陈志刚", "在编", "待遇发放",
        "负责养老金按月发放、发放名册核对", "2012.3", id_key="陈志刚"),
    Row(P, "待遇科", "刘芳", "劳务派遣", "待遇发放",
        "协助养老金发放数据整理、发放名册核对", "2023-03", id_key="刘芳"),
    Row(P, "内控办", "徐敏", "在编", "内部控制、待遇审核",
        "负责内部控制检查，兼任待遇审核", "2020年5月", id_key="徐敏"),
    Row(P, "财务科", "周晓梅", "在编", "会计",
        "负责社保基金会计核算、编制会计报表", xdate(2021, 5, 10, "dot"),
        keeps="财务专用章", note="同时在医保中心任职", id_key="周晓梅"),
    Row(P, "财务科", "胡国庆", "在编", "出纳",
        "负责基金收付款、现金及银行存款日记账登记", "2019/12/20",
        keeps="法人名章", id_key="胡国庆"),
    Row(P, "财务科", "方晓燕", "事业编制", "财务",
        "负责基金财务收支核算", "2021.11", note="兼", id_key="方晓燕"),
    Row(P, "信息科", "赵磊", "在编", "参保登记；信息管理员",
        "负责参保登记，兼管信息系统用户维护", "2020年8月", id_key="赵磊"),
    Row(P, "信息科", "孙伟", "事业编制", "系统管理员",
        "负责信息系统运行维护及用户权限管理", "2020.06", id_key="孙伟"),
    Row(P, "综合科", "黄秀英", "合同制", "档案管理",
        "负责参保档案整理、归档、查阅", "2015年13月", id_key="黄秀英"),
    Row(P, "综合科", "钱勇", "编外", "驾驶员",
        "负责公务车辆驾驶及维护保养", "2018.09", note="聘用"),
    # ---------------------------------------------------------------- 医疗保险管理中心
    Row(M, "综合科", "程红梅", "编外", "内控稽核",
        "负责本中心内部控制检查、风险排查", "2023年2月", id_key="程红梅"),
    Row(M, "参保科", "江涛", "事业编制", "参保登记",
        "负责城乡居民医保参保登记、变更", "2013年4月", id_key="江涛"),
    Row(M, "参保科", "冯雪", "合同制", "参保登记",
        "负责职工医保参保登记窗口受理", "2016/4/18"),
    Row(M, "参保科", "邓立新", "事业编制", "关系转移",
        "负责医保关系转移接续办理", "20130708", id_key="邓立新"),
    Row(M, "参保科", "许文斌", "在编", "缴费核定",
        "负责职工医保缴费基数核定", "2017-05", id_key="许文斌"),
    Row(M, "待遇科", "韩冰", "事业编制", "待遇审核",
        "负责定点医药机构医疗费用审核", "2021年9月", id_key="韩冰"),
    Row(M, "待遇科", "谢婷", "在编", "待遇审核",
        "负责门诊慢特病待遇审核", xdate(2020, 2, 15, "iso"), id_key="谢婷"),
    Row(M, "待遇科", "田丰", "在编", "待遇发放",
        "负责医保待遇支付及拨付名册核对", "2019年9月15日", id_key="田丰"),
    Row(M, "待遇科", "罗丹", "编外", "待遇发放",
        "负责医保待遇支付数据整理、拨付", "202209", id_key="罗丹"),
    Row(M, "财务科", "潘玉兰", "在编", "会计",
        "负责医保基金会计核算、编制会计报表", "2014.07", id_key="潘玉兰"),
    Row(M, "财务科", "郑佳", "在编", "会计\n出纳",
        "负责基金会计核算及收付款", "2021.3", note="人员不足暂兼", id_key="郑佳"),
    Row(M, "财务科", "周晓梅", "在编", "出纳",
        "负责基金收付款及银行对账", "2022年1月", note="养老中心人员兼任", id_key="周晓梅"),
    Row(M, "财务科", "宋雨", "在编", "出纳",
        "负责基金收付款、现金日记账登记", "2023年7月5日",
        keeps="财务专用章、空白票据", id_key="宋雨"),
    Row(M, "信息科", "曹军", "在编", "信息管理员",
        "负责医保信息系统运行维护", "2020年10月", id_key="曹军"),
    Row(M, "综合科", "彭丽", "合同制", "档案管理",
        "负责医保档案整理、归档", "2017.11"),
]


def person_id(row: Row) -> str:
    if row.id_key is None:
        return ""
    birth, seq, female = PEOPLE[row.id_key]
    return make_id(birth, seq, female)


def since_text(row: Row) -> str:
    return row.since.text if isinstance(row.since, XDate) else row.since


DISTINCT_PEOPLE = len({person_id(r) or r.name for r in ROWS})

# --------------------------------------------------------------------------------------
# Workbook
# --------------------------------------------------------------------------------------
TITLE = "经办机构人员分工、岗位职责情况表"
FILL_LINE = f"填报单位（盖章）：{FILLER_ORG}        填报日期：2024年6月30日"

# (header text, row-5 sub header or None, column width)
COLUMNS = [
    ("序号", None, 5.5),
    ("单位", None, 12),
    ("科室", None, 9),
    ("姓  名", None, 9),  # two ordinary spaces, as officers space out two-character headers
    ("身份证号码", None, 21),
    ("人员身份", None, 10),
    ("岗位情况", "岗位", 15),
    ("岗位情况", "岗位职责", 34),
    ("岗位情况", "任现岗时间", 13),
    ("保管物品", None, 16),
    ("备\u3000\u3000注", None, 14),  # ideographic spaces (U+3000)
]
NCOLS = len(COLUMNS)
LAST_COL = get_column_letter(NCOLS)

HEADER_TOP, HEADER_SUB = 4, 5
FIRST_DATA_ROW = 6

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BODY_FONT = Font(name="宋体", size=10.5)
HEAD_FONT = Font(name="黑体", size=10.5, bold=True)
TITLE_FONT = Font(name="方正小标宋简体", size=18, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def build_instructions(ws) -> None:
    lines = [
        "填表说明",
        "",
        "1．本表由各社会保险经办机构按在岗人员逐人填写，同一人员兼任多个岗位的，应在“岗位”栏全部列明，不得遗漏。",
        "2．“人员身份”栏填写在编、事业编制、编外、劳务派遣、合同制等。",
        "3．“任现岗时间”填写至年月，如2012年3月；跨单位兼职人员在各单位分别填写。",
        "4．“保管物品”栏填写本人保管的印章、票据、密钥等重要物品，无则不填。",
        "5．身份证号码须填写18位，请将单元格设置为文本格式，防止显示为科学计数法。",
        "6．请于2024年7月5日前将本表（加盖公章）报送区人社局社保基金监督科。",
    ]
    ws.column_dimensions["A"].width = 110
    for i, text in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text or None)
        cell.font = Font(name="宋体", size=14 if i == 1 else 11, bold=i == 1)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def build_form(ws) -> tuple[int, int]:
    """Fill the 人员分工 sheet; return (first data row, last data row)."""
    for idx, (_, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width

    # row 1 附件2, row 2 title, row 3 填报单位/日期
    ws["A1"] = "附件2"
    ws["A1"].font = Font(name="黑体", size=12)
    ws["A2"] = TITLE
    ws["A2"].font = TITLE_FONT
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A2:{LAST_COL}2")
    ws["A3"] = FILL_LINE
    ws["A3"].font = Font(name="宋体", size=11)
    ws["A3"].alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(f"A3:{LAST_COL}3")
    ws.row_dimensions[2].height = 36
    ws.row_dimensions[3].height = 22

    # two-row header
    group_cols: list[int] = []
    for idx, (top, sub, _) in enumerate(COLUMNS, start=1):
        col = get_column_letter(idx)
        if sub is None:
            ws.cell(row=HEADER_TOP, column=idx, value=top)
            ws.merge_cells(f"{col}{HEADER_TOP}:{col}{HEADER_SUB}")
        else:
            if not group_cols:
                ws.cell(row=HEADER_TOP, column=idx, value=top)
            group_cols.append(idx)
            ws.cell(row=HEADER_SUB, column=idx, value=sub)
    ws.merge_cells(
        start_row=HEADER_TOP, start_column=group_cols[0],
        end_row=HEADER_TOP, end_column=group_cols[-1],
    )
    for r in (HEADER_TOP, HEADER_SUB):
        ws.row_dimensions[r].height = 24
        for c in range(1, NCOLS + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = HEAD_FONT
            cell.alignment = CENTER
            cell.border = BORDER

    # data
    r = FIRST_DATA_ROW
    unit_spans: list[tuple[str, int, int]] = []
    current_unit = None
    for seq, row in enumerate(ROWS, start=1):
        if row.unit != current_unit:
            if current_unit is not None:
                r += 1  # blank row between the units
            unit_spans.append((row.unit, r, r))
            current_unit = row.unit
        values = [seq, row.unit, row.dept, row.name, person_id(row) or None, row.status,
                  row.post, row.duties, None, row.keeps or None, row.note or None]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.font = BODY_FONT
            cell.border = BORDER
            cell.alignment = LEFT if c in (8, 11) else CENTER
        id_cell = ws.cell(row=r, column=5)
        id_cell.number_format = "@"  # text, so the 18 digits survive
        since_cell = ws.cell(row=r, column=9)
        if isinstance(row.since, XDate):
            since_cell.value = row.since.value
            since_cell.number_format = row.since.fmt
        else:
            since_cell.value = row.since
            since_cell.number_format = "@"
        if "\n" in row.post:
            ws.row_dimensions[r].height = 30
        unit_spans[-1] = (row.unit, unit_spans[-1][1], r)
        r += 1
    last_data = r - 1

    # unit column merged down over each unit's people
    for _, start, end in unit_spans:
        if end > start:
            ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
        ws.cell(row=start, column=2).alignment = CENTER

    # footer
    r = last_data + 1
    ws.cell(row=r, column=1, value=f"合计：{DISTINCT_PEOPLE}人")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    for c in range(1, NCOLS + 1):
        cell = ws.cell(row=r, column=c)
        cell.border = BORDER
        cell.font = Font(name="宋体", size=10.5, bold=True)
        cell.alignment = CENTER if c == 1 else LEFT
    r += 2
    ws.cell(row=r, column=1,
            value="填表人：张立群        审核人：汪明华        联系电话：0566-2023516")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=NCOLS)
    ws.cell(row=r, column=1).font = Font(name="宋体", size=11)
    r += 1
    ws.cell(row=r, column=1, value=(
        "注：1．人员身份填写在编、事业编制、编外、劳务派遣、合同制等；"
        "2．任现岗时间填写至年月；3．同一人员兼任多个岗位的应全部填写，"
        "跨单位兼职的在各单位分别填写；4．本表一式两份。"))
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=NCOLS)
    ws.cell(row=r, column=1).font = Font(name="宋体", size=10)
    ws.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[r].height = 30

    # page setup: A4 landscape, fit to one page wide, header rows repeated
    ws.print_title_rows = f"{HEADER_TOP}:{HEADER_SUB}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:{LAST_COL}{r}"
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    return FIRST_DATA_ROW, last_data


def _deterministic_xlsx(raw: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps and a fixed dcterms:modified."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 6, 30, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    return out.getvalue()


def write_xlsx(path: Path) -> tuple[int, int]:
    wb = Workbook()
    ws0 = wb.active
    ws0.title = "说明"
    build_instructions(ws0)
    ws = wb.create_sheet("人员分工")
    span = build_form(ws)
    wb.active = 1
    wb.properties.creator = "贵池区人社局"
    wb.properties.lastModifiedBy = "张立群"
    wb.properties.title = TITLE
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_xlsx(buf.getvalue()))
    return span


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------
CSV_HEADER = ["单位", "科室", "姓名", "身份证号码", "人员身份", "岗位", "岗位职责",
              "保管物品", "任现岗时间", "备注"]


def write_csv(path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for row in ROWS:
        w.writerow([row.unit, row.dept, row.name, person_id(row), row.status, row.post,
                    row.duties, row.keeps, since_text(row), row.note])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


# --------------------------------------------------------------------------------------
# EXPECTED.md
# --------------------------------------------------------------------------------------
def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _parse_start(text: str) -> dt.date | None:
    """Only for EXPECTED.md: first day of the stated month when no day is given."""
    s = text.strip()
    for pat in (r"^(\d{4})[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?|月)?$",
                r"^(\d{4})(\d{2})(\d{2})?$"):
        m = re.match(pat, s)
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3] or 1)
            try:
                return dt.date(y, mo, d)
            except ValueError:
                return None
    return None


def _tenure_line(name: str, unit: str, post: str) -> str:
    row = next(r for r in ROWS if r.name == name and r.unit == unit and r.post == post)
    start = row.since.value if isinstance(row.since, XDate) else _parse_start(row.since)
    assert start is not None
    limit = _add_years(start, MAX_TENURE_YEARS)
    delta = (limit - AS_OF).days
    shown = since_text(row)
    kind = "Excel date" if isinstance(row.since, XDate) else "text"
    if delta < 0:
        why = f"{post} since {shown} ({kind}); 5-year limit {limit} passed {-delta} days before {AS_OF}"
    elif delta == 0:
        why = f"{post} since {shown} ({kind}); exactly 5 years on {AS_OF} — allowed, limit reached today"
    else:
        why = f"{post} since {shown} ({kind}); 5-year limit {limit} is {delta} days after {AS_OF}"
    return why


def write_expected(path: Path, first_row: int, last_row: int) -> None:
    id_zhou = make_id(*PEOPLE["周晓梅"])
    id_fang = make_id(*PEOPLE["方晓燕"])
    findings = [
        ("SOD-BIZ-FIN", "方晓燕", "养老", f"two rows, same id {id_fang}: 待遇审核 (待遇科) and 财务 (财务科)"),
        ("SOD-BIZ-FIN", "王海涛", "养老", "one cell 岗位 = “待遇审核、会计”"),
        ("SOD-BIZ-IT", "赵磊", "养老", "岗位 = “参保登记；信息管理员”"),
        ("SOD-ACC-CASH", "郑佳", "医保", "one cell 岗位 = “会计\\n出纳” (line break inside the cell)"),
        ("SOD-ACC-CASH", "周晓梅", "养老 + 医保",
         f"identity linking: id {id_zhou} is 会计 in 养老中心 and 出纳 in 医保中心"),
        ("SOD-TICKET-SEAL", "宋雨", "医保", "保管物品 = “财务专用章、空白票据”"),
        ("SOD-IC-OPS", "徐敏", "养老", "岗位 = “内部控制、待遇审核”"),
        ("TENURE-HIGH-RISK", "陈志刚", "养老", _tenure_line("陈志刚", P, "待遇发放")),
        ("TENURE-HIGH-RISK", "吴建国", "养老", _tenure_line("吴建国", P, "缴费核定")),
        ("TENURE-HIGH-RISK", "许文斌", "医保", _tenure_line("许文斌", M, "缴费核定")),
        ("TENURE-HIGH-RISK", "潘玉兰", "医保", _tenure_line("潘玉兰", M, "会计")),
        ("STAFF-HIGH-RISK", "刘芳", "养老", "劳务派遣 on 待遇发放"),
        ("STAFF-HIGH-RISK", "罗丹", "医保", "编外 on 待遇发放"),
        ("ORG-INTERNAL-CONTROL", UNIT_MEDICAL, "医保 (unit)",
         "no established (在编/事业编制) staff on an internal-control post"),
        ("ORG-INTERNAL-CONTROL", "程红梅", "医保 (person)",
         "the unit's only internal-control post (内控稽核) is held by 编外 staff"),
    ]
    notices = [
        ("TENURE-HIGH-RISK", "田丰", "医保", _tenure_line("田丰", M, "待遇发放")),
        ("TENURE-HIGH-RISK", "胡国庆", "养老", _tenure_line("胡国庆", P, "出纳")),
        ("TENURE-HIGH-RISK", "马丽", "养老", _tenure_line("马丽", P, "缴费核定")),
    ]
    # The sheet row of each person's first row: data rows in order, a blank row between the units.
    sheet_row: dict[str, int] = {}
    r, unit = first_row, ROWS[0].unit
    for person in ROWS:
        if person.unit != unit:
            r, unit = r + 1, person.unit
        sheet_row.setdefault(person.name, r)
        r += 1
    # Exactly what `sodcheck check` reports on the workbook, in its order (file, sheet, row).
    warnings = [
        ("DATE-UNREADABLE", "黄秀英", "养老", f"I{sheet_row['黄秀英']}", "任现岗时间 “2015年13月” (month 13)"),
        ("UNCLASSIFIED-POST", "钱勇", "养老", f"G{sheet_row['钱勇']}", "岗位 “驾驶员” maps to no duty"),
    ]
    no_id = [person.name for person in ROWS if not person_id(person)]

    def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> list[str]:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            out.append("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")
        return out

    status_of: dict[str, set[str]] = {}
    status_order = ["在编", "事业编制", "编外", "劳务派遣", "合同制"]  # the order of the staff types table
    for r in ROWS:
        status_of.setdefault(r.status, set()).add(r.name)
    post_cats = [
        ("参保登记", "business"), ("关系转移", "business"), ("缴费核定", "business, high-risk"),
        ("待遇审核", "business"), ("待遇发放", "business, high-risk"), ("档案管理", "business"),
        ("会计", "finance, high-risk"), ("出纳", "finance, high-risk"), ("财务", "finance"),
        ("信息管理员", "IT"), ("系统管理员", "IT"), ("内控稽核", "internal control (only)"),
        ("内部控制", "internal control"), ("驾驶员", "— (deliberately unmapped)"),
    ]

    lines = [
        "# Expected results for the Annex 2 sample",
        "",
        "Generated by `python sample_data/make_samples.py` — do not edit by hand.",
        "",
        "Files: `annex2_sample.xlsx` (sheet 1 “说明” = instructions, sheet 2 “人员分工” = the form) and",
        "`annex2_sample.csv` (same rows, UTF-8 with BOM, one header row:",
        f"`{','.join(CSV_HEADER)}`).",
        "",
        "## Check parameters",
        "",
        f"- as-of date **{AS_OF}**; high-risk posts may be held for at most **{MAX_TENURE_YEARS} years**",
        "  (exactly 5 years is allowed);",
        f"- a high-risk post whose limit falls within **{NOTICE_DAYS} days** on or after the as-of date is a *notice*;",
        "- high-risk posts: 待遇发放, 缴费核定 (费率核定), 会计, 出纳;",
        "- month-only dates (`2012.3`, `2016年3月`, `2017-05`, `202209`) are read as the 1st of the month here;",
        "  every case below keeps the same outcome if they are read as the last day instead.",
        "",
        "## Workbook layout (sheet “人员分工”)",
        "",
        "| row | content |",
        "|---|---|",
        "| 1 | `附件2` |",
        f"| 2 | title `{TITLE}`, merged A2:{LAST_COL}2 |",
        f"| 3 | `填报单位（盖章）：…        填报日期：2024年6月30日`, merged A3:{LAST_COL}3 |",
        "| 4–5 | two-row header; single-row columns merged over rows 4–5; `岗位情况` merged G4:I4 |",
        f"| {first_row}–{last_row} | {len(ROWS)} data rows; blank row between the units; 单位 (B) merged per unit |",
        f"| {last_row + 1} | `合计：{DISTINCT_PEOPLE}人` (distinct people; {len(ROWS)} rows) |",
        f"| {last_row + 3} | `填表人：…  审核人：…  联系电话：…` |",
        f"| {last_row + 4} | `注：…` |",
        "",
        "Columns: A 序号, B 单位, C 科室, D `姓  名` (two ASCII spaces), E 身份证号码, F 人员身份,",
        "G 岗位, H 岗位职责, I 任现岗时间 (G–I under 岗位情况), J 保管物品, K `备\u3000\u3000注` (two U+3000).",
        "",
        "## Findings (violations)",
        "",
        *table(findings, ("rule", "subject", "unit", "why")),
        "",
        "## Notices (not violations)",
        "",
        *table(notices, ("rule", "subject", "unit", "why")),
        "",
        "## Data warnings",
        "",
        *table(warnings, ("code", "subject", "unit", "cell", "detail")),
        "",
        f"No other warning. {', '.join(no_id)} have no 身份证号码: that is no warning, since the id is",
        "optional (the loader links rows without one by unit + name), and none of them is on a high-risk",
        "post or appears in a second unit, where a missing id could change a finding.",
        "",
        "## Everyone else is clean",
        "",
        "No other person should produce a finding or notice.  In particular: 汪明华 (在编 内控稽核)",
        f"gives {UNIT_PENSION} its established internal-control person; 杨帆, 章丽娟, 江涛,",
        "邓立新, 冯雪, 彭丽 and 黄秀英 have long tenures but on posts that are not high-risk;",
        "every other holder of a high-risk post started after 2020-01-01.",
        "",
        "## Post strings used and the category the sample assumes",
        "",
        "| post | category |",
        "|---|---|",
        *[f"| {p} | {c} |" for p, c in post_cats],
        "",
        "Combined cells: `待遇审核、会计`, `参保登记；信息管理员`, `内部控制、待遇审核`, `会计⏎出纳`.",
        "保管物品 values: `财务专用章` (seal), `法人名章` (seal), `财务专用章、空白票据` (seal + ticket).",
        "",
        "## Staff types",
        "",
        "| 人员身份 | people |",
        "|---|---|",
        *[f"| {k} | {'、'.join(sorted(v, key=lambda n: [r.name for r in ROWS].index(n)))} |"
          for k, v in sorted(status_of.items(), key=lambda kv: status_order.index(kv[0]))],
        "",
        "## Date forms in 任现岗时间",
        "",
        "Real Excel date cells: " + "、".join(
            f"{r.name} ({r.since.value}, shown `{r.since.fmt}`)" for r in ROWS if isinstance(r.since, XDate)) + ".",
        "Text: " + "、".join(f"`{r.since}`" for r in ROWS if isinstance(r.since, str)) + ".",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    first_row, last_row = write_xlsx(XLSX_PATH)
    write_csv(CSV_PATH)
    write_expected(EXPECTED_PATH, first_row, last_row)
    for p in (XLSX_PATH, CSV_PATH, EXPECTED_PATH):
        print(f"wrote {p.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
