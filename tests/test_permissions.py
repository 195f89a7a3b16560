"""Permission exports end to end: file kinds, encodings and formats, role graphs, grant paths,
summaries, what-if and bad input. Every export is built here from Python data and checked by hand.

The rule file MAKER_CHECKER (conftest.py) is the one of the conformance cases.
"""
from __future__ import annotations

import itertools
import json
import signal
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import networkx as nx
import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sodcheck import arrow, grants
from sodcheck.cli import cli
from sodcheck.grants import _chain_steps, _or_gathered, _stable_argsort, build_accounts, build_graph
from sodcheck.loaders.permissions import load_permissions
from sodcheck.model import Report, SodcheckError, Violation
from sodcheck.pipeline import CheckRequest, run
from sodcheck.ruleset import load_ruleset

from .conftest import MAKER_CHECKER, run_cli, write_csv

AS_OF = date(2024, 6, 30)


# ----------------------------------------------------------------------------- building exports

def write_xlsx(path: Path, rows: list[list], title: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "导出"
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append([v if v != "" else None for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_parquet(path: Path, rows: list[list]) -> Path:
    header, data = rows[0], rows[1:]
    table = pa.table({name: pa.array([(r[i] or None) for r in data], type=pa.string())
                      for i, name in enumerate(header)})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def rules_file(tmp_path: Path, text: str = MAKER_CHECKER, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(*perms: Path, rules: list[Path] = (), **options) -> Report:
    return run(CheckRequest(perms=[str(p) for p in perms], rules=[str(r) for r in rules], as_of=AS_OF,
                            **options))


def cli_json(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json", "--lang", "en",
                                      "--as-of", AS_OF.isoformat()])
    assert "Traceback" not in result.stderr
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else {}), result.stderr


def cli_error(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args, "--lang", "en", "--as-of", AS_OF.isoformat()])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.exit_code, result.stderr


def found(report: Report) -> set[tuple[str, str, str]]:
    return {(v.rule_id, v.subject.kind, v.subject.name) for v in report.violations}


def one(report: Report, rule_id: str, name: str) -> Violation:
    hits = [v for v in report.violations if v.rule_id == rule_id and v.subject.name == name]
    assert len(hits) == 1, (rule_id, name, found(report))
    return hits[0]


def grant_paths(v: Violation) -> set[tuple]:
    """(file name, row, path, more_paths) of every grant-path evidence of a finding."""
    return {(Path(e.file).name, e.row, e.path, e.more_paths) for e in v.evidence if e.path}


def stats(report: Report) -> dict:
    return dict(report.stats)


def codes(report: Report, code: str) -> list:
    return [w for w in report.warnings if w.code == code]


@contextmanager
def deadline(seconds: int):
    """A role cycle must never make the run hang: fail the test instead of the suite."""
    def expire(signum, frame):
        raise AssertionError(f"no result within {seconds}s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


CATALOGUE = [["permission", "permission_name"], ["ZF_LR", "支付录入"], ["ZF_SP", "支付审批"],
             ["YW_DJ", "参保登记"]]


def split_export(folder: Path) -> Path:
    """Five files of a split export. Hand-checked:
    k1 -> TOP; TOP grants YW_DJ (business) and includes MID -> LOW -> PAY (3 deep), PAY grants ZF_LR
       (payment_entry, under cashier): business + finance on k1 and on the role TOP.
    k2 -> CLERK (ZF_LR) and BOSS (ZF_SP): each role is clean, k2 holds maker and checker.
    k3 holds the same two roles but is disabled."""
    write_csv(folder / "accounts.csv", [["account", "name", "status"], ["k1", "甲一", "正常"],
                                        ["k2", "甲二", "正常"], ["k3", "甲三", "停用"]])
    write_csv(folder / "account_roles.csv", [["account", "role"], ["k1", "TOP"], ["k2", "CLERK"],
                                             ["k2", "BOSS"], ["k3", "CLERK"], ["k3", "BOSS"]])
    write_csv(folder / "role_includes.csv", [["role", "includes"], ["TOP", "MID"], ["MID", "LOW"],
                                             ["LOW", "PAY"]])
    write_csv(folder / "role_permissions.csv", [["role", "permission"], ["PAY", "ZF_LR"], ["TOP", "YW_DJ"],
                                                ["CLERK", "ZF_LR"], ["BOSS", "ZF_SP"]])
    write_csv(folder / "permissions.csv", CATALOGUE)
    return folder


# ----------------------------------------------------------------------------- file kinds

def test_file_kinds_are_recognised_by_columns_not_by_file_names(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "1.csv", [["用户编码", "用户姓名", "角色编码", "功能编码", "功能名称"],
                                 ["u1", "张三", "R1", "YW_DJ", "参保登记"]])
    write_csv(folder / "2.csv", [["用户编码", "用户姓名", "所属机构", "账号状态"], ["u1", "张三", "甲中心", "正常"]])
    write_csv(folder / "3.csv", [["用户账号", "角色代码"], ["u1", "R2"]])
    write_csv(folder / "4.csv", [["角色编码", "权限编码"], ["R2", "XT_QX"]])
    write_csv(folder / "5.csv", [["角色编码", "包含角色"], ["R2", "R1"]])
    write_csv(folder / "6.csv", [["功能编码", "功能名称"], ["XT_QX", "用户权限分配"]])
    data = load_permissions([str(folder)])
    kinds = {Path(f).name: k for f, k in data.kinds.items()}
    assert kinds == {"1.csv": ["flat"], "2.csv": ["accounts"], "3.csv": ["account_roles"],
                     "4.csv": ["role_permissions"], "5.csv": ["role_includes"], "6.csv": ["catalogue"]}
    assert data.catalogue == {"YW_DJ": "参保登记", "XT_QX": "用户权限分配"}
    units = dict(zip(data.accounts["account"].to_pylist(), data.accounts["unit"].to_pylist()))
    assert units["u1"] == "甲中心"


# ----------------------------------------------------------------------------- split exports

def test_split_export_nested_roles_cross_role_conflict_and_maker_checker(tmp_path):
    report = check(split_export(tmp_path / "export"), rules=[rules_file(tmp_path)])
    assert found(report) == {
        ("SOD-BIZ-FIN", "account", "k1"), ("SOD-BIZ-FIN", "role", "TOP"),
        ("SOD-ACC-CASH", "account", "k2"), ("SYS-PAY-MAKER-CHECKER", "account", "k2")}

    # Three includes deep: the path names every role on the way, the row is the account's role row.
    assert grant_paths(one(report, "SOD-BIZ-FIN", "k1")) == {
        ("account_roles.csv", 2, ("account:k1", "role:TOP", "permission:YW_DJ"), 0),
        ("account_roles.csv", 2, ("account:k1", "role:TOP", "role:MID", "role:LOW", "role:PAY",
                                  "permission:ZF_LR"), 0)}
    # A role's own finding points at the row of its first link: its permission row or include row.
    assert grant_paths(one(report, "SOD-BIZ-FIN", "TOP")) == {
        ("role_permissions.csv", 3, ("role:TOP", "permission:YW_DJ"), 0),
        ("role_includes.csv", 2, ("role:TOP", "role:MID", "role:LOW", "role:PAY", "permission:ZF_LR"), 0)}

    maker = one(report, "SYS-PAY-MAKER-CHECKER", "k2")
    assert maker.duties == ("payment_approval", "payment_entry")
    assert grant_paths(maker) == {
        ("account_roles.csv", 3, ("account:k2", "role:CLERK", "permission:ZF_LR"), 0),
        ("account_roles.csv", 4, ("account:k2", "role:BOSS", "permission:ZF_SP"), 0)}
    entry = next(e for e in maker.evidence if e.permission == "ZF_LR")
    assert (entry.duty, entry.pattern, entry.post) == ("payment_entry", "code ZF_LR", "支付录入")
    # A user duty under cashier / accounting is also caught by the built-in rule on its parents.
    assert one(report, "SOD-ACC-CASH", "k2").duties == ("accounting", "cashier")

    summary = stats(report)
    assert (summary["accounts"], summary["accounts_active"], summary["accounts_disabled_skipped"]) == (3, 2, 1)
    assert (summary["roles"], summary["role_cycles"]) == (6, [])
    assert (summary["permissions"], summary["permissions_mapped"], summary["unmapped_permissions"]) == (3, 3, [])
    assert summary["accounts_linked"] == 0
    assert report.warnings == ()


def test_disabled_account_is_left_out_unless_include_disabled(tmp_path):
    export = split_export(tmp_path / "export")
    rules = [rules_file(tmp_path)]
    assert not any(v.subject.name == "k3" for v in check(export, rules=rules).violations)

    report = check(export, rules=rules, include_disabled=True)
    assert {("SOD-ACC-CASH", "account", "k3"), ("SYS-PAY-MAKER-CHECKER", "account", "k3")} <= found(report)
    assert stats(report)["accounts_disabled_skipped"] == 0
    assert stats(report)["accounts_active"] == 2


def test_include_disabled_on_the_command_line(tmp_path):
    export = str(split_export(tmp_path / "export"))
    rules = str(rules_file(tmp_path))
    status, doc, _ = cli_json("--perms", export, "--rules", rules)
    assert status == 1
    assert "k3" not in {v["subject"]["name"] for v in doc["violations"]}
    assert doc["summary"]["accounts_disabled_skipped"] == 1

    status, doc, _ = cli_json("--perms", export, "--rules", rules, "--include-disabled")
    assert status == 1
    assert {v["rule_id"] for v in doc["violations"] if v["subject"]["name"] == "k3"} == \
        {"SOD-ACC-CASH", "SYS-PAY-MAKER-CHECKER"}
    assert doc["summary"]["accounts_disabled_skipped"] == 0


# ----------------------------------------------------------------------------- flat exports

FLAT = [
    ["用户编码", "用户姓名", "账号状态", "角色编码", "角色名称", "功能编码", "功能名称"],
    ["u1", "张三", "正常", "R_YW", "业务经办", "YW_DJ", "参保登记"],
    ["u1", "张三", "正常", "", "", "XT_QX", "用户权限分配"],          # a direct grant: no role
    ["u2", "李四", "正常", "R_YW", "业务经办", "YW_DJ", "参保登记"],
    ["u2", "李四", "正常", "R_YW", "业务经办", "ZZ_CX", "综合查询"],   # maps to no duty
    ["u3", "王五", "停用", "R_CW", "财务", "PZ_LR", "会计凭证录入"],
    ["u3", "王五", "停用", "R_YW", "业务经办", "YW_DJ", "参保登记"],
]


@pytest.mark.parametrize("fmt, first_row", [("utf-8-sig", 2), ("gb18030", 2), ("xlsx", 3), ("parquet", 2)])
def test_flat_export_with_chinese_headers_in_every_format(tmp_path, fmt, first_row):
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "grants.xlsx", FLAT, title="业务系统用户权限导出")
    elif fmt == "parquet":
        path = write_parquet(tmp_path / "grants.parquet", FLAT)
    else:
        path = write_csv(tmp_path / "grants.csv", FLAT, encoding=fmt)
    report = check(path)
    assert found(report) == {("SOD-BIZ-IT", "account", "u1")}
    name = path.name
    assert grant_paths(one(report, "SOD-BIZ-IT", "u1")) == {
        (name, first_row, ("account:u1", "role:R_YW", "permission:YW_DJ"), 0),
        (name, first_row + 1, ("account:u1", "permission:XT_QX"), 0)}
    direct = next(e for e in one(report, "SOD-BIZ-IT", "u1").evidence if e.permission == "XT_QX")
    assert (direct.duty, direct.pattern, direct.post) == ("it", "name *权限分配*", "用户权限分配")

    summary = stats(report)
    assert (summary["accounts"], summary["accounts_active"], summary["accounts_disabled_skipped"]) == (3, 2, 1)
    assert summary["roles"] == 2
    assert (summary["permissions"], summary["permissions_mapped"]) == (4, 3)
    assert summary["unmapped_permissions"] == ["ZZ_CX"]

    disabled_too = check(path, include_disabled=True)
    assert ("SOD-BIZ-FIN", "account", "u3") in found(disabled_too)


def test_tab_and_semicolon_separated_exports_and_a_title_line(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "rp.tsv").write_bytes(
        "角色编码\t功能编码\t功能名称\nR1\tYW_DJ\t参保登记\nR1\tXT_QX\t用户权限分配\n".encode("gb18030"))
    (folder / "ar.csv").write_bytes("导出时间：2024-06-30\n用户编码;角色编码\nu1;R1\n".encode("utf-8-sig"))
    report = check(folder)
    assert grant_paths(one(report, "SOD-BIZ-IT", "u1")) == {
        ("ar.csv", 3, ("account:u1", "role:R1", "permission:YW_DJ"), 0),
        ("ar.csv", 3, ("account:u1", "role:R1", "permission:XT_QX"), 0)}
    assert grant_paths(one(report, "SOD-BIZ-IT", "R1")) == {
        ("rp.tsv", 2, ("role:R1", "permission:YW_DJ"), 0), ("rp.tsv", 3, ("role:R1", "permission:XT_QX"), 0)}


def test_rows_are_line_numbers_even_with_blank_lines(tmp_path):
    (tmp_path / "flat.csv").write_bytes(
        "account,permission,permission_name\r\n\r\nk,YW_DJ,参保登记\r\n\r\n\r\nk,XT_QX,用户权限分配\r\n".encode())
    report = check(tmp_path / "flat.csv")
    assert grant_paths(one(report, "SOD-BIZ-IT", "k")) == {
        ("flat.csv", 3, ("account:k", "permission:YW_DJ"), 0),
        ("flat.csv", 6, ("account:k", "permission:XT_QX"), 0)}


def test_a_second_table_sheet_in_a_workbook_is_reported_not_lost_silently(tmp_path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "账号角色"
    for row in (["用户编码", "角色编码"], ["u1", "R1"]):
        first.append(row)
    second = workbook.create_sheet("角色功能")
    for row in (["角色编码", "功能编码", "功能名称"], ["R1", "YW_DJ", "参保登记"]):
        second.append(row)
    notes = workbook.create_sheet("说明")
    notes.append(["本表由系统导出"])
    workbook.save(tmp_path / "export.xlsx")
    report = check(tmp_path / "export.xlsx")
    skipped = codes(report, "SHEET-SKIPPED")
    assert [(w.sheet, w.row) for w in skipped] == [("角色功能", 1)]
    assert "账号角色" in skipped[0].message.en


def test_status_from_an_account_list_read_after_the_flat_export(tmp_path):
    """Files are read in name order: the status of users.csv still counts after a_grants.csv."""
    folder = tmp_path / "export"
    write_csv(folder / "a_grants.csv", [["用户编码", "用户姓名", "功能编码", "功能名称"],
                                        ["u1", "张三", "YW_DJ", "参保登记"], ["u1", "张三", "XT_QX", "用户权限分配"]])
    write_csv(folder / "users.csv", [["用户编码", "所属机构", "用户状态"], ["u1", "甲中心", "停用"]])
    report = check(folder)
    assert found(report) == set()
    assert stats(report)["accounts_disabled_skipped"] == 1
    subject = one(check(folder, include_disabled=True), "SOD-BIZ-IT", "u1").subject
    assert (subject.kind, subject.unit) == ("account", "甲中心")


def test_permissions_with_and_without_catalogue_names_on_one_row(tmp_path):
    """Two paths from the same account-role row, one permission named and one not: the evidence
    still sorts (the unnamed one shows its code where the name would be)."""
    folder = tmp_path / "export"
    write_csv(folder / "ar.csv", [["account", "role"], ["k", "R"]])
    write_csv(folder / "rp.csv", [["role", "permission"], ["R", "YW_DJ"], ["R", "XT_9"]])
    write_csv(folder / "menu.csv", [["permission", "permission_name"], ["YW_DJ", "参保登记"]])
    rules = rules_file(tmp_path, "permission_duties:\n  - {duty: it, codes: ['XT_*']}\n")
    report = check(folder, rules=[rules])
    assert found(report) == {("SOD-BIZ-IT", "account", "k"), ("SOD-BIZ-IT", "role", "R")}
    assert {(e.permission, e.post) for e in one(report, "SOD-BIZ-IT", "k").evidence} == {
        ("YW_DJ", "参保登记"), ("XT_9", "XT_9")}


def test_flat_rows_repeating_a_role_give_each_path_once(tmp_path):
    """A flat export repeats account and role on every permission row of the role."""
    path = write_csv(tmp_path / "flat.csv", [
        ["account", "role", "permission", "permission_name"],
        ["u1", "R_ALL", "YW_DJ", "参保登记"], ["u1", "R_ALL", "XT_1", "用户权限分配"],
        ["u1", "R_ALL", "XT_2", "角色权限分配"], ["u2", "R_ALL", "YW_DJ", "参保登记"],
        ["u2", "R_ALL", "XT_1", "用户权限分配"], ["u2", "R_ALL", "XT_2", "角色权限分配"]])
    report = check(path)
    assert found(report) == {("SOD-BIZ-IT", "account", "u1"), ("SOD-BIZ-IT", "account", "u2"),
                             ("SOD-BIZ-IT", "role", "R_ALL")}
    assert grant_paths(one(report, "SOD-BIZ-IT", "u1")) == {
        ("flat.csv", 2, ("account:u1", "role:R_ALL", "permission:XT_1"), 0),
        ("flat.csv", 2, ("account:u1", "role:R_ALL", "permission:XT_2"), 0),
        ("flat.csv", 2, ("account:u1", "role:R_ALL", "permission:YW_DJ"), 0)}
    assert grant_paths(one(report, "SOD-BIZ-IT", "R_ALL")) == {
        ("flat.csv", 2, ("role:R_ALL", "permission:YW_DJ"), 0),
        ("flat.csv", 3, ("role:R_ALL", "permission:XT_1"), 0),
        ("flat.csv", 4, ("role:R_ALL", "permission:XT_2"), 0)}


# ----------------------------------------------------------------------------- role graphs

def test_role_cycle_and_self_include_warn_and_evaluate_as_the_union(tmp_path):
    folder = tmp_path / "export"
    # The cycle runs LOOP_1 -> LOOP_3 -> LOOP_2 -> LOOP_1: not in sorted order, on purpose.
    write_csv(folder / "includes.csv", [["角色编码", "包含角色"], ["LOOP_1", "LOOP_3"], ["LOOP_3", "LOOP_2"],
                                        ["LOOP_2", "LOOP_1"], ["SELF", "SELF"]])
    write_csv(folder / "grants.csv", [["角色编码", "功能编码"], ["LOOP_1", "YW_DJ"], ["LOOP_3", "XT_QX"],
                                      ["SELF", "YW_DJ"]])
    write_csv(folder / "users.csv", [["用户编码", "角色编码"], ["k4", "LOOP_2"], ["k5", "SELF"]])
    write_csv(folder / "menu.csv", [["功能编码", "功能名称"], ["YW_DJ", "参保登记"], ["XT_QX", "用户权限分配"]])
    with deadline(60):
        report = check(folder)

    cycles = codes(report, "ROLE-CYCLE")
    assert len(cycles) == 2
    by_text = {w.message.en.split(";")[0]: w for w in cycles}
    loop = by_text["role includes form a cycle: LOOP_1 → LOOP_3 → LOOP_2 → LOOP_1"]
    assert (Path(loop.file).name, loop.row) == ("includes.csv", 2)          # the LOOP_1 -> LOOP_3 row
    assert "LOOP_1 → LOOP_3 → LOOP_2 → LOOP_1" in loop.message.zh
    selfish = by_text["role includes form a cycle: SELF → SELF"]
    assert (Path(selfish.file).name, selfish.row) == ("includes.csv", 5)
    assert stats(report)["role_cycles"] == [["LOOP_1", "LOOP_2", "LOOP_3"], ["SELF"]]

    # Every role on the cycle holds the union: business (LOOP_1) and IT (LOOP_3).
    assert found(report) == {("SOD-BIZ-IT", "role", "LOOP_1"), ("SOD-BIZ-IT", "role", "LOOP_2"),
                             ("SOD-BIZ-IT", "role", "LOOP_3"), ("SOD-BIZ-IT", "account", "k4")}
    assert grant_paths(one(report, "SOD-BIZ-IT", "k4")) == {
        ("users.csv", 2, ("account:k4", "role:LOOP_2", "role:LOOP_1", "permission:YW_DJ"), 0),
        ("users.csv", 2, ("account:k4", "role:LOOP_2", "role:LOOP_1", "role:LOOP_3", "permission:XT_QX"), 0)}


def test_role_referencing_an_undefined_role_warns(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "ri.csv", [["role", "includes"], ["A", "GHOST"]])
    write_csv(folder / "rp.csv", [["role", "permission"], ["A", "YW_DJ"]])
    write_csv(folder / "ar.csv", [["account", "role"], ["k", "A"], ["k", "NOPE"]])
    report = check(folder)
    undefined = {(Path(w.file).name, w.row): w.message.en for w in codes(report, "ROLE-UNDEFINED")}
    assert set(undefined) == {("ri.csv", 2), ("ar.csv", 3)}
    assert "GHOST" in undefined[("ri.csv", 2)] and "NOPE" in undefined[("ar.csv", 3)]
    assert stats(report)["roles"] == 1


def test_intra_role_conflict_is_reported_about_the_role(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "rp.csv", [["角色编码", "功能编码", "功能名称"], ["R_MIX", "YW_DJ", "参保登记"],
                                  ["R_MIX", "PZ_LR", "会计凭证录入"], ["R_OK", "YW_DJ", "参保登记"]])
    write_csv(folder / "ar.csv", [["用户编码", "角色编码"], ["k", "R_MIX"], ["j", "R_OK"]])
    report = check(folder)
    assert found(report) == {("SOD-BIZ-FIN", "role", "R_MIX"), ("SOD-BIZ-FIN", "account", "k")}
    role = one(report, "SOD-BIZ-FIN", "R_MIX")
    assert role.subject.kind == "role"
    assert grant_paths(role) == {("rp.csv", 2, ("role:R_MIX", "permission:YW_DJ"), 0),
                                 ("rp.csv", 3, ("role:R_MIX", "permission:PZ_LR"), 0)}


def fan_out_export(folder: Path) -> Path:
    """k -> TOP; TOP grants YW_DJ and includes R1..R5, each granting one IT permission."""
    write_csv(folder / "ar.csv", [["account", "role"], ["k", "TOP"]])
    write_csv(folder / "ri.csv", [["role", "includes"]] + [["TOP", f"R{i}"] for i in range(1, 6)])
    write_csv(folder / "rp.csv", [["role", "permission", "permission_name"], ["TOP", "YW_DJ", "参保登记"]] +
              [[f"R{i}", f"XT_{i}", f"用户权限分配{i}"] for i in range(1, 6)])
    return folder


def test_at_most_three_paths_per_duty_and_more_paths_counts_the_rest(tmp_path):
    report = check(fan_out_export(tmp_path / "export"))
    assert grant_paths(one(report, "SOD-BIZ-IT", "k")) == {
        ("ar.csv", 2, ("account:k", "role:TOP", "permission:YW_DJ"), 0),
        ("ar.csv", 2, ("account:k", "role:TOP", "role:R1", "permission:XT_1"), 0),
        ("ar.csv", 2, ("account:k", "role:TOP", "role:R2", "permission:XT_2"), 0),
        ("ar.csv", 2, ("account:k", "role:TOP", "role:R3", "permission:XT_3"), 2)}
    assert grant_paths(one(report, "SOD-BIZ-IT", "TOP")) == {
        ("rp.csv", 2, ("role:TOP", "permission:YW_DJ"), 0),
        ("ri.csv", 2, ("role:TOP", "role:R1", "permission:XT_1"), 0),
        ("ri.csv", 3, ("role:TOP", "role:R2", "permission:XT_2"), 0),
        ("ri.csv", 4, ("role:TOP", "role:R3", "permission:XT_3"), 2)}


def test_evidence_paths_in_the_json_report(tmp_path):
    status, doc, _ = cli_json("--perms", str(fan_out_export(tmp_path / "export")))
    assert status == 1
    account = next(v for v in doc["violations"] if v["subject"] == {
        "kind": "account", "name": "k", "unit": None, "id": None})
    assert account["rule_id"] == "SOD-BIZ-IT"
    assert sorted(e["path"] for e in account["evidence"]) == [
        ["account:k", "role:TOP", "permission:YW_DJ"],
        ["account:k", "role:TOP", "role:R1", "permission:XT_1"],
        ["account:k", "role:TOP", "role:R2", "permission:XT_2"],
        ["account:k", "role:TOP", "role:R3", "permission:XT_3"]]
    # more_paths appears only where there are more, on the last path shown for that duty.
    assert [(e["path"][-1], e["more_paths"]) for e in account["evidence"] if "more_paths" in e] == \
        [("permission:XT_3", 2)]
    last = next(e for e in account["evidence"] if e["path"][-1] == "permission:XT_3")
    assert {k: last[k] for k in ("row", "post", "duty", "pattern", "permission")} == {
        "row": 2, "post": "用户权限分配3", "duty": "it", "pattern": "name *权限分配*", "permission": "XT_3"}


# ----------------------------------------------------------------------------- mapping permissions

def mapping_export(folder: Path) -> Path:
    """R1: PZ_LR (会计凭证录入) + JZ_SH (记账凭证审核); R2: PZ_LR + RJ_1 (现金日记账)."""
    write_csv(folder / "rp.csv", [["role", "permission"], ["R1", "PZ_LR"], ["R1", "JZ_SH"],
                                  ["R2", "PZ_LR"], ["R2", "RJ_1"], ["R3", "ODD_1"]])
    write_csv(folder / "catalogue.csv", [["permission", "permission_name"], ["PZ_LR", "会计凭证录入"],
                                         ["JZ_SH", "记账凭证审核"], ["RJ_1", "现金日记账"], ["ODD_1", "奇怪功能"]])
    write_csv(folder / "ar.csv", [["account", "role"], ["k", "R3"]])
    return folder


def test_builtin_name_mapping(tmp_path):
    report = check(mapping_export(tmp_path / "export"))
    # 会计凭证录入 is accounting by its name; with 现金日记账 (cashier) R2 conflicts, R1 does not.
    assert found(report) == {("SOD-ACC-CASH", "role", "R2")}
    entry = next(e for e in one(report, "SOD-ACC-CASH", "R2").evidence if e.permission == "PZ_LR")
    assert (entry.duty, entry.pattern) == ("accounting", "name *凭证*")
    assert stats(report)["unmapped_permissions"] == ["ODD_1"]


def test_user_mapping_replaces_the_builtin_name_mapping(tmp_path):
    rules = rules_file(tmp_path, "permission_duties:\n  - {duty: cashier, codes: ['PZ_*']}\n")
    report = check(mapping_export(tmp_path / "export"), rules=[rules])
    # PZ_LR is now cashier only: not accounting as well (R2 is clean), and R1 now conflicts.
    assert found(report) == {("SOD-ACC-CASH", "role", "R1")}
    entry = next(e for e in one(report, "SOD-ACC-CASH", "R1").evidence if e.permission == "PZ_LR")
    assert (entry.duty, entry.pattern, entry.post) == ("cashier", "code PZ_*", "会计凭证录入")
    other = next(e for e in one(report, "SOD-ACC-CASH", "R1").evidence if e.permission == "JZ_SH")
    assert (other.duty, other.pattern) == ("accounting", "name *凭证*")
    summary = stats(report)
    assert (summary["permissions"], summary["permissions_mapped"], summary["unmapped_permissions"]) == \
        (4, 3, ["ODD_1"])


def test_user_maker_checker_rule_from_one_yaml_block(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "flat.csv", [["account", "role", "permission"], ["m", "", "ZF_LR"], ["m", "", "ZF_SP"],
                                    ["n", "", "ZF_LR"]])
    report = check(folder, rules=[rules_file(tmp_path)])
    assert report.rule("SYS-PAY-MAKER-CHECKER") is not None
    assert found(report) == {("SYS-PAY-MAKER-CHECKER", "account", "m"), ("SOD-ACC-CASH", "account", "m")}
    assert grant_paths(one(report, "SYS-PAY-MAKER-CHECKER", "m")) == {
        ("flat.csv", 2, ("account:m", "permission:ZF_LR"), 0),
        ("flat.csv", 3, ("account:m", "permission:ZF_SP"), 0)}
    # A permission with no catalogue name shows its code where the name would be.
    assert {e.post for e in one(report, "SYS-PAY-MAKER-CHECKER", "m").evidence} == {"ZF_LR", "ZF_SP"}
    assert report.rule("SYS-PAY-MAKER-CHECKER").title.zh == "支付录入与支付审批不得由同一人办理"


# ----------------------------------------------------------------------------- summary

def test_by_folder_for_two_perms_folders(tmp_path):
    sys_a, sys_b = tmp_path / "sysA", tmp_path / "sysB"
    write_csv(sys_a / "flat.csv", [["account", "permission", "permission_name"],
                                   ["a1", "YW_DJ", "参保登记"], ["a1", "XT_QX", "用户权限分配"]])
    write_csv(sys_b / "flat.csv", [["account", "permission"], ["b1", "PZ_LR"], ["b1", "RJ_1"],
                                   ["b2", "YW_DJ"], ["b2", "PZ_LR"]])
    write_csv(sys_b / "menu.csv", [["permission", "permission_name"], ["PZ_LR", "会计凭证录入"],
                                   ["RJ_1", "现金日记账"], ["YW_DJ", "参保登记"]])
    report = check(sys_a, sys_b)
    assert found(report) == {("SOD-BIZ-IT", "account", "a1"), ("SOD-ACC-CASH", "account", "b1"),
                             ("SOD-BIZ-FIN", "account", "b2")}
    assert stats(report)["by_folder"] == {
        str(sys_a): {"files": 1, "violations": 1, "by_rule": {"SOD-BIZ-IT": 1}},
        str(sys_b): {"files": 2, "violations": 2, "by_rule": {"SOD-ACC-CASH": 1, "SOD-BIZ-FIN": 1}}}


# ----------------------------------------------------------------------------- what-if

def test_what_if_grant_and_revoke(tmp_path):
    export = split_export(tmp_path / "export")
    rules = [rules_file(tmp_path)]
    report = check(export, rules=rules, grants=[("k1", "BOSS")], revokes=[("k2", "BOSS")])
    changes = {(v.rule_id, v.subject.name): v.change for v in report.violations}
    assert changes == {
        ("SOD-BIZ-FIN", "k1"): "", ("SOD-BIZ-FIN", "TOP"): "",
        ("SOD-ACC-CASH", "k1"): "introduced", ("SYS-PAY-MAKER-CHECKER", "k1"): "introduced",
        ("SOD-ACC-CASH", "k2"): "removed", ("SYS-PAY-MAKER-CHECKER", "k2"): "removed"}
    assert stats(report)["what_if"] == {"introduced": 2, "removed": 2}
    # The granted role is proved by the --grant option, not by a row of the export: no file, no row.
    assert grant_paths(one(report, "SYS-PAY-MAKER-CHECKER", "k1")) == {
        ("", None, ("account:k1", "role:BOSS", "permission:ZF_SP"), 0),
        ("account_roles.csv", 2, ("account:k1", "role:TOP", "role:MID", "role:LOW", "role:PAY",
                                  "permission:ZF_LR"), 0)}


def test_what_if_on_the_command_line(tmp_path):
    export = str(split_export(tmp_path / "export"))
    rules = str(rules_file(tmp_path))
    status, doc, _ = cli_json("--perms", export, "--rules", rules, "--revoke", "k2=BOSS",
                              "--revoke", "k1=TOP")
    assert doc["summary"]["what_if"] == {"introduced": 0, "removed": 3}
    assert {(v["subject"]["name"], v["rule_id"]): v.get("change") for v in doc["violations"]} == {
        ("k1", "SOD-BIZ-FIN"): "removed", ("k2", "SOD-ACC-CASH"): "removed",
        ("k2", "SYS-PAY-MAKER-CHECKER"): "removed", ("TOP", "SOD-BIZ-FIN"): None}
    assert status == 1                  # the role TOP itself still conflicts: revoking it changes nothing

    status, doc, _ = cli_json("--perms", export, "--rules", rules, "--revoke", "k2=BOSS", "--fail-on", "high")
    assert doc["summary"]["what_if"] == {"introduced": 0, "removed": 2}
    removed_only = [v for v in doc["violations"] if v["subject"]["name"] == "k2"]
    assert {v["change"] for v in removed_only} == {"removed"}

    status, err = cli_error("--perms", export, "--revoke", "k1=BOSS")
    assert status == 2 and "k1=BOSS" in err
    status, err = cli_error("--perms", export, "--grant", "k1")
    assert status == 2


# ----------------------------------------------------------------------------- bad input

def test_file_with_no_recognisable_columns(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "ar.csv", [["account", "role"], ["k", "R"]])
    write_csv(folder / "notes.csv", [["备注", "日期"], ["导出说明", "2024-06-30"]])
    status, err = cli_error("--perms", str(folder))
    assert status == 2
    assert "notes.csv" in err and "row 1" in err and "no recognisable columns" in err
    with pytest.raises(SodcheckError) as caught:
        load_permissions([str(folder)])
    assert Path(caught.value.file).name == "notes.csv" and caught.value.row == 1


def test_role_permission_csv_that_does_not_parse(tmp_path):
    path = write_csv(tmp_path / "rp.csv", [["role", "permission"], ["R1", "P1"], ["R2", "P2"],
                                           ["R3", "P3", "EXTRA"], ["R4", "P4"]])
    status, err = cli_error("--perms", str(path))
    assert status == 2
    assert "rp.csv" in err and "row 4" in err and "does not parse" in err


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    status, err = cli_error("--perms", str(tmp_path / "empty"))
    assert status == 2
    assert "empty" in err and "folder holds no" in err


def test_a_clean_export_exits_zero(tmp_path):
    path = write_csv(tmp_path / "flat.csv", [["account", "permission", "permission_name"],
                                             ["k", "YW_DJ", "参保登记"]])
    status, doc, _ = cli_json("--perms", str(path))
    assert status == 0 and doc["violations"] == []
    assert doc["summary"]["accounts"] == 1


# ----------------------------------------------------------------------------- property: closure

DUTIES = ["business", "it", "internal_control", "seal_custody", "ticket_custody", "key_custody"]
ORACLE_RULES = "permission_duties:\n" + "".join(
    f"  - {{duty: {d}, codes: ['P_{d}']}}\n" for d in DUTIES)


@pytest.fixture(scope="module")
def oracle_ruleset(tmp_path_factory):
    return load_ruleset([str(rules_file(tmp_path_factory.mktemp("rules"), ORACLE_RULES))])


graphs = st.integers(min_value=1, max_value=7).flatmap(lambda n: st.fixed_dictionaries({
    "n": st.just(n),
    "includes": st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    "grants": st.lists(st.sets(st.sampled_from(DUTIES), max_size=2), min_size=n, max_size=n),
    "accounts": st.lists(st.sets(st.integers(0, n - 1), min_size=1, max_size=3), min_size=1, max_size=4),
}))


@settings(max_examples=60, deadline=None)
@given(graph=graphs)
def test_account_duties_are_the_union_over_reachable_roles(oracle_ruleset, graph):
    roles = [f"R{i}" for i in range(graph["n"])]
    includes = sorted(set(graph["includes"]))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_csv(folder / "ar.csv", [["account", "role"]] +
                  [[f"k{a}", roles[r]] for a, held in enumerate(graph["accounts"]) for r in sorted(held)])
        if includes:
            write_csv(folder / "ri.csv", [["role", "includes"]] + [[roles[a], roles[b]] for a, b in includes])
        grants = [[roles[r], f"P_{d}"] for r, duties in enumerate(graph["grants"]) for d in sorted(duties)]
        if grants:
            write_csv(folder / "rp.csv", [["role", "permission"]] + grants)
        data = load_permissions([str(folder)])
        warnings = []
        built = build_graph(data, oracle_ruleset.taxonomy, warnings)
        accounts = build_accounts(built, warnings)

    def reachable(starts: set[int]) -> set[int]:
        seen, queue = set(starts), list(starts)
        while queue:
            role = queue.pop()
            for a, b in includes:
                if a == role and b not in seen:
                    seen.add(b)
                    queue.append(b)
        return seen

    columns = built.columns
    width = len(columns)
    for a, held in enumerate(graph["accounts"]):
        expected = set().union(*(graph["grants"][r] for r in reachable(held)))
        index = accounts.codes.index(f"k{a}")
        bits = np.unpackbits(accounts.bits[index], count=width).astype(bool)
        assert {d for d, c in columns.items() if bits[c]} == expected
        # Every duty comes with at least one path, and every path is a chain of real includes
        # ending in a role that grants the permission.
        for duty in expected:
            evidence = built.evidence_for((f"account:k{a}",), accounts.starts.get(index),
                                          accounts.direct.get(index), duty)
            assert evidence
            for e in evidence:
                chain = [int(step[len("role:R"):]) for step in e.path[1:-1]]
                assert chain[0] in held
                assert all((x, y) in includes for x, y in itertools.pairwise(chain))
                assert e.path[-1] == f"permission:P_{duty}" and duty in graph["grants"][chain[-1]]

    cyclic = [sorted(c) for c in nx.strongly_connected_components(nx.DiGraph(includes)) if len(c) > 1]
    cyclic += [[a] for a, b in includes if a == b]
    assert sorted(built.cycles) == sorted([[roles[i] for i in c] for c in cyclic])



@settings(max_examples=60, deadline=None)
@given(columns=st.lists(st.lists(st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=4)),
                                 max_size=12), min_size=1, max_size=3))
def test_codes_sorted_in_arrow_sort_as_python_sorts_them(columns):
    """Account, role and permission codes are sorted by Arrow, not Python; the order (and so every
    position and report order that follows from it) must be Python's: CJK, astral characters, case."""
    arrays = [pa.array(values, pa.string()) for values in columns]
    distinct = {value for values in columns for value in values if value is not None}
    assert arrow.sorted_distinct(*arrays).to_pylist() == sorted(distinct)


@settings(max_examples=60, deadline=None)
@given(bound=st.sampled_from([1, 7, 1 << 16, (1 << 16) + 1, 1 << 40]), data=st.data())
def test_stable_argsort_of_small_keys_is_numpys(bound, data):
    values = np.array(data.draw(st.lists(st.integers(0, bound - 1), max_size=50)), dtype=np.int64)
    assert np.array_equal(_stable_argsort(values, bound), np.argsort(values, kind="stable"))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), width=st.integers(1, 20), rows=st.integers(0, 40), groups=st.integers(1, 6))
def test_or_of_gathered_rows_by_words_equals_byte_by_byte(data, width, rows, groups):
    bits = np.frombuffer(data.draw(st.binary(min_size=5 * width, max_size=5 * width)), dtype=np.uint8).reshape(5, width)
    index = np.array(data.draw(st.lists(st.integers(0, 4), min_size=rows, max_size=rows)), dtype=np.int64)
    group = np.array(data.draw(st.lists(st.integers(0, groups - 1), min_size=rows, max_size=rows)), dtype=np.int64)
    expected = np.zeros((groups, width), dtype=np.uint8)
    for row, g in zip(index, group):
        expected[g] |= bits[row]
    assert np.array_equal(_or_gathered(bits, index, group, groups), expected)
    # In blocks of three rows: groups cut by a block's end, in order or not.
    blocks = grants.GATHER_ROWS
    grants.GATHER_ROWS = 3
    try:
        order = np.argsort(group, kind="stable")
        assert np.array_equal(_or_gathered(bits, index, group, groups), expected)
        assert np.array_equal(_or_gathered(bits, index[order], group[order], groups), expected)
    finally:
        grants.GATHER_ROWS = blocks


# ----------------------------------------------------------------------------- property: bounded evidence

PATH_RULES = "permission_duties:\n" + "".join(f"  - {{duty: {d}, codes: ['P_{d}_*']}}\n" for d in DUTIES)


def exhaustive_evidence(graph, head, starts, direct, duty):
    """Every grant path of one subject and duty, sorted, each once at its first row: what evidence
    shows, computed the long way (every path materialised), to check the bounded way against."""
    wanted = graph._perms_for(duty)
    paths = [(head + (f"permission:{graph.permissions[perm]}",), perm, file, row)
             for perm, file, row in direct if wanted[perm]]
    for role, file, row in starts:
        for chain, end in graph._search(role, duty):
            steps = _chain_steps(chain, graph.roles)
            for perm, f2, r2 in graph.role_perm_rows.get(end):
                if wanted[perm]:
                    if len(chain) > 1:
                        f2, r2 = graph.include_rows[(chain[0], chain[1])]
                    paths.append((head + steps + (f"permission:{graph.permissions[perm]}",), perm,
                                  file if head else f2, row if head else r2))
    paths.sort(key=lambda p: (len(p[0]), p[0], p[2], p[3]))
    paths = [p for i, p in enumerate(paths) if i == 0 or p[0] != paths[i - 1][0]]
    shown = paths[:3]
    return [(path, graph.permissions[perm], graph.data.files[file] if file >= 0 else "", row,
             len(paths) - len(shown) if i == len(shown) - 1 else 0) for i, (path, perm, file, row) in enumerate(shown)]


path_graphs = st.integers(min_value=1, max_value=6).flatmap(lambda n: st.fixed_dictionaries({
    "n": st.just(n),
    "includes": st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n),
    # (role, duty, permission number): several permissions per duty, so a finding has many paths
    "grants": st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(DUTIES[:2]), st.integers(0, 5)),
                       max_size=10 * n),
    "accounts": st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=4), min_size=1, max_size=3),
    "direct": st.lists(st.tuples(st.integers(0, 2), st.sampled_from(DUTIES[:2]), st.integers(0, 5)), max_size=8),
}))


@settings(max_examples=80, deadline=None)
@given(graph=path_graphs)
# Roles granting more permissions of a duty than are shown, directly and through an include.
@example(graph={"n": 2, "includes": [(1, 0)], "grants": [(r, "business", k) for r in (0, 1) for k in range(5)],
                "accounts": [[0], [1, 0]], "direct": [(0, "business", k) for k in (5, 4, 3, 2)]})
# An account holding more roles that lead to the duty than paths are shown.
@example(graph={"n": 5, "includes": [(4, 0), (3, 1)], "grants": [(r, "business", k) for r in (0, 1, 2) for k in (r, 5)],
                "accounts": [[0, 1, 2, 3, 4]], "direct": []})
def test_bounded_evidence_equals_every_path_sorted(tmp_path_factory, graph):
    """The paths shown and more_paths are those of sorting every grant path, though only the first
    three per role are ever made: flat exports repeat rows (one path, many rows), grants come
    through includes, cycles and direct grants, and several permissions carry one duty."""
    folder = tmp_path_factory.mktemp("export")
    ruleset = load_ruleset([str(rules_file(tmp_path_factory.mktemp("rules"), PATH_RULES))])
    roles = [f"R{i}" for i in range(graph["n"])]
    grants = [[roles[r], f"P_{d}_{k}"] for r, d, k in graph["grants"]]
    # The same grants in two files, the second in another order: the first row must win.
    write_csv(folder / "a_rp.csv", [["role", "permission"], *grants])
    write_csv(folder / "b_rp.csv", [["role", "permission"], *reversed(grants)])
    if graph["includes"]:
        write_csv(folder / "c_ri.csv", [["role", "includes"]] + [[roles[a], roles[b]] for a, b in graph["includes"]])
    # Repeated account-role pairs, as a flat export has them, and direct grants.
    write_csv(folder / "d_ar.csv", [["account", "role"]] +
              [[f"k{a}", roles[r]] for a, held in enumerate(graph["accounts"]) for r in held + held[:1]])
    if graph["direct"]:
        write_csv(folder / "e_direct.csv", [["account", "permission"]] +
                  [[f"k{a % len(graph['accounts'])}", f"P_{d}_{k}"] for a, d, k in graph["direct"]])
    warnings: list = []
    built = build_graph(load_permissions([str(folder)]), ruleset.taxonomy, warnings)
    accounts = build_accounts(built, warnings)
    for duty in DUTIES[:2]:
        for index, code in enumerate(accounts.codes):
            head = (f"account:{code}",)
            starts, direct = accounts.starts.get(index), accounts.direct.get(index)
            got = built.evidence_for(head, starts, direct, duty)
            assert [(e.path, e.permission, e.file, e.row, e.more_paths) for e in got] == \
                exhaustive_evidence(built, head, starts, direct, duty)
        for role in range(len(built.roles)):
            got = built.evidence_for((), [(role, -1, 0)], [], duty)
            assert [(e.path, e.permission, e.file, e.row, e.more_paths) for e in got] == \
                exhaustive_evidence(built, (), [(role, -1, 0)], [], duty)


def test_evidence_cost_follows_what_is_shown_not_how_many_paths_exist(tmp_path, monkeypatch):
    """300 accounts holding the same 10 roles of 200 permissions of one duty: 2,000 paths each.
    Each role's paths are worked out once, and each account's evidence shows three and counts
    the rest."""
    folder = tmp_path / "export"
    write_csv(folder / "rp.csv", [["role", "permission"]] +
              [[f"R{r}", f"P_business_{r}_{k:03d}"] for r in range(10) for k in range(200)])
    write_csv(folder / "ar.csv", [["account", "role"]] + [[f"k{a}", f"R{r}"] for a in range(300) for r in range(10)])
    ruleset = load_ruleset([str(rules_file(tmp_path, PATH_RULES))])
    warnings: list = []
    built = build_graph(load_permissions([str(folder)]), ruleset.taxonomy, warnings)
    accounts = build_accounts(built, warnings)
    worked_out = []
    granted = built._granted
    monkeypatch.setattr(built, "_granted",
                        lambda role, wanted, count: worked_out.append(role) or granted(role, wanted, count))
    for index in range(len(accounts.codes)):
        evidence = built.evidence_for((f"account:{accounts.codes[index]}",), accounts.starts.get(index),
                                      accounts.direct.get(index), "business")
        assert [e.permission for e in evidence] == ["P_business_0_000", "P_business_0_001", "P_business_0_002"]
        assert evidence[-1].more_paths == 10 * 200 - 3
    assert sorted(worked_out) == list(range(10))


def test_an_unknown_account_status_is_a_warning_and_counts_as_active(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "accounts.csv", [["account", "name", "status"], ["u1", "甲", "正常"], ["u2", "乙", "待审"],
                                        ["u3", "丙", "停用"]])
    write_csv(folder / "links.csv", [["account", "role"], ["u1", "R"], ["u2", "R"], ["u3", "R"]])
    write_csv(folder / "grants.csv", [["role", "permission"], ["R", "P"]])
    report = run(CheckRequest(perms=[str(folder)]))
    [warning] = [w for w in report.warnings if w.code == "STATUS-UNKNOWN"]
    assert (Path(warning.file).name, warning.row) == ("accounts.csv", 3) and "u2" in warning.message.en
    assert report.stat("accounts_active") == 2 and report.stat("accounts_disabled_skipped") == 1


def test_a_quote_never_closed_is_an_error_not_a_swallowed_file(tmp_path):
    path = tmp_path / "grants.csv"
    path.write_text('role,permission\nR1,"P1\nR2,P2\nR3,P3\n', encoding="utf-8")
    code, _out, err = run_cli("check", "--perms", str(path))
    assert code == 2 and "quote" in err and str(path) in err and "row 2" in err


def test_a_quoted_line_break_keeps_later_rows_on_their_lines(tmp_path):
    folder = tmp_path / "export"
    (folder).mkdir()
    (folder / "roles.csv").write_text('role,permission,permission_name\nR1,P1,"支付\n录入"\n\nR2,P2,出纳\n',
                                      encoding="utf-8")
    (folder / "links.csv").write_text("account,role\nu1,R2\nu1,R9\n", encoding="utf-8")
    report = run(CheckRequest(perms=[str(folder)], rules=[]))
    [undefined] = [w for w in report.warnings if w.code == "ROLE-UNDEFINED"]
    assert undefined.row == 3                     # links.csv: R9 is on line 3
    data = load_permissions([str(folder / "roles.csv")])
    assert data.role_permissions["row"].to_pylist() == [2, 5]


def test_a_quoted_line_break_where_a_parsing_block_ends(tmp_path):
    """pyarrow parses a large file in blocks (1 MiB) on every core. A quoted value whose line break
    is the last one before a block's end must stay one value, and the rows after it on their lines."""
    lines = ["role,permission,permission_name"]
    size = len(lines[0]) + 1
    while size < (1 << 20) - 200:
        lines.append(f"R{len(lines):06d},P{len(lines):06d},功能{len(lines):06d}")
        size += len(lines[-1].encode()) + 1
    quoted = len(lines) + 1                                   # the line the quoted row starts on
    lines.append(f'RQ,PQ,"{"支" * (((1 << 20) - 20 - size) // 3)}\n{"付" * 20}"')
    lines += [f"S{k},Q{k},名{k}" for k in range(100)]
    path = tmp_path / "roles.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_permissions([str(path)])
    rows = dict(zip(data.role_permissions["permission"].to_pylist(), data.role_permissions["row"].to_pylist()))
    assert len(rows) == quoted - 2 + 1 + 100
    assert rows["PQ"] == quoted and rows["Q0"] == quoted + 2 and rows["Q99"] == quoted + 101
    assert data.catalogue["PQ"].endswith("\n" + "付" * 20)


def test_unless_keeps_look_only_functions_out_of_a_duty(tmp_path):
    folder = tmp_path / "export"
    write_csv(folder / "perms.csv", [["role", "permission", "permission_name"], ["R", "P1", "待遇发放查询"],
                                     ["R", "P2", "待遇发放"], ["Q", "P3", "资金支付查询"]])
    rules = tmp_path / "mine.yaml"
    rules.write_text('permission_duties:\n  - {duty: cashier, names: ["资金支付*"], unless: ["*查询"]}\n',
                     encoding="utf-8")
    report = run(CheckRequest(perms=[str(folder)], rules=[str(rules)]))
    assert set(report.stat("unmapped_permissions")) == {"P1", "P3"}
