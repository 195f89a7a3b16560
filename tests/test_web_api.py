"""The web API's promises: the CLI's findings for an upload, and every way an upload can go wrong
ends in a clear 4xx message, never a 500, never a file left behind or a name in the log. (How a
check that runs away is stopped: test_web_isolation.py.)"""
from __future__ import annotations

import io
import json
import logging
import os
import socket
import time
import warnings
import zipfile
from datetime import date
from pathlib import Path

import httpx
import openpyxl
import pytest
from click.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx vs httpx2 in TestClient
    from fastapi.testclient import TestClient

from sodcheck.cli import cli
from sodcheck.pipeline import CheckRequest, run
from sodcheck.report.table import assessment_items
from sodcheck.report.text import evidence_line
from sodcheck.web.app import create_app, session_value
from sodcheck.web.background import BackgroundServer
from sodcheck.web.common import MAX_FILES

from . import web_workloads
from .conftest import SAMPLE, SAMPLE_VIOLATIONS, write_xlsx
from .web_workloads import worker_processes_started  # noqa: F401

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAMES_IN_SAMPLE = ("方晓燕", "王海涛", "周晓梅", "34170219860214026X", "annex2_sample")


def client(**options) -> TestClient:
    return TestClient(create_app(**options))


def sample_files(name: str = "annex2_sample.xlsx") -> list:
    return [("staff", (name, SAMPLE.read_bytes(), XLSX_TYPE))]


def check(c: TestClient, files, lang: str = "zh", **kwargs) -> httpx.Response:
    return c.post("/api/check", files=files, data={"as_of": "2024-06-30", "lang": lang}, **kwargs)


def found(doc: dict) -> set[tuple[str, str]]:
    return {(v["rule_id"], v["subject"]["name"]) for v in doc["violations"]}




# ----------------------------------------------------------------------------- results

def test_sample_gives_the_cli_document(private_tmp):
    response = check(client(), sample_files())
    assert response.status_code == 200
    doc = response.json()
    assert found(doc) == SAMPLE_VIOLATIONS
    assert doc["summary"]["inputs"] == ["annex2_sample.xlsx"]
    assert "extras" not in doc

    cli_run = CliRunner().invoke(cli, ["check", "--staff", str(SAMPLE), "--as-of", "2024-06-30",
                                       "--format", "json", "--lang", "zh"])
    expected = json.loads(cli_run.output)
    # The CLI names the file by the path it was given; the page by the name that was uploaded.
    expected["summary"]["inputs"] = ["annex2_sample.xlsx"]
    for item in expected["violations"] + expected["notices"] + expected["warnings"]:
        for e in item.get("evidence", [item]):
            e["file"] = "annex2_sample.xlsx"
    assert doc == expected
    assert list(private_tmp.iterdir()) == []


def test_ids_are_masked_and_language_is_chosen():
    zh = check(client(), sample_files(), lang="zh").json()
    en = check(client(), sample_files(), lang="en").json()
    ids = [v["subject"]["id"] for v in zh["violations"] if v["subject"]["id"]]
    assert ids and all("*" in i for i in ids)
    assert "34170219860214026X" not in json.dumps(zh)
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert any("会计" in v["message"] for v in zh["violations"])
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in v["title"]) for v in en["violations"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_extras_carry_the_cli_evidence_lines(lang):
    doc = client().post("/api/check?extras=true", files=sample_files(),
                        data={"as_of": "2024-06-30", "lang": lang}).json()
    # The words of the CLI's own table, with the file named as uploaded.
    report = run(CheckRequest(staff=[str(SAMPLE)], as_of=date(2024, 6, 30)))
    expected = [[evidence_line(e, report, lang).replace(str(SAMPLE), "annex2_sample.xlsx") for e in v.evidence]
                for v in report.violations]
    assert doc["extras"]["evidence"]["violations"] == expected
    cash = next(i for i, v in enumerate(doc["violations"]) if v["subject"]["name"] == "郑佳")
    assert any("第34行" in line or "row 34" in line for line in expected[cash])
    assert doc["extras"]["assessment"] == assessment_items(report, lang)
    assert doc["extras"]["assessment"]


def test_rules_healthz_and_openapi():
    c = client()
    assert c.get("/healthz").json() == {"status": "ok"}
    rules = c.get("/api/rules?lang=en").json()
    ids = {r["id"] for r in rules}
    assert {"SOD-ACC-CASH", "TENURE-HIGH-RISK"} <= ids
    assert set(rules[0]) == {"id", "kind", "severity", "title", "source"}
    spec = c.get("/openapi.json").json()
    assert {"/api/check", "/api/report", "/api/rules", "/healthz"} <= set(spec["paths"])
    docs = c.get("/docs")
    assert docs.status_code == 200
    # Swagger UI comes from this server: an intranet machine has no CDN to reach.
    assert "/docs/assets/swagger-ui-bundle.js" in docs.text and "cdn." not in docs.text
    assert c.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("fmt", ["xlsx", "html", "json"])
def test_report_downloads(fmt):
    response = client().post(f"/api/report?format={fmt}", files=sample_files(),
                             data={"as_of": "2024-06-30", "lang": "zh"})
    assert response.status_code == 200
    assert f'filename="sodcheck-2024-06-30.{fmt}"' in response.headers["content-disposition"]
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        assert any(name.startswith("标注-") for name in wb.sheetnames)
        texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str)]
        assert any("annex2_sample.xlsx" in t for t in texts)
        # The writer was given the temporary paths to mark the sheet up; none may show.
        assert not any("sodcheck-" in t or "/staff-1." in t for t in texts)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert any(n.startswith("xl/charts/") for n in archive.namelist())
    elif fmt == "json":
        assert found(response.json()) == SAMPLE_VIOLATIONS
    else:
        assert response.text.lstrip().lower().startswith("<!doctype html")
        assert "方晓燕" in response.text and "sodcheck-" not in response.text.replace("sodcheck-data", "")


def test_permission_export_and_role_configuration_uploads():
    export = ("用户编码,用户姓名,账号状态,角色编码,角色名称,功能编码,功能名称\n"
              "u1,张三,正常,R_YW,业务经办,YW_DJ,参保登记\n"
              "u1,张三,正常,,,XT_QX,用户权限分配\n"
              "u2,李四,正常,R_YW,业务经办,YW_DJ,参保登记\n").encode("gb18030")
    perms = check(client(), [("perms", ("权限导出.csv", export, "text/csv"))], lang="en")
    assert perms.status_code == 200
    doc = perms.json()
    assert {(v["rule_id"], v["subject"]["kind"], v["subject"]["name"]) for v in doc["violations"]} == {
        ("SOD-BIZ-IT", "account", "u1")}
    assert doc["summary"]["inputs"] == ["权限导出.csv"]

    config = SAMPLE.parent / "roles" / "config"
    roles = check(client(), [("roles", (p.name, p.read_bytes(), "text/plain")) for p in sorted(config.iterdir())]
                  + [("rules", ("rules.yaml", (SAMPLE.parent / "roles" / "rules.yaml").read_bytes(), "text/yaml"))],
                  lang="en")
    assert roles.status_code == 200
    where = {(v["rule_id"], v["subject"]["name"], v["evidence"][0]["file"], v["evidence"][0].get("line"))
             for v in roles.json()["violations"]}
    assert where == {("ROLE-CYCLE", "county_all_in_one", "benefit.yaml", 30),
                     ("ROLE-UNKNOWN-REF", "report_viewer", "benefit.yaml", 39),
                     ("ROLE-UNKNOWN-REF", "sys_admin", "system.json", 7),
                     ("SOD-BIZ-FIN", "benefit_supervisor", "benefit.yaml", 25),
                     ("UNMAPPED-PERMISSION", "RPT_EXPORT", "benefit.yaml", 20)}


def test_template_download():
    pytest.importorskip("sodcheck.template")
    response = client().get("/api/template?lang=zh")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames


# ----------------------------------------------------------------------------- the token

def test_token_required_everywhere_but_health():
    c = client(token="s3cret-token")
    for path in ("/", "/api/rules", "/openapi.json", "/docs", "/static/app.js"):
        assert c.get(path).status_code == 401, path
    refused = check(c, sample_files())
    assert refused.status_code == 401
    assert refused.json()["error"] == "需要访问令牌：请先登录"
    assert c.get("/healthz").status_code == 200
    page = c.get("/", headers={"accept": "text/html"})
    assert page.status_code == 401 and 'action="/login"' in page.text


@pytest.mark.parametrize("headers", [{"authorization": "Bearer wrong"}, {"x-sodcheck-token": "wrong"},
                                     {"authorization": "Basic czNjcmV0LXRva2Vu"},
                                     {"cookie": "sodcheck_session=" + "0" * 64}])
def test_wrong_token_is_refused(headers):
    c = client(token="s3cret-token")
    assert c.get("/api/rules", headers=headers).status_code == 401
    assert check(c, sample_files(), headers=headers).status_code == 401


@pytest.mark.parametrize("headers", [{"authorization": "Bearer s3cret-token"},
                                     {"x-sodcheck-token": "s3cret-token"}])
def test_token_by_header(headers):
    c = client(token="s3cret-token")
    assert c.get("/", headers=headers).status_code == 200
    response = check(c, sample_files(), headers=headers)
    assert response.status_code == 200 and found(response.json()) == SAMPLE_VIOLATIONS


def test_login_form_sets_a_strict_httponly_cookie():
    c = client(token="s3cret-token")
    wrong = c.post("/login", data={"token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "访问令牌不对" in wrong.text
    assert "set-cookie" not in wrong.headers
    ok = c.post("/login", data={"token": "s3cret-token"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "s3cret-token" not in cookie
    assert f"sodcheck_session={session_value('s3cret-token')}" in cookie
    # TestClient keeps the cookie, as the browser does.
    assert c.get("/").status_code == 200
    assert check(c, sample_files()).status_code == 200
    c.post("/logout", follow_redirects=False)
    c.cookies.clear()
    assert c.get("/api/rules").status_code == 401


# ----------------------------------------------------------------------------- hostile uploads

def test_over_the_limit_by_content_length(private_tmp):
    c = client(max_upload_mb=0.5)
    big = os.urandom(2 * 1024 * 1024)
    response = check(c, [("staff", ("big.xlsx", big, XLSX_TYPE))])
    assert response.status_code == 413
    assert response.json()["error"] == "上传的文件太大：每次最多 0.5 MB"
    assert list(private_tmp.iterdir()) == []


def test_over_the_limit_while_streaming():
    """A chunked body carries no Content-Length: the counter stops it."""
    c = client(max_upload_mb=0.5)
    boundary = "xyzzy"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"staff\"; filename=\"a.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n").encode()
        for _ in range(64):
            yield b"a,b,c\n" * 10_000
        yield f"\r\n--{boundary}--\r\n".encode()

    response = c.post("/api/check?lang=en", content=body(),
                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413
    assert response.json()["error"] == "the upload is too large: at most 0.5 MB at a time"


def test_huge_content_length_is_refused_before_the_body_is_read():
    """Against the real server: the answer comes at once, though the body never arrives."""
    with BackgroundServer(create_app(max_upload_mb=1)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"POST /api/check HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: multipart/form-data; boundary=b\r\n"
                         b"Content-Length: 5000000000\r\n\r\n--b\r\n")
            answer = sock.recv(4096).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413")


def test_invalid_content_length():
    c = client()
    response = c.post("/api/check", content=b"x", headers={"content-length": "abc",
                                                             "content-type": "text/plain"})
    assert response.status_code == 400


def test_zip_bomb_is_refused_before_parsing(tmp_path, private_tmp):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"0" * (1024 * 1024)
            for _ in range(600):
                part.write(chunk)
    assert bomb.stat().st_size < 5 * 1024 * 1024

    response = check(client(), [("staff", ("bomb.xlsx", bomb.read_bytes(), XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith("bomb.xlsx: ") and "zip bomb" in error and "600 MB" in error
    assert list(private_tmp.iterdir()) == []


def test_xml_entity_attack_is_refused(tmp_path):
    source = write_xlsx(tmp_path / "plain.xlsx", {"人员分工": [["姓名", "单位", "岗位"], ["张三", "中心", "会计"]]})
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
              + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
                        for i in range(1, 10))
              + ']>\n')
    attacked = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(attacked, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text = text[text.index("?>") + 2:] if text.startswith("<?xml") else text
                text = text.replace("<v>", "<v>&lol9;", 1) if "<v>" in text else text
                data = (laughs + text).encode("utf-8")
            dst.writestr(info, data)
    response = check(client(), [("staff", ("laughs.xlsx", attacked.read_bytes(), XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith("laughs.xlsx: ") and "xl/worksheets/sheet1.xml" in error and "unsafe XML" in error


@pytest.mark.parametrize("name", ["staff.xlsx", "staff.xls"])
def test_renamed_binary_is_refused(name):
    noise = os.urandom(64 * 1024)
    response = check(client(), [("staff", (name, noise, XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    assert response.json()["error"] == (f"{name}: named like an Excel file, but the content is not an "
                                        "Excel workbook (damaged or renamed?)")


def test_binary_named_csv_and_other_kinds():
    c = client()
    noise = b"\x00\x01\x02" + os.urandom(4096)
    binary = check(c, [("staff", ("staff.csv", noise, "text/csv"))], lang="en")
    assert binary.status_code == 422 and "neither a spreadsheet nor text" in binary.json()["error"]
    exe = check(c, [("staff", ("tool.exe", b"MZ\x90\x00" + noise, "application/octet-stream"))], lang="en")
    assert exe.status_code == 422 and "unsupported file type" in exe.json()["error"]
    empty = check(c, [("staff", ("empty.csv", b"", "text/csv"))], lang="en")
    assert empty.status_code == 422 and empty.json()["error"] == "empty.csv: the file is empty"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("readme.txt", "hello")
    notxlsx = check(c, [("staff", ("staff.xlsx", zipped.getvalue(), XLSX_TYPE))], lang="en")
    assert notxlsx.status_code == 422 and "not an Excel workbook" in notxlsx.json()["error"]
    workbook_as_rules = check(c, sample_files() + [("rules", ("rules.yaml", SAMPLE.read_bytes(), "x"))],
                              lang="en")
    assert workbook_as_rules.status_code == 422


def test_damaged_workbook_part_is_refused():
    """A part whose deflate stream is broken: zlib's own error must not become a 500."""
    raw = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 20, start + 60):
        raw[offset] ^= 0x5A
    response = check(client(), [("staff", ("damaged.xlsx", bytes(raw), XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    assert response.json()["error"].startswith("damaged.xlsx: not a valid xlsx (broken zip")


def test_a_damaged_sheet_inside_a_sound_zip_names_the_upload(tmp_path, caplog, private_tmp):
    """The zip is intact, so the upload's vetting lets it through; the sheet's XML is cut off, so
    the reader gives up. Its error, by type, is a 422 naming the file as uploaded (no temporary
    path), and the log does not name it."""
    source = write_xlsx(tmp_path / "plain.xlsx", {"人员分工": [["姓名", "单位", "岗位"], ["张三", "中心", "会计"]]})
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    with caplog.at_level(logging.INFO):
        response = check(client(), [("staff", ("名单.xlsx", damaged.read_bytes(), XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith("名单.xlsx") and "sodcheck-" not in error and str(private_tmp) not in error
    assert "名单" not in caplog.text
    assert list(private_tmp.iterdir()) == []


def test_a_non_excel_file_named_xlsx_names_the_upload(caplog):
    with caplog.at_level(logging.INFO):
        response = check(client(), [("staff", ("人员名单.xlsx", "姓名,岗位\n张三,会计\n".encode(), XLSX_TYPE))],
                         lang="zh")
    assert response.status_code == 422
    assert response.json()["error"] == ("人员名单.xlsx: 文件扩展名是 Excel，但内容不是 Excel 工作簿"
                                        "（可能已损坏或被改名）")
    assert "人员名单" not in caplog.text


def test_gb18030_csv_is_read(tmp_path):
    text = "单位,姓名,身份证号码,人员身份,岗位,任现岗时间\n中心,张三,,在编,会计、出纳,2020-01-01\n"
    response = check(client(), [("staff", ("名单.csv", text.encode("gb18030"), "text/csv"))])
    assert response.status_code == 200
    assert ("SOD-ACC-CASH", "张三") in found(response.json())
    assert response.json()["summary"]["inputs"] == ["名单.csv"]


@pytest.mark.parametrize("name,label", [("../../evil.xlsx", "evil.xlsx"),
                                        ("/etc/cron.d/evil.xlsx", "evil.xlsx"),
                                        ("..\\..\\windows\\evil.xlsx", "evil.xlsx"),
                                        ("=cmd|calc.xlsx", "cmd|calc.xlsx"),
                                        ("\u202eslx.xlsx", "slx.xlsx")])
def test_a_file_name_never_chooses_a_path(name, label, tmp_path, private_tmp, monkeypatch):
    monkeypatch.chdir(tmp_path)
    response = check(client(), sample_files(name))
    assert response.status_code == 200
    assert response.json()["summary"]["inputs"] == [label]
    # The check ran in a folder of its own under the temporary root, on the safe name, relative.
    where = check(client(pipeline=web_workloads.where_am_i), sample_files(name)).json()["error"]
    folder = Path(where.split("cwd=")[1].split(" staff=")[0])
    assert folder.parent == private_tmp and folder.name.startswith("sodcheck-")
    assert f"staff={[label]!r} listing={[label]!r}" in where
    # Removed when the request ended; nothing written beside it or where the name pointed.
    assert list(private_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


def test_two_uploads_of_the_same_name_stay_apart():
    response = check(client(), sample_files("a.xlsx") + sample_files("a.xlsx"))
    assert response.status_code == 200
    # The number goes before the extension: the file is saved, and read, under that name.
    assert response.json()["summary"]["inputs"] == ["a.xlsx", "a (2).xlsx"]


def test_missing_post_column_is_a_422_with_the_cli_message(tmp_path):
    sheet = write_xlsx(tmp_path / "no_post.xlsx", {"人员分工": [["单位", "姓名", "身份证号码", "人员身份"],
                                                               ["中心", "张三", "", "在编"]]})
    response = check(client(), [("staff", ("no_post.xlsx", sheet.read_bytes(), XLSX_TYPE))], lang="en")
    assert response.status_code == 422
    assert response.json()["error"].startswith("no_post.xlsx")
    for lang, prefix in (("en", "error: "), ("zh", "错误：")):
        cli_run = CliRunner().invoke(cli, ["check", "--staff", str(sheet), "--lang", lang])
        assert cli_run.exit_code == 2
        said = cli_run.stderr.strip().removeprefix(prefix).replace(str(sheet), "no_post.xlsx")
        web_says = check(client(), [("staff", ("no_post.xlsx", sheet.read_bytes(), XLSX_TYPE))], lang=lang)
        assert web_says.status_code == 422
        assert web_says.json()["error"] == said


def test_bad_rule_file_names_the_upload():
    rules = "rules:\n  - id: X-1\n    kind: incompatible\n    severity: extreme\n"
    response = check(client(), sample_files() + [("rules", ("office.yaml", rules.encode(), "text/yaml"))],
                     lang="en")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith("office.yaml, line ")
    assert "sodcheck-" not in error


def test_field_errors():
    c = client()
    nothing = c.post("/api/check", data={"as_of": "2024-06-30", "lang": "en"})
    assert nothing.status_code == 422 and "upload at least one staffing sheet" in nothing.json()["error"]
    bad_date = c.post("/api/check", files=sample_files(), data={"as_of": "2024-13-01", "lang": "en"})
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.json()["error"]
    bad_lang = c.post("/api/check", files=sample_files(), data={"lang": "fr"})
    assert bad_lang.status_code == 422 and set(bad_lang.json()) == {"error"}
    text_not_file = c.post("/api/check", data={"staff": "just text", "lang": "en"})
    assert text_not_file.status_code == 422
    too_many = c.post("/api/check", data={"lang": "en"},
                      files=[("staff", (f"{i}.csv", b"a,b\n", "text/csv")) for i in range(MAX_FILES + 1)])
    assert too_many.status_code == 422 and "at most" in too_many.json()["error"]
    bad_format = c.post("/api/report?format=pdf", files=sample_files())
    assert bad_format.status_code == 422
    assert c.get("/nowhere").json() == {"error": "没有这个地址"}


# ----------------------------------------------------------------------------- what is kept and told

def test_a_bug_is_a_generic_500_without_details(caplog, private_tmp):
    with caplog.at_level(logging.INFO):
        response = check(client(pipeline=web_workloads.bug), sample_files(), lang="en")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error: the check did not finish; tell the administrator"}
    assert "方晓燕" not in caplog.text and "RuntimeError" in caplog.text
    assert list(private_tmp.iterdir()) == []


def test_log_has_counts_only(caplog):
    with caplog.at_level(logging.DEBUG):
        check(client(), sample_files())
        check(client(), [("staff", ("周晓梅名单.xlsx", os.urandom(100), XLSX_TYPE))])
    assert "1 file(s)" in caplog.text and "15 violations" in caplog.text
    for secret in NAMES_IN_SAMPLE + ("周晓梅名单",):
        assert secret not in caplog.text


def test_serve_command_logs_counts_only(tmp_path):
    """`sodcheck serve` as an office runs it: token from the environment, uvicorn's access log off,
    and its stderr after a check holds no name, id number, file name or token."""
    import subprocess
    import sys

    from sodcheck.web.background import free_port

    port = free_port()
    env = {**os.environ, "SODCHECK_TOKEN": "env-token-42"}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "sodcheck", "serve", "--port", str(port),
                                   "--max-upload-mb", "5"], stdout=log_file, stderr=log_file, env=env,
                                  cwd=tmp_path)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            assert httpx.get(base + "/api/rules").status_code == 401
            auth = {"authorization": "Bearer env-token-42"}
            ok = httpx.post(base + "/api/check?lang=en", headers=auth, files=sample_files("周晓梅.xlsx"),
                            data={"as_of": "2024-06-30"}, timeout=60)
            assert ok.status_code == 200 and found(ok.json()) == SAMPLE_VIOLATIONS
            bad = httpx.post(base + "/api/check", headers=auth, timeout=60,
                             files=[("staff", ("方晓燕.xlsx", os.urandom(500), XLSX_TYPE))])
            assert bad.status_code == 422
        finally:
            server.terminate()
            server.wait(timeout=15)
    log = log_path.read_text("utf-8")
    assert "1 file(s)" in log and "-> 200" in log and "-> 422" in log
    for secret in NAMES_IN_SAMPLE + ("周晓梅", "方晓燕", "env-token-42", "POST /api"):
        assert secret not in log
    # Nothing written where it was started.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.log"]


def test_security_headers():
    response = client().get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert check(client(), sample_files()).headers["cache-control"] == "no-store"


def test_page_is_self_contained():
    c = client()
    page = c.get("/").text
    assert "http://" not in page and "https://" not in page
    for asset in ("/static/app.js", "/static/app.css"):
        assert asset in page
        text = c.get(asset).text
        assert "https://" not in text and "http://" not in text
