"""The HTML report: one offline file, everything escaped, filters and charts present."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from sodcheck.cli import cli
from sodcheck.model import Evidence, Report, RuleInfo, Subject, Text, Violation
from sodcheck.pipeline import CheckRequest, run
from sodcheck.report import RenderOptions, render

AS_OF = date(2024, 6, 30)
EVIL = "<script>alert(1)</script>"
UNIT = "测试区社会保险事业管理中心"


class Page(HTMLParser):
    """Every tag with its attributes, the text of each script and style block, and all text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: tuple[str, dict] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("script", "style"):
            self._in = (tag, attrs)
            if tag == "script":
                self.scripts.append((attrs, ""))
            else:
                self.styles.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data):
        if self._in and self._in[0] == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._in and self._in[0] == "style":
            self.styles[-1] += data
        else:
            self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def make_staffing(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "人员分工"
    ws.append(["单位", "姓名", "身份证号码", "人员身份", "岗位", "任现岗时间"])
    ws.append([UNIT, EVIL, "11010519491231002X", "在编", "会计、出纳", "2022.01"])
    ws.append([UNIT, "刘芳", None, "劳务派遣", "待遇发放", "2023-03"])
    ws.append([UNIT, "汪明", None, "在编", "内控稽核", "2021.03"])
    ws.append([UNIT, "马丽", None, "在编", "缴费核定", "2019-06-30"])
    ws.append([UNIT, "黄英", None, "在编", "参保登记", "2015年13月"])
    wb.save(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "annex2.xlsx"
    make_staffing(path)
    return run(CheckRequest(staff=[str(path)], as_of=AS_OF))


def html_of(report, lang="zh", show_ids=False) -> str:
    out = render("html", report, RenderOptions(lang=lang, show_ids=show_ids))
    assert isinstance(out, str)
    return out


def test_the_fixture_has_what_the_tests_need(report):
    assert {v.subject.name for v in report.violations} >= {EVIL, "刘芳"}
    assert report.notices and report.warnings


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_external_resource(report, lang):
    html = html_of(report, lang)
    page = Page(html)
    remote = re.compile(r"^\s*(https?:|//|ftp:|file:)", re.IGNORECASE)
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset", "background"):
            value = attrs.get(name)
            assert value is None or not remote.match(value), (tag, name, value)
    assert not page.find("link") and not page.find("iframe") and not page.find("img")
    assert all("src" not in attrs for attrs, _ in page.scripts)
    for css in page.styles:
        assert "@import" not in css
        assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", css, re.IGNORECASE)
        assert "@font-face" not in css
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", html, re.IGNORECASE)


def test_content_security_policy_allows_only_the_inline_blocks(report):
    page = Page(html_of(report))
    meta = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert len(meta) == 1
    policy = meta[0]["content"]
    assert "default-src 'none'" in policy

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    code = [text for attrs, text in page.scripts if attrs.get("type") != "application/json"]
    assert len(code) == 1 and digest(code[0]) in policy
    assert len(page.styles) == 1 and digest(page.styles[0]) in policy


def test_injected_script_in_a_name_is_escaped(report):
    html = html_of(report)
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = Page(html)
    # only our two script blocks: the JSON data and the code
    assert len(page.scripts) == 2
    assert EVIL in "".join(page.text)
    data_blocks = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    assert len(data_blocks) == 1
    assert "<" not in data_blocks[0] and ">" not in data_blocks[0] and "&" not in data_blocks[0]
    data = json.loads(data_blocks[0])
    assert any(EVIL in row["text"] for row in data["violations"])


def test_violations_table_filters_and_sorts(report):
    page = Page(html_of(report))
    table = page.find("table", id="violations-table")
    assert table and "sortable" in table[0]["class"]
    rows = [a for t, a in page.tags if t == "tr" and "data-i" in a]
    assert len(rows) == len(report.violations) + len(report.notices)
    for ident in ("f-severity", "f-rule", "f-unit"):
        assert page.find("select", id=ident)
    assert page.find("input", id="f-text")
    rules = {a["value"] for t, a in page.tags if t == "option" and a.get("value")}
    assert {v.rule_id for v in report.violations} <= rules
    assert {"high", "medium", "low"} <= rules


def test_summary_cards_charts_assessment_and_sections(report):
    html = html_of(report, "zh")
    page = Page(html)
    text = "".join(page.text)
    for word in ("违规", "提示", "数据问题", "考核表扣分项", "违规按严重程度", "违规按规则", "违规按单位",
                 "第3项", "不相容岗位分离", "第5项", "DATE-UNREADABLE", "人社部发〔2018〕43号"):
        assert word in text, word
    assert len(page.find("svg")) >= 3
    assert page.find("html", lang="zh-CN")
    en = Page(html_of(report, "en"))
    en_text = "".join(en.text)
    for word in ("Violations", "Notices", "Data issues", "Assessment items at risk", "item 3",
                 "Violations by rule", "Rules that ran"):
        assert word in en_text, word
    assert en.find("html", lang="en")
    assert "违规按规则" not in en_text


def test_print_stylesheet_for_a4(report):
    page = Page(html_of(report))
    css = page.styles[0]
    assert "@media print" in css and "size:A4" in css


def test_ids_are_masked_unless_asked(report):
    person = next(v for v in report.violations if v.subject.id)
    assert person.subject.id not in html_of(report)
    assert person.subject.id in html_of(report, show_ids=True)


def permission_report() -> Report:
    rule = RuleInfo("PERM-BIZ-FIN", "incompatible", "high", Text("业务与财务权限不得兼有", "Business and finance"),
                    "人社部发〔2018〕43号",
                    assessment=(("item", 22), ("title", Text("不相容系统权限", "Incompatible permissions")),
                                ("points", 4)))
    evidence = (
        Evidence("perms.csv", None, 12, None, "business", None, "YW001",
                 path=("zhang01", "经办员角色", "YW001 待遇审核"), more_paths=2),
        Evidence("perms.csv", None, 14, None, "finance", None, "CW010",
                 path=("zhang01", "财务复核角色", "子角色" + EVIL, "CW010 凭证审核")),
    )
    v = Violation("PERM-BIZ-FIN", "high", Subject("account", "zhang01", "某中心"),
                  Text("同一账号兼有业务和财务权限", "One account holds business and finance permissions"),
                  evidence, ("business", "finance"))
    return Report(AS_OF, (v,), (), (), (rule,), ("perms.csv",),
                  duty_labels=(("business", Text("业务经办", "Business")), ("finance", Text("财务", "Finance"))))


def test_grant_path_is_drawn_as_boxes_and_arrows():
    html = html_of(permission_report(), "en")
    assert EVIL not in html
    page = Page(html)
    labels = [a.get("aria-label", "") for a in page.find("svg")]
    paths = [label for label in labels if "→" in label]
    assert paths == ["zhang01 → 经办员角色 → YW001 待遇审核 → Business",
                     f"zhang01 → 财务复核角色 → 子角色{EVIL} → CW010 凭证审核 → Finance"]
    rects = [a for t, a in page.tags if t == "rect"]
    polygons = [a for t, a in page.tags if t == "polygon"]
    assert len(polygons) == 3 + 4        # one arrow between each pair of boxes
    assert len(rects) >= 4 + 5
    text = "".join(page.text)
    assert "2 more paths" in text and "item 22" in text and "Grant path" in text


def test_cli_writes_html(tmp_path):
    path = tmp_path / "annex2.xlsx"
    make_staffing(path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["check", "--staff", str(path), "--as-of", "2024-06-30",
                                      "--format", "html", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert Page(out.read_text(encoding="utf-8")).find("table", id="violations-table")
