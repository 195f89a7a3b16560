"""Linking system accounts to the people of the staffing sheet, and the checks that need the link:
ACCOUNT-UNLINKED, PERM-BEYOND-POST, and findings reported once under the person with evidence
from both the sheet row and the grant path."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from sodcheck.cli import cli
from sodcheck.grants import build_accounts, build_graph
from sodcheck.linking import link_accounts
from sodcheck.loaders.permissions import load_permissions
from sodcheck.loaders.staffing import load_staffing
from sodcheck.model import Report, Violation
from sodcheck.pipeline import CheckRequest, run
from sodcheck.ruleset import load_ruleset

from .conftest import MAKER_CHECKER, write_csv, write_xlsx

AS_OF = date(2024, 6, 30)
STAFF_HEADER = ["姓名", "单位", "身份证号", "人员身份", "岗位", "任现岗时间"]


def id_number(first17: str) -> str:
    """A resident id number with a valid check digit (GB 11643), so no ID-INVALID noise."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


ID_A = id_number("34170219800202020")
ID_B = id_number("34170219810303030")
ID_C = id_number("34170219820404040")
ID_D = id_number("34170219830505050")
ID_E = id_number("34170219840606060")


def write_staff(path: Path, rows: list[list]) -> Path:
    return write_xlsx(path, {"人员分工": [STAFF_HEADER] + rows})


def check(staff: Path | None, perms: Path, rules: Path | None = None, **options) -> Report:
    return run(CheckRequest(staff=[str(staff)] if staff else [], perms=[str(perms)],
                            rules=[str(rules)] if rules else [], as_of=AS_OF, **options))


def found(report: Report) -> set[tuple[str, str, str]]:
    """Findings about people, accounts and roles; a unit's findings (no internal-control post)
    are about the sheet alone and not what these tests are about."""
    return {(v.rule_id, v.subject.kind, v.subject.name) for v in report.violations
            if v.subject.kind != "unit"}


def one(report: Report, rule_id: str, name: str) -> Violation:
    hits = [v for v in report.violations if v.rule_id == rule_id and v.subject.name == name]
    assert len(hits) == 1, (rule_id, name, found(report))
    return hits[0]


# ----------------------------------------------------------------------------- the linking order

PEOPLE = [
    ["张三", "甲中心", ID_A, "在编", "参保登记", "2022.1"],
    ["李四", "甲中心", None, "在编", "会计", "2022.1"],
    ["李四", "乙中心", None, "在编", "参保登记", "2022.1"],
    ["王五", "甲中心", None, "在编", "出纳", "2022.1"],
    ["赵六", "甲中心", ID_B, "在编", "参保登记", "2022.1"],
    ["陈七", "乙中心", ID_C, "在编", "参保登记", "2022.1"],
    ["陈七", "乙中心", ID_D, "在编", "会计", "2022.1"],
]

ACCOUNTS = [
    ["用户编码", "用户姓名", "身份证号", "所属机构", "状态"],
    ["a_id", "张叁", ID_A, "", "正常"],          # row 2: by id, whatever the name says
    ["a_unit", "李四", "", "乙中心", "正常"],     # row 3: by name and unit
    ["a_amb", "李四", "", "", "正常"],           # row 4: two people named 李四, no unit: ambiguous
    ["a_uniq", "王五", "", "丙中心", "正常"],     # row 5: no 王五 in 丙中心, but only one 王五 at all
    ["a_diff", "赵六", ID_E, "甲中心", "正常"],   # row 6: the 赵六 of the sheet has another id
    ["a_amb2", "陈七", "", "乙中心", "正常"],     # row 7: two 陈七 in 乙中心: ambiguous by name and unit
    ["a_chen", "陈七", ID_D, "乙中心", "正常"],   # row 8: the id tells the two apart
]


def test_link_by_id_then_name_and_unit_then_unique_name(tmp_path):
    staffing = load_staffing([str(write_staff(tmp_path / "staff.xlsx", PEOPLE))])
    data = load_permissions([str(write_csv(tmp_path / "accounts.csv", ACCOUNTS))])
    warnings: list = []
    graph = build_graph(data, load_ruleset([]).taxonomy, warnings)
    accounts = build_accounts(graph, warnings)
    links = link_accounts(accounts, staffing, np.ones(len(accounts.codes), dtype=bool), data.files, warnings)

    people = {p.key: p for p in staffing.people}
    linked = {accounts.codes[acc]: (people[key].name, people[key].unit, people[key].id_number)
              for acc, key in links.items()}
    assert linked == {
        "a_id": ("张三", "甲中心", ID_A),
        "a_unit": ("李四", "乙中心", None),
        "a_uniq": ("王五", "甲中心", None),
        "a_chen": ("陈七", "乙中心", ID_D),
    }

    ambiguous = {w.row: w for w in warnings if w.code == "ACCOUNT-AMBIGUOUS"}
    assert set(ambiguous) == {4, 7}
    assert all(Path(w.file).name == "accounts.csv" for w in ambiguous.values())
    assert "a_amb" in ambiguous[4].message.en and "matches 2 people by name;" in ambiguous[4].message.en
    assert "a_amb2" in ambiguous[7].message.en and "by name+unit" in ambiguous[7].message.en
    assert "按姓名加单位" in ambiguous[7].message.zh


def test_ambiguous_and_different_id_accounts_are_unlinked_in_the_report(tmp_path):
    staff = write_staff(tmp_path / "staff.xlsx", PEOPLE)
    report = check(staff, write_csv(tmp_path / "accounts.csv", ACCOUNTS))
    assert dict(report.stats)["accounts_linked"] == 4
    unlinked = {v.subject.name for v in report.violations if v.rule_id == "ACCOUNT-UNLINKED"}
    assert unlinked == {"a_amb", "a_diff", "a_amb2"}
    origin = one(report, "ACCOUNT-UNLINKED", "a_diff").evidence
    assert [(Path(e.file).name, e.row) for e in origin] == [("accounts.csv", 6)]
    assert {w.row for w in report.warnings if w.code == "ACCOUNT-AMBIGUOUS"} == {4, 7}


def test_a_name_alone_links_nobody_whose_id_differs(tmp_path):
    staff = write_staff(tmp_path / "staff.xlsx", [["赵六", "甲中心", ID_B, "在编", "参保登记", "2022.1"]])
    perms = write_csv(tmp_path / "grants.csv", [
        ["account", "name", "id_number", "unit", "permission", "permission_name"],
        ["z1", "赵六", ID_E, "甲中心", "PZ_LR", "会计凭证录入"]])
    report = check(staff, perms)
    # Linked, the person would hold business and accounting: no such finding, the account stays apart.
    assert found(report) == {("ACCOUNT-UNLINKED", "account", "z1")}
    assert dict(report.stats)["accounts_linked"] == 0


# ----------------------------------------------------------------------------- checks on linked people

GRANTS = [
    ["用户编码", "用户姓名", "身份证号", "所属机构", "角色编码", "功能编码", "功能名称"],
    ["m1", "乙一", ID_A, "贵池区养老保险管理中心", "R_YW", "YW_DJ", "参保登记"],   # row 2
    ["m1", "乙一", ID_A, "贵池区养老保险管理中心", "", "ZF_LR", "支付录入"],        # row 3, direct
    ["m2", "乙二", "", "贵池区养老保险管理中心", "R_SP", "ZF_SP", "支付审批"],       # row 4
    ["m9", "测试账号", "", "", "R_YW", "YW_DJ", "参保登记"],                         # row 5
]
STAFF = [
    ["乙一", "贵池区养老保险管理中心", ID_A, "在编", "参保登记", "2022.1"],    # row 2
    ["乙二", "贵池区养老保险管理中心", None, "在编", "会计", "2022.1"],        # row 3
    ["乙三", "贵池区养老保险管理中心", None, "在编", "内控稽核", "2022.1"],    # row 4
]


def linked_case(tmp_path: Path) -> tuple[Path, Path, Path]:
    staff = write_staff(tmp_path / "staff.xlsx", STAFF)
    perms = write_csv(tmp_path / "grants.csv", GRANTS, encoding="gb18030")
    rules = tmp_path / "rules.yaml"
    rules.write_text(MAKER_CHECKER, encoding="utf-8")
    return staff, perms, rules


def test_violations_are_reported_once_under_the_linked_person(tmp_path):
    staff, perms, rules = linked_case(tmp_path)
    report = check(staff, perms, rules)
    assert found(report) == {("SOD-BIZ-FIN", "person", "乙一"), ("PERM-BEYOND-POST", "person", "乙一"),
                             ("ACCOUNT-UNLINKED", "account", "m9")}
    person = one(report, "SOD-BIZ-FIN", "乙一")
    assert person.subject.unit == "贵池区养老保险管理中心" and person.subject.id == ID_A
    sheet_rows = {(Path(e.file).name, e.sheet, e.row, e.post, e.duty) for e in person.evidence if not e.path}
    assert sheet_rows == {("staff.xlsx", "人员分工", 2, "参保登记", "business")}
    paths = {(Path(e.file).name, e.row, e.path) for e in person.evidence if e.path}
    assert paths == {("grants.csv", 2, ("account:m1", "role:R_YW", "permission:YW_DJ")),
                     ("grants.csv", 3, ("account:m1", "permission:ZF_LR"))}
    summary = dict(report.stats)
    assert (summary["accounts"], summary["accounts_linked"]) == (3, 2)


def test_perm_beyond_post_and_a_post_covering_the_duties_below_it(tmp_path):
    staff, perms, rules = linked_case(tmp_path)
    report = check(staff, perms, rules)
    beyond = one(report, "PERM-BEYOND-POST", "乙一")
    assert beyond.duties == ("payment_entry",)
    assert [(e.row, e.path, e.duty) for e in beyond.evidence] == [
        (3, ("account:m1", "permission:ZF_LR"), "payment_entry")]
    # 乙二's post 会计 covers payment_approval, a duty under accounting: no finding.
    assert not any(v.subject.name == "乙二" for v in report.violations)


def test_a_generic_duty_beside_a_more_specific_one_is_still_beyond_the_post(tmp_path):
    """Post 会计 covers accounting and below, not finance in general: 财务管理 (finance) is beyond it,
    whether or not the account also has 凭证录入 (accounting)."""
    staff = write_staff(tmp_path / "staff.xlsx", [["王会计", "甲中心", ID_C, "在编", "会计", "2022.1"]])
    header = ["account", "id_number", "role", "permission", "permission_name"]
    only_generic = write_csv(tmp_path / "a.csv", [header, ["w1", ID_C, "R", "F1", "财务管理"]])
    both = write_csv(tmp_path / "b.csv", [header, ["w1", ID_C, "R", "F1", "财务管理"],
                                          ["w1", ID_C, "R", "F2", "凭证录入"]])
    covered = write_csv(tmp_path / "c.csv", [header, ["w1", ID_C, "R", "F2", "凭证录入"]])
    for perms in (only_generic, both):
        report = check(staff, perms)
        beyond = one(report, "PERM-BEYOND-POST", "王会计")
        assert beyond.duties == ("finance",)
        assert {e.permission for e in beyond.evidence} == {"F1"}
    assert not any(v.rule_id == "PERM-BEYOND-POST" for v in check(staff, covered).violations)


def test_unlinked_accounts_are_only_checked_with_staff(tmp_path):
    _staff, perms, rules = linked_case(tmp_path)
    alone = check(None, perms, rules)
    assert not any(v.rule_id in ("ACCOUNT-UNLINKED", "PERM-BEYOND-POST") for v in alone.violations)
    # Without the sheet the same conflict is the account's own.
    assert ("SOD-BIZ-FIN", "account", "m1") in found(alone)
    assert dict(alone.stats)["accounts_linked"] == 0


def test_disabled_accounts_are_not_reported_unlinked(tmp_path):
    staff = write_staff(tmp_path / "staff.xlsx", STAFF)
    perms = write_csv(tmp_path / "grants.csv", [
        ["用户编码", "用户姓名", "账号状态", "功能编码", "功能名称"],
        ["old", "离职人员", "注销", "YW_DJ", "参保登记"], ["new", "测试", "正常", "YW_DJ", "参保登记"]])
    assert {v.subject.name for v in check(staff, perms).violations if v.rule_id == "ACCOUNT-UNLINKED"} == {"new"}
    report = check(staff, perms, include_disabled=True)
    assert {v.subject.name for v in report.violations if v.rule_id == "ACCOUNT-UNLINKED"} == {"new"}


def test_linked_report_on_the_command_line(tmp_path):
    staff, perms, rules = linked_case(tmp_path)
    result = CliRunner().invoke(cli, ["check", "--staff", str(staff), "--perms", str(perms), "--rules",
                                      str(rules), "--as-of", AS_OF.isoformat(), "--format", "json",
                                      "--lang", "zh"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    person = next(v for v in doc["violations"] if v["rule_id"] == "SOD-BIZ-FIN")
    assert person["subject"]["kind"] == "person" and person["subject"]["id"] != ID_A    # masked
    assert any("path" not in e and e["sheet"] == "人员分工" and e["row"] == 2 for e in person["evidence"])
    assert ["account:m1", "permission:ZF_LR"] in [e.get("path") for e in person["evidence"]]
    assert doc["summary"]["accounts_linked"] == 2
    assert doc["summary"]["by_unit"] == {"贵池区养老保险管理中心": 2}
