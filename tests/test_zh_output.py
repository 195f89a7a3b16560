"""A report in zh speaks Chinese: no English words outside codes, ids, file names and rule-file keys,
in any format an officer reads."""
from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from .conftest import REPO, SAMPLE, run_cli, write_csv

WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
# Rule ids, duty and role codes, file names and paths, and the keys of rule and role files are
# codes: they are written as the files write them.
CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-_.]*$")
RULE_FILE_KEYS = {"post_duties", "permission_duties", "includes", "permissions", "duties", "unless"}


def english_words(text: str, allowed: set[str]) -> set[str]:
    # Paths and file names (a/b.md, roles.yaml) are codes as a whole.
    text = re.sub(r"[\w./-]*[/.][\w./-]+", " ", text)
    return {w for w in WORD.findall(text)
            if not CODE.match(w) and "_" not in w and w not in RULE_FILE_KEYS and w not in allowed}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[list[str], set[str]]:
    """Every input kind: the sample sheet, a permission export, a role configuration, an operation
    log. The second value is the codes and names they contain (account codes, role names)."""
    folder = tmp_path_factory.mktemp("zh")
    perms = folder / "perms"
    write_csv(perms / "accounts.csv", [["account", "name", "unit"], ["zhangwei", "张伟", "养老保险管理中心"],
                                       ["temp", "临时账号", "养老保险管理中心"]])
    write_csv(perms / "account_roles.csv", [["account", "role"], ["zhangwei", "clerk"], ["zhangwei", "cashier"],
                                            ["temp", "clerk"]])
    write_csv(perms / "role_permissions.csv", [["role", "permission", "name"], ["clerk", "YL_DYSH", "待遇审核"],
                                               ["cashier", "CW_ZJZF", "资金支付"]])
    ops = write_csv(folder / "ops.csv", [
        ["业务流水号", "业务类型", "环节", "操作员", "操作时间"],
        ["YW1", "一次性补缴", "受理", "zhangwei", "2024-03-04 09:00:00"],
        ["YW1", "一次性补缴", "审核", "zhangwei", "2024-03-04 20:00:00"],
        ["YW1", "一次性补缴", "发放", "lisi", "2024-03-05 10:00:00"],
    ])
    args = ["--staff", str(SAMPLE), "--perms", str(perms), "--roles", str(REPO / "sample_data" / "roles" / "config"),
            "--rules", str(REPO / "sample_data" / "roles" / "rules.yaml"), "--ops", str(ops),
            "--as-of", "2024-06-30", "--lang", "zh", "--fail-on", "never"]
    names = {"zhangwei", "temp", "clerk", "cashier", "lisi", "sodcheck"}
    return args, names


def output(tmp_path: Path, args: list[str], fmt: str) -> Path:
    path = tmp_path / f"out.{fmt}"
    code, _, err = run_cli("check", *args, "--format", fmt, "-o", str(path))
    assert code == 0, err
    return path


def test_the_terminal_table(tmp_path, inputs, monkeypatch):
    # Wide enough that no code is folded across lines (a fold would split "zhangwei" into words).
    from functools import partial

    from sodcheck.report import RenderOptions

    monkeypatch.setattr("sodcheck.cli.RenderOptions", partial(RenderOptions, width=600))
    args, names = inputs
    assert not english_words(output(tmp_path, args, "table").read_text(encoding="utf-8"), names)


def test_csv(tmp_path, inputs):
    args, names = inputs
    text = output(tmp_path, args, "csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert not english_words("\n".join(cells), names)


def test_xlsx(tmp_path, inputs):
    args, names = inputs
    wb = openpyxl.load_workbook(output(tmp_path, args, "xlsx"))
    texts = []
    for ws in wb:
        texts.append(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                if cell.comment is not None:
                    texts.append(cell.comment.text)
    assert not english_words("\n".join(texts), names)


def test_html_as_shown(tmp_path, inputs):
    args, names = inputs
    page = output(tmp_path, args, "html").read_text(encoding="utf-8")
    shown = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert not english_words(html.unescape(shown), names)


def test_json_messages(tmp_path, inputs):
    args, names = inputs
    doc = json.loads(output(tmp_path, args, "json").read_text(encoding="utf-8"))
    texts = [item.get(key) or "" for group in ("violations", "notices") for item in doc[group]
             for key in ("message", "title", "remedy")]
    texts += [w["message"] for w in doc["warnings"]]
    assert not english_words("\n".join(texts), names)


# An English label followed by a Chinese colon or bracket: "Remedy：…" in an en report.
MIXED_PUNCTUATION = re.compile(r"[A-Za-z0-9)]\s*[：（）]|[：（]\s*[A-Za-z]{3}")


@pytest.mark.parametrize("fmt", ["table", "csv", "xlsx", "html"])
def test_english_reports_use_english_punctuation(tmp_path, inputs, fmt):
    args, _ = inputs
    args = [a if a != "zh" else "en" for a in args]
    path = output(tmp_path, args, fmt)
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(path)
        text = "\n".join(c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    else:
        text = path.read_text(encoding="utf-8-sig")
    assert "remedy: " in text.lower() or fmt in ("csv", "xlsx")   # there, the remedy has a column
    assert not [text[max(0, m.start() - 30):m.end() + 10] for m in MIXED_PUNCTUATION.finditer(text)]
