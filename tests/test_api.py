"""The Python API (docs/python-api.md): DataFrames in and out, the same findings as the command
line on every shared conformance case, errors that name the column, and no pandas on the CLI path."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sodcheck
from sodcheck.cli import cli

from .conftest import REPO, SHARED, write_csv, write_xlsx

CONFORMANCE = SHARED / "conformance"
REQUIRED = os.environ.get("SODCHECK_REQUIRE_SHARED") == "1"
HEADER = ["姓名", "单位", "人员身份", "岗位", "任现岗时间"]


def conformance_cases() -> list[Path]:
    return sorted(p.parent for p in CONFORMANCE.glob("*/*/case.json"))


def case_ids() -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in conformance_cases()] or ["none"]


def api_arguments(args: list[str]) -> tuple[dict, str]:
    """`sodcheck check` arguments as check() keywords, and --fail-on."""
    kwargs: dict = {"lang": "zh"}
    fail_on = "low"
    lists = {"--staff": "staff", "--perms": "perms", "--roles": "roles", "--ops": "ops", "--rules": "rules"}
    i = 0
    while i < len(args):
        flag = args[i]
        if flag in lists:
            kwargs.setdefault(lists[flag], []).append(args[i + 1])
        elif flag == "--as-of":
            kwargs["as_of"] = args[i + 1]
        elif flag in ("--waivers", "--baseline"):
            kwargs[flag[2:]] = args[i + 1]
        elif flag in ("--grant", "--revoke"):
            account, _, role = args[i + 1].partition("=")
            kwargs.setdefault(flag[2:] + "s", []).append((account, role))
        elif flag == "--fail-on":
            fail_on = args[i + 1]
        elif flag == "--include-disabled":
            kwargs["include_disabled"] = True
            i -= 1
        else:
            pytest.fail(f"conformance argument {flag} has no check() keyword in this test")
        i += 2
    return kwargs, fail_on


def run_cli(args: list[str]):
    return CliRunner_().invoke(cli, ["check", *args, "--format", "json", "--lang", "zh"])


def CliRunner_():
    from click.testing import CliRunner

    return CliRunner()


def findings(doc: dict) -> dict:
    return {key: doc[key] for key in ("violations", "notices", "warnings")}


@pytest.mark.parametrize("case", case_ids())
def test_api_finds_what_the_cli_finds(case, monkeypatch):
    if case == "none":
        if REQUIRED:
            pytest.fail(f"SODCHECK_REQUIRE_SHARED=1 but no conformance cases at {CONFORMANCE}")
        pytest.skip(f"the shared conformance cases are missing (expected at {CONFORMANCE})")
    folder = CONFORMANCE / case
    spec = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    args = [str(a) for a in spec["args"]]
    monkeypatch.chdir(folder)
    cli_result = run_cli(args)
    kwargs, fail_on = api_arguments(args)
    if cli_result.exit_code == 2:
        with pytest.raises(sodcheck.SodcheckError) as error:
            sodcheck.check(**kwargs)
        assert error.value.render("zh") in cli_result.output
        return
    result = sodcheck.check(**kwargs)
    assert result.exit_code(fail_on) == cli_result.exit_code
    assert findings(json.loads(result.to_json())) == findings(json.loads(cli_result.stdout))
    assert len(result.violations) == len(json.loads(cli_result.stdout)["violations"])


@pytest.mark.parametrize("case", case_ids())
def test_tables_read_back_find_the_same(case, monkeypatch):
    """read_staffing / read_permissions / read_ops, passed back to check() as DataFrames, find what
    the files find (ids shown, so that people are matched by id number as in the files)."""
    if case == "none":
        pytest.skip("the shared conformance cases are missing")
    folder = CONFORMANCE / case
    args = [str(a) for a in json.loads((folder / "case.json").read_text(encoding="utf-8"))["args"]]
    monkeypatch.chdir(folder)
    kwargs, _ = api_arguments(args)
    try:
        from_files = sodcheck.check(**kwargs)
    except sodcheck.SodcheckError:
        pytest.skip("a bad-input case: nothing to read back")
    rules = kwargs.get("rules")
    frames = dict(kwargs)
    readers = {"staff": sodcheck.read_staffing, "perms": sodcheck.read_permissions, "ops": sodcheck.read_ops}
    for key, reader in readers.items():
        if key in kwargs:
            frames[key] = reader(*kwargs[key], rules=rules, show_ids=True)
    from_frames = sodcheck.check(**frames)
    assert Counter(v.identity for v in from_frames.report.violations) == \
        Counter(v.identity for v in from_files.report.violations)


# ----------------------------------------------------------------------------- DataFrames in


def staff_frame(**extra) -> pd.DataFrame:
    return pd.DataFrame({"name": ["张三", "张三", "李四"], "unit": ["甲中心"] * 3, "post": ["会计", "出纳", "待遇审核"],
                         "staff_type": ["在编"] * 3, "start": [date(2022, 1, 1)] * 3, **extra})


def test_a_dataframe_is_checked_and_findings_name_its_rows():
    result = sodcheck.check(staff=staff_frame(), as_of="2024-06-30")
    cash = result.violations[result.violations.rule_id == "SOD-ACC-CASH"]
    assert cash.subject.tolist() == ["张三"]
    evidence = result.evidence[result.evidence.rule_id == "SOD-ACC-CASH"]
    assert set(evidence.file) == {"DataFrame staff"}
    assert sorted(evidence.row.tolist()) == [0, 1]          # the DataFrame's index
    assert result.summary["by_rule"]["SOD-ACC-CASH"] == 1


def test_extra_columns_are_ignored_and_chinese_headers_are_read():
    frame = pd.DataFrame({"姓名": ["张三", "张三"], "单位": ["甲中心"] * 2, "岗位": ["会计", "出纳"],
                          "备注": ["x", "y"], "whatever": [1, 2]})
    result = sodcheck.check(staff=frame)
    assert "SOD-ACC-CASH" in set(result.violations.rule_id)


@pytest.mark.parametrize("drop", ["name", "post"])
def test_a_staff_dataframe_without_a_required_column_names_it(drop):
    with pytest.raises(sodcheck.SodcheckError) as error:
        sodcheck.check(staff=staff_frame().drop(columns=[drop]))
    assert error.value.column == drop and error.value.file == "DataFrame staff"
    assert drop in error.value.render("zh") and drop in str(error.value)


@pytest.mark.parametrize(("frame", "missing"), [
    (pd.DataFrame({"account": ["a"]}), "role"),
    (pd.DataFrame({"role": ["R"]}), "permission"),
    (pd.DataFrame({"功能名称": ["x"]}), "account"),
])
def test_a_permission_dataframe_without_a_required_column_names_it(frame, missing):
    with pytest.raises(sodcheck.SodcheckError) as error:
        sodcheck.check(perms=frame)
    assert error.value.column == missing


def test_a_permission_table_without_a_required_column_names_table_and_column(tmp_path):
    write_csv(tmp_path / "grants.csv", [["account", "role", "permission", "permission_name"],
                                        ["k1", "R1", "P1", "待遇发放"]])
    tables = sodcheck.read_permissions(tmp_path / "grants.csv")
    tables.account_roles = tables.account_roles.drop(columns=["role"])
    with pytest.raises(sodcheck.SodcheckError) as error:
        sodcheck.check(perms=tables)
    assert error.value.column == "role" and error.value.file == "DataFrame perms.account_roles"


def test_a_bad_value_in_a_dataframe_names_its_row():
    frame = pd.DataFrame({"biz_id": ["B1", "B1"], "step": ["受理", "审批"], "operator": ["u1", None],
                          "time": ["2024-03-05 09:00:00", "2024-03-05 10:00:00"]})
    result = sodcheck.check(ops=frame, as_of="2024-04-01")
    skipped = result.warnings[result.warnings.code == "ROW-SKIPPED"]
    assert skipped.file.tolist() == ["DataFrame ops"] and skipped.row.tolist() == [1]


def test_what_if_on_a_dataframe(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [HEADER, ["张三", "甲中心", "在编", "会计", "2022-01-01"],
                                     ["李四", "甲中心", "在编", "出纳", "2022-01-01"]]})
    staff = sodcheck.read_staffing(tmp_path / "a.xlsx")
    assert staff.duties.tolist() == [["accounting"], ["cashier"]]
    assert staff.file.tolist() == [str(tmp_path / "a.xlsx")] * 2 and staff.row.tolist() == [2, 3]
    before = sodcheck.check(staff=staff, as_of="2024-06-30")
    assert "SOD-ACC-CASH" not in set(before.violations.rule_id)
    changed = pd.concat([staff, staff[staff.name == "李四"].assign(name="张三", row=pd.NA, file=None)])
    after = sodcheck.check(staff=changed, as_of="2024-06-30")
    cash = after.evidence[after.evidence.rule_id == "SOD-ACC-CASH"]
    assert set(cash.file) == {str(tmp_path / "a.xlsx"), "DataFrame staff"}   # the original row, the added one


def test_paths_lists_and_frames_mix(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [HEADER, ["张三", "甲中心", "在编", "会计", "2022-01-01"]]})
    frame = pd.DataFrame({"姓名": ["张三"], "单位": ["甲中心"], "岗位": ["出纳"]})
    result = sodcheck.check(staff=[tmp_path / "a.xlsx", frame], as_of="2024-06-30")
    assert "SOD-ACC-CASH" in set(result.violations.rule_id)


# ----------------------------------------------------------------------------- reading and results


def test_read_staffing_gives_serial_numbers_masked_ids_and_warnings(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [["序号", *HEADER, "身份证号"],
                                     [1, "张三", "甲中心", "在编", "会计", "2015年13月", "110101199003071234"]]})
    staff = sodcheck.read_staffing(tmp_path / "a.xlsx")
    row = staff.iloc[0]
    assert (row.seq, row.established, row.id_masked) == ("1", True, "1101**********1234")
    assert "DATE-UNREADABLE" in pd.DataFrame(staff.attrs["warnings"]).code.tolist()
    shown = sodcheck.read_staffing(tmp_path / "a.xlsx", show_ids=True)
    assert shown.id_number.tolist() == ["110101199003071234"]


def test_effective_permissions_follow_nested_roles(tmp_path):
    write_csv(tmp_path / "ar.csv", [["account", "role"], ["k1", "ALL"]])
    write_csv(tmp_path / "ri.csv", [["role", "includes"], ["ALL", "PAY"], ["PAY", "ALL"]])
    write_csv(tmp_path / "rp.csv", [["role", "permission", "permission_name"], ["PAY", "P1", "待遇发放"],
                                    ["PAY", "P2", "待遇发放查询"]])
    tables = sodcheck.read_permissions(tmp_path)
    effective = tables.effective("k1")
    assert effective.permission.tolist() == ["P1", "P2"]
    assert effective.duty.tolist()[0] == "benefit_payment"
    assert pd.isna(effective.duty.tolist()[1])         # a look-only function carries no duty
    assert effective.path.tolist()[0] == ["account:k1", "role:ALL", "role:PAY", "permission:P1"]
    assert tables.permissions.set_index("permission").duties.to_dict() == {"P1": ["benefit_payment"], "P2": []}
    assert set(tables.warnings.code) == {"ROLE-CYCLE"}


def test_read_ops_one_row_per_step(tmp_path):
    write_csv(tmp_path / "ops.csv", [["biz_id", "step", "operator", "time", "person_id"],
                                     ["B1", "受理", "u1", "2024-03-05 09:00:00", "110101199003071234"],
                                     ["B1", "审批", "u1", "2024-03-05 10:00:00", "110101199003071234"]])
    steps = sodcheck.read_ops(tmp_path / "ops.csv")
    assert steps.kind.tolist() == ["accept", "approve"] and steps.row.tolist() == [2, 3]
    assert steps.person_id.tolist()[0] == "1101**********1234"


def test_result_writes_every_format_and_refuses_an_input(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [HEADER, ["张三", "甲中心", "在编", "会计、出纳", "2022-01-01"]]})
    result = sodcheck.check(staff=tmp_path / "a.xlsx", as_of="2024-06-30")
    for fmt in ("json", "csv", "xlsx", "html", "sarif", "junit", "github", "table"):
        result.write(tmp_path / f"out.{fmt}", format=fmt)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["summary"]["violations"] == \
        len(result.violations)
    assert "违规" in openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames[1] or \
        len(openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames) > 1
    with pytest.raises(sodcheck.SodcheckError):
        result.write(tmp_path / "a.xlsx")
    assert (result.exit_code(), result.exit_code("never")) == (1, 0)
    with pytest.raises(sodcheck.SodcheckError):
        result.exit_code("sometimes")


def test_baseline_from_an_earlier_result(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [HEADER, ["张三", "甲中心", "在编", "会计、出纳", "2022-01-01"]]})
    first = sodcheck.check(staff=tmp_path / "a.xlsx", as_of="2024-06-30")
    again = sodcheck.check(staff=tmp_path / "a.xlsx", as_of="2024-06-30", baseline=first)
    assert set(again.violations.baseline) == {"unchanged"} and again.exit_code() == 0


def test_evidence_is_flattened_with_its_finding():
    result = sodcheck.check(staff=staff_frame(), as_of="2024-06-30")
    evidence = result.evidence
    for number, row in result.violations.iterrows():
        mine = evidence[(evidence.section == "violation") & (evidence.finding == number)]
        assert len(mine) == len(row.evidence)


def test_classify_says_which_pattern_file_and_line(tmp_path):
    found = sodcheck.classify("网银制单")
    assert found.duties == ("cashier",)
    text = Path(found.file).read_text(encoding="utf-8").splitlines()[found.line - 1]
    assert found.pattern in text.replace("''", "'")
    rules_file = tmp_path / "mine.yaml"
    rules_file.write_text("post_duties:\n  - duty: it\n    patterns: ['驾驶员']\n", encoding="utf-8")
    mine = sodcheck.rules.load(str(rules_file))
    assert mine.classify("驾驶员").file == str(rules_file) and mine.classify("驾驶员").line == 3
    assert sodcheck.classify("待遇发放查询", kind="permission").duties == ()
    assert sodcheck.classify("待遇发放查询", kind="permission").excluded[0].pattern == "*查询*"


def test_explain_prints_the_same(tmp_path):
    result = CliRunner_().invoke(cli, ["explain", "网银制单", "驾驶员", "--lang", "en"])
    assert result.exit_code == 0
    found = sodcheck.classify("网银制单")
    assert f"{found.file}:{found.line}" in result.output and "cashier" in result.output
    assert "unclassified" in result.output
    bad = CliRunner_().invoke(cli, ["explain", "x", "--rules", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "none.yaml" in bad.output


# ----------------------------------------------------------------------------- pandas stays off the CLI path


@pytest.mark.parametrize("code", [
    "import sodcheck",
    "import sodcheck.cli, sys; sys.argv = ['sodcheck', 'check', '--help']\ntry:\n    sodcheck.cli.main()\n"
    "except SystemExit:\n    pass",
    "import sodcheck.cli, sys; sys.argv = ['sodcheck', 'explain', '出纳']\ntry:\n    sodcheck.cli.main()\n"
    "except SystemExit:\n    pass",
])
def test_the_command_line_does_not_import_pandas(code):
    probe = code + "\nimport sys\nprint('pandas' in sys.modules, 'ibis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_a_check_without_operation_logs_loads_neither_pandas_nor_the_log_modules(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"人员分工": [HEADER, ["张三", "甲中心", "在编", "会计", "2022-01-01"]]})
    (tmp_path / "perms.csv").write_text("account,role,permission\nzhangsan,R1,P1\n", encoding="utf-8")
    argv = ["sodcheck", "check", "--staff", str(tmp_path / "a.xlsx"), "--perms", str(tmp_path / "perms.csv"),
            "--format", "json", "-o", str(tmp_path / "o.json")]
    probe = ("import json, sys, sodcheck.cli\nsys.argv = " + repr(argv)
             + "\ntry:\n    sodcheck.cli.main()\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(m for m in ('pandas', 'sodcheck.ops.frame', 'sodcheck.loaders.ops', "
             "'pyarrow.parquet') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["summary"]["inputs"]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_api_type_checks():
    """The public API's annotations hold (mypy on the modules behind it)."""
    command = f"{sys.executable} -m mypy --no-error-summary sodcheck/api.py sodcheck/vocabulary.py"
    out = subprocess.run(shlex.split(command), capture_output=True, text=True, cwd=REPO)
    mine = [line for line in out.stdout.splitlines() if line.startswith(("sodcheck/api.py", "sodcheck/vocabulary.py"))]
    assert not mine, "\n".join(mine)


def test_the_worked_example_runs(tmp_path):
    """examples/notebook_audit.py, the runnable form of docs/python-api.md's worked audit."""
    out = subprocess.run([sys.executable, str(REPO / "examples" / "notebook_audit.py")], capture_output=True,
                         text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "no longer accountant and cashier: ['郑佳']" in out.stdout
    assert openpyxl.load_workbook(tmp_path / "notebook_audit.xlsx").sheetnames
