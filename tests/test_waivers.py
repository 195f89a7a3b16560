"""Waivers: approved exceptions with a reason, an approver and an end date."""
from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO, check_json, run_cli, waiver, write_waivers

ROLES = """\
roles:
  county_clerk:
    permissions: [待遇审核, 资金支付]
  county_payer:
    permissions: [待遇审核, 资金支付]
  city_clerk:
    permissions: [待遇审核, 资金支付]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def roles(tmp_path):
    return write(tmp_path / "roles.yaml", ROLES)


def check(tmp_path, roles, *entries: str, as_of="2024-06-30"):
    path = write_waivers(tmp_path / "waivers.yaml", *entries)
    return check_json("--roles", str(roles), "--waivers", str(path), "--as-of", as_of)


def by_subject(doc):
    return {v["subject"]["name"]: v for v in doc["violations"] if v["rule_id"] == "SOD-BIZ-FIN"}


def codes(doc):
    return [w["code"] for w in doc["warnings"]]


def test_active_waiver_keeps_the_finding_but_not_the_failure(tmp_path, roles):
    single = write(tmp_path / "one.yaml", "roles:\n  county_clerk:\n    permissions: [待遇审核, 资金支付]\n")
    code, doc = check(tmp_path, single, waiver(ticket="OA-1", compensating_control="市中心双人复核"))
    assert code == 0
    (v,) = doc["violations"]
    assert v["waiver"]["status"] == "active"
    assert v["waiver"]["id"] == "W-1" and v["waiver"]["approver"] == "王敏"
    assert v["waiver"]["expires"] == "2024-12-31" and v["waiver"]["ticket"] == "OA-1"
    assert v["waiver"]["compensating_control"] == "市中心双人复核"
    assert v["waiver"]["line"] == 2
    assert doc["summary"]["counted"] == 0
    assert doc["summary"]["waivers"] == {"loaded": 1, "waived": 1, "expired": 0, "unused": 0}
    assert "WAIVER-EXPIRING" not in codes(doc)


def test_expired_waiver_counts_again_and_warns(tmp_path, roles):
    code, doc = check(tmp_path, roles, waiver(expires="2024-06-29"))
    assert code == 1
    assert by_subject(doc)["county_clerk"]["waiver"]["status"] == "expired"
    (warning,) = [w for w in doc["warnings"] if w["code"] == "WAIVER-EXPIRED"]
    assert "W-1" in warning["message"] and warning["file"].endswith("waivers.yaml") and warning["row"] == 2


def test_waiver_applies_through_its_last_day(tmp_path, roles):
    _, doc = check(tmp_path, roles, waiver(expires="2024-06-30"))
    assert by_subject(doc)["county_clerk"]["waiver"]["status"] == "active"
    assert "WAIVER-EXPIRING" in codes(doc)


def test_expiring_within_30_days_warns(tmp_path, roles):
    _, doc = check(tmp_path, roles, waiver(expires="2024-07-30"))
    assert "WAIVER-EXPIRING" in codes(doc)
    _, doc = check(tmp_path, roles, waiver(expires="2024-07-31"))
    assert "WAIVER-EXPIRING" not in codes(doc)


def test_unused_waiver_warns(tmp_path, roles):
    _, doc = check(tmp_path, roles, waiver(), waiver(id="W-2", name="nobody"))
    unused = [w for w in doc["warnings"] if w["code"] == "WAIVER-UNUSED"]
    assert len(unused) == 1 and "W-2" in unused[0]["message"]


def test_glob_subject(tmp_path, roles):
    code, doc = check(tmp_path, roles, waiver(name="county_*"))
    found = by_subject(doc)
    assert found["county_clerk"]["waiver"]["status"] == "active"
    assert found["county_payer"]["waiver"]["status"] == "active"
    assert "waiver" not in found["city_clerk"]
    assert code == 1       # city_clerk still counts
    assert doc["summary"]["counted"] == 1


def test_active_waiver_wins_over_an_expired_one(tmp_path, roles):
    _, doc = check(tmp_path, roles, waiver(id="OLD", expires="2023-01-01"), waiver(id="NEW", name="county_*"))
    assert by_subject(doc)["county_clerk"]["waiver"]["id"] == "NEW"


def test_as_of_defaults_to_today(tmp_path, roles):
    path = write_waivers(tmp_path / "w.yaml", waiver(expires="2000-01-01"))
    _, doc = check_json("--roles", str(roles), "--waivers", str(path))
    assert by_subject(doc)["county_clerk"]["waiver"]["status"] == "expired"


def test_sample_waiver_file_matches_the_sample_roles():
    _code, doc = check_json("--roles", str(REPO / "sample_data" / "roles" / "config"),
                            "--rules", str(REPO / "sample_data" / "roles" / "rules.yaml"),
                            "--waivers", str(REPO / "sample_data" / "roles" / "waivers.yaml"),
                            "--as-of", "2024-06-30")
    waived = [v for v in doc["violations"] if v.get("waiver")]
    assert [v["subject"]["name"] for v in waived] == ["benefit_supervisor"]
    assert "WAIVER-UNUSED" not in codes(doc)


# ----------------------------------------------------------------------------- invalid files exit 2

def bad(tmp_path, roles, text: str) -> str:
    path = write(tmp_path / "waivers.yaml", text)
    code, out, err = run_cli("check", "--roles", str(roles), "--waivers", str(path))
    assert code == 2, (out, err)
    assert "Traceback" not in err
    return err


def test_approver_who_is_the_subject_is_rejected(tmp_path, roles):
    err = bad(tmp_path, roles, "waivers:\n" + waiver(kind="person", name="李娜", approver="李娜"))
    assert "W-1" in err and "field approver" in err and "line 6" in err   # the approver line


def test_approver_inside_a_person_glob_is_rejected(tmp_path, roles):
    err = bad(tmp_path, roles, "waivers:\n" + waiver(kind="person", name="李*", approver="李娜"))
    assert "approver" in err


@pytest.mark.parametrize("missing", ["reason", "approver", "expires"])
def test_missing_field_names_entry_field_and_line(tmp_path, roles, missing):
    err = bad(tmp_path, roles, "waivers:\n" + waiver() + waiver(id="W-2", **{missing: None}))
    assert "W-2" in err and f"field {missing}" in err and "required" in err
    assert "line 8" in err      # the second entry starts there


@pytest.mark.parametrize("entry, words", [
    (waiver(expires="someday"), "expires"),
    (waiver(expires="20240101"), "expires"),
    (waiver(rule="NO-SUCH-RULE"), "rule"),
    (waiver(kind="team"), "subject.kind"),
    (waiver(reason="''"), "reason"),
    (waiver(colour="red"), "colour"),
])
def test_invalid_entries(tmp_path, roles, entry, words):
    err = bad(tmp_path, roles, "waivers:\n" + entry)
    assert "W-1" in err and words in err


def test_duplicate_ids(tmp_path, roles):
    err = bad(tmp_path, roles, "waivers:\n" + waiver() + waiver(name="city_clerk"))
    assert "W-1" in err and "id" in err and "line 8" in err


@pytest.mark.parametrize("text", ["", "waivers: {}\n", "- a\n", "waivers:\n  - just a string\n",
                                  "waivers: []\nextra: 1\n", "waivers: [\n"])
def test_malformed_files(tmp_path, roles, text):
    bad(tmp_path, roles, text)


def test_missing_waiver_file(tmp_path, roles):
    code, _, err = run_cli("check", "--roles", str(roles), "--waivers", str(tmp_path / "none.yaml"))
    assert code == 2 and "none.yaml" in err
