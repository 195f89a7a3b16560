"""The rule reference generated from the code (sodcheck/rulesdoc.py), docs/rules.md kept up to date,
and the worked example of docs/contributing.md run for real."""
from __future__ import annotations

import importlib.util
import re
import sys
import types

import pytest
import yaml

from sodcheck import rulesdoc
from sodcheck.checks import KINDS
from sodcheck.ruleset import load_ruleset

from .conftest import REPO
from .rulecase import check_case

RULES_MD = REPO / "docs" / "rules.md"
CONTRIBUTING = REPO / "docs" / "contributing.md"


def test_docs_rules_md_is_up_to_date():
    text = RULES_MD.read_text(encoding="utf-8")
    assert rulesdoc.generate(text) == text, f"docs/rules.md is out of date; run: {rulesdoc.REGENERATE}"


def test_every_kind_documents_itself():
    """Every kind of the registry has a docstring example, passes and fails, APPLIES_TO and a Rule."""
    for name, module in KINDS.items():
        doc = rulesdoc.kind_doc(name, module)
        assert doc.example.startswith("- id:"), name
        assert yaml.safe_load(doc.example)[0]["kind"] == name, f"{name}: the example is of another kind"
        assert doc.passes and doc.fails and doc.applies_to and doc.prose, name


def test_reference_shows_each_kind_with_its_parameters_and_example():
    text = rulesdoc.render_kinds(KINDS)
    for name, module in KINDS.items():
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for field in module.Rule.model_fields:
            if field not in rulesdoc.RuleBase.model_fields:
                assert f"| `{field}` |" in section, (name, field)
        doc = rulesdoc.kind_doc(name, module)
        assert f"- passes: {doc.passes}" in section and f"- fails: {doc.fails}" in section
        assert doc.example in section


def test_parameter_rows_give_type_default_and_constraints():
    rows = {p.name: p for p in rulesdoc.parameters(KINDS["incompatible"].Rule)}
    assert set(rows) == {"duties", "n", "against"}    # the common fields are documented once
    assert rows["duties"] == rulesdoc.Parameter("duties", "list of text", "required", "at least 1 item", "")
    assert (rows["n"].type, rows["n"].default, rows["n"].constraints) == ("integer", "`2`", "≥ 2")
    assert rows["against"].default == "—"
    problem = rulesdoc.parameters(KINDS["role_config"].Rule)[0]
    assert problem.type == "one of `cycle`, `unknown_reference`, `unmapped_permission`"


def test_builtin_rules_table_lists_every_rule_of_the_library():
    table = rulesdoc.render_builtin_rules(load_ruleset())
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert [r[0].strip("| `") for r in rows] == [r.id for r in load_ruleset().rules]
    first = load_ruleset().rules[0]
    assert rows[0][1:3] == [first.kind, first.severity] and first.source in rows[0][4]


@pytest.mark.parametrize("doc, problem", [
    (None, "no docstring"),
    ("x: y\n\npasses: a\nfails: b\n", "no indented YAML example"),
    ("x: y\n\n    - id: X\n      kind: x\n\npasses: a\n", "'passes:' and a 'fails:'"),
    ("x: y\n\n    - id: X\n      kind: x\n\nmore prose\n", "after the example"),
])
def test_a_kind_that_does_not_document_itself_is_named(doc, problem):
    with pytest.raises(rulesdoc.DocError, match=problem) as raised:
        rulesdoc.parse_docstring("x", doc)
    assert "'x'" in str(raised.value)


def test_a_document_without_markers_is_refused():
    with pytest.raises(rulesdoc.DocError, match="kinds:start"):
        rulesdoc.replace_section("# Rules\n", "kinds", "anything")


def test_replace_section_keeps_the_rest_of_the_document():
    start, end = rulesdoc.markers("kinds")
    text = f"before\n{start}\nold\n{end}\nafter\n"
    assert rulesdoc.replace_section(text, "kinds", "new") == f"before\n{start}\nnew\n{end}\nafter\n"


def test_main_check_and_write(tmp_path, capsys):
    stale = tmp_path / "rules.md"
    start, end = rulesdoc.markers("kinds")
    b_start, b_end = rulesdoc.markers("builtin-rules")
    stale.write_text(f"# Rules\n{start}\nSTALE-TEXT\n{end}\n{b_start}\n{b_end}\nkept\n", encoding="utf-8")
    assert rulesdoc.main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert rulesdoc.main(["--write", str(stale)]) == 0
    written = stale.read_text(encoding="utf-8")
    assert "STALE-TEXT" not in written and "### `incompatible`" in written and written.endswith("kept\n")
    assert rulesdoc.main(["--check", str(stale)]) == 0
    assert rulesdoc.main(["--check", str(tmp_path / "missing.md")]) == 2
    assert "missing.md" in capsys.readouterr().err


# The worked example of docs/contributing.md, run as written there.

def _example(label: str) -> str:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {label} -->\n```\w+\n(.*?)```", text, re.S)
    assert found, f"docs/contributing.md has no '{label}' example block"
    return found.group(1)


@pytest.fixture
def toy_kind(tmp_path, monkeypatch) -> types.ModuleType:
    """The max_duties module of docs/contributing.md, imported as sodcheck.checks.max_duties and
    registered the way its registry line says."""
    path = tmp_path / "max_duties.py"
    path.write_text(_example("module"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("sodcheck.checks.max_duties", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    registry = _example("registry").strip().rstrip(",")
    name, value = (part.strip() for part in registry.split(":"))
    assert value == "max_duties"
    monkeypatch.setitem(KINDS, yaml.safe_load(name), module)
    return module


def test_contributing_example_kind_runs_its_case(toy_kind, tmp_path):
    (case,) = yaml.safe_load(_example("case"))
    report = check_case(case, tmp_path)
    assert report is not None
    (finding,) = [v for v in report.violations if v.rule_id == "LOCAL-ONE-AREA"]
    assert set(finding.duties) == {"business", "finance"}


def test_contributing_example_kind_is_documented(toy_kind):
    text = rulesdoc.render_kinds(KINDS)
    assert "[`max_duties`](#kind-max_duties) | people, accounts, roles |" in text
    section = text.split("### `max_duties`", 1)[1]
    assert "| `at_most` | integer | `1` | ≥ 1 |" in section
    assert "- fails: 李娜" in section
