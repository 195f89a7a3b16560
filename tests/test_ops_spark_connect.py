"""Spark Connect (`--engine spark --spark-remote sc://…`) against a live server: a Spark Connect
server started from the installed PySpark on this machine, on a free port, for the module. The
client sends local logs and account lists to it as Arrow; the reports must match DuckDB's, byte
for byte. Skips without PySpark or Java, unless SODCHECK_REQUIRE_SPARK=1."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli

from .test_ops_spark import OPS_CASES, REQUIRE_SHARED, REQUIRE_SPARK, _generate, _spark_missing

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory):
    missing = _spark_missing()
    if missing:
        if REQUIRE_SPARK:
            pytest.fail(f"SODCHECK_REQUIRE_SPARK=1 but {missing}")
        pytest.skip(missing)
    from pyspark.find_spark_home import _find_spark_home

    port = _free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    submit = Path(_find_spark_home()) / "bin" / "spark-submit"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(submit), "--class", SERVER_CLASS, "--master", "local[2]", "--conf", "spark.ui.enabled=false",
             "--conf", "spark.sql.shuffle.partitions=2", "--conf", f"spark.connect.grpc.binding.port={port}",
             "spark-internal"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=log.parent)             # the server's spark-warehouse folder goes there, not into the checkout
    try:
        deadline = time.monotonic() + 180
        while b"Spark Connect server started" not in log.read_bytes():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Spark Connect server did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def report(args: list[str], out: Path) -> tuple[int, bytes]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, ["check", *args, "--format", "json", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output + repr(result.exception)
    # A terminal shows sodcheck's own words, not the Connect client's remarks on each table sent.
    assert not [w for w in caught if "verifySchema" in str(w.message)]
    return result.exit_code, out.read_bytes()


def test_a_log_checked_on_a_connect_server_matches_duckdb(connect_url, tmp_path):
    log = tmp_path / "ops.csv"
    pacsv.write_csv(_generate(20_000, 5), log)
    on_duckdb = report(["--ops", str(log)], tmp_path / "duckdb.json")
    on_connect = report(["--ops", str(log), "--engine", "spark", "--spark-remote", connect_url],
                        tmp_path / "connect.json")
    assert on_connect == on_duckdb
    assert json.loads(on_duckdb[1])["violations"]


def test_accounts_sent_to_a_connect_server_match_duckdb(connect_url, tmp_path, monkeypatch):
    """A conformance case with a permission export: the account list goes to the server too."""
    folder = OPS_CASES / "02_with_accounts"
    if not (folder / "case.json").is_file():
        message = f"the operation-log conformance cases are missing (expected at {OPS_CASES})"
        if REQUIRE_SHARED:
            pytest.fail(f"SODCHECK_REQUIRE_SHARED=1 but {message}")
        pytest.skip(message)
    args = json.loads((folder / "case.json").read_text(encoding="utf-8"))["args"]
    monkeypatch.chdir(folder)
    on_duckdb = report(args, tmp_path / "duckdb.json")
    assert report([*args, "--engine", "spark", "--spark-remote", connect_url], tmp_path / "connect.json") == on_duckdb
