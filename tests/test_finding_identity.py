"""One finding identity for baselines, what-if, SARIF and waivers, and the bugs the old three
definitions caused."""
from __future__ import annotations

import gc
import json
from datetime import date

import pytest

from sodcheck.model import Evidence, Subject, Text, Violation, finding_identity, identity_from_json
from sodcheck.report.locate import fingerprint

from .conftest import HEADER, check_json, run_cli, write_waivers, write_xlsx


def staff(tmp_path, rows, name="staff.xlsx"):
    return write_xlsx(tmp_path / name, {"Sheet1": [HEADER, *rows]})


def test_a_baseline_tells_people_of_one_name_in_two_units_apart(tmp_path):
    # 张三 of 甲中心 was in the baseline; a new 张三 of 乙中心 is a new finding, and 甲中心's
    # finding stays unchanged.
    before = staff(tmp_path, [["张三", "甲中心", "在编", "会计、出纳", "2020.01"],
                              ["赵敏", "甲中心", "在编", "内控稽核", "2020.01"]], "before.xlsx")
    base = tmp_path / "base.json"
    code, _, err = run_cli("check", "--staff", str(before), "--as-of", "2021-01-01", "--format", "json",
                           "-o", str(base))
    assert code == 1, err
    after = staff(tmp_path, [["张三", "甲中心", "在编", "会计、出纳", "2020.01"],
                             ["赵敏", "甲中心", "在编", "内控稽核", "2020.01"],
                             ["张三", "乙中心", "在编", "会计、出纳", "2020.01"],
                             ["钱七", "乙中心", "在编", "内控稽核", "2020.01"]], "after.xlsx")
    _, doc = check_json("--staff", str(after), "--as-of", "2021-01-01", "--baseline", str(base))
    states = {(v["subject"]["unit"], v["baseline_state"]) for v in doc["violations"]
              if v["rule_id"] == "SOD-ACC-CASH"}
    assert states == {("甲中心", "unchanged"), ("乙中心", "new")}


def test_a_baseline_written_before_systems_existed_still_matches(tmp_path):
    old = {"violations": [{"rule_id": "SOD-ACC-CASH", "subject": {"kind": "account", "name": "m1", "unit": None},
                           "duties": ["accounting", "cashier"]}]}
    identity = identity_from_json(old["violations"][0])
    assert identity.system is None
    now = Violation("SOD-ACC-CASH", "high", Subject("account", "m1", system="核心系统"), Text("", ""), (),
                    ("cashier", "accounting"))
    assert finding_identity(now)._replace(system=None) == identity


def test_what_if_counts_findings_like_a_baseline():
    from sodcheck.model import Report
    from sodcheck.pipeline import compare_what_if

    def report(*violations):
        return Report(date(2024, 1, 1), tuple(violations), (), (), (), ())

    one = Violation("R", "high", Subject("person", "张三", "甲"), Text("", ""), (Evidence("a", row=2),))
    twin = Violation("R", "high", Subject("person", "张三", "甲"), Text("", ""), (Evidence("a", row=9),))
    result = compare_what_if(report(one), report(one, twin))
    assert sorted(v.change for v in result.violations) == ["", "introduced"]
    assert dict(result.stats)["what_if"] == {"introduced": 1, "removed": 0}


def test_sarif_fingerprint_is_the_identity():
    a = Violation("R", "high", Subject("person", "张三", "甲"), Text("x", "x"), (Evidence("f", row=2),), ("b", "a"))
    moved = Violation("R", "high", Subject("person", "张三", "甲"), Text("y", "y"), (Evidence("f", row=30),),
                      ("a", "b"))
    other_unit = Violation("R", "high", Subject("person", "张三", "乙"), Text("x", "x"), (), ("a", "b"))
    assert fingerprint(a) == fingerprint(moved) != fingerprint(other_unit)


def test_evidence_sorts_when_optional_fields_are_missing():
    items = [Evidence("f", row=None), Evidence("f", row=3), Evidence(None), Evidence("f", "S", 2, post="会计"),
             Evidence("f", "S", 2, post=None, biz_id="B1", time="2024-03-01T09:00:00")]
    ordered = sorted(items)
    assert ordered[0] == Evidence(None)
    assert sorted(reversed(items)) == ordered
    assert min(items) == Evidence(None)


def test_a_duty_listed_twice_is_one_duty(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: X-DUP\n    kind: incompatible\n    duties: [accounting, accounting, cashier]\n"
                     "    severity: high\n    title: {zh: 重复, en: repeated}\n    message: {zh: 重复, en: repeated}\n"
                     "    source: test\n", encoding="utf-8")
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"],
                             ["赵敏", "中心", "在编", "内控稽核", "2020.01"]])
    _, doc = check_json("--staff", str(sheet), "--rules", str(rules), "--as-of", "2021-01-01")
    assert not [v for v in doc["violations"] if v["rule_id"] == "X-DUP"]


def test_a_rule_with_one_distinct_duty_is_refused(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: X-DUP\n    kind: incompatible\n    duties: [accounting, accounting]\n"
                     "    severity: high\n    title: {zh: 重复, en: repeated}\n    message: {zh: 重复, en: repeated}\n"
                     "    source: test\n", encoding="utf-8")
    code, _, err = run_cli("rules", "validate", str(rules))
    assert code == 2 and "rules.yaml" in err and "distinct" in err


def test_the_garbage_collector_is_on_after_a_run(tmp_path):
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"]])
    run_cli("check", "--staff", str(sheet), "--format", "json")
    assert gc.isenabled()
    run_cli("check", "--staff", str(tmp_path / "missing.xlsx"))
    assert gc.isenabled()


def test_the_garbage_collector_stays_off_while_the_report_is_written(tmp_path, monkeypatch):
    """The report's objects were all made during the run: scanning them while writing finds nothing."""
    import sodcheck.cli

    seen = []
    write = sodcheck.cli.write_output
    monkeypatch.setattr(sodcheck.cli, "write_output", lambda *args: seen.append(gc.isenabled()) or write(*args))
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"]])
    run_cli("check", "--staff", str(sheet), "--format", "json")
    assert seen == [False] and gc.isenabled()


def test_only_a_process_that_ends_with_the_command_freezes_what_its_run_made(tmp_path, monkeypatch):
    """The console process freezes the run's objects before the collector is back on (its first
    pass would scan them all for nothing); a caller's own process keeps them collectable."""
    from sodcheck.cli import main

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.isenabled()))
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"]])
    run_cli("check", "--staff", str(sheet), "--format", "json")
    assert frozen == []
    with pytest.raises(SystemExit):
        main(["check", "--staff", str(sheet), "--format", "json", "-o", str(tmp_path / "report.json")])
    assert frozen == [False] and gc.isenabled()


def test_what_if_keeps_the_exports_warnings(tmp_path):
    folder = tmp_path / "perms"
    folder.mkdir()
    (folder / "account_roles.csv").write_text("account,role\nm1,PAY\nm1,GHOST\n,PAY\n", encoding="utf-8")
    (folder / "role_permissions.csv").write_text("role,permission\nPAY,支付审批\n", encoding="utf-8")
    _, plain = check_json("--perms", str(folder))
    _, changed = check_json("--perms", str(folder), "--grant", "m1=PAY")
    codes = sorted(w["code"] for w in plain["warnings"])
    assert codes and sorted(w["code"] for w in changed["warnings"]) == codes


@pytest.mark.parametrize("approver", ["财务科 郑佳", "郑佳（本人）", "审批人：341702198001010011"])
def test_an_approver_naming_the_subject_is_refused(tmp_path, approver):
    path = write_waivers(tmp_path / "waivers.yaml", f"""\
  - id: W-1
    rule: SOD-ACC-CASH
    subject: {{kind: person, name: 郑佳, id: "341702198001010011"}}
    reason: 人员不足
    approver: "{approver}"
    expires: 2030-01-01
""")
    sheet = staff(tmp_path, [["郑佳", "中心", "在编", "会计、出纳", "2020.01"]])
    code, _, err = run_cli("check", "--staff", str(sheet), "--waivers", str(path))
    assert code == 2 and "waivers.yaml" in err and "approver" in err


def test_a_waiver_can_name_the_unit(tmp_path):
    path = write_waivers(tmp_path / "waivers.yaml", """\
  - id: W-1
    rule: SOD-ACC-CASH
    subject: {kind: person, name: 张三, unit: 甲中心}
    reason: 人员不足
    approver: 主任 李四
    expires: 2030-01-01
""")
    sheet = staff(tmp_path, [["张三", "甲中心", "在编", "会计、出纳", "2020.01"],
                             ["张三", "乙中心", "在编", "会计、出纳", "2020.01"]])
    _, doc = check_json("--staff", str(sheet), "--waivers", str(path), "--as-of", "2021-01-01")
    waived = {v["subject"]["unit"]: v.get("waiver") is not None for v in doc["violations"]
              if v["rule_id"] == "SOD-ACC-CASH"}
    assert waived == {"甲中心": True, "乙中心": False}


def test_a_baseline_nested_very_deep_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"violations": [' + "[" * 100_000 + "]" * 100_000 + "]}", encoding="utf-8")
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"]])
    code, _, err = run_cli("check", "--staff", str(sheet), "--baseline", str(path))
    assert code == 2 and "deep.json" in err and "internal error" not in err


def test_a_waiver_date_that_does_not_exist_names_the_file(tmp_path):
    path = write_waivers(tmp_path / "waivers.yaml", """\
  - id: W-1
    rule: SOD-ACC-CASH
    subject: {kind: person, name: 张三}
    reason: 人员不足
    approver: 主任 李四
    expires: 2024-13-45
""")
    sheet = staff(tmp_path, [["张三", "甲中心", "在编", "会计、出纳", "2020.01"]])
    code, _, err = run_cli("check", "--staff", str(sheet), "--waivers", str(path))
    assert code == 2 and "waivers.yaml" in err and "internal error" not in err, err


def test_json_of_an_identity_round_trips(tmp_path):
    sheet = staff(tmp_path, [["张三", "甲中心", "在编", "会计、出纳", "2020.01"]])
    out = tmp_path / "out.json"
    run_cli("check", "--staff", str(sheet), "--format", "json", "-o", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert all(identity_from_json(v).unit == v["subject"]["unit"] for v in doc["violations"])


def test_a_baseline_with_a_huge_number_is_a_clear_error(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"violations": [], "n": ' + "9" * 5000 + "}", encoding="utf-8")
    sheet = staff(tmp_path, [["王芳", "中心", "在编", "会计", "2020.01"]])
    code, _, err = run_cli("check", "--staff", str(sheet), "--baseline", str(path))
    assert code == 2 and "huge.json" in err and "internal error" not in err


def test_a_permission_csv_with_a_giant_field_is_a_clear_error(tmp_path):
    folder = tmp_path / "perms"
    folder.mkdir()
    (folder / "account_roles.csv").write_text("account,role\nm1,PAY\n\nm2,\"" + "x" * 200_000 + "\"\nm3\n",
                                              encoding="utf-8")
    code, _, err = run_cli("check", "--perms", str(folder))
    assert code in (0, 1, 2) and "internal error" not in err, err
