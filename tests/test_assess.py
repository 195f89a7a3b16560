"""sodcheck assess: the 考核表 scored from the findings, the scale and the answers, in every format."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from sodcheck.assess.plan import load_plan, load_scale
from sodcheck.cli import cli
from sodcheck.ruleset import load_ruleset

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_ARGS = ["--staff", str(SAMPLE / "annex2_sample.xlsx"), "--perms", str(SAMPLE / "perms_sample.csv"),
               "--ops", str(SAMPLE / "ops_sample.csv"), "--answers", str(SAMPLE / "answers_sample.yaml"),
               "--as-of", "2024-06-30"]
RANK = {"high": 3, "medium": 2, "low": 1}
HEADER = ["单位", "姓名", "身份证号码", "人员身份", "岗位", "任现岗时间"]


def assess(tmp_path: Path, *args: str, fmt: str = "json", name: str = "out") -> tuple[object, Path]:
    target = tmp_path / f"{name}.{fmt}"
    result = CliRunner().invoke(cli, ["assess", *args, "--format", fmt, "-o", str(target), "--lang", "zh"])
    return result, target


def staffing(tmp_path: Path, rows: list[list[str]], name: str = "staff.csv") -> str:
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([HEADER, *rows])
    return str(path)


@pytest.fixture(scope="module")
def sample_doc(tmp_path_factory) -> dict:
    result, target = assess(tmp_path_factory.mktemp("assess"), *SAMPLE_ARGS)
    assert result.exit_code == 0, result.output
    return json.loads(target.read_text(encoding="utf-8"))


def test_total_is_recomputed_from_findings_scale_and_answers(sample_doc):
    plan, scale = load_plan(), load_scale()
    answers = {a["item"]: a for a in yaml.safe_load((SAMPLE / "answers_sample.yaml").read_text("utf-8"))["answers"]}
    points = {item.item: item.points for item in plan.items}
    total = 0.0
    for item in sample_doc["items"]:
        if item["status"] == "scored":
            worst = max((v["severity"] for v in item["violations"] if v["counts"]), key=RANK.get, default=None)
            share = {"high": 0, "medium": 0.5, "low": 0.5, None: 1}[worst]
            assert scale.share(worst) == share
            assert item["score"] == points[item["no"]] * share
        elif item["no"] in answers and ("score" in answers[item["no"]] or "met" in answers[item["no"]]):
            answer = answers[item["no"]]
            expected = answer.get("score", points[item["no"]] if answer.get("met") else 0)
            assert (item["status"], item["score"]) == ("manual", expected)
        else:
            assert item["score"] is None
        total += item["score"] or 0
    assert sample_doc["total"] == total
    assert sample_doc["max"] == 100 == sum(points.values())
    assert [s["points"] for s in sample_doc["sections"]] == [28, 18, 20, 20, 4, 4, 2, 4]
    # Every rule-judged item had its inputs: staffing, permissions and an operation log.
    assert {i["no"] for i in sample_doc["items"] if i["status"] == "scored"} == {2, 3, 4, 5, 14, 16, 22, 24}


def test_every_finding_of_the_run_is_under_an_item(sample_doc):
    listed = [(v["rule_id"], v["subject"]["name"]) for i in sample_doc["items"] for v in i["violations"]]
    everything = [(v["rule_id"], v["subject"]["name"]) for v in sample_doc["violations"]]
    assert sorted(listed) == sorted(everything) and not sample_doc["unassigned"]
    assert [v["ref"] for i in sample_doc["items"] for v in i["violations"]] == list(range(1, len(listed) + 1))


def test_a_finding_across_units_counts_in_each(sample_doc):
    item3 = next(i for i in sample_doc["items"] if i["no"] == 3)
    zhou = next(v for v in item3["violations"] if v["subject"]["name"] == "周晓梅")
    assert zhou["units"] == ["贵池区医疗保险管理中心", "贵池区社会养老保险管理中心"]
    item14 = next(i for i in sample_doc["items"] if i["no"] == 14)
    assert item14["units"] == {"贵池区医疗保险管理中心": 0, "贵池区社会养老保险管理中心": 4}


def test_items_without_their_inputs_are_unchecked(tmp_path):
    result, target = assess(tmp_path, "--staff", str(SAMPLE / "annex2_sample.xlsx"), "--as-of", "2024-06-30")
    assert result.exit_code == 0, result.output
    doc = json.loads(target.read_text("utf-8"))
    unchecked = {i["no"]: i for i in doc["items"] if i["status"] == "unchecked"}
    assert set(unchecked) == {4, 16, 22, 24}
    assert all(i["score"] is None for i in unchecked.values())
    assert unchecked[4]["needs"] == ["ops"] and "操作日志" in unchecked[4]["basis"]
    assert doc["total"] == sum(i["score"] or 0 for i in doc["items"]) and doc["judged"] == 16


def test_docx_opens_and_holds_every_finding(tmp_path, sample_doc):
    result, target = assess(tmp_path, *SAMPLE_ARGS, fmt="docx")
    assert result.exit_code == 0, result.output
    document = Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    for item in sample_doc["items"]:
        for v in item["violations"]:
            assert f"问题{v['ref']}　{v['subject']['name']}：{v['message']}" in text
    for heading in ("一、基本情况", "二、检查范围", "三、发现的问题", "四、整改措施", "五、自评得分",
                    "填报单位（盖章）"):
        assert heading in text
    assert "池州市贵池区社会保险经办机构" in text
    scores = {row.cells[0].text: row.cells[3].text for row in document.tables[0].rows[1:]}
    assert scores["3"] == "0" and scores["1"] == "4" and scores["13"] == ""
    # LibreOffice lays a table out by its grid: the item's text gets the room, not an even share.
    grid = [column.width for column in document.tables[0].columns]
    assert max(grid) == grid[1] > 2 * grid[4] and not document.tables[0].autofit
    section = document.sections[0]
    assert sum(grid) <= section.page_width - section.left_margin - section.right_margin


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="needs LibreOffice")
def test_docx_and_xlsx_convert_with_libreoffice(tmp_path):
    for fmt in ("docx", "xlsx"):
        result, target = assess(tmp_path, *SAMPLE_ARGS, fmt=fmt, name=f"report-{fmt}")
        assert result.exit_code == 0, result.output
        subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(target)],
                       check=True, capture_output=True, timeout=180)
        assert (tmp_path / f"report-{fmt}.pdf").stat().st_size > 1000


def test_xlsx_has_the_table_totals_units_and_links(tmp_path, sample_doc):
    result, target = assess(tmp_path, *SAMPLE_ARGS, fmt="xlsx")
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    items = book["自评表"]
    header = [c.value for c in items[4]]
    assert header[:7] == ["序号", "考核内容", "分值", "评分方式", "自评得分", "状态", "扣分依据"]
    assert header[7:10] == ["整改措施", "责任人", "整改时限"]
    by_no = {row[0]: row for row in items.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)}
    assert len(by_no) == 31
    assert by_no[6][4] == 3 and by_no[6][8] == "汪明华" and by_no[13][4] in ("", None)
    total_row = next(row for row in items.iter_rows(min_row=5, values_only=True) if row[1] == "合计")
    assert total_row[4] == sample_doc["total"]
    link = next(c.hyperlink for row in items.iter_rows(min_row=5) for c in row if c.hyperlink)
    assert link.location.startswith("'发现的问题'!A")
    findings = book["发现的问题"]
    assert findings.max_row - 1 == sum(len(i["violations"]) for i in sample_doc["items"])
    units = {row[0]: row for row in book["分单位得分"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(units) >= {"贵池区医疗保险管理中心", "贵池区社会养老保险管理中心"}
    assert int(items.page_setup.paperSize) == 9 and "&P" in items.oddFooter.center.text


def test_html_links_each_problem(tmp_path, sample_doc):
    result, target = assess(tmp_path, *SAMPLE_ARGS, fmt="html")
    assert result.exit_code == 0, result.output
    page = target.read_text("utf-8")
    for item in sample_doc["items"]:
        for v in item["violations"]:
            assert f'id="p{v["ref"]}"' in page and f'href="#p{v["ref"]}"' in page
    assert f"自评总分 {sample_doc['total']:g} 分" in page


def test_baseline_shows_what_was_fixed(tmp_path):
    before = staffing(tmp_path, [["甲中心", "张一", "341702199001010011", "在编", "会计、出纳", "2022-01"],
                                 ["甲中心", "李二", "341702199001010022", "在编", "内控稽核", "2022-01"]], "before.csv")
    result, first = assess(tmp_path, "--staff", before, "--as-of", "2024-06-30", name="first")
    assert result.exit_code == 0, result.output
    first_doc = json.loads(first.read_text("utf-8"))
    assert next(i for i in first_doc["items"] if i["no"] == 3)["score"] == 0
    after = staffing(tmp_path, [["甲中心", "张一", "341702199001010011", "在编", "会计", "2022-01"],
                                ["甲中心", "王三", "341702199001010033", "在编", "出纳", "2024-05"],
                                ["甲中心", "李二", "341702199001010022", "在编", "内控稽核", "2022-01"]], "after.csv")
    result, second = assess(tmp_path, "--staff", after, "--baseline", str(first), "--as-of", "2024-06-30",
                            name="second")
    assert result.exit_code == 0, result.output
    doc = json.loads(second.read_text("utf-8"))
    item3 = next(i for i in doc["items"] if i["no"] == 3)
    assert item3["score"] == 4 and [f["subject"]["name"] for f in item3["fixed"]] == ["张一"]
    assert doc["baseline"]["file"] == "first.json"
    result, sheet = assess(tmp_path, "--staff", after, "--baseline", str(first), "--as-of", "2024-06-30",
                           fmt="xlsx", name="progress")
    rows = list(load_workbook(sheet)["整改进度"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("第3项", "SOD-ACC-CASH", "张一")


def test_the_scale_is_replaceable(tmp_path):
    scale = tmp_path / "strict.yaml"
    scale.write_text(yaml.safe_dump({"scale": {"id": "strict", "title": {"zh": "严格", "en": "strict"},
                                               "keep": {"high": 0, "medium": 0, "low": 0.25}}},
                                    allow_unicode=True), "utf-8")
    result, target = assess(tmp_path, "--staff", str(SAMPLE / "annex2_sample.xlsx"), "--as-of", "2024-06-30",
                            "--scale", str(scale))
    assert result.exit_code == 0, result.output
    doc = json.loads(target.read_text("utf-8"))
    assert next(i for i in doc["items"] if i["no"] == 2)["score"] == 0 and doc["scale"]["id"] == "strict"


@pytest.mark.parametrize(("answers", "expected"), [
    ({"answers": [{"item": 1, "score": 9}]}, "第1项得分9超过该项分值4"),
    ({"answers": [{"item": 40, "met": True}]}, "考核表中没有第40项"),
    ({"answers": [{"item": 1, "met": True}, {"item": 1, "score": 2}]}, "第1项作答了两次"),
    ({"answers": [{"item": 1, "grade": 2}]}, "unknown field"),
])
def test_bad_answers_name_the_file_and_line(tmp_path, answers, expected):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    result, target = assess(tmp_path, "--staff", str(SAMPLE / "annex2_sample.xlsx"), "--answers", str(path))
    assert result.exit_code == 2
    assert "answers.yaml" in result.output and "第" in result.output and expected in result.output
    assert not target.exists()


def test_a_plan_whose_points_do_not_add_up_is_refused(tmp_path):
    plan = yaml.safe_load((Path(load_plan().file)).read_text("utf-8"))
    plan["sections"][0]["points"] = 30
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), "utf-8")
    result, _ = assess(tmp_path, "--staff", str(SAMPLE / "annex2_sample.xlsx"), "--plan", str(path))
    assert result.exit_code == 2 and "plan.yaml" in result.output and "大项一分值为30" in result.output


def test_the_plan_marks_paraphrased_and_missing_texts():
    plan = load_plan()
    assert [i.item for i in plan.items] == list(range(1, 32))
    missing = {i.item: i.text.zh for i in plan.items if i.text_source == "missing"}
    assert missing == {27: "原文缺失，请按原件核对", 29: "原文缺失，请按原件核对"}
    sections = {s.id: [i.item for i in plan.items if i.section == s.id] for s in plan.sections}
    assert sections == {"一": list(range(1, 8)), "二": list(range(8, 13)), "三": list(range(13, 20)),
                        "四": list(range(20, 26)), "五": [26, 27], "六": [28, 29], "七": [30], "八": [31]}



def test_the_rule_library_names_the_plans_items():
    """`check`'s "assessment items at risk" come from each rule's own entry; `assess` from the plan.
    Both must send a finding to the same 考核表 item, for the same points."""
    plan = load_plan()
    items_of: dict[str, set[int]] = {}
    for item in plan.items:
        for ref in item.rule_refs():
            items_of.setdefault(ref.id, set()).add(item.item)
    points = {i.item: i.points for i in plan.items}
    titles: dict[int, set[str]] = {}
    for rule in load_ruleset([]).rules:
        if rule.assessment is None:
            continue
        assert rule.assessment.item in items_of.get(rule.id, set()), rule.id
        assert rule.assessment.points == points[rule.assessment.item], rule.id
        titles.setdefault(rule.assessment.item, set()).add(rule.assessment.title.text().zh)
    assert all(len(t) == 1 for t in titles.values()), titles


def test_the_report_is_not_written_over_an_input(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers: []\n", "utf-8")
    result = CliRunner().invoke(cli, ["assess", "--staff", str(SAMPLE / "annex2_sample.xlsx"), "--answers",
                                      str(answers), "--format", "json", "-o", str(answers)])
    assert result.exit_code == 2 and answers.read_text("utf-8") == "answers: []\n"
