"""SARIF 2.1.0: valid against the OASIS schema, and what GitHub code scanning needs."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from .conftest import BOSS_ROLES, HEADER, REPO, run_cli, waiver, write_csv, write_waivers, write_xlsx

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "3.0"}

STAFF_ROWS = [
    ["李娜", "养老中心", "在编", "会计、出纳", "2015.09"],
    ["王强", "养老中心", "在编", "参保登记、会计", "2016.01"],
    ["徐丽", "就业局", "劳务派遣", "内控岗", "2018.01"],
]
ROLES = BOSS_ROLES + "  loop:\n    includes: [loop]\n"


def sarif(*args: str) -> dict:
    code, out, err = run_cli("check", *args, "--format", "sarif")
    assert code in (0, 1), err
    return json.loads(out)


def validate(doc: dict) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"no SARIF schema at {SCHEMA}")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
                  .iter_errors(doc))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def github_ready(doc: dict) -> None:
    """The parts of code scanning's SARIF support that are stricter than the schema."""
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["properties"]["security-severity"] in SECURITY_SEVERITY.values()
        assert rule["properties"]["tags"]
    assert len({r["id"] for r in rules}) == len(rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "\\" not in uri and "://" not in uri
        assert physical["region"]["startLine"] >= 1
        assert result["partialFingerprints"]
    fingerprints = [r["partialFingerprints"]["sodcheckFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "staff.xlsx", {"人员分工": [HEADER] + STAFF_ROWS})
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "system.yaml").write_text(ROLES, encoding="utf-8")
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "account_roles.csv", [["account", "role"], ["k1", "CLERK"], ["k1", "PAY"]])
    write_csv(export / "role_permissions.csv", [["role", "permission"], ["CLERK", "BEN_REVIEW"],
                                                ["PAY", "FIN_PAY"]])
    write_csv(export / "permissions.csv", [["permission", "permission_name"], ["BEN_REVIEW", "待遇审核"],
                                           ["FIN_PAY", "资金支付"]])
    return tmp_path


@pytest.mark.parametrize("args", [
    ["--roles", "roles"],
    ["--staff", "staff.xlsx", "--as-of", "2024-06-30"],
    ["--perms", "export"],
    ["--staff", "staff.xlsx", "--perms", "export", "--roles", "roles", "--as-of", "2024-06-30"],
], ids=["roles", "staffing", "dump", "all"])
def test_valid_and_github_ready(inputs, args):
    doc = sarif(*args)
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]
    validate(doc)
    github_ready(doc)


def test_rules_carry_severity_and_help(inputs):
    doc = sarif("--roles", "roles")
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["SOD-BIZ-FIN"]["properties"]["security-severity"] == "8.0"
    assert rules["SOD-IC-OPS"]["properties"]["security-severity"] == "5.0"
    assert "TENURE-HIGH-RISK" not in rules      # tenure needs a staffing sheet: it does not apply here
    assert rules["UNMAPPED-PERMISSION"]["properties"]["security-severity"] == "3.0"
    assert "43号" in rules["SOD-BIZ-FIN"]["help"]["text"]
    assert "security" in rules["ROLE-CYCLE"]["properties"]["tags"]


def test_role_results_point_at_the_role_key(inputs):
    results = sarif("--roles", "roles")["runs"][0]["results"]
    spots = {(r["ruleId"], r["properties"]["subject"]["name"]):
             (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert spots[("SOD-BIZ-FIN", "boss")] == ("roles/system.yaml", 4)
    assert spots[("ROLE-CYCLE", "loop")] == ("roles/system.yaml", 7)


def test_table_results_use_line_1_and_say_sheet_and_row(inputs):
    results = sarif("--staff", "staff.xlsx", "--as-of", "2024-06-30", "--lang", "en")["runs"][0]["results"]
    (lina,) = [r for r in results if r["ruleId"] == "SOD-ACC-CASH"]
    physical = lina["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "staff.xlsx" and physical["region"]["startLine"] == 1
    assert "row 2" in lina["message"]["text"] and "人员分工" in lina["message"]["text"]
    assert (lina["properties"]["sheet"], lina["properties"]["row"]) == ("人员分工", 2)
    # A unit without established internal control has no row: it points at the first input.
    units = [r for r in results
             if r["ruleId"] == "ORG-INTERNAL-CONTROL" and r["properties"]["subject"]["kind"] == "unit"]
    assert units
    for unit in units:
        assert unit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "staff.xlsx"
        assert unit["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def fingerprints(doc: dict) -> dict:
    return {(r["ruleId"], r["properties"]["subject"]["name"]): r["partialFingerprints"]
            for r in doc["runs"][0]["results"]}


def test_fingerprints_survive_reordered_rows(inputs):
    before = fingerprints(sarif("--staff", "staff.xlsx", "--as-of", "2024-06-30"))
    write_xlsx(inputs / "staff.xlsx", {"人员分工": [HEADER, STAFF_ROWS[2], STAFF_ROWS[1], [None] * 5,
                                                 STAFF_ROWS[0]]})
    after = fingerprints(sarif("--staff", "staff.xlsx", "--as-of", "2024-06-30"))
    assert before == after and len(before) >= 3


def test_fingerprints_survive_moved_lines(inputs):
    before = fingerprints(sarif("--roles", "roles"))
    lines = ROLES.splitlines()
    (inputs / "roles" / "system.yaml").write_text(
        "# reordered\n" + "\n".join([lines[0]] + lines[6:] + [""] + lines[3:6] + lines[1:3]) + "\n",
        encoding="utf-8")
    moved = sarif("--roles", "roles")
    assert fingerprints(moved) == before
    (boss,) = [r for r in moved["runs"][0]["results"] if r["properties"]["subject"]["name"] == "boss"]
    assert boss["locations"][0]["physicalLocation"]["region"]["startLine"] != 4


def test_absolute_and_non_ascii_paths_become_relative_uris(inputs):
    folder = inputs / "角色 配置"
    folder.mkdir()
    (folder / "系统.yaml").write_text(ROLES, encoding="utf-8")
    doc = sarif("--roles", str(folder.resolve()))
    validate(doc)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]}
    assert {unquote(u) for u in uris} == {"角色 配置/系统.yaml"}
    assert all(u.isascii() and " " not in u for u in uris)


def test_waivers_become_suppressions_and_baseline_state(inputs):
    write_waivers(inputs / "w.yaml", waiver(name="boss", expires="2999-12-31"))
    base = inputs / "base.json"
    assert run_cli("check", "--roles", "roles", "--format", "json", "-o", str(base))[0] == 1
    doc = sarif("--roles", "roles", "--waivers", "w.yaml", "--baseline", str(base))
    validate(doc)
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert results["SOD-BIZ-FIN"]["suppressions"][0]["status"] == "accepted"
    assert "W-1" in results["SOD-BIZ-FIN"]["suppressions"][0]["justification"]
    assert {r["baselineState"] for r in results.values()} == {"unchanged"}
    assert doc["runs"][0]["properties"]["baseline"] == {"new": 0, "unchanged": len(results), "absent": 0}


def test_warnings_are_tool_notifications(inputs):
    write_xlsx(inputs / "staff.xlsx", {"人员分工": [HEADER, ["孙涛", "中心", "在编", "驾驶员", "2015.13"]]})
    doc = sarif("--staff", "staff.xlsx")
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "UNCLASSIFIED-POST" in {n["descriptor"]["id"] for n in notes}
    validate(doc)


def test_sarif_output_beside_another_format(inputs):
    code, out, _ = run_cli("check", "--roles", "roles", "--format", "json", "--sarif-output", "out.sarif")
    assert code == 1
    assert json.loads(out)["violations"]
    assert json.loads((inputs / "out.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_schema_path_is_the_shared_one():
    assert REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json" == SCHEMA
