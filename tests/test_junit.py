"""JUnit XML for GitLab and other CI test reports: parseable, unique names, right counts, and an
error report when the run cannot check anything."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from .conftest import BOSS_ROLES, HEADER, run_cli, waiver, write_csv, write_waivers, write_xlsx

ROLES = BOSS_ROLES + """\
  other_boss:
    includes: [boss]
  loop:
    includes: [loop]
"""


def junit(*args: str) -> ET.Element:
    code, out, err = run_cli("check", *args, "--format", "junit")
    assert code in (0, 1), err
    return ET.fromstring(out)


def assert_counts_right(root: ET.Element) -> None:
    totals = Counter()
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for key, value in counted.items():
            assert int(suite.get(key)) == value, (suite.get("name"), key)
            totals[key] += value
    for key, value in totals.items():
        assert int(root.get(key)) == value, key


def names(root: ET.Element) -> list[str]:
    return [c.get("name") for c in root.iter("testcase")]


@pytest.fixture
def roles(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "a.yaml").write_text(ROLES, encoding="utf-8")
    (tmp_path / "roles" / "b.yaml").write_text("roles:\n  viewer:\n    permissions: [待遇审核]\n",
                                               encoding="utf-8")
    return tmp_path / "roles"


def test_one_suite_per_input_and_failures(roles):
    root = junit("--roles", "roles")
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"roles/a.yaml", "roles/b.yaml"}
    failing = {c.get("name") for c in suites["roles/a.yaml"].iter("testcase")
               if c.find("failure") is not None}
    assert failing == {"[HIGH][SOD-BIZ-FIN] role boss", "[HIGH][SOD-BIZ-FIN] role other_boss",
                       "[HIGH][ROLE-CYCLE] role loop"}
    boss = next(c for c in root.iter("testcase") if c.get("name") == "[HIGH][SOD-BIZ-FIN] role boss")
    assert (boss.get("file"), boss.get("line")) == ("roles/a.yaml", "4")
    assert boss.find("failure").get("type") == "SOD-BIZ-FIN"
    # A clean file still shows that it was checked.
    (clean,) = suites["roles/b.yaml"].iter("testcase")
    assert clean.find("failure") is None
    assert_counts_right(root)
    assert root.get("failures") == "3" and root.get("tests") == "4"


def test_names_unique_when_subjects_repeat(tmp_path, monkeypatch):
    """Two people of one name in one unit: GitLab would merge their testcases."""
    monkeypatch.chdir(tmp_path)
    header = HEADER + ["身份证号"]
    write_xlsx(tmp_path / "s.xlsx", {"Sheet1": [header,
                                                ["张伟", "中心", "在编", "会计、出纳", "2015.09", "341702198001010011"],
                                                ["张伟", "中心", "在编", "会计、出纳", "2015.09", "341702198001010038"],
                                                ["王强", "中心", "在编", "参保登记、会计", "2016.01", None]]})
    root = junit("--staff", "s.xlsx", "--as-of", "2019-06-30")
    all_names = names(root)
    assert len(all_names) == len(set(all_names))
    assert sum(1 for n in all_names if n.startswith("[HIGH][SOD-ACC-CASH] person 张伟 (中心)")) == 2
    assert_counts_right(root)


def test_waived_and_baselined_are_skipped(roles, tmp_path):
    write_waivers(tmp_path / "w.yaml", waiver(name="*boss", expires="2999-01-01"))
    root = junit("--roles", "roles", "--waivers", "w.yaml", "--lang", "en")
    skipped = {c.get("name"): c.find("skipped").get("message") for c in root.iter("testcase")
               if c.find("skipped") is not None}
    assert set(skipped) == {"[HIGH][SOD-BIZ-FIN] role boss", "[HIGH][SOD-BIZ-FIN] role other_boss"}
    assert all("W-1" in m for m in skipped.values())
    assert_counts_right(root)
    assert root.get("skipped") == "2" and root.get("failures") == "1"

    assert run_cli("check", "--roles", "roles", "--format", "json", "-o", "base.json")[0] == 1
    root = junit("--roles", "roles", "--baseline", "base.json")
    assert root.get("failures") == "0" and root.get("skipped") == "3"
    assert_counts_right(root)


def test_expired_waiver_fails_again(roles, tmp_path):
    write_waivers(tmp_path / "w.yaml", waiver(name="boss", expires="2020-01-01"))
    root = junit("--roles", "roles", "--waivers", "w.yaml", "--lang", "en")
    boss = next(c for c in root.iter("testcase") if c.get("name") == "[HIGH][SOD-BIZ-FIN] role boss")
    assert "expired" in boss.find("failure").get("message")
    assert "WAIVER-EXPIRED" in "".join(s.text or "" for s in root.iter("system-out"))


def test_junit_output_beside_another_format(roles, tmp_path):
    code, out, _ = run_cli("check", "--roles", "roles", "--junit-output", "report.xml",
                           "--sarif-output", "report.sarif")
    assert code == 1 and "boss" in out
    root = ET.parse(tmp_path / "report.xml").getroot()
    assert_counts_right(root)
    assert (tmp_path / "report.sarif").exists()


@pytest.mark.parametrize("via", ["junit-output", "format"])
def test_input_error_still_writes_a_junit_error(tmp_path, monkeypatch, via):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("roles:\n  a:\n    permisions: [X]\n", encoding="utf-8")
    if via == "junit-output":
        code, _, err = run_cli("check", "--roles", "bad.yaml", "--junit-output", "out.xml")
    else:
        code, _, err = run_cli("check", "--roles", "bad.yaml", "--format", "junit", "-o", "out.xml")
    assert code == 2 and "permisions" in err and "Traceback" not in err
    root = ET.parse(tmp_path / "out.xml").getroot()
    (case,) = root.iter("testcase")
    error = case.find("error")
    assert "permisions" in error.get("message") and "bad.yaml" in error.get("message")
    assert root.get("errors") == "1" and root.get("tests") == "1"
    assert_counts_right(root)


def test_input_error_with_junit_on_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("check", "--roles", "missing.yaml", "--format", "junit")
    assert code == 2 and "missing.yaml" in err
    root = ET.fromstring(out)
    assert root.find(".//error") is not None


def test_control_characters_do_not_break_the_xml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # A CSV cell can hold characters that XML 1.0 cannot.
    write_csv(tmp_path / "s.csv", [HEADER, ["李娜\x01", "中心\x1b", "在编", "会计、出纳\x02", "2015.09"]])
    root = junit("--staff", "s.csv", "--as-of", "2019-06-30")
    assert_counts_right(root)
    assert root.get("failures") != "0"
