"""Rule cases written as data in tests/cases/rules.yaml, one test each (sqlfluff style). Each case
carries its own rules and inputs (tests/rulecase.py says how they are written)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sodcheck.ruleset import load_ruleset

from .rulecase import check_case, cited_rules, load_cases, write_inputs

CASES = load_cases(Path(__file__).parent / "cases" / "rules.yaml")


@pytest.mark.parametrize("rule_case", CASES, ids=[c["name"] for c in CASES])
def test_rule_case(rule_case, tmp_path):
    check_case(rule_case, tmp_path)


def test_every_builtin_rule_has_a_case():
    """A built-in rule without a case that makes it fire is a rule nobody has seen fire."""
    missing = sorted({r.id for r in load_ruleset().rules} - cited_rules(CASES))
    assert not missing, f"add a case to tests/cases/rules.yaml for: {missing}"


def test_a_rule_id_list_under_rules_is_refused(tmp_path):
    """`rules` used to list the rule ids compared; it now holds a rule file, so an old case
    must not silently become a run with no rule file at all."""
    with pytest.raises(ValueError, match="only"):
        write_inputs({"name": "old", "rules": ["SOD-BIZ-FIN"], "violations": []}, tmp_path)


def test_unknown_case_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="violatons"):
        write_inputs({"name": "typo", "violatons": []}, tmp_path)


def test_perms_tables_are_written_as_csv_with_their_headers(tmp_path):
    case = {"name": "perms", "violations": [],
            "perms": {"accounts": [{"account": "k1", "name": "甲一"}, {"account": "k2", "status": "停用"}]}}
    request = write_inputs(case, tmp_path)
    assert request.perms == [str(tmp_path / "perms")]
    text = (tmp_path / "perms" / "accounts.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text == ["account,name,status", "k1,甲一,", "k2,,停用"]
