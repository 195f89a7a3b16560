"""Operation logs (--ops): the loader's layouts, encodings and time formats, and every OPS rule at
its edges. Logs are built in tmp_path from Python rows; reports are read back as JSON."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

from .conftest import SHARED

HEADER = ["业务流水号", "业务类型", "环节", "操作员", "操作时间"]
# A general business checked the way it should be: three operators, two review levels, in hours.
GOOD = [
    ["B1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],
    ["B1", "参保登记", "初审", "cs1", "2024-03-05 10:00:00"],
    ["B1", "参保登记", "复核", "fs1", "2024-03-05 11:00:00"],
    ["B1", "参保登记", "办结", "sp1", "2024-03-05 12:00:00"],
]


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig", title=None):
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def check(tmp_path, *args, expect=None):
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["check", *map(str, args), "--format", "json", "-o", str(out),
                                      "--lang", "en"])
    if expect is not None:
        assert result.exit_code == expect, result.output
    if result.exit_code == 2 and expect == 2:
        return result
    assert result.exit_code in (0, 1), result.output
    return json.loads(out.read_text(encoding="utf-8"))


def found(doc, rule=None, where="violations"):
    return {(v["rule_id"], v["subject"]["name"]) for v in doc[where] if rule is None or v["rule_id"] == rule}


def run_log(tmp_path, rows, *extra, name="ops.csv", expect=None, **kwargs):
    return check(tmp_path, "--ops", write_csv(tmp_path / name, rows, **kwargs), *extra, expect=expect)


# ----------------------------------------------------------------------------- rules

def test_a_clean_business_gives_nothing(tmp_path):
    doc = run_log(tmp_path, GOOD, expect=0)
    assert doc["violations"] == [] and doc["notices"] == []


def test_review_levels_by_class_and_in_progress_businesses_are_not_judged(tmp_path):
    rows = [
        # important (待遇发放): completed with two levels -> finding
        ["I1", "丧葬补助金待遇发放", "受理", "qt1", "2024-03-05 09:00:00"],
        ["I1", "丧葬补助金待遇发放", "审核", "cs1", "2024-03-05 09:10:00"],
        ["I1", "丧葬补助金待遇发放", "复核", "fs1", "2024-03-05 09:20:00"],
        ["I1", "丧葬补助金待遇发放", "办结", "sp1", "2024-03-05 09:30:00"],
        # important with three levels -> fine
        ["I2", "特殊工种提前退休", "受理", "qt1", "2024-03-05 09:00:00"],
        ["I2", "特殊工种提前退休", "初审", "cs1", "2024-03-05 09:10:00"],
        ["I2", "特殊工种提前退休", "复审", "fs1", "2024-03-05 09:20:00"],
        ["I2", "特殊工种提前退休", "审批", "sp1", "2024-03-05 09:30:00"],
        # general, one level, completed -> finding; the repeated 初审 still counts once
        ["G1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],
        ["G1", "参保登记", "初审", "cs1", "2024-03-05 09:10:00"],
        ["G1", "参保登记", "初审", "cs1", "2024-03-05 09:40:00"],
        ["G1", "参保登记", "归档", "sp1", "2024-03-05 09:50:00"],
        # in progress (no approve, pay or complete) -> not judged
        ["P1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],
        ["P1", "参保登记", "初审", "cs1", "2024-03-05 09:10:00"],
    ]
    doc = run_log(tmp_path, rows)
    assert found(doc, "OPS-REVIEW-LEVELS") == {("OPS-REVIEW-LEVELS", "I1"), ("OPS-REVIEW-LEVELS", "G1")}
    assert doc["summary"]["ops_in_progress"] == 1 and doc["summary"]["ops_businesses"] == 4
    hit = next(v for v in doc["violations"] if v["subject"]["name"] == "G1")
    assert hit["subject"]["kind"] == "business"
    assert "needs 2 review levels, had 1" in hit["message"]


def test_same_operator_two_kinds_but_not_one_kind_repeated(tmp_path):
    rows = GOOD + [
        ["S1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],
        ["S1", "参保登记", "审核", "qt1", "2024-03-05 09:10:00"],
        ["S1", "参保登记", "复核", "fs1", "2024-03-05 09:20:00"],
        ["R1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],
        ["R1", "参保登记", "初审", "cs1", "2024-03-05 09:10:00"],
        ["R1", "参保登记", "初审", "cs1", "2024-03-05 10:10:00"],
        ["R1", "参保登记", "复核", "fs1", "2024-03-05 11:20:00"],
    ]
    doc = run_log(tmp_path, rows)
    assert found(doc, "OPS-SAME-OPERATOR") == {("OPS-SAME-OPERATOR", "S1")}
    hit = next(v for v in doc["violations"] if v["rule_id"] == "OPS-SAME-OPERATOR")
    assert "qt1 performed accept, review" in hit["message"]
    assert {(e["operator"], e["kind"]) for e in hit["evidence"]} == {("qt1", "accept"), ("qt1", "review")}


def test_pay_needs_a_recheck_at_or_before_it(tmp_path):
    rows = [
        ["P1", "失业保险金申领", "初审", "cs1", "2024-03-05 09:00:00"],
        ["P1", "失业保险金申领", "复核", "fs1", "2024-03-05 10:00:00"],
        ["P1", "失业保险金申领", "发放", "cw1", "2024-03-05 10:00:00"],     # same second: fine
        ["P2", "失业保险金申领", "初审", "cs1", "2024-03-05 09:00:00"],
        ["P2", "失业保险金申领", "发放", "cw1", "2024-03-05 10:00:00"],
        ["P2", "失业保险金申领", "复核", "fs1", "2024-03-05 10:00:01"],     # after: finding
        ["P3", "失业保险金申领", "审核", "cs1", "2024-03-05 09:00:00"],
        ["P3", "失业保险金申领", "支付", "cw1", "2024-03-05 10:00:00"],     # none: finding
    ]
    doc = run_log(tmp_path, rows)
    assert found(doc, "OPS-PAY-UNCHECKED") == {("OPS-PAY-UNCHECKED", "P2"), ("OPS-PAY-UNCHECKED", "P3")}


def test_modify_approval_window_is_inclusive_by_another_operator_and_pending_is_a_notice(tmp_path):
    rows = [
        ["M1", "个人信息变更", "修改", "qt1", "2024-03-05 09:00:00"],
        ["M1", "个人信息变更", "变更审批", "sp1", "2024-03-12 09:00:00"],    # exactly 7 days: fine
        ["M2", "个人信息变更", "修改", "qt1", "2024-03-05 09:00:00"],
        ["M2", "个人信息变更", "变更审批", "sp1", "2024-03-12 09:00:01"],    # one second late
        ["M3", "个人信息变更", "更正", "qt1", "2024-03-05 09:00:00"],
        ["M3", "个人信息变更", "更正审批", "qt1", "2024-03-05 10:00:00"],    # approved by himself
        ["M4", "个人信息变更", "修改", "qt1", "2024-03-14 09:00:00"],        # window still open
        ["Z9", "参保登记", "查询", "qt9", "2024-03-20 09:00:00"],            # the log's latest time
    ]
    doc = run_log(tmp_path, rows)
    assert found(doc, "OPS-MODIFY-UNAPPROVED") == {("OPS-MODIFY-UNAPPROVED", "M2"), ("OPS-MODIFY-UNAPPROVED", "M3")}
    assert found(doc, "OPS-MODIFY-UNAPPROVED", "notices") == {("OPS-MODIFY-UNAPPROVED", "M4")}


def test_modify_window_is_a_rule_parameter(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: OPS-MODIFY-3D\n    kind: ops_modify_unapproved\n    window_days: 3\n"
                     "    severity: medium\n    title: {zh: 三天, en: three days}\n"
                     "    message: {zh: 三天, en: three days}\n    source: test\n"
                     "  - {id: OPS-MODIFY-UNAPPROVED, enabled: false}\n", encoding="utf-8")
    rows = [["M1", "个人信息变更", "修改", "qt1", "2024-03-05 09:00:00"],
            ["M1", "个人信息变更", "变更审批", "sp1", "2024-03-09 09:00:00"],
            ["Z9", "参保登记", "查询", "qt9", "2024-03-20 09:00:00"]]
    doc = run_log(tmp_path, rows, "--rules", rules)
    assert found(doc) >= {("OPS-MODIFY-3D", "M1")}


def test_front_back_is_about_the_account_anywhere_in_the_log(tmp_path):
    rows = GOOD + [
        ["F1", "参保登记", "受理", "qt2", "2024-03-05 09:00:00"],
        ["F2", "参保登记", "复核", "qt2", "2024-03-06 09:00:00"],
    ]
    doc = run_log(tmp_path, rows)
    assert found(doc, "OPS-FRONT-BACK") == {("OPS-FRONT-BACK", "qt2")}
    hit = next(v for v in doc["violations"] if v["rule_id"] == "OPS-FRONT-BACK")
    assert hit["subject"]["kind"] == "account" and hit["severity"] == "medium"
    assert {e["biz_id"] for e in hit["evidence"]} == {"F1", "F2"}


def test_off_hours_edges_weekends_holidays_and_make_up_days(tmp_path):
    rows = [
        ["H1", "参保登记", "查询", "v1", "2024-03-09 03:00:00"],      # a look is not judged
        ["H2", "参保登记", "受理", "a1", "2024-03-05 08:00:00"],      # Tuesday, first second: fine
        ["H3", "参保登记", "受理", "a2", "2024-03-05 17:59:59"],      # fine
        ["H4", "参保登记", "受理", "a3", "2024-03-05 18:00:00"],      # off
        ["H5", "参保登记", "受理", "a4", "2024-03-05 07:59:59"],      # off
        ["H6", "参保登记", "受理", "a5", "2024-03-09 10:00:00"],      # Saturday: off
        ["H7", "参保登记", "受理", "a6", "2024-10-02 10:00:00"],      # 国庆 holiday: off
        ["H8", "参保登记", "受理", "a7", "2024-02-04 10:00:00"],      # Sunday 调休 working day: fine
    ]
    doc = run_log(tmp_path, rows)
    assert {name for _, name in found(doc, "OPS-OFF-HOURS")} == {"a3", "a4", "a5", "a6"}


def test_rule_files_add_holidays_and_make_up_days(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("ops_calendar:\n  holidays: [2024-03-05]\n  workdays: [2024-03-09]\n", encoding="utf-8")
    rows = [["H1", "参保登记", "受理", "a1", "2024-03-05 10:00:00"],
            ["H2", "参保登记", "受理", "a2", "2024-03-09 10:00:00"]]
    doc = run_log(tmp_path, rows, "--rules", rules)
    assert {name for _, name in found(doc, "OPS-OFF-HOURS")} == {"a1"}


def test_unknown_operator_and_self_service_with_an_export(tmp_path):
    accounts = write_csv(tmp_path / "accounts.csv", [
        ["qt1", "张三", "34170219800101001x", "中心", "正常"],
        ["cs1", "李四", "341702198001010022", "中心", "正常"],
        ["fs1", "王五", "341702198001010033", "中心", "正常"],
    ], header=["用户账号", "用户姓名", "身份证号", "所属机构", "状态"])
    header = HEADER + ["公民身份号码"]
    rows = [
        ["S1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00", "34170219800101001X"],  # own, X in capitals
        ["S1", "参保登记", "初审", "cs1", "2024-03-05 10:00:00", "34170219800101001X"],
        ["S2", "参保登记", "受理", "qt1", "2024-03-05 09:00:00", "341702195001010011"],
        ["S2", "参保登记", "查询", "admin", "2024-03-05 09:30:00", "341702195001010011"],  # a look: ignored
        ["S2", "参保登记", "初审", "tmp9", "2024-03-05 10:00:00", "341702195001010011"],
    ]
    doc = check(tmp_path, "--ops", write_csv(tmp_path / "ops.csv", rows, header=header), "--perms", accounts)
    assert found(doc, "OPS-SELF-SERVICE") == {("OPS-SELF-SERVICE", "S1")}
    assert found(doc, "OPS-UNKNOWN-OPERATOR") == {("OPS-UNKNOWN-OPERATOR", "tmp9")}
    hit = next(v for v in doc["violations"] if v["rule_id"] == "OPS-SELF-SERVICE")
    assert "qt1 (张三)" in hit["message"]
    # Without an export nobody is unknown, and nobody's id is known.
    doc = check(tmp_path, "--ops", tmp_path / "ops.csv")
    assert not found(doc, "OPS-UNKNOWN-OPERATOR") and not found(doc, "OPS-SELF-SERVICE")


def test_operators_link_to_people_of_the_staffing_sheet_by_name(tmp_path):
    staff = write_csv(tmp_path / "staff.csv", [["张三", "贵池区社保中心", "在编", "综合柜员", "2020.01",
                                                "34170219800101001X"]],
                      header=["姓名", "单位", "人员身份", "岗位", "任现岗时间", "身份证号"])
    header = HEADER + ["操作员姓名", "公民身份号码"]
    rows = [["S1", "参保登记", "受理", "qt1", "2024-03-05 09:00:00", "张三", "34170219800101001x"]]
    doc = check(tmp_path, "--ops", write_csv(tmp_path / "ops.csv", rows, header=header), "--staff", staff,
                "--as-of", "2024-06-30")
    assert found(doc, "OPS-SELF-SERVICE") == {("OPS-SELF-SERVICE", "S1")}
    assert "qt1 (张三)" in next(v for v in doc["violations"] if v["rule_id"] == "OPS-SELF-SERVICE")["message"]


# ----------------------------------------------------------------------------- loading

def test_a_business_spread_over_two_files_in_a_folder(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    write_csv(folder / "2024-02.csv", [["X1", "失业保险金申领", "受理", "qt1", "2024-02-28 09:00:00"],
                                       ["X1", "失业保险金申领", "审核", "cs1", "2024-02-28 10:00:00"]])
    write_csv(folder / "2024-03.csv", [["X1", "失业保险金申领", "发放", "cw1", "2024-03-01 09:00:00"]])
    doc = check(tmp_path, "--ops", folder)
    assert found(doc, "OPS-PAY-UNCHECKED") == {("OPS-PAY-UNCHECKED", "X1")}
    files = {os.path.basename(e["file"]) for v in doc["violations"] for e in v["evidence"]}
    assert {"2024-02.csv", "2024-03.csv"} <= files


def test_unreadable_times_and_missing_values_are_skipped_with_their_rows(tmp_path):
    rows = GOOD + [
        ["B2", "参保登记", "受理", "qt1", "2024-02-30 09:00:00"],    # row 6: no such day
        ["B2", "参保登记", "受理", "qt1", "yesterday"],              # row 7
        ["", "参保登记", "受理", "qt1", "2024-03-05 09:00:00"],       # row 8: no business id
        ["B2", "参保登记", "受理", "", "2024-03-05 09:00:00"],        # row 9: no operator
        ["B2", "参保登记", "受理", "qt1", ""],                        # row 10: no time
    ]
    doc = run_log(tmp_path, rows)
    skipped = {w["row"] for w in doc["warnings"] if w["code"] == "ROW-SKIPPED"}
    assert skipped == {6, 7, 8, 9, 10}
    assert any("yesterday" in w["message"] for w in doc["warnings"])


def test_unclassified_steps_are_warned_once_with_count_and_first_row(tmp_path):
    rows = GOOD + [["U1", "参保登记", "稽核抽查", "ic1", "2024-03-05 09:00:00"],
                   ["U2", "参保登记", "稽核抽查", "ic1", "2024-03-05 09:00:00"]]
    doc = run_log(tmp_path, rows)
    hits = [w for w in doc["warnings"] if w["code"] == "UNCLASSIFIED-STEP"]
    assert len(hits) == 1 and hits[0]["row"] == 6 and "2 rows" in hits[0]["message"]


@pytest.mark.parametrize("text", ["2024-03-05 18:30:00", "2024/3/5 18:30:00", "2024/3/5 18:30", "20240305183000",
                                  "2024年3月5日 18:30:00", "2024-03-05T18:30:00"])
def test_time_formats(tmp_path, text):
    doc = run_log(tmp_path, [["T1", "参保登记", "受理", "a1", text]])
    assert found(doc, "OPS-OFF-HOURS") == {("OPS-OFF-HOURS", "a1")}
    assert not [w for w in doc["warnings"] if w["code"] == "ROW-SKIPPED"]


def test_gb18030_title_rows_and_english_headers(tmp_path):
    rows = [["T1", "参保登记", "受理", "qt1", "2024-03-09 10:00:00"]]
    doc = run_log(tmp_path, rows, encoding="gb18030", title="贵池区操作日志（2024年3月）")
    assert found(doc) == {("OPS-OFF-HOURS", "qt1")}
    doc = run_log(tmp_path, rows, header=["biz_id", "biz_type", "step", "operator", "time"], name="en.csv")
    assert found(doc) == {("OPS-OFF-HOURS", "qt1")}


def test_wide_layout_with_national_codes(tmp_path):
    header = ["业务流水号", "业务类型", "aae011", "aae036", "初审人", "初审时间", "aae014", "aae015", "审批人",
              "审批时间", "办结时间"]
    rows = [
        # accept and recheck by one person, approve missing (empty pair): OPS-SAME-OPERATOR
        ["W1", "参保登记", "qt1", "2024-03-05 09:00", "cs1", "2024-03-05 10:00", "qt1", "2024-03-05 11:00", "", "",
         "2024-03-05 12:00"],
        # operator without its time: skipped with a warning (row 3)
        ["W2", "参保登记", "qt1", "", "", "", "", "", "", "", ""],
    ]
    doc = check(tmp_path, "--ops", write_csv(tmp_path / "wide.csv", rows, header=header))
    assert found(doc, "OPS-SAME-OPERATOR") == {("OPS-SAME-OPERATOR", "W1")}
    assert {w["row"] for w in doc["warnings"] if w["code"] == "ROW-SKIPPED"} == {3}


def test_xlsx_with_title_rows_and_datetime_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["业务操作日志"])
    sheet.append([])
    sheet.append(["流水号", "事项名称", "操作环节", "经办人", "办理时间"])
    sheet.append(["E1", "参保登记", "受理", "qt1", datetime(2024, 3, 9, 10, 0)])
    sheet.append(["E2", "参保登记", "受理", "qt2", "not a time"])
    book.save(tmp_path / "log.xlsx")
    doc = check(tmp_path, "--ops", tmp_path / "log.xlsx")
    assert found(doc) == {("OPS-OFF-HOURS", "qt1")}
    assert {w["row"] for w in doc["warnings"] if w["code"] == "ROW-SKIPPED"} == {5}
    evidence = doc["violations"][0]["evidence"][0]
    assert evidence["row"] == 4 and evidence["time"] == "2024-03-09 10:00:00"


def test_parquet_with_typed_columns_numbers_rows_from_two(tmp_path):
    table = pa.table({"业务流水号": ["Q1", "Q1"], "环节": ["受理", "受理"], "操作员": [1001, None],
                      "操作时间": pa.array([datetime(2024, 3, 9, 10), datetime(2024, 3, 5, 10)], pa.timestamp("s"))})
    pq.write_table(table, tmp_path / "log.parquet")
    doc = check(tmp_path, "--ops", tmp_path / "log.parquet")
    assert found(doc) == {("OPS-OFF-HOURS", "1001")}
    assert {w["row"] for w in doc["warnings"] if w["code"] == "ROW-SKIPPED"} == {3}


def test_a_file_of_neither_layout_names_the_file_and_the_missing_columns(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [["X1", "受理", "2024-03-05 09:00:00"]],
                     header=["业务流水号", "环节", "操作时间"])
    result = check(tmp_path, "--ops", path, expect=2)
    assert "bad.csv" in result.output and "operator" in result.output and "Traceback" not in result.output


def test_memory_limit_and_threads_reach_duckdb(tmp_path):
    doc = run_log(tmp_path, GOOD, "--memory-limit", "256MB", "--threads", "1", expect=0)
    assert doc["violations"] == []
    result = run_log(tmp_path, GOOD, "--memory-limit", "lots", expect=2)
    assert "DuckDB" in result.output


def test_evidence_is_bounded_with_a_count_of_the_rest(tmp_path):
    rows = [["L1", "参保登记", "受理", "a1", f"2024-03-05 19:{m:02d}:00"] for m in range(12)]
    doc = run_log(tmp_path, rows)
    evidence = doc["violations"][0]["evidence"]
    assert len(evidence) == 5 and evidence[-1]["more_rows"] == 7
    assert [e["row"] for e in evidence] == [2, 3, 4, 5, 6]


@pytest.mark.skipif(not (SHARED / "conformance" / "ops").exists(),
                    reason="../shared/conformance is not beside this checkout")
def test_conformance_ops_cases():
    runner = SHARED / "conformance" / "run"
    env = dict(os.environ, SODCHECK=f"{sys.executable} -m sodcheck")
    result = subprocess.run([sys.executable, str(runner), str(SHARED / "conformance" / "ops")],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(" 0 failed")


def test_a_log_larger_than_the_memory_budget_is_checked_from_a_database_file(tmp_path, monkeypatch):
    import sodcheck.ops.frame as frame

    rows = GOOD + [["F1", "参保登记", "受理", "qt2", "2024-03-05 09:00:00"],
                   ["F2", "参保登记", "复核", "qt2", "2024-03-09 09:00:00"]]
    in_memory = run_log(tmp_path, rows)
    chosen = []
    real = frame.on_disk
    monkeypatch.setattr(frame, "BYTES_PER_ROW", 10**12)      # as if every step were huge
    monkeypatch.setattr(frame, "on_disk", lambda *a: chosen.append(real(*a)) or chosen[-1])
    on_disk = run_log(tmp_path, rows)
    assert chosen == [True]
    assert found(on_disk) == found(in_memory) == {("OPS-FRONT-BACK", "qt2"), ("OPS-OFF-HOURS", "qt2")}


def _memory_setting(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_findings_are_made_after_duckdb_hands_back_its_memory(tmp_path, monkeypatch):
    """Every check selects its findings in DuckDB first; the findings are made while DuckDB keeps
    only RELEASED_MEMORY_LIMIT, so the budget and the findings are never in memory at once. The
    budget is given back afterwards, for the monthly sample's queries."""
    import duckdb

    import sodcheck.ops.findings as findings
    from sodcheck.ops.frame import RELEASED_MEMORY_LIMIT
    from sodcheck.pipeline import CheckRequest, run

    def shown_as(limit: str) -> str:
        con = duckdb.connect()
        con.execute("SET memory_limit = ?", [limit])
        return _memory_setting(con)

    while_made: list[str] = []
    real = findings.step_evidence

    def watching(log, step, once):
        while_made.append(_memory_setting(log.con.con.cursor()))   # its own cursor: a result is open
        return real(log, step, once)

    monkeypatch.setattr(findings, "step_evidence", watching)
    rows = GOOD + [["S1", "参保登记", "受理", "qt9", "2024-03-05 09:00:00"],
                   ["S1", "参保登记", "初审", "qt9", "2024-03-05 10:00:00"]]
    after: list[str] = []
    report = run(CheckRequest(ops=[str(write_csv(tmp_path / "ops.csv", rows))], memory_limit="512MB"),
                 with_ops=lambda log, _: after.append(_memory_setting(log.con.con)))
    assert {v.rule_id for v in report.violations} >= {"OPS-SAME-OPERATOR"}
    assert while_made and set(while_made) == {shown_as(RELEASED_MEMORY_LIMIT)}
    assert after == [shown_as("512MB")]


def test_findings_do_not_depend_on_how_duckdb_batches_its_results(tmp_path, monkeypatch):
    """Results may come back in batches of any size and order: each finding is one row with its
    steps beside it, never pieced together across rows."""
    from sodcheck.ops import findings
    from sodcheck.ops.frame import OpsLog

    rows = [[f"B{b}", "参保登记", step, operator, f"2024-03-0{4 + b % 3} {9 + k}:00:00"]
            for b in range(6) for k, (step, operator) in enumerate(
                [("受理", f"qt{b % 2}"), ("初审", f"qt{b % 2}"), ("数据更正", "qt1"), ("变更审批", "qt0"),
                 ("复核", "fs1"), ("办结", "sp1")])]
    whole = run_log(tmp_path, rows)
    real = OpsLog.batches
    monkeypatch.setattr(findings, "BATCH_ROWS", 1)
    monkeypatch.setattr(OpsLog, "batches", lambda self, expr, size: reversed(list(real(self, expr, size))))
    assert run_log(tmp_path, rows) == whole
    assert {v["rule_id"] for v in whole["violations"]} >= {"OPS-SAME-OPERATOR", "OPS-FRONT-BACK"}
    assert any(len(v["evidence"]) > 1 for v in whole["violations"])


def test_findings_that_say_the_same_share_one_message(tmp_path):
    """A province's log has hundreds of thousands of findings in a few words each: one message
    object per wording, not per finding."""
    from sodcheck.pipeline import CheckRequest, run

    rows = [[f"R{b}", "参保登记", step, operator, "2024-03-05 10:00:00"]
            for b in range(3) for step, operator in (("受理", "qt1"), ("初审", "cs1"), ("办结", "sp1"))]
    report = run(CheckRequest(ops=[str(write_csv(tmp_path / "ops.csv", rows))]))
    levels = [v for v in report.violations if v.rule_id == "OPS-REVIEW-LEVELS"]
    assert len(levels) == 3
    assert all(v.message is levels[0].message for v in levels)
