"""One account per system: --perms NAME=PATH, systems named after their folders, accounts and roles
of different systems kept apart, and met only through the person they link to (the staffing sheet,
or the same id number in both account lists)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sodcheck.cli import cli
from sodcheck.pipeline import CheckRequest, run

from .conftest import MAKER_CHECKER, write_csv, write_xlsx
from .test_linking import ID_A, ID_B, STAFF_HEADER

AS_OF = date(2024, 6, 30)
RULE = "SYS-PAY-MAKER-CHECKER"


def system(folder: Path, accounts: list[list], links: list[list], grants: list[list]) -> Path:
    """One system's export: an account list, account-role links and role grants."""
    write_csv(folder / "accounts.csv", [["account", "name", "id_number", "unit", "status"], *accounts])
    write_csv(folder / "account_roles.csv", [["account", "role"], *links])
    write_csv(folder / "role_permissions.csv", [["role", "permission"], *grants])
    return folder


def check(tmp_path: Path, *perms: str, staff: Path | None = None, extra: list[str] = ()) -> tuple[int, dict, str]:
    args = ["check", "--rules", str(_rules(tmp_path)), "--format", "json", "--lang", "en",
            "--as-of", AS_OF.isoformat(), *extra]
    for path in perms:
        args += ["--perms", path]
    if staff is not None:
        args += ["--staff", str(staff)]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.stderr
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else {}), result.stderr


def findings(doc: dict, rule: str = RULE) -> list[dict]:
    return [v for v in doc["violations"] if v["rule_id"] == rule]


def two_systems(tmp_path: Path, core_id: str, fin_id: str) -> tuple[Path, Path]:
    """zhangsan enters payments in the core system and approves them in the finance system."""
    core = system(tmp_path / "core", [["zhangsan", "张三", core_id, "甲中心", "正常"]], [["zhangsan", "ENTRY"]],
                  [["ENTRY", "ZF_LR"]])
    fin = system(tmp_path / "fin", [["zhangsan", "张叁", fin_id, "甲中心", "正常"]], [["zhangsan", "APPROVE"]],
                 [["APPROVE", "ZF_SP"]])
    return core, fin


def test_the_same_login_in_two_systems_held_by_different_people_is_no_finding(tmp_path):
    core, fin = two_systems(tmp_path, ID_A, ID_B)
    status, doc, _ = check(tmp_path, f"核心系统={core}", f"财务系统={fin}")
    assert status == 0 and findings(doc) == []
    assert doc["summary"]["accounts"] == 2


def test_two_folders_without_names_are_two_systems_named_after_them(tmp_path):
    core, fin = two_systems(tmp_path, ID_A, ID_B)
    status, doc, _ = check(tmp_path, str(core), str(fin))
    assert status == 0 and findings(doc) == []


def test_the_same_person_in_both_systems_is_one_person_level_finding(tmp_path):
    """Linked by the id number both account lists give: one finding about the person, with the
    grant path of each system's account."""
    core, fin = two_systems(tmp_path, ID_A, ID_A.lower())
    status, doc, _ = check(tmp_path, f"核心系统={core}", f"财务系统={fin}")
    assert status == 1
    [finding] = findings(doc)
    assert finding["subject"]["kind"] == "person" and finding["subject"]["name"] == "张三"
    assert "system" not in finding["subject"]
    paths = {(Path(e["file"]).parent.name, tuple(e["path"])) for e in finding["evidence"]}
    assert paths == {("core", ("account:zhangsan", "role:ENTRY", "permission:ZF_LR")),
                     ("fin", ("account:zhangsan", "role:APPROVE", "permission:ZF_SP"))}
    # The two accounts are judged as the person only: no account-level finding beside it.
    assert {v["subject"]["kind"] for v in doc["violations"]} == {"person"}


def test_the_same_person_linked_through_the_staffing_sheet_sees_both_systems(tmp_path):
    core, fin = two_systems(tmp_path, ID_A, "")
    # The finance list has no id number: its account links to the sheet by name and unit.
    write_csv(fin / "accounts.csv", [["account", "name", "unit", "status"], ["zhangsan", "张三", "甲中心", "正常"]])
    staff = write_xlsx(tmp_path / "staff.xlsx", {"人员分工": [STAFF_HEADER,
                                                           ["张三", "甲中心", ID_A, "在编", "参保登记", "2022.1"]]})
    _, doc, _ = check(tmp_path, f"核心系统={core}", f"财务系统={fin}", staff=staff)
    [finding] = findings(doc)
    assert finding["subject"]["kind"] == "person" and finding["subject"]["name"] == "张三"
    files = {Path(e["file"]).parent.name for e in finding["evidence"] if e.get("path")}
    assert files == {"core", "fin"}


def test_a_finding_names_its_system(tmp_path):
    core = system(tmp_path / "core", [["lisi", "李四", ID_B, "甲中心", "正常"]],
                  [["lisi", "ENTRY"], ["lisi", "APPROVE"]], [["ENTRY", "ZF_LR"], ["APPROVE", "ZF_SP"]])
    fin = system(tmp_path / "fin", [["lisi", "李四", ID_B, "甲中心", "正常"]], [], [["ENTRY", "ZF_LR"]])
    _, doc, _ = check(tmp_path, f"核心系统={core}", str(fin))
    accounts = [v["subject"] for v in findings(doc) if v["subject"]["kind"] == "account"]
    # lisi is in both lists with one id: the person, whose duties all come from the core system.
    assert accounts == []
    [person] = findings(doc)
    assert person["subject"]["kind"] == "person"
    _, doc, _ = check(tmp_path, f"核心系统={core}")
    assert [(v["subject"]["kind"], v["subject"]["name"], v["subject"]["system"]) for v in findings(doc)] == \
        [("account", "lisi", "核心系统")]
    # A role flagged on its own carries its system too.
    roles = [v["subject"] for v in doc["violations"] if v["subject"]["kind"] == "role"]
    assert all(r["system"] == "核心系统" for r in roles)


def test_one_unnamed_system_has_no_system_in_its_findings(tmp_path):
    core = system(tmp_path / "core", [["lisi", "李四", ID_B, "甲中心", "正常"]],
                  [["lisi", "ENTRY"], ["lisi", "APPROVE"]], [["ENTRY", "ZF_LR"], ["APPROVE", "ZF_SP"]])
    # Files of one folder given one by one are still that folder's one system.
    _, doc, _ = check(tmp_path, *[str(core / name) for name in ("accounts.csv", "account_roles.csv",
                                                                "role_permissions.csv")])
    [finding] = findings(doc)
    assert finding["subject"] == {"kind": "account", "name": "lisi", "unit": "甲中心", "id": finding["subject"]["id"]}


def test_roles_of_different_systems_never_mix(tmp_path):
    """Role R enters payments in one system and approves them in the other: an account holding R
    in the first system holds payment entry only."""
    core = system(tmp_path / "core", [["wangwu", "王五", ID_A, "", "正常"]], [["wangwu", "R"]], [["R", "ZF_LR"]])
    fin = system(tmp_path / "fin", [["zhaoliu", "赵六", ID_B, "", "正常"]], [["zhaoliu", "X"]],
                 [["R", "ZF_SP"], ["X", "YW_DJ"]])
    status, doc, _ = check(tmp_path, str(core), str(fin))
    assert status == 0 and findings(doc) == []


def test_one_name_for_two_folders_is_one_system(tmp_path):
    """A system whose export is split over two folders: accounts in one, role grants in the other."""
    write_csv(tmp_path / "a" / "account_roles.csv", [["account", "role"], ["k1", "ENTRY"], ["k1", "APPROVE"]])
    write_csv(tmp_path / "b" / "role_permissions.csv", [["role", "permission"], ["ENTRY", "ZF_LR"],
                                                        ["APPROVE", "ZF_SP"]])
    _, doc, _ = check(tmp_path, f"核心={tmp_path / 'a'}", f"核心={tmp_path / 'b'}")
    assert [(v["subject"]["name"], v["subject"]["system"]) for v in findings(doc)] == [("k1", "核心")]


def test_two_folders_that_would_share_a_name_must_be_named(tmp_path):
    first = system(tmp_path / "2023" / "exports", [], [["k1", "R"]], [["R", "ZF_LR"]])
    second = system(tmp_path / "2024" / "exports", [], [["k1", "R"]], [["R", "ZF_LR"]])
    status, _, err = check(tmp_path, str(first), str(second))
    assert status == 2 and "exports" in err and "SYSTEM=PATH" in err


def test_a_system_name_without_a_path_is_a_usage_error(tmp_path):
    status, _, err = check(tmp_path, "核心系统=")
    assert status == 2 and "SYSTEM=PATH" in err


def test_what_if_grants_go_to_every_system_that_knows_the_account(tmp_path):
    core, fin = two_systems(tmp_path, ID_A, ID_B)
    write_csv(fin / "role_permissions.csv", [["role", "permission"], ["APPROVE", "ZF_SP"], ["BOTH", "ZF_LR"]])
    report = run(CheckRequest(perms=[f"核心系统={core}", f"财务系统={fin}"], rules=[str(_rules(tmp_path))],
                              as_of=AS_OF, grants=[("zhangsan", "BOTH")]))
    # BOTH means payment entry in the finance system only; the core system does not define it.
    [introduced] = [v for v in report.violations if v.rule_id == RULE]
    assert (introduced.subject.name, introduced.subject.system, introduced.change) == \
        ("zhangsan", "财务系统", "introduced")


def test_what_if_on_an_account_no_system_knows_is_an_error(tmp_path):
    core, fin = two_systems(tmp_path, ID_A, ID_B)
    status, _, err = check(tmp_path, f"核心系统={core}", f"财务系统={fin}", extra=["--grant", "nobody=ENTRY"])
    assert status == 2 and "nobody" in err


def _rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text(MAKER_CHECKER, encoding="utf-8")
    return rules
