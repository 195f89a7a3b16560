"""Rule cases written as data in tests/cases/rules.yaml, one test each (sqlfluff style)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from sodcheck.pipeline import CheckRequest, run

from .conftest import HEADER, write_xlsx

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "rules.yaml").read_text(encoding="utf-8"))


def pytest_generate_tests(metafunc):
    if "rule_case" in metafunc.fixturenames:
        metafunc.parametrize("rule_case", CASES, ids=[c["name"] for c in CASES])


def _pairs(items, rules):
    return {(v.rule_id, v.subject.name) for v in items if rules is None or v.rule_id in rules}


def test_rule_case(rule_case, tmp_path):
    rows = [[str(v) if isinstance(v, float) else v for v in row] for row in rule_case["rows"]]
    path = write_xlsx(tmp_path / "case.xlsx", {"Sheet1": [rule_case.get("header", HEADER)] + rows})
    as_of = rule_case.get("as_of", date(2019, 6, 30))
    report = run(CheckRequest(staff=[str(path)], as_of=as_of))
    rules = set(rule_case["rules"]) if "rules" in rule_case else None
    assert _pairs(report.violations, rules) == {tuple(p) for p in rule_case["violations"]}
    if "notices" in rule_case:
        assert _pairs(report.notices, rules) == {tuple(p) for p in rule_case["notices"]}
