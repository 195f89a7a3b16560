"""The CI glue that ships with sodcheck: the GitHub Action, the pre-commit hook and the GitLab job of
docs/ci.md parse, name only flags that exist, and work when run."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from sodcheck.cli import check

from .conftest import REPO, run_cli, waiver, write_waivers

SAMPLE = REPO / "sample_data" / "roles"
FLAGS = {opt for param in check.params for opt in param.opts + param.secondary_opts}


def flags_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A repository of role files, as a team keeps them."""
    shutil.copytree(SAMPLE / "config", tmp_path / "roles")
    shutil.copy(SAMPLE / "rules.yaml", tmp_path / "rules.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----------------------------------------------------------------------------- GitHub Action

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def check_step() -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == "check")


def test_action_is_a_composite_that_installs_from_its_path_and_uploads_sarif():
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    assert any("pip install" in s.get("run", "") and "GITHUB_ACTION_PATH" in s["run"] for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "sarif_file" in upload["with"] and "always()" in upload["if"]
    assert steps.index(upload) < len(steps) - 1      # uploaded before the job is failed
    for name in ("roles", "perms", "staff", "rules", "waivers", "baseline", "fail-on"):
        assert name in ACTION["inputs"]
    for step in steps:       # every run step names its shell, as composite actions require
        assert "run" not in step or step.get("shell") == "bash"


def test_action_script_uses_only_existing_flags():
    assert flags_in(check_step()["run"]) - {"--format"} <= FLAGS
    assert {"--roles", "--perms", "--staff", "--rules", "--waivers", "--baseline", "--fail-on",
            "--sarif-output"} <= flags_in(check_step()["run"])


def run_action(workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Run the action's check step as the runner would: its bash script, its environment."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values = dict(defaults, **{k.replace("_", "-"): v for k, v in inputs.items()})
    env = dict(os.environ)
    for key, expression in check_step()["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", expression).group(1)
        env[key] = values[name]
    output = workspace / "github_output"
    output.write_text("")
    env["GITHUB_OUTPUT"] = str(output)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["bash", "-e", "-c", check_step()["run"]], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs


def test_action_script_runs_and_writes_sarif(workspace):
    proc, outputs = run_action(workspace, roles="roles\n", rules="rules.yaml", lang="en")
    assert proc.returncode == 0, proc.stderr      # the step records the status; a later step fails
    assert outputs["exit-code"] == "1" and outputs["sarif-written"] == "true"
    assert "::error file=roles/benefit.yaml" in proc.stdout
    doc = json.loads((workspace / outputs["sarif-file"]).read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"SOD-BIZ-FIN", "ROLE-CYCLE"}


def test_action_passes_every_input(workspace):
    write_waivers(workspace / "w.yaml", waiver(name="benefit_supervisor", expires="2999-01-01"))
    assert run_cli("check", "--roles", "roles", "--rules", "rules.yaml", "--format", "json",
                   "-o", "base.json")[0] == 1
    proc, outputs = run_action(workspace, roles=" roles \n\n", rules="rules.yaml", waivers="w.yaml",
                               baseline="base.json", fail_on="high", as_of="2024-06-30",
                               junit_file="out.xml", sarif_file="out/s.sarif")
    assert outputs["exit-code"] == "0", proc.stdout + proc.stderr
    assert ET.parse(workspace / "out.xml").getroot().tag == "testsuites"


def test_action_reports_bad_input_as_exit_2_without_sarif(workspace):
    (workspace / "sodcheck.sarif").write_text("stale")
    (workspace / "roles" / "broken.yaml").write_text("roles:\n  x:\n    permisions: []\n", encoding="utf-8")
    proc, outputs = run_action(workspace, roles="roles")
    assert outputs["exit-code"] == "2" and "sarif-written" not in outputs
    assert not (workspace / "sodcheck.sarif").exists()
    assert "permisions" in proc.stderr


# ----------------------------------------------------------------------------- pre-commit

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_pre_commit_hook_definition():
    (hook,) = HOOKS
    assert hook["id"] == "sodcheck-roles" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("roles/benefit.yaml", "config/roles/a/b.yml", "roles/system.json"):
        assert files.search(path), path
    for path in ("src/roles.py", "rolesx/a.yaml", "roles/README.md"):
        assert not files.search(path), path


def test_pre_commit_hook_command_line_runs(workspace):
    (hook,) = HOOKS
    argv = shlex.split(hook["entry"]) + hook.get("args", [])
    assert argv[0] == "sodcheck" and flags_in(" ".join(argv)) <= FLAGS
    code, out, _err = run_cli(*argv[1:], "--rules", "rules.yaml")
    assert code == 1 and "benefit_supervisor" in out
    for file in (workspace / "roles").iterdir():
        file.unlink()
    (workspace / "roles" / "ok.yaml").write_text("roles:\n  clerk:\n    permissions: [待遇审核]\n",
                                                 encoding="utf-8")
    assert run_cli(*argv[1:])[0] == 0


# ----------------------------------------------------------------------------- GitLab CI (docs/ci.md)

CI_DOC = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def gitlab_job() -> dict:
    section = CI_DOC.split("## GitLab CI", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return yaml.safe_load(block)["sodcheck"]


def test_gitlab_job_keeps_the_junit_report(workspace):
    job = gitlab_job()
    report = job["artifacts"]["reports"]["junit"]
    assert job["artifacts"]["when"] == "always"
    (line,) = [s for s in job["script"] if s.startswith("sodcheck ")]
    argv = shlex.split(line)
    assert flags_in(line) <= FLAGS
    assert argv[argv.index("--junit-output") + 1] == report
    code, _, _ = run_cli(*argv[1:])
    assert code == 1
    root = ET.parse(workspace / report).getroot()
    assert int(root.get("failures")) > 0


def test_docs_table_lists_every_flag_of_check():
    table = CI_DOC.split("## Exit status and flags", 1)[1].split("\n## ", 1)[0]
    documented = flags_in(table) | set(re.findall(r"`(-[a-z]) ", table))
    assert FLAGS - {"--help", "-h"} <= documented, FLAGS - documented
    for status in ("exit **0**", "exit **1**", "exit **2**"):
        assert status in table
    # One table: every line of the section that starts with | belongs to a single block.
    rows = [i for i, line in enumerate(table.splitlines()) if line.startswith("|")]
    assert rows == list(range(rows[0], rows[0] + len(rows)))


def test_exit_zero_keeps_exit_2_for_bad_input(workspace):
    assert run_cli("check", "--roles", "roles", "--exit-zero")[0] == 0
    (workspace / "roles" / "bad.yaml").write_text("roles: [\n", encoding="utf-8")
    assert run_cli("check", "--roles", "roles", "--exit-zero")[0] == 2


def test_console_script_exit_codes(workspace):
    """The installed entry point, not only click's runner, gives 0/1/2."""
    script = shutil.which("sodcheck", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("sodcheck console script not installed")
    assert subprocess.run([script, "check", "--roles", "roles"], capture_output=True).returncode == 1
    assert subprocess.run([script, "check", "--roles", "roles", "--fail-on", "never"],
                          capture_output=True).returncode == 0
    bad = subprocess.run([script, "check", "--roles", "missing"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
