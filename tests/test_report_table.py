"""The default terminal report (--format table): read back line by line and cell by cell, never
compared as a whole string."""
from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from rich.cells import cell_len

from sodcheck.pipeline import CheckRequest, run
from sodcheck.report import RenderOptions, render
from sodcheck.ruleset import load_ruleset

from .conftest import HEADER, MAKER_CHECKER, run_cli, waiver, write_csv, write_waivers, write_xlsx

AS_OF = "2019-06-30"
ID_NUMBER = "341702198002020205"
# 张伟 combines business and finance and has held 会计 for over 5 years; 朱琳 reaches the limit on
# the day (a notice); 李娜's start date is blank and 周杰's post maps to nothing (two data issues).
ROWS = [
    ["张伟", "甲中心", "在编", "待遇审核、会计", "2010.01"],
    ["朱琳", "甲中心", "在编", "出纳", "2014-06-30"],
    ["李娜", "甲中心", "在编", "出纳", None],
    ["周杰", "甲中心", "在编", "后勤保障", "2017.01"],
    ["赵敏", "甲中心", "在编", "内控稽核", "2017.01"],
]
CLEAN = [["王芳", "甲中心", "在编", "会计", "2017.01"], ["赵敏", "甲中心", "在编", "内控稽核", "2017.01"]]


# Reading the table back.

def _cells(line: str) -> list[tuple[int, str]]:
    """(display column, character): a CJK character takes two columns on a terminal."""
    out, column = [], 0
    for char in line:
        out.append((column, char))
        column += cell_len(char)
    return out


def _slice(line: str, start: int, end: int) -> str:
    return "".join(char for column, char in _cells(line) if start <= column < end).strip()


def parse_table(text: str, title: str) -> list[dict[str, str]]:
    """The rows of the table titled `title`: header -> cell text, folded lines joined by a space."""
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip() == title), None)
    assert at is not None, f"no table titled {title!r} in:\n{text}"
    header_at = next(i for i in range(at + 1, len(lines)) if lines[i].strip())
    header = lines[header_at]
    # Column names are separated by two spaces or more; a name may hold one ("Data issues").
    starts = [(cell_len(header[:m.start()]), m.group()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    bounds = [(name, start, starts[k + 1][0] if k + 1 < len(starts) else 10**6)
              for k, (start, name) in enumerate(starts)]
    rows: list[dict[str, list[str]]] = []
    for line in lines[header_at + 2:]:
        if line and not line.startswith(" "):
            break                       # the next title or summary line
        if not line.strip():
            continue
        cells = {name: _slice(line, start, end) for name, start, end in bounds}
        if cells[bounds[0][0]] or not rows:
            rows.append({name: [] for name, _, _ in bounds})
        for name, value in cells.items():
            if value:
                rows[-1][name].append(value)
    return [{name: " ".join(parts) for name, parts in row.items()} for row in rows]


def squash(text: str) -> str:
    return "".join(text.split())


def staff(tmp_path: Path, rows=ROWS, header=HEADER, name="staff.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {"Sheet1": [header] + rows})


def table(*args: str, lang: str = "en") -> tuple[int, str]:
    code, out, err = run_cli("check", *args, "--as-of", AS_OF, "--lang", lang, "--format", "table")
    assert code in (0, 1), err
    return code, out


# Content.

def test_violations_notices_and_data_issues_in_english(tmp_path):
    code, out = table("--staff", str(staff(tmp_path)))
    assert code == 1
    head = out.splitlines()[0]
    assert head.startswith("Result: Violations 2 · Notices 1 · Data issues 2 · people 5")
    assert head.endswith(f"As of {AS_OF}")
    assert out.splitlines()[1] == "Inputs: staff.xlsx"      # the name, not the path on this machine
    violations = parse_table(out, "Violations")
    assert [(r["Severity"], r["Rule"], r["Subject"], r["Unit"]) for r in violations] == [
        ("high", "SOD-BIZ-FIN", "张伟", "甲中心"), ("medium", "TENURE-HIGH-RISK", "张伟", "甲中心")]
    biz_fin = violations[0]
    assert "Holds both business and finance duties" in biz_fin["Message"]
    # One input file: evidence names the sheet and row, not the file again.
    assert "sheet Sheet1, row 2: '会计' → Accounting" in biz_fin["Evidence"]
    assert "sheet Sheet1, row 2: '待遇审核' → Business operations" in biz_fin["Evidence"]
    assert "staff.xlsx" not in biz_fin["Evidence"]
    assert "2010-01-01" in violations[1]["Message"]
    (notice,) = parse_table(out, "Notices")
    assert (notice["Rule"], notice["Subject"]) == ("TENURE-HIGH-RISK", "朱琳")
    assert "plan the rotation" in notice["Message"]
    issues = parse_table(out, "Data issues")
    assert [r["Code"] for r in issues] == ["TENURE-UNKNOWN", "UNCLASSIFIED-POST"]
    assert issues[0]["Where"].endswith("sheet Sheet1, row 4, column E")
    assert "'后勤保障' maps to no duty" in issues[1]["Message"]
    items = [line.strip() for line in out.splitlines() if line.strip().startswith("•")]
    assert any("item 3" in i and i.endswith(": SOD-BIZ-FIN") for i in items)
    assert any("item 5" in i and i.endswith(": TENURE-HIGH-RISK") for i in items)


def test_the_same_report_in_chinese(tmp_path):
    _, out = table("--staff", str(staff(tmp_path)), lang="zh")
    assert out.splitlines()[0].startswith("检查结果: 违规 2 · 提示 1 · 数据问题 2 · 人员 5")
    assert f"检查基准日 {AS_OF}" in out.splitlines()[0]
    assert out.splitlines()[1].startswith("输入文件: ")
    violations = parse_table(out, "违规")
    assert [(r["严重程度"], r["规则"], r["对象"]) for r in violations] == [
        ("严重", "SOD-BIZ-FIN", "张伟"), ("较重", "TENURE-HIGH-RISK", "张伟")]
    assert "兼有业务和财务职责" in violations[0]["说明"]
    assert "工作表“Sheet1”第2行:“会计”→会计" in squash(violations[0]["依据"])
    assert "满期" in squash(violations[1]["说明"])
    assert [r["对象"] for r in parse_table(out, "提示")] == ["朱琳"]
    issues = parse_table(out, "数据问题")
    assert squash(issues[0]["位置"]).endswith("工作表“Sheet1”第4行E列")
    assert "考核表扣分项" in out and any(line.strip().startswith("• 第3项") for line in out.splitlines())


def test_empty_result_says_so_and_draws_no_table(tmp_path):
    code, out = table("--staff", str(staff(tmp_path, CLEAN)))
    assert code == 0
    assert out.splitlines()[0].startswith("Result: Violations 0 · Notices 0 · Data issues 0")
    assert "No violations found." in out
    for title in ("Violations", "Notices", "Data issues"):
        assert title not in [line.strip() for line in out.splitlines()]
    assert "Assessment items at risk" not in out
    _, zh = table("--staff", str(staff(tmp_path, CLEAN)), lang="zh")
    assert "未发现违规。" in zh


def test_waived_finding_is_marked_and_does_not_fail(tmp_path):
    waivers = write_waivers(tmp_path / "waivers.yaml", waiver(rule="SOD-BIZ-FIN", kind="person", name="张伟"),
                            waiver(id="W-2", rule="TENURE-HIGH-RISK", kind="person", name="张伟"))
    code, out = table("--staff", str(staff(tmp_path)), "--waivers", str(waivers))
    assert code == 0
    rows = parse_table(out, "Violations")
    assert {r["Severity"] for r in rows} == {"high (waived)", "medium (waived)"}
    _, zh = table("--staff", str(staff(tmp_path)), "--waivers", str(waivers), lang="zh")
    assert parse_table(zh, "违规")[0]["严重程度"] == "严重 (已豁免)"


def test_baseline_findings_are_listed_and_only_new_ones_fail(tmp_path):
    first = staff(tmp_path, [ROWS[0], ROWS[4]])
    base = tmp_path / "baseline.json"
    code, _, err = run_cli("check", "--staff", str(first), "--as-of", AS_OF, "--format", "json", "-o", str(base))
    assert code == 1, err
    later = staff(tmp_path, [ROWS[0], ROWS[4], ["郑浩", "甲中心", "在编", "会计、出纳", "2018.02"]], name="later.xlsx")
    code, out = table("--staff", str(later), "--baseline", str(base))
    assert code == 1
    rows = parse_table(out, "Violations")
    assert {(r["Rule"], r["Subject"]) for r in rows} == {
        ("SOD-BIZ-FIN", "张伟"), ("TENURE-HIGH-RISK", "张伟"), ("SOD-ACC-CASH", "郑浩")}


def test_baseline_state_is_shown(tmp_path):
    first = staff(tmp_path, [ROWS[0], ROWS[4]])
    base = tmp_path / "baseline.json"
    run_cli("check", "--staff", str(first), "--as-of", AS_OF, "--format", "json", "-o", str(base))
    later = staff(tmp_path, [ROWS[0], ROWS[4], ["郑浩", "甲中心", "在编", "会计、出纳", "2018.02"]], name="later.xlsx")
    _, out = table("--staff", str(later), "--baseline", str(base))
    rows = {r["Subject"]: " ".join(r.values()).lower() for r in parse_table(out, "Violations")}
    assert "new" in rows["郑浩"] and "new" not in rows["张伟"]


@pytest.fixture
def export(tmp_path) -> tuple[Path, Path]:
    """A split export: k1 enters payments; k2 enters and approves them; and the maker/checker rules."""
    folder = tmp_path / "export"
    write_csv(folder / "accounts.csv", [["account", "name", "status"], ["k1", "甲一", "正常"], ["k2", "甲二", "正常"],
                                        ["k3", "甲三", "停用"]])
    write_csv(folder / "account_roles.csv", [["account", "role"], ["k1", "CLERK"], ["k2", "CLERK"], ["k2", "BOSS"]])
    write_csv(folder / "role_permissions.csv", [["role", "permission"], ["CLERK", "ZF_LR"], ["BOSS", "ZF_SP"]])
    rules = tmp_path / "rules.yaml"
    rules.write_text(MAKER_CHECKER, encoding="utf-8")
    return folder, rules


def test_what_if_lists_introduced_and_removed_findings(export):
    folder, rules = export
    code, out = table("--perms", str(folder), "--rules", str(rules), "--grant", "k1=BOSS", "--revoke", "k2=BOSS")
    assert code == 1
    found = {(r["Rule"], r["Subject"]) for r in parse_table(out, "Violations")}
    assert {("SYS-PAY-MAKER-CHECKER", "k1"), ("SYS-PAY-MAKER-CHECKER", "k2")} <= found
    assert any(line.startswith("accounts 3 · disabled (not checked) 1") for line in out.splitlines())


def test_what_if_change_is_shown(export):
    folder, rules = export
    _, out = table("--perms", str(folder), "--rules", str(rules), "--grant", "k1=BOSS", "--revoke", "k2=BOSS")
    rows = {r["Subject"]: " ".join(r.values()).lower() for r in parse_table(out, "Violations")
            if r["Rule"] == "SYS-PAY-MAKER-CHECKER"}
    assert "introduced" in rows["k1"] and "removed" in rows["k2"]


def test_batch_summary_by_folder_and_by_unit(tmp_path, export):
    folder, rules = export
    second = tmp_path / "second"
    # A second system: its roles are its own, so it defines them too.
    write_csv(second / "account_roles.csv", [["account", "role"], ["k9", "CLERK"], ["k9", "BOSS"]])
    write_csv(second / "role_permissions.csv", [["role", "permission"], ["CLERK", "ZF_LR"], ["BOSS", "ZF_SP"]])
    _, out = table("--perms", str(folder), "--perms", str(second), "--rules", str(rules))
    folders = {r["Folder"]: r for r in parse_table(out, "By input folder")}
    assert set(folders) == {str(folder), str(second)}
    assert folders[str(second)]["Files"] == "2" and int(folders[str(second)]["Violations"]) >= 1
    many = [[f"人员{i}", f"单位{i:02d}", "在编", "会计、出纳", "2018.01"] for i in range(23)]
    _, out = table("--staff", str(staff(tmp_path, many, name="many.xlsx")))
    units = parse_table(out, "By unit")
    assert len(units) == 21 and units[-1]["Unit"] == "3 more units"
    # Most violations first, then by name: every unit has ORG-INTERNAL-CONTROL and SOD-ACC-CASH.
    assert units[0] == {"Unit": "单位00", "Violations": "2"}


def test_evidence_is_capped_at_six_lines(tmp_path):
    rows = [["张伟", "甲中心", "在编", post, "2018.01"] for post in ("会计", "出纳") * 4]
    _, out = table("--staff", str(staff(tmp_path, rows)), "--rules", str(only_rule(tmp_path, "SOD-ACC-CASH")))
    (row,) = [r for r in parse_table(out, "Violations") if r["Rule"] == "SOD-ACC-CASH"]
    assert row["Evidence"].count(" → ") == 6 and row["Evidence"].endswith("… +2")


def only_rule(tmp_path: Path, keep: str) -> Path:
    """A rule file that switches off every built-in rule but one."""
    path = tmp_path / "only.yaml"
    path.write_text("rules:\n" + "".join(f"  - {{id: {r.id}, enabled: false}}\n" for r in load_ruleset().rules
                                         if r.id != keep), encoding="utf-8")
    return path


def test_id_numbers_are_masked_unless_asked(tmp_path):
    header = ["姓名", "单位", "身份证号码", "人员身份", "岗位", "任现岗时间"]
    path = staff(tmp_path, [["张伟", "甲中心", ID_NUMBER, "在编", "待遇审核、会计", "2018.01"]], header=header)
    _, out = table("--staff", str(path))
    subject = parse_table(out, "Violations")[0]["Subject"]
    assert subject.startswith("张伟") and ID_NUMBER not in squash(subject) and ID_NUMBER[-4:] in subject
    _, out = table("--staff", str(path), "--show-ids")
    assert ID_NUMBER in squash(parse_table(out, "Violations")[0]["Subject"])


LONG_ID = "LOCAL-PAYMENT-ENTRY-AND-APPROVAL-BY-ONE-PERSON-IN-THE-CORE-SYSTEM"


# A rule id is what people search for and paste into waivers: it must never be broken across lines.
@pytest.mark.parametrize("width", [160, 100])
def test_rule_ids_of_ordinary_length_stay_on_one_line(tmp_path, export, width):
    folder, rules = export
    report = run(CheckRequest(staff=[str(staff(tmp_path))], perms=[str(folder)], rules=[str(rules)],
                              as_of=date(2019, 6, 30)))
    ids = {v.rule_id for v in report.violations}
    assert "SYS-PAY-MAKER-CHECKER" in ids and "TENURE-HIGH-RISK" in ids
    text = render("table", report, RenderOptions(lang="en", width=width))
    assert isinstance(text, str)
    assert {r["Rule"] for r in parse_table(text, "Violations")} == ids


def test_a_long_rule_id_is_never_broken_across_lines(tmp_path):
    rules = tmp_path / "long.yaml"
    rules.write_text(f"""\
rules:
  - id: {LONG_ID}
    kind: incompatible
    duties: [accounting, cashier]
    severity: high
    title: {{zh: 会计出纳, en: Accounting and cashier}}
    message: {{zh: 会计与出纳兼任, en: Accounting combined with cashier}}
    source: test
""", encoding="utf-8")
    _, out = table("--staff", str(staff(tmp_path, [["郑浩", "甲中心", "在编", "会计、出纳", "2018.02"]])),
                   "--rules", str(rules))
    assert any(LONG_ID in line for line in out.splitlines())
    report = run(CheckRequest(staff=[str(tmp_path / "staff.xlsx")], rules=[str(rules)], as_of=date(2019, 6, 30)))
    for width in (80, 120):
        text = render("table", report, RenderOptions(lang="en", width=width))
        assert isinstance(text, str)
        assert any(LONG_ID in line for line in text.splitlines()), f"rule id broken at width {width}"


# Colour.

def test_no_colour_codes_in_a_pipe_or_file(tmp_path):
    _, out = table("--staff", str(staff(tmp_path)))
    assert "\x1b[" not in out
    target = tmp_path / "report.txt"
    code, _, _ = run_cli("check", "--staff", str(staff(tmp_path)), "--as-of", AS_OF, "-o", str(target))
    assert code == 1 and "\x1b[" not in target.read_text(encoding="utf-8")


def test_colour_marks_severity_when_asked(tmp_path):
    report = run(CheckRequest(staff=[str(staff(tmp_path))], as_of=date(2019, 6, 30)))
    coloured = render("table", report, RenderOptions(lang="en", color=True, width=160))
    plain = render("table", report, RenderOptions(lang="en", color=False, width=160))
    assert isinstance(coloured, str) and isinstance(plain, str)
    assert "\x1b[1;31mhigh" in coloured and "\x1b[33mmedium" in coloured     # bold red, yellow
    assert "\x1b[" not in plain
    # Without its escape codes the coloured report reads the same as the plain one.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    waived = replace(report, violations=tuple(replace(v, waiver=(("status", "active"),)) for v in report.violations))
    assert "(waived)" in render("table", waived, RenderOptions(lang="en", color=True, width=160))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_terminal_gets_colour_and_its_own_width(tmp_path):
    """The process boundary matters here: only a real terminal turns colour on."""
    path = staff(tmp_path)
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="100", LINES="40", TERM="xterm")
    env.pop("NO_COLOR", None)
    result = subprocess.run([sys.executable, "-m", "sodcheck", "check", "--staff", str(path), "--as-of", AS_OF,
                             "--lang", "en"], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    out = b"".join(chunks).decode("utf-8")
    assert result.returncode == 1, result.stderr
    assert "\x1b[" in out
    lines = [line for line in out.replace("\r\n", "\n").split("\n") if line.strip()]
    assert max(cell_len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in lines) <= 100
