"""What-if (--grant/--revoke ACCOUNT=ROLE): findings the change introduces fail the run, findings
it removes do not count; the CI formats say which is which."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import check_json, run_cli, write_csv


@pytest.fixture
def export(tmp_path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder / "accounts.csv", [["account", "name", "status"], ["k1", "甲一", "正常"],
                                        ["k2", "甲二", "正常"], ["k3", "甲三", "正常"]])
    write_csv(folder / "account_roles.csv", [["account", "role"], ["k1", "CLERK"], ["k2", "CLERK"],
                                             ["k2", "CASHIER"], ["k3", "CASHIER"]])
    write_csv(folder / "role_permissions.csv", [["role", "permission"], ["CLERK", "BEN_REVIEW"],
                                                ["CASHIER", "FIN_PAY"]])
    write_csv(folder / "permissions.csv", [["permission", "permission_name"], ["BEN_REVIEW", "待遇审核"],
                                           ["FIN_PAY", "资金支付"]])
    return folder


def account_findings(doc):
    return {v["subject"]["name"]: v for v in doc["violations"]
            if v["rule_id"] == "SOD-BIZ-FIN" and v["subject"]["kind"] == "account"}


def test_grant_that_adds_a_conflict_is_introduced_and_fails(export):
    code, doc = check_json("--perms", str(export), "--grant", "k1=CASHIER", "--revoke", "k2=CASHIER")
    found = account_findings(doc)
    assert found["k1"]["change"] == "introduced"
    assert found["k2"]["change"] == "removed"
    assert code == 1
    assert doc["summary"]["what_if"] == {"introduced": 1, "removed": 1}


def test_revoke_that_removes_a_conflict_does_not_count(export):
    code, doc = check_json("--perms", str(export), "--revoke", "k2=CASHIER")
    found = account_findings(doc)
    assert found["k2"]["change"] == "removed"
    assert code == 0 and doc["summary"]["counted"] == 0


def test_unchanged_findings_still_count(export):
    code, doc = check_json("--perms", str(export), "--grant", "k3=CASHIER")
    assert "change" not in account_findings(doc)["k2"]
    assert code == 1


def test_what_if_needs_perms_and_a_real_grant(tmp_path, export):
    roles = tmp_path / "r.yaml"
    roles.write_text("roles:\n  a: {permissions: [X]}\n", encoding="utf-8")
    code, _, err = run_cli("check", "--roles", str(roles), "--grant", "k1=CASHIER")
    assert code == 2 and "--perms" in err
    code, _, err = run_cli("check", "--perms", str(export), "--revoke", "k1=CASHIER")
    assert code == 2 and "k1=CASHIER" in err
    code, _, err = run_cli("check", "--perms", str(export), "--grant", "k1")
    assert code == 2 and "ACCOUNT=ROLE" in err


def test_ci_formats_show_the_change(export, tmp_path):
    args = ["check", "--perms", str(export), "--grant", "k1=CASHIER", "--revoke", "k2=CASHIER",
            "--lang", "en"]
    sarif_path, junit_path = tmp_path / "r.sarif", tmp_path / "r.xml"
    code, out, err = run_cli(*args, "--format", "github", "--sarif-output", str(sarif_path),
                             "--junit-output", str(junit_path))
    assert code == 1, err
    lines = out.splitlines()
    assert any(line.startswith("::error ") and "account k1" in line and "introduced by the change" in line
               for line in lines)
    assert any(line.startswith("::notice ") and "account k2" in line and "removed by the change" in line
               for line in lines)

    results = json.loads(sarif_path.read_text(encoding="utf-8"))["runs"][0]["results"]
    by_account = {r["properties"]["subject"]["name"]: r for r in results
                  if r["ruleId"] == "SOD-BIZ-FIN" and r["properties"]["subject"]["kind"] == "account"}
    assert by_account["k1"]["properties"]["change"] == "introduced"
    assert by_account["k1"]["level"] == "error"
    assert by_account["k2"]["properties"]["change"] == "removed"
    assert (by_account["k2"]["kind"], by_account["k2"]["level"]) == ("pass", "none")

    cases = {c.get("name"): c for c in ET.parse(junit_path).getroot().iter("testcase")}
    k1 = next(c for n, c in cases.items() if "SOD-BIZ-FIN" in n and "account k1" in n)
    k2 = next(c for n, c in cases.items() if "SOD-BIZ-FIN" in n and "account k2" in n)
    assert "introduced by the change" in k1.find("failure").get("message")
    assert k2.find("failure") is None and k2.find("skipped") is None
    assert "removed by the change" in k2.find("system-out").text
