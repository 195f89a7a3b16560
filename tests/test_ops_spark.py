"""The operation-log checks on Spark give what they give on DuckDB (--engine spark).

Parity: every operation-log conformance case of ../shared/conformance/ops, a generated 100k-row
log, and a folder Spark reads by URI give the same JSON report (violations, notices, evidence,
warnings, summary) and exit status on both engines. One local Spark session serves the module.
Without PySpark or Java the module skips, unless SODCHECK_REQUIRE_SPARK=1 (CI sets it when Java is
installed): then it fails, so the parity gate can never pass by having checked nothing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

from .conftest import REPO, SHARED

OPS_CASES = SHARED / "conformance" / "ops"
REQUIRE_SHARED = os.environ.get("SODCHECK_REQUIRE_SHARED") == "1"
REQUIRE_SPARK = os.environ.get("SODCHECK_REQUIRE_SPARK") == "1"


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install -e '.[test]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for local Spark"
    return None


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local session for the module: two cores, few shuffle partitions, no web UI. sodcheck
    finds it active and uses it (and leaves it running) instead of starting its own."""
    missing = _spark_missing()
    if missing:
        if REQUIRE_SPARK:
            pytest.fail(f"SODCHECK_REQUIRE_SPARK=1 but {missing}")
        pytest.skip(missing)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("sodcheck-tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               # Small inputs: no adaptive re-planning or code generation per query (a third faster).
               .config("spark.sql.adaptive.enabled", "false").config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.warehouse.dir", tmp_path_factory.mktemp("warehouse").as_uri()).getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def run_json(args: list[str], out: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output + repr(result.exception)
    return result.exit_code, json.loads(out.read_text(encoding="utf-8"))


def assert_parity(args: list[str], tmp_path: Path) -> dict:
    """The run on DuckDB and on Spark: same exit status, same report. Returns the report."""
    status, duckdb = run_json(args, tmp_path / "duckdb.json")
    spark_status, on_spark = run_json([*args, "--engine", "spark"], tmp_path / "spark.json")
    assert spark_status == status
    for key in duckdb:
        assert on_spark[key] == duckdb[key], key
    assert on_spark.keys() == duckdb.keys()
    return duckdb


def ops_case_folders() -> list[str]:
    return sorted(p.name for p in OPS_CASES.iterdir() if (p / "case.json").is_file()) if OPS_CASES.is_dir() else []


@pytest.mark.parametrize("case", ops_case_folders() or ["(none)"])
def test_every_ops_conformance_case_agrees(case, spark, tmp_path, monkeypatch):
    folder = OPS_CASES / case
    if not (folder / "case.json").is_file():
        message = f"the operation-log conformance cases are missing (expected at {OPS_CASES})"
        if REQUIRE_SHARED:
            pytest.fail(f"SODCHECK_REQUIRE_SHARED=1 but {message}")
        pytest.skip(message)
    spec = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    monkeypatch.chdir(folder)
    if 2 in ([spec["exit"]] if isinstance(spec["exit"], int) else spec["exit"]):
        # Bad input: both engines refuse it with the same message.
        duckdb = CliRunner().invoke(cli, ["check", *spec["args"], "--format", "json"])
        on_spark = CliRunner().invoke(cli, ["check", *spec["args"], "--format", "json", "--engine", "spark"])
        assert (on_spark.exit_code, on_spark.output) == (duckdb.exit_code, duckdb.output)
        if duckdb.exit_code == 2:
            return
    report = assert_parity(spec["args"], tmp_path)
    assert report["violations"] or report["notices"] or report["warnings"], "a case that checks nothing"


def _generate(rows: int, seed: int):
    path = REPO / "benchmarks" / "ops_generate.py"
    loader = importlib.util.spec_from_file_location("ops_generate", path)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module.generate(rows, seed)


def test_a_generated_100k_row_log_agrees(spark, tmp_path):
    log = tmp_path / "ops.parquet"
    pq.write_table(_generate(100_000, 7), log)
    report = assert_parity(["--ops", str(log), "--lang", "en"], tmp_path)
    found = {v["rule_id"] for v in report["violations"]}
    # The generator breaks every rule a log alone can break; each must be found (and agree).
    assert {"OPS-REVIEW-LEVELS", "OPS-SAME-OPERATOR", "OPS-PAY-UNCHECKED", "OPS-MODIFY-UNAPPROVED",
            "OPS-OFF-HOURS"} <= found
    assert sum(len(v["evidence"]) for v in report["violations"]) > 1000


def test_a_folder_read_by_spark_from_a_uri_matches_the_local_files(spark, tmp_path):
    """The same two CSV files, read by sodcheck's loader (DuckDB) and by Spark's reader from a
    file:// URI: same findings, evidence naming the same rows of the same files."""
    folder = tmp_path / "logs"
    folder.mkdir()
    table = _generate(1_500, 3)
    half = table.num_rows // 2
    for name, part in (("a.csv", table.slice(0, half)), ("b.csv", table.slice(half))):
        pacsv.write_csv(part, folder / name)
    _, local = run_json(["--ops", str(folder)], tmp_path / "duckdb.json")
    _, by_uri = run_json(["--ops", folder.as_uri(), "--engine", "spark"], tmp_path / "spark.json")

    def located(report: dict) -> list:
        return [(v["rule_id"], v["subject"]["name"], [(Path(e["file"]).name, e["row"], e.get("time"))
                                                      for e in v["evidence"]]) for v in report["violations"]]

    assert located(by_uri) == located(local)
    assert local["violations"]


def test_a_catalog_table_is_checked_like_the_file_it_came_from(spark, tmp_path):
    log = tmp_path / "ops.parquet"
    pq.write_table(_generate(1_500, 5), log)
    spark.read.parquet(str(log)).createOrReplaceTempView("ops_month")
    _, from_file = run_json(["--ops", str(log)], tmp_path / "duckdb.json")
    _, from_table = run_json(["--ops-table", "ops_month", "--engine", "spark"], tmp_path / "spark.json")

    def findings(report: dict) -> list:
        return [(v["rule_id"], v["subject"]["name"], v["message"]) for v in report["violations"]]

    assert findings(from_table) == findings(from_file) != []
    assert {e["file"] for v in from_table["violations"] for e in v["evidence"]} == {"ops_month"}


def test_a_table_name_that_is_no_table_exits_2(spark):
    result = CliRunner().invoke(cli, ["check", "--ops-table", "nowhere.ops_log", "--engine", "spark"])
    assert result.exit_code == 2
    assert "nowhere.ops_log" in result.output


def test_ops_table_needs_the_spark_engine(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--ops-table", "db.ops_log"])
    assert result.exit_code == 2
    assert "--engine spark" in result.output


def test_without_pyspark_the_spark_engine_names_the_extra(tmp_path):
    """A process where pyspark cannot be imported, as on a machine without the extra."""
    log = tmp_path / "ops.csv"
    log.write_text("业务流水号,环节,操作员,操作时间\nYW1,受理,qt001,2024-03-05 09:00:00\n", encoding="utf-8")
    script = textwrap.dedent("""
        import sys

        class NoPySpark:
            def find_spec(self, name, path=None, target=None):
                if name == "pyspark" or name.startswith("pyspark."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NoPySpark())
        from sodcheck.cli import main
        sys.argv = ["sodcheck", "check", "--ops", sys.argv[1], "--engine", "spark", "--lang", "en"]
        main()
    """)
    result = subprocess.run([sys.executable, "-c", script, str(log)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "sodcheck[spark]" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_spark_connect_server_exits_2_naming_it_within_seconds(tmp_path):
    if importlib.util.find_spec("pyspark") is None and not REQUIRE_SPARK:
        pytest.skip("PySpark is not installed")
    log = tmp_path / "ops.csv"
    log.write_text("业务流水号,环节,操作员,操作时间\nYW1,受理,qt001,2024-03-05 09:00:00\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["check", "--ops", str(log), "--engine", "spark",
                                      "--spark-remote", "sc://127.0.0.1:1", "--lang", "en"])
    assert result.exit_code == 2
    assert "sc://127.0.0.1:1" in result.output
    assert time.monotonic() - started < 15


def test_spark_options_need_the_spark_engine(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--ops", str(tmp_path), "--spark-master", "local[2]"])
    assert result.exit_code == 2
    assert "--engine spark" in result.output


def test_times_read_alike_on_both_engines(spark, tmp_path):
    """Every time format the loader reads, and the ones it refuses (24:00:00, a 29 February of a
    common year, a year outside 1900-2100, month 13), give the same steps, warnings and
    off-hours findings (a Saturday, 18:00:00, a holiday) on both engines."""
    times = ["2024-03-05 09:00:00", "2024/3/5 9:05", "2024年3月5日 9时10分05秒", "20240305091500",
             "2024.03.05 09:20:00.000", "2024-03-09 10:00:00", "2024-03-05 18:00:00", "2024-10-02 10:00:00",
             "2024-03-05 24:00:00", "2023-02-29 10:00:00", "1899-12-31 10:00:00", "2024-13-01 10:00:00",
             "2024-03-05T07:59:59", "yesterday"]
    rows = ["业务流水号,业务类型,环节,操作员,操作时间"]
    rows += [f"YW{i:03d},参保登记,受理,qt{i % 3:03d},{t}" for i, t in enumerate(times)]
    log = tmp_path / "ops.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = assert_parity(["--ops", str(log), "--lang", "en"], tmp_path)
    skipped = {w["row"] for w in report["warnings"] if w["code"] == "ROW-SKIPPED"}
    assert skipped == {10, 11, 12, 13, 15}          # header on line 1: time i is on row i + 2
    off_hours = [v for v in report["violations"] if v["rule_id"] == "OPS-OFF-HOURS"]
    assert sorted(e["row"] for v in off_hours for e in v["evidence"]) == [7, 8, 9, 14]


def test_a_session_of_its_own_leaves_nothing_in_the_working_directory(spark, tmp_path):
    """Run as an officer runs it, in a process with no session to reuse: sodcheck starts a local
    Spark of its own, checks the log, stops Spark, and leaves nothing where it was run but the
    report."""
    log = tmp_path / "ops.csv"
    log.write_text("业务流水号,环节,操作员,操作时间\nYW1,受理,qt001,2024-03-05 09:00:00\n"
                   "YW1,审核,qt001,2024-03-05 10:00:00\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([sys.executable, "-m", "sodcheck", "check", "--ops", str(log), "--engine", "spark",
                             "--threads", "1", "--lang", "en", "--format", "json", "-o", "report.json"],
                            cwd=work, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "OPS-SAME-OPERATOR" in (work / "report.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in work.iterdir()) == ["report.json"]
