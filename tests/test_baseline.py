"""Baselines: only findings that are not in an earlier JSON report fail the run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import HEADER, check_json, run_cli, write_xlsx

ROWS = [
    ["李娜", "中心", "在编", "会计、出纳", "2015.09"],
    ["王强", "中心", "在编", "参保登记、会计", "2016.01"],
    ["赵敏", "中心", "在编", "内控稽核", "2018.01"],
]


def staff(tmp_path: Path, rows, name="staff.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {"Sheet1": [HEADER] + rows})


def baseline_of(tmp_path: Path, *args: str) -> Path:
    path = tmp_path / "baseline.json"
    code, _out, err = run_cli("check", *args, "--format", "json", "-o", str(path))
    assert code in (0, 1), err
    return path


def test_reordered_rows_are_nothing_new(tmp_path):
    first = staff(tmp_path, ROWS)
    base = baseline_of(tmp_path, "--staff", str(first), "--as-of", "2019-06-30")
    moved = staff(tmp_path, [ROWS[2], [None] * 5, ROWS[1], ROWS[0]], name="moved.xlsx")
    code, doc = check_json("--staff", str(moved), "--as-of", "2019-06-30", "--baseline", str(base))
    assert code == 0
    assert doc["violations"] and {v["baseline_state"] for v in doc["violations"]} == {"unchanged"}
    assert doc["summary"]["counted"] == 0
    assert doc["summary"]["baseline"]["new"] == 0 and doc["summary"]["baseline"]["absent"] == 0


def test_new_finding_fails_and_is_marked_new(tmp_path):
    base = baseline_of(tmp_path, "--staff", str(staff(tmp_path, ROWS[:1])), "--as-of", "2019-06-30")
    code, doc = check_json("--staff", str(staff(tmp_path, ROWS, "now.xlsx")), "--as-of", "2019-06-30",
                           "--baseline", str(base))
    assert code == 1
    states = {(v["rule_id"], v["subject"]["name"]): v["baseline_state"] for v in doc["violations"]}
    assert states[("SOD-ACC-CASH", "李娜")] == "unchanged"
    assert states[("SOD-BIZ-FIN", "王强")] == "new"
    assert doc["summary"]["counted"] == sum(1 for s in states.values() if s == "new")


def test_fixed_findings_are_counted_absent(tmp_path):
    base = baseline_of(tmp_path, "--staff", str(staff(tmp_path, ROWS)), "--as-of", "2019-06-30")
    _code, doc = check_json("--staff", str(staff(tmp_path, ROWS[2:], "fixed.xlsx")), "--as-of", "2019-06-30",
                            "--baseline", str(base))
    absent = {(a["rule_id"], a["subject"]["name"]) for a in doc["summary"]["baseline"]["absent_violations"]}
    assert {("SOD-ACC-CASH", "李娜"), ("SOD-BIZ-FIN", "王强")} <= absent


def test_a_second_identical_finding_is_new(tmp_path):
    """Matching counts: two people of one name in one unit, one of them already known."""
    one = [["张伟", "中心", "在编", "会计、出纳", "2015.09"]]
    base = baseline_of(tmp_path, "--staff", str(staff(tmp_path, one)), "--as-of", "2019-06-30")
    two = one + [["张伟", "中心", "在编", "会计、出纳", "2016.09"]]
    header = ["姓名", "单位", "人员身份", "岗位", "任现岗时间", "身份证号"]
    path = write_xlsx(tmp_path / "two.xlsx", {"Sheet1": [header, two[0] + ["341702198001010011"],
                                                        two[1] + ["341702198001010038"]]})
    code, doc = check_json("--staff", str(path), "--as-of", "2019-06-30", "--baseline", str(base))
    states = sorted(v["baseline_state"] for v in doc["violations"] if v["rule_id"] == "SOD-ACC-CASH")
    assert states == ["new", "unchanged"] and code == 1


def test_role_lines_moved_are_nothing_new(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("roles:\n  a:\n    permissions: [待遇审核, 资金支付]\n  b:\n    includes: [a]\n",
                     encoding="utf-8")
    base = baseline_of(tmp_path, "--roles", str(roles))
    roles.write_text("# moved\nroles:\n  b:\n    includes: [a]\n\n  a:\n    permissions: [资金支付, 待遇审核]\n",
                     encoding="utf-8")
    code, doc = check_json("--roles", str(roles), "--baseline", str(base))
    assert code == 0 and {v["baseline_state"] for v in doc["violations"]} == {"unchanged"}
    code, out, _ = run_cli("check", "--roles", str(roles), "--baseline", str(base), "--format", "sarif")
    assert {r["baselineState"] for r in json.loads(out)["runs"][0]["results"]} == {"unchanged"}


def test_baseline_with_waivers_and_fail_on(tmp_path):
    base = baseline_of(tmp_path, "--staff", str(staff(tmp_path, ROWS[:1])), "--as-of", "2019-06-30")
    path = staff(tmp_path, ROWS, "now.xlsx")
    code, _, _ = run_cli("check", "--staff", str(path), "--as-of", "2019-06-30", "--baseline", str(base),
                         "--fail-on", "never")
    assert code == 0


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ("[]", "violations"),
    ('{"violations": {}}', "violations"),
    ('{"violations": [{"rule_id": "X"}]}', "violation #1"),
    ('{"tool": {"name": "other"}, "violations": []}', "other"),
])
def test_bad_baseline_exits_2(tmp_path, text, words):
    base = tmp_path / "b.json"
    base.write_text(text, encoding="utf-8")
    code, _, err = run_cli("check", "--staff", str(staff(tmp_path, ROWS)), "--baseline", str(base))
    assert code == 2 and words in err and "b.json" in err and "Traceback" not in err


def test_missing_baseline_exits_2(tmp_path):
    code, _, err = run_cli("check", "--staff", str(staff(tmp_path, ROWS)), "--baseline",
                           str(tmp_path / "none.json"))
    assert code == 2 and "none.json" in err
