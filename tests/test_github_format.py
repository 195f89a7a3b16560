"""--format github: workflow-command annotations with file and line, escaped as the runner wants."""
from __future__ import annotations

import re

import pytest

from sodcheck.report.github import command, escape_data, escape_property

from .conftest import BOSS_ROLES, HEADER, run_cli, waiver, write_waivers, write_xlsx

LINE = re.compile(r"^::(error|warning|notice)( (?P<props>[^:]*))?::(?P<message>.*)$")

ROLES = BOSS_ROLES + """\
  reader:
    permissions: [NO_DUTY]
"""


def annotations(out: str) -> list[tuple[str, dict, str]]:
    found = []
    for line in out.splitlines():
        match = LINE.match(line)
        if match:
            props = dict(p.split("=", 1) for p in (match.group("props") or "").split(",") if p)
            found.append((match.group(1), props, match.group("message")))
    return found


def test_escaping_follows_the_workflow_command_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "x, y: z\n2", file="dir/a,b:c.yaml", line=3, title="T: 1, 2")
    assert line == "::error file=dir/a%2Cb%3Ac.yaml,line=3,title=T%3A 1%2C 2::x, y: z%0A2"


def test_role_findings_are_annotations_on_their_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "r.yaml").write_text(ROLES, encoding="utf-8")
    code, out, _ = run_cli("check", "--roles", str((tmp_path / "roles").resolve()), "--format", "github",
                           "--lang", "en")
    assert code == 1
    found = annotations(out)
    high = [(p, m) for level, p, m in found if level == "error"]
    low = [(p, m) for level, p, m in found if level == "warning"]
    assert [(p["file"], p["line"]) for p, m in high] == [("roles/r.yaml", "4")]
    assert "SOD-BIZ-FIN" in high[0][0]["title"] and "role boss" in high[0][1]
    assert [(p["file"], p["line"]) for p, m in low] == [("roles/r.yaml", "7")]
    # Every line is a workflow command except the closing summary.
    assert all(LINE.match(line) for line in out.splitlines()[:-1])
    assert out.splitlines()[-1].startswith("sodcheck: ")


def test_medium_is_a_warning_and_table_findings_say_their_row(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "s.xlsx", {"人员分工": [HEADER, ["杨帆", "中心", "劳务派遣", "费率核定", "2019.01"]]})
    _code, out, _ = run_cli("check", "--staff", "s.xlsx", "--format", "github", "--lang", "en",
                            "--as-of", "2019-06-30")
    found = annotations(out)
    staff = [(level, p, m) for level, p, m in found if "STAFF-HIGH-RISK" in p.get("title", "")]
    (level, props, message) = staff[0]
    assert level == "warning"                       # medium
    assert (props["file"], props["line"]) == ("s.xlsx", "1")
    assert "row 2" in message and "人员分工" in message


def test_waived_findings_are_notices_and_baselined_ones_are_left_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(ROLES, encoding="utf-8")
    write_waivers(tmp_path / "w.yaml", waiver(id="W-9", name="boss", expires="2999-01-01"))
    code, out, _ = run_cli("check", "--roles", "r.yaml", "--waivers", "w.yaml", "--format", "github")
    levels = {(level, "W-9" in m) for level, _, m in annotations(out) if "role boss" in m}
    assert levels == {("notice", True)}
    assert code == 1        # the unmapped permission still counts
    assert run_cli("check", "--roles", "r.yaml", "--format", "json", "-o", "base.json")[0] == 1
    code, out, _ = run_cli("check", "--roles", "r.yaml", "--baseline", "base.json", "--format", "github")
    assert code == 0
    assert [level for level, *_ in annotations(out)] == []


@pytest.mark.parametrize("message", ["100% sure", "line1\nline2", "a\rb"])
def test_messages_never_break_the_line(message):
    line = command("warning", message, file="a.yaml", line=1)
    assert "\n" not in line and "\r" not in line
    assert LINE.match(line)
