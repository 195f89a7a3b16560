"""Operation logs on the upload page: the optional `ops` field of a check, and the monthly sample's
worksheet (/api/sample), drawn in the same worker isolation as a check and equal to what
`sodcheck sample --format xlsx` writes."""
from __future__ import annotations

import csv
import io
import logging
import warnings
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx vs httpx2 in TestClient
    from fastapi.testclient import TestClient

from sodcheck.pipeline import CheckRequest, run
from sodcheck.sample import draw_sample, render_sample
from sodcheck.web.app import create_app

from .conftest import REPO, SAMPLE
from .web_workloads import worker_processes_started  # noqa: F401

OPS = REPO / "sample_data" / "ops_sample.csv"
PERMS = REPO / "sample_data" / "perms_sample.csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AS_OF = "2024-06-30"
# Operators, insured persons and business ids of the sample log: none may reach the server's log.
PRIVATE = ("yl_zhanglj", "章丽娟", "341702199001011234", "YL202403006", "ops_sample")


@pytest.fixture(scope="module")
def c() -> TestClient:
    return TestClient(create_app())




def upload(field: str, path: Path, name: str | None = None) -> tuple[str, tuple[str, bytes, str]]:
    return field, (name or path.name, path.read_bytes(), "application/octet-stream")


def all_three() -> list:
    return [upload("staff", SAMPLE), upload("perms", PERMS), upload("ops", OPS)]


def findings(doc: dict) -> set[tuple[str, str, str]]:
    return {(v["rule_id"], v["subject"]["kind"], v["subject"]["name"]) for v in doc["violations"]}


def cli_findings(**inputs: list[str]) -> set[tuple[str, str, str]]:
    report = run(CheckRequest(as_of=date.fromisoformat(AS_OF), **inputs))
    return {(v.rule_id, v.subject.kind, v.subject.name) for v in report.violations}


def cells(data: bytes) -> dict[str, list[list[object]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[cell.value for cell in row] for row in ws.iter_rows()] for ws in workbook.worksheets}


def log_rows() -> list[dict[str, str]]:
    with OPS.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------------- the check

def test_an_operation_log_joins_the_check(c, private_tmp):
    response = c.post("/api/check?extras=true", files=all_three(), data={"as_of": AS_OF, "lang": "zh"})
    assert response.status_code == 200
    doc = response.json()
    assert findings(doc) == cli_findings(staff=[str(SAMPLE)], perms=[str(PERMS)], ops=[str(OPS)])
    assert doc["summary"]["inputs"] == ["ops_sample.csv", "perms_sample.csv", "annex2_sample.xlsx"]
    assert doc["summary"]["ops_businesses"] == 10
    ops_rules = {rule for rule in doc["summary"]["by_rule"] if rule.startswith("OPS-")}
    assert {"OPS-REVIEW-LEVELS", "OPS-SAME-OPERATOR", "OPS-PAY-UNCHECKED", "OPS-SELF-SERVICE"} <= ops_rules
    business = next(v for v in doc["violations"] if v["rule_id"] == "OPS-SELF-SERVICE")
    assert business["subject"]["kind"] == "business" and business["subject"]["name"] == "YL202403008"
    assert business["remedy"] and business["evidence"][0]["file"] == "ops_sample.csv"
    # The page's evidence lines name the log as uploaded, with the row.
    line = doc["extras"]["evidence"]["violations"][doc["violations"].index(business)][0]
    assert line == "ops_sample.csv 第26行: YL202403008 “受理” yl_zhanglj 2024-03-13 09:00:00"
    # A person's id is masked for operators too.
    operator = next(v for v in doc["violations"] if v["subject"]["kind"] == "account" and v["subject"]["id"])
    assert "*" in operator["subject"]["id"]
    assert list(private_tmp.iterdir()) == []


def test_an_operation_log_alone_is_enough(c):
    response = c.post("/api/check", files=[upload("ops", OPS)], data={"as_of": AS_OF, "lang": "en"})
    assert response.status_code == 200
    assert findings(response.json()) == cli_findings(ops=[str(OPS)])


def test_xlsx_and_parquet_logs_give_the_same_findings(c, tmp_path):
    rows = log_rows()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    workbook.save(tmp_path / "经办日志.xlsx")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "经办日志.parquet")
    expected = findings(c.post("/api/check", files=[upload("ops", OPS)], data={"as_of": AS_OF}).json())
    for name in ("经办日志.xlsx", "经办日志.parquet"):
        response = c.post("/api/check", files=[upload("ops", tmp_path / name)], data={"as_of": AS_OF})
        assert response.status_code == 200, response.text
        assert findings(response.json()) == expected, name
        assert response.json()["summary"]["inputs"] == [name]


def test_the_report_download_carries_the_log_findings(c):
    response = c.post("/api/report?format=xlsx", files=all_three(), data={"as_of": AS_OF, "lang": "zh"})
    assert response.status_code == 200
    texts = {str(v) for rows in cells(response.content).values() for row in rows for v in row if v is not None}
    assert {"OPS-SELF-SERVICE", "YL202403008"} <= texts


@pytest.mark.parametrize("name,content,error", [
    ("日志.parquet", b"PAR1" + b"\x00" * 40 + b"PAR0", "日志.parquet: 文件扩展名是 parquet，但内容不是 parquet 文件"),
    ("日志.parquet", b"XXXX" + b"\x00" * 40 + b"PAR1", "日志.parquet: 文件扩展名是 parquet，但内容不是 parquet 文件"),
    ("日志.parquet", b"PAR1PAR1", "日志.parquet: 文件扩展名是 parquet，但内容不是 parquet 文件"),
    ("日志.xlsx", b"PAR1" + b"\x00" * 40 + b"PAR1", "日志.xlsx: 文件扩展名是 Excel，但内容不是 Excel 工作簿"),
    ("日志.csv", b"PAR1" + b"\x00" * 40 + b"PAR1", "日志.csv: 文件内容不是电子表格或文本"),
    ("日志.txt", b"a,b\n", "日志.txt: 不支持的文件类型：这里需要 csv、xlsx、xls、parquet"),
    ("日志.csv", "业务流水号,环节\nB1,受理\n".encode(), "日志.csv 第1行: 不是可识别的操作日志"),
], ids=["parquet-tail", "parquet-head", "parquet-short", "parquet-named-xlsx", "parquet-named-csv", "txt",
        "no-operator-column"])
def test_a_bad_log_is_a_422_naming_the_upload(c, private_tmp, name, content, error):
    for path in ("/api/check", "/api/sample"):
        response = c.post(path, files=[("ops", (name, content, "application/octet-stream"))],
                          data={"as_of": AS_OF, "lang": "zh", "month": "2024-03"})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"].startswith(error), (path, response.json())
    assert list(private_tmp.iterdir()) == []


def test_a_damaged_parquet_with_sound_magic_is_a_422():
    """The magic is all the upload checks; the reader then names the file as uploaded."""
    body = b"PAR1" + bytes(range(256)) * 4 + (100).to_bytes(4, "little") + b"PAR1"
    response = TestClient(create_app()).post(
        "/api/check", files=[("ops", ("坏.parquet", body, "application/octet-stream"))], data={"lang": "en"})
    assert response.status_code == 422
    assert response.json()["error"].startswith("坏.parquet: ")


# ----------------------------------------------------------------------------- the monthly sample

def expected_worksheet(month: str, seed: int | None, lang: str, **inputs: list[str]) -> bytes:
    drawn = draw_sample(CheckRequest(as_of=date.fromisoformat(AS_OF), **inputs), month, seed)
    data = render_sample("xlsx", drawn, lang)
    assert isinstance(data, bytes)
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sample_is_the_cli_worksheet(c, private_tmp, lang):
    response = c.post("/api/sample", files=all_three(),
                      data={"month": "2024-03", "seed": "7", "as_of": AS_OF, "lang": lang})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_TYPE
    assert response.headers["content-disposition"] == 'attachment; filename="sodcheck-sample-2024-03-seed-7.xlsx"'
    expected = expected_worksheet("2024-03", 7, lang, staff=[str(SAMPLE)], perms=[str(PERMS)], ops=[str(OPS)])
    assert cells(response.content) == cells(expected)
    texts = [str(v) for rows in cells(response.content).values() for row in rows for v in row if v]
    assert any("YL2024030" in text for text in texts)
    assert list(private_tmp.iterdir()) == []


def test_the_sample_defaults_to_the_month_before_as_of_and_its_own_seed(c):
    response = c.post("/api/sample", files=[upload("ops", OPS)],
                      data={"as_of": "2024-04-15", "lang": "zh", "month": "", "seed": ""})
    assert response.status_code == 200, response.text
    assert 'filename="sodcheck-sample-2024-03-seed-202403.xlsx"' in response.headers["content-disposition"]
    assert cells(response.content) == cells(expected_worksheet("2024-03", None, "zh", ops=[str(OPS)]))
    other = c.post("/api/sample", files=[upload("ops", OPS)], data={"month": "2024-03", "seed": "11"})
    assert other.status_code == 200
    assert cells(other.content) != cells(response.content)


@pytest.mark.parametrize("files,data,error", [
    ("staff", {"month": "2024-03"}, "月度抽查需要操作日志：请上传上月的操作日志"),
    ("ops", {"month": "2024-13"}, "抽查月份应为 YYYY-MM 格式，例如 2024-03"),
    ("ops", {"month": "三月"}, "抽查月份应为 YYYY-MM 格式，例如 2024-03"),
    ("ops", {"seed": "-1"}, "随机种子应为不超过 18 位的非负整数"),
    ("ops", {"seed": "1.5"}, "随机种子应为不超过 18 位的非负整数"),
    ("ops", {"seed": "9" * 19}, "随机种子应为不超过 18 位的非负整数"),
    ("ops", {"as_of": "30/06/2024"}, "检查基准日应为 YYYY-MM-DD 格式的日期"),
])
def test_sample_field_errors(c, private_tmp, files, data, error):
    chosen = [upload("staff", SAMPLE)] if files == "staff" else [upload("ops", OPS)]
    response = c.post("/api/sample", files=chosen, data={"lang": "zh", **data})
    assert response.status_code == 422
    assert response.json() == {"error": error}
    assert list(private_tmp.iterdir()) == []


def test_sample_errors_in_english(c):
    response = c.post("/api/sample?lang=en", files=[upload("perms", PERMS)])
    assert response.status_code == 422
    assert response.json()["error"] == ("the monthly sample is drawn from operation logs: upload last month's "
                                        "operation log")


def test_the_sample_runs_within_the_check_time_limit(private_tmp):
    slow = TestClient(create_app(check_timeout=0.05))
    response = slow.post("/api/sample", files=[upload("ops", OPS)], data={"month": "2024-03", "lang": "en"})
    assert response.status_code == 503
    assert response.json()["error"].startswith("the check took longer than its limit of 0.05 s")
    assert list(private_tmp.iterdir()) == []


def test_the_log_has_counts_only(c, caplog):
    with caplog.at_level(logging.INFO, logger="sodcheck.web"):
        assert c.post("/api/sample", files=all_three(), data={"month": "2024-03"}).status_code == 200
        assert c.post("/api/check", files=all_three(), data={"as_of": AS_OF}).status_code == 200
    assert "/api/sample: 3 file(s)" in caplog.text and "sample of 2024-03:" in caplog.text
    assert "/api/check: 3 file(s)" in caplog.text and "violations" in caplog.text
    for secret in PRIVATE:
        assert secret not in caplog.text


def test_the_sample_is_in_the_api_description(c):
    spec = c.get("/openapi.json").json()
    sample = spec["paths"]["/api/sample"]["post"]
    fields = sample["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][fields["$ref"].rsplit("/", 1)[-1]] if "$ref" in fields else fields
    assert {"ops", "staff", "perms", "month", "seed", "as_of", "lang"} <= set(schema["properties"])
    assert XLSX_TYPE in sample["responses"]["200"]["content"]
    check = spec["paths"]["/api/check"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    check_schema = spec["components"]["schemas"][check["$ref"].rsplit("/", 1)[-1]]
    assert "ops" in check_schema["properties"]
