"""The built-in vocabulary against many ways agencies name posts and functions
(tests/cases/classification.yaml, one test per case)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sodcheck.grants import classify_permissions
from sodcheck.holders import duty_columns
from sodcheck.ruleset import load_ruleset

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "classification.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def taxonomy():
    return load_ruleset().taxonomy


def pytest_generate_tests(metafunc):
    if "post_case" in metafunc.fixturenames:
        metafunc.parametrize("post_case", CASES["posts"], ids=[c["text"] for c in CASES["posts"]])
    if "permission_case" in metafunc.fixturenames:
        metafunc.parametrize("permission_case", CASES["permissions"],
                             ids=[c["name"] for c in CASES["permissions"]])


def test_post(taxonomy, post_case):
    assert {m.duty for m in taxonomy.classify(post_case["text"])} == set(post_case["duties"])


def test_permission(taxonomy, permission_case):
    """Classified as the permission path does it, by name alone (no code)."""
    columns = duty_columns(taxonomy)
    direct, _ = classify_permissions(taxonomy, columns, [""], [permission_case["name"]])
    found = {duty for duty, column in columns.items() if direct[0, column]}
    assert found == set(permission_case["duties"])


def test_every_match_names_its_pattern(taxonomy):
    for match in taxonomy.classify("待遇审核、会计出纳、财务专用章"):
        assert match.pattern and match.text
