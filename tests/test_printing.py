"""Reports an officer can print and sign: A4, page numbers, the 填报单位 / 检查人 / 审核人 / 日期 line,
and body text at 9 pt or more on paper.

The printed size of an xlsx list is worked out from the sheet's own page setup, as a printer
driver would: the columns in the print area, fitted one page wide, are scaled down to the printable
width of the page. LibreOffice prints a unit of column width 7 pt wide and Excel 5.25 pt, so
LibreOffice scales further down; its figure is the one held to 9 pt. Where LibreOffice and
Chromium are installed, the tests also print through them and measure the PDF.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries

from .conftest import REPO, SAMPLE, run_cli

PERMS = REPO / "sample_data" / "perms_sample.csv"
A4 = 9                          # paper size code of A4 in a sheet's page setup
A4_WIDTH_PT = {"portrait": 595.3, "landscape": 841.9}
LIBREOFFICE_UNIT_PT = 7.0       # one unit of column width on LibreOffice's paper at 100 %
DEFAULT_WIDTH = 8.43 + 0.71     # a column without a width of its own (Excel's default plus padding)
SIGN_WORDS = {"zh": ("填报单位", "检查人", "审核人", "日期"),
              "en": ("Reporting unit", "Checked by", "Reviewed by", "Date")}
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def check(tmp_path: Path, fmt: str, lang: str, *inputs: str) -> Path:
    out = tmp_path / f"report_{lang}.{fmt}"
    args = ["check", "--staff", str(SAMPLE), *inputs, "--as-of", "2024-06-30", "--lang", lang,
            "--fail-on", "never", "--format", fmt, "-o", str(out)]
    code, _, err = run_cli(*args)
    assert code == 0, err
    return out


def printed_columns(ws) -> tuple[int, int, int]:
    """(first column, last column, last row) of what the sheet prints: its print area, else all."""
    area = ws.print_area
    if not area:
        return 1, ws.max_column, ws.max_row
    if isinstance(area, list):
        area = area[0]
    first, _, last, rows = range_boundaries(area.split("!")[-1].replace("$", ""))
    return first, last, rows


def column_widths(ws) -> dict[int, float]:
    widths = {}
    for dimension in ws.column_dimensions.values():
        if dimension.width:
            low = dimension.min or column_index_from_string(dimension.index)
            for column in range(low, (dimension.max or low) + 1):
                widths[column] = dimension.width
    return widths


def printed_scale(ws) -> float:
    """How far the sheet is scaled down on paper, from its page setup."""
    setup = ws.page_setup
    first, last, _ = printed_columns(ws)
    widths = column_widths(ws)
    width_pt = sum(widths.get(c, DEFAULT_WIDTH) for c in range(first, last + 1)) * LIBREOFFICE_UNIT_PT
    margins_pt = (ws.page_margins.left + ws.page_margins.right) * 72
    printable_pt = A4_WIDTH_PT[setup.orientation or "portrait"] - margins_pt
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        assert setup.fitToWidth in (1, None), ws.title
        scale = min(1.0, printable_pt / width_pt)
    else:
        scale = (setup.scale or 100) / 100
    return scale


def printed_font_pt(ws) -> float:
    """The smallest font size the sheet's cells print at."""
    first, last, rows = printed_columns(ws)
    sizes = [cell.font.sz or 11 for row in ws.iter_rows(min_row=1, max_row=rows, min_col=first, max_col=last)
             for cell in row if cell.value not in (None, "")]
    return min(sizes) * printed_scale(ws)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("inputs", [(), ("--perms", str(PERMS))], ids=["staff", "staff+perms"])
def test_xlsx_prints_at_9pt_or_more_on_a4(tmp_path, lang, inputs):
    wb = openpyxl.load_workbook(check(tmp_path, "xlsx", lang, *inputs))
    report_sheets = wb.worksheets[:5]       # summary, violations, notices, data issues, rules
    for ws in report_sheets:
        assert int(ws.page_setup.paperSize) == A4, ws.title
        assert printed_font_pt(ws) >= 9, (ws.title, printed_font_pt(ws))
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == A4, ws.title


def test_the_list_prints_its_findings_and_leaves_the_links_on_screen(tmp_path):
    wb = openpyxl.load_workbook(check(tmp_path, "xlsx", "zh"))
    ws = wb["违规清单"]
    first, last, rows = printed_columns(ws)
    printed = [ws.cell(row=1, column=c).value for c in range(first, last + 1)]
    assert printed == ["序号", "严重程度", "规则", "对象", "单位", "说明", "整改建议", "整改措施", "责任人",
                       "整改时限", "依据", "状态"]
    assert rows == ws.max_row
    assert ws.print_title_rows == "$1:$1"
    # the screen-only columns are there and visible, not hidden
    screen = [ws.cell(row=1, column=c).value for c in range(last + 1, ws.max_column + 1)]
    assert screen == ["对象类型", "身份证号", "标注位置"]
    assert not any(d.hidden for d in ws.column_dimensions.values())
    # every printed header and value wraps, so nothing runs off its narrowed column
    assert all(ws.cell(row=r, column=c).alignment.wrap_text for r in range(1, rows + 1)
               for c in range(first, last + 1))
    # 整改措施, 责任人, 整改时限 keep room to write by hand
    widths = column_widths(ws)
    assert widths[8] >= 14 and widths[9] >= 8 and widths[10] >= 9


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_pages_are_numbered_and_the_lists_carry_the_signature_line(tmp_path, lang):
    wb = openpyxl.load_workbook(check(tmp_path, "xlsx", lang))
    signed = wb.sheetnames[:3]          # summary, violations, notices
    for ws in wb.worksheets:
        header = ws.oddHeader.right.text or ""
        assert "&P" in header and "&N" in header, ws.title
        assert "2024-06-30" in header
        assert ws.oddHeader.left.text
        footer = (ws.oddFooter.left.text or "") + (ws.oddFooter.right.text or "")
        if ws.title in signed:
            for word in SIGN_WORDS[lang]:
                assert word in footer, (ws.title, word)
            # Excel keeps a footer's own size (scaleWithDoc off); LibreOffice scales it like the body
            assert ws.oddFooter.left.size * printed_scale(ws) >= 9 and not ws.HeaderFooter.scaleWithDoc
        else:
            assert not footer.strip(), ws.title


def _cjk_sizes(pdf: Path, skip: str | None = None) -> Counter:
    """Font sizes of Chinese words in a PDF: a CJK glyph is one em wide, so a word's width divided by
    its characters is its size in points. Pages with the word ``skip`` on them are left out."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    sizes: Counter = Counter()
    for page in bbox.split("<page ")[1:]:
        if skip and f">{skip}<" in page:
            continue
        for x0, x1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', page):
            if CJK_WORD.fullmatch(word):
                sizes[round((float(x1) - float(x0)) / len(word), 1)] += 1
    return sizes


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="needs LibreOffice and poppler-utils")
def test_libreoffice_prints_the_xlsx_at_9pt_or_more(tmp_path):
    workbook = check(tmp_path, "xlsx", "zh")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook)],
                   check=True, capture_output=True, timeout=180)
    pdf = workbook.with_suffix(".pdf")
    # The marked copy of the staffing sheet keeps the officer's own layout (its 附件2 label gives
    # its pages away); it prints one page wide, however small.
    sizes = _cjk_sizes(pdf, skip="附件2")
    assert sizes and min(sizes) >= 9, sorted(sizes.items())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "第 1 页" in text and "审核人" in text


def test_html_print_stylesheet(tmp_path):
    html = check(tmp_path, "html", "zh").read_text(encoding="utf-8")
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "size:A4" in css
    assert re.search(r"@bottom-right\{content:\"第 \" counter\(page\) \" 页，共 \" counter\(pages\)", css)
    print_css = css[css.index("@media print"):]
    # every size the printed page sets for text is 9 pt or more (12 px is 9 pt)
    for value, unit in re.findall(r"font-size:([\d.]+)(pt|px)", print_css):
        assert float(value) * (0.75 if unit == "px" else 1) >= 9, value + unit
    assert ".filters,.hint{display:none}" in print_css and "thead{display:table-header-group}" in print_css
    assert re.search(r"tr,\.card,\.chart\{break-inside:avoid\}", print_css)
    # the signature block is at the end, for paper only
    sign = re.search(r'<section class="sign print-only">(.*?)</section>', html)
    assert sign and all(word in sign.group(1) for word in SIGN_WORDS["zh"])
    assert html.index('class="sign print-only"') > html.index('id="rules"')
    assert ".print-only{display:none}" in css
    en = check(tmp_path, "html", "en").read_text(encoding="utf-8")
    assert 'content:"Page " counter(page) " of " counter(pages)' in en
    assert all(word in en for word in SIGN_WORDS["en"])


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                    reason="needs Debian's chromium and poppler-utils")
def test_chromium_prints_the_html_on_numbered_a4_pages_with_the_signature_last(tmp_path):
    page = check(tmp_path, "html", "zh")
    pdf = tmp_path / "report.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    chunks = text.split("\f")
    assert f"第 {pages} 页，共 {pages} 页" in chunks[pages - 1]
    assert all(word in chunks[pages - 1] for word in SIGN_WORDS["zh"])
    assert "全部严重程度" not in text           # the filters are not printed
    sizes = _cjk_sizes(pdf)
    assert min(sizes) >= 9, sorted(sizes.items())
