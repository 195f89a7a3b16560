"""The upload page in a real headless Chromium: upload, read, filter, switch language, download
the reports and open the HTML one; check an operation log and download the monthly sample.
SODCHECK_SCREENSHOTS=folder also saves the documentation screenshots (docs/images/web-upload.png
and web-results.png, of the sample data: staffing sheet, permission export and operation log)."""
from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import httpx
import openpyxl
import pytest

from sodcheck.web.app import create_app
from sodcheck.web.background import BackgroundServer

from . import web_workloads
from .conftest import REPO, SAMPLE, SAMPLE_VIOLATIONS

CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    # CI installs both and sets SODCHECK_REQUIRE_BROWSER: there a missing piece is a failure.
    if os.environ.get("SODCHECK_REQUIRE_BROWSER"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


if not Path(CHROMIUM).exists():
    _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
try:
    from playwright import sync_api
except ImportError:
    _missing("playwright is not installed (pip install playwright)")
# CI machines are shared: wait for the page generously rather than fail on a slow moment.
sync_api.expect.set_options(timeout=30_000)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
EXPECTED_NAMES = {name for _, name in SAMPLE_VIOLATIONS}
ZH_SEVERITY = {"high": "严重", "medium": "较重", "low": "轻微"}
OPS = REPO / "sample_data" / "ops_sample.csv"
PERMS = REPO / "sample_data" / "perms_sample.csv"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server():
    with BackgroundServer(create_app()) as url:
        yield url


def open_page(browser, url: str):
    context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    return context, page, problems, requests


def uploads(**fields: Path) -> list:
    return [(field, (path.name, path.read_bytes(), "application/octet-stream")) for field, path in fields.items()]


def api_doc(server: str, lang: str, **fields: Path) -> dict:
    """What the API says about the sample: the page must show the same words."""
    response = httpx.post(server + "/api/check?extras=true", timeout=60,
                          data={"as_of": "2024-06-30", "lang": lang}, files=uploads(**(fields or {"staff": SAMPLE})))
    return response.json()


def message_of(server: str, lang: str, name: str) -> str:
    return next(v["message"] for v in api_doc(server, lang)["violations"] if v["subject"]["name"] == name)


def visible_rows(page, table: str = "#violations-table") -> int:
    return page.locator(f"{table} tbody tr:visible").count()


def test_upload_filter_and_download(browser, server, tmp_path):
    context, page, problems, requests = open_page(browser, server)
    expect = sync_api.expect
    expect(page.locator("h1")).to_contain_text("附件2")
    expect(page.locator("#run")).to_have_text("开始检查")

    page.set_input_files("#staff-input", str(SAMPLE))
    expect(page.locator('[data-list="staff"] li')).to_have_count(1)
    expect(page.locator('[data-list="staff"] .file-name')).to_have_text("annex2_sample.xlsx")
    page.fill("#as-of", "2024-06-30")

    page.click("#run")
    expect(page.locator("#results")).to_be_visible()
    rows = page.locator("#violations-table tbody tr")
    expect(rows).to_have_count(15)
    assert set(page.locator("#violations-table .subject .name").all_inner_texts()) == EXPECTED_NAMES
    expect(page.locator("#violations-count")).to_have_text("15")
    expect(page.locator("#notices-table tbody tr")).to_have_count(3)
    expect(page.locator("#warnings-table tbody tr")).to_have_count(2)
    expect(page.locator("#cards .stat").first).to_contain_text("15")
    cash = page.locator("#violations-table tbody tr", has_text="郑佳")
    expect(cash).to_contain_text(message_of(server, "zh", "郑佳"))
    for line in api_doc(server, "zh")["extras"]["evidence"]["violations"][
            [v["subject"]["name"] for v in api_doc(server, "zh")["violations"]].index("郑佳")]:
        expect(cash).to_contain_text(line)
    # Masked id numbers only, as in the CLI.
    assert "3417**********0240" in cash.inner_text() and "341702" not in cash.inner_text()
    # What to do about it, under the message; the severity in the officers' words.
    doc = api_doc(server, "zh")
    remedy = next(v["remedy"] for v in doc["violations"] if v["subject"]["name"] == "郑佳")
    expect(cash.locator(".remedy")).to_have_text("整改建议：" + remedy)
    expect(cash.locator(".badge")).to_have_text("严重")
    assert page.locator("#violations-table .badge").all_inner_texts() == [
        ZH_SEVERITY[v["severity"]] for v in doc["violations"]]
    expect(page.locator("#notices-table .badge")).to_have_text(["提示"] * 3)

    page.select_option("#f-severity", "high")
    assert visible_rows(page) == 6
    page.select_option("#f-rule", "SOD-ACC-CASH")
    assert visible_rows(page) == 2
    expect(page.locator("#f-shown")).to_have_text("显示 2 / 15 条")
    page.fill("#f-text", "郑佳")
    assert visible_rows(page) == 1
    page.fill("#f-text", "")
    page.select_option("#f-rule", "")
    page.select_option("#f-severity", "")
    # A finding that spans units (周晓梅: 会计 in one, 出纳 in the other) counts and shows under each.
    spanning = page.locator("#violations-table tbody tr", has_text="周晓梅")
    expect(spanning.locator("td.units")).to_have_text("贵池区医疗保险管理中心、贵池区社会养老保险管理中心")
    for unit, count in doc["summary"]["by_unit"].items():
        expect(page.locator("#f-unit option", has_text=unit)).to_have_text(f"{unit}（{count}）")
        page.select_option("#f-unit", unit)
        assert visible_rows(page) == count
        expect(spanning).to_be_visible()
    page.select_option("#f-unit", "")
    assert visible_rows(page) == 15

    with page.expect_download() as info:
        page.click('[data-format="xlsx"]')
    workbook = tmp_path / info.value.suggested_filename
    info.value.save_as(workbook)
    assert workbook.name == "sodcheck-2024-06-30.xlsx"
    wb = openpyxl.load_workbook(workbook)
    assert "违规清单" in wb.sheetnames and any(n.startswith("标注-") for n in wb.sheetnames)

    with page.expect_download() as info:
        page.click('[data-format="html"]')
    report = tmp_path / info.value.suggested_filename
    info.value.save_as(report)
    with page.expect_download() as info:
        page.click('[data-format="json"]')
    assert info.value.suggested_filename == "sodcheck-2024-06-30.json"

    with page.expect_download() as info:
        page.click("#template-link")
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    assert openpyxl.load_workbook(template).sheetnames

    # The HTML report opens on its own, from disk, and filters.
    html = context.new_page()
    html_problems: list[str] = []
    html.on("pageerror", lambda exc: html_problems.append(str(exc)))
    html.goto(report.as_uri())
    expect(html.locator("#violations-table tbody tr")).to_have_count(15)
    expect(html.locator("body")).to_contain_text("方晓燕")
    html.select_option("#f-severity", "high")
    assert visible_rows(html) == 6
    html.fill("#f-text", "郑佳")
    assert visible_rows(html) == 1
    assert html_problems == []

    # The other language: labels and the server's messages both change.
    page.click('[data-lang="en"]')
    expect(page.locator("#run")).to_have_text("Check")
    expect(page.locator("#violations-table tbody tr", has_text="郑佳")).to_contain_text(
        message_of(server, "en", "郑佳"))
    expect(page.locator("#violations-table thead")).to_contain_text("Evidence")

    assert problems == []
    # Nothing loaded from anywhere but this server (blob: is the download itself).
    assert all(u.startswith(server) or u.startswith(("blob:", "data:")) for u in requests), requests
    context.close()


def test_bad_file_shows_the_api_message(browser, server, tmp_path):
    renamed = tmp_path / "名单.xlsx"
    renamed.write_bytes(os.urandom(20_000))
    context, page, problems, _ = open_page(browser, server)
    page.set_input_files("#staff-input", str(renamed))
    page.click("#run")
    error = page.locator("#error")
    sync_api.expect(error).to_be_visible()
    sync_api.expect(error).to_have_text(
        "名单.xlsx: 文件扩展名是 Excel，但内容不是 Excel 工作簿（可能已损坏或被改名）")
    assert page.locator("#results").is_hidden()
    # Removing the file and checking nothing says what to do, without asking the server.
    page.click('[data-list="staff"] button.remove')
    page.click("#run")
    sync_api.expect(error).to_have_text("请先选择至少一个人员分工表（或权限导出、操作日志）。")
    assert problems == [] or all("422" in p for p in problems)
    context.close()


def test_over_the_limit_is_caught_in_the_browser(browser, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" * 400_000)
    with BackgroundServer(create_app(max_upload_mb=1)) as url:
        context, page, _, requests = open_page(browser, url)
        page.set_input_files("#staff-input", str(big))
        page.click("#run")
        sync_api.expect(page.locator("#error")).to_contain_text("超过每次 1 MB 的上限")
        assert not any("/api/" in u for u in requests)
        context.close()


def test_login_with_a_token(browser, tmp_path):
    with BackgroundServer(create_app(token="office-token-123")) as url:
        context, page, _problems, _ = open_page(browser, url)
        sync_api.expect(page.locator("h1")).to_have_text("不相容岗位检查")
        page.fill("#token", "wrong")
        page.click("button[type=submit]")
        sync_api.expect(page.locator("p.error")).to_have_text("访问令牌不对，请重试。")
        page.fill("#token", "office-token-123")
        page.click("button[type=submit]")
        sync_api.expect(page.locator("#run")).to_be_visible()
        cookies = context.cookies()
        assert [c["name"] for c in cookies] == ["sodcheck_session"]
        assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
        page.set_input_files("#staff-input", str(SAMPLE))
        page.fill("#as-of", "2024-06-30")
        page.click("#run")
        sync_api.expect(page.locator("#violations-table tbody tr")).to_have_count(15)
        sync_api.expect(page.locator("#logout")).to_be_visible()
        context.close()


def test_operation_log_check_and_monthly_sample(browser, server, tmp_path):
    shots = os.environ.get("SODCHECK_SCREENSHOTS")
    context, page, problems, requests = open_page(browser, server)
    expect = sync_api.expect
    today = date.today()
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    expect(page.locator("#sample-month")).to_have_value(last_month.strftime("%Y-%m"))

    # The sample needs a log: said at once, without asking the server.
    page.set_input_files("#staff-input", str(SAMPLE))
    page.click("#sample-run")
    expect(page.locator("#error")).to_have_text("月度抽查需要操作日志：请先在“更多输入”中选择上月的操作日志。")
    assert not any("/api/sample" in u for u in requests)

    page.click("#more summary")
    page.set_input_files("#perms-input", str(PERMS))
    # The page's own button (the browser's would not follow the page's language) opens the chooser.
    expect(page.locator('[data-choose="ops-input"]')).to_have_text("选择文件…")
    with page.expect_file_chooser() as chooser:
        page.click('[data-choose="ops-input"]')
    chooser.value.set_files(str(OPS))
    expect(page.locator('[data-list="ops"] .file-name')).to_have_text("ops_sample.csv")
    page.fill("#as-of", "2024-06-30")
    page.fill("#sample-month", "2024-03")
    if shots:
        page.evaluate("document.activeElement.blur()")
        box = page.locator("#upload").bounding_box()
        page.screenshot(path=str(Path(shots) / "web-upload.png"),
                        clip={"x": 0, "y": 0, "width": 1280, "height": box["y"] + box["height"] + 16})

    page.click("#run")
    expect(page.locator("#results")).to_be_visible()
    doc = api_doc(server, "zh", staff=SAMPLE, perms=PERMS, ops=OPS)
    expect(page.locator("#violations-table tbody tr")).to_have_count(len(doc["violations"]))
    badges = page.locator("#violations-table .badge").all_inner_texts()
    assert badges == [ZH_SEVERITY[v["severity"]] for v in doc["violations"]] and set(badges) == {"严重", "较重", "轻微"}
    rules = page.locator("#f-rule option").evaluate_all("options => options.map(o => o.value)")
    assert {"OPS-REVIEW-LEVELS", "OPS-SAME-OPERATOR", "OPS-SELF-SERVICE", "OPS-FRONT-BACK"} <= set(rules)
    page.select_option("#f-rule", "OPS-SELF-SERVICE")
    assert visible_rows(page) == 1
    business = page.locator("#violations-table tbody tr:visible")
    finding = next(v for v in doc["violations"] if v["rule_id"] == "OPS-SELF-SERVICE")
    expect(business.locator(".subject .name")).to_have_text(finding["subject"]["name"])
    expect(business.locator(".subject .kind")).to_have_text("业务")
    expect(business.locator("td.message")).to_contain_text(finding["message"])
    expect(business.locator(".remedy")).to_have_text("整改建议：" + finding["remedy"])
    expect(business.locator("ul.evidence")).to_contain_text("ops_sample.csv 第26行")
    page.select_option("#f-rule", "OPS-FRONT-BACK")
    expect(page.locator("#violations-table tbody tr:visible .subject .kind").first).to_have_text("账号")
    page.select_option("#f-rule", "")
    if shots:
        page.evaluate("document.activeElement.blur()")
        top = page.locator("#results").bounding_box()["y"] + page.evaluate("window.scrollY")
        page.screenshot(path=str(Path(shots) / "web-results.png"), full_page=True,
                        clip={"x": 0, "y": top - 12, "width": 1280, "height": 1240})

    # The monthly sample: the worksheet the API (and `sodcheck sample`) gives for the same inputs.
    page.fill("#sample-month", "2024-03")
    page.fill("#sample-seed", "7")
    with page.expect_download() as info:
        page.click("#sample-run")
    assert info.value.suggested_filename == "sodcheck-sample-2024-03-seed-7.xlsx"
    worksheet = tmp_path / info.value.suggested_filename
    info.value.save_as(worksheet)
    expected = httpx.post(server + "/api/sample", timeout=60, files=uploads(staff=SAMPLE, perms=PERMS, ops=OPS),
                          data={"month": "2024-03", "seed": "7", "as_of": "2024-06-30", "lang": "zh"})
    assert cell_values(worksheet.read_bytes()) == cell_values(expected.content)
    assert page.locator("#results").is_visible()  # a sample leaves the check's results alone

    page.fill("#sample-seed", "x1")
    page.click("#sample-run")
    expect(page.locator("#error")).to_have_text("随机种子应为不超过 18 位的非负整数，或留空。")

    page.click('[data-lang="en"]')
    expect(page.locator("#sample-run")).to_have_text("Download the sample worksheet")
    expect(page.locator("label[for=ops-input]")).to_have_text("Operation logs (经办日志)")
    expect(page.locator("#violations-table thead")).to_contain_text("Evidence")
    assert problems == []
    context.close()


def cell_values(data: bytes) -> dict:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in workbook.worksheets}


def test_the_sheets_own_serial_numbers_show(browser):
    """序号 is what officers go by: shown under the person where the evidence carries it."""
    with BackgroundServer(create_app(pipeline=web_workloads.with_serials)) as url:
        context, page, problems, _ = open_page(browser, url)
        page.set_input_files("#staff-input", str(SAMPLE))
        page.fill("#as-of", "2024-06-30")
        page.click("#run")
        cash = page.locator("#violations-table tbody tr", has_text="郑佳")
        finding = next(v for v in api_doc(url, "zh")["violations"] if v["subject"]["name"] == "郑佳")
        rows = list(dict.fromkeys(e["row"] for e in finding["evidence"]))
        sync_api.expect(cash.locator(".serial")).to_have_text("、".join(f"序号 {row - 1}" for row in rows))
        sync_api.expect(cash.locator("ul.evidence")).to_contain_text(f"第{rows[0]}行（序号{rows[0] - 1}）")
        page.click('[data-lang="en"]')
        sync_api.expect(cash.locator(".serial")).to_have_text(", ".join(f"No. {row - 1}" for row in rows))
        assert problems == []
        context.close()
