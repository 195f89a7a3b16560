"""Hostile and careless inputs: globs that would backtrack, role graphs with huge include cycles,
and malformed rule files. Each must end quickly, with the same answers as a small case gives, or
with exit 2 and a message naming the file and line (docs/security.md)."""
from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sodcheck.grants import MAX_CHAIN
from sodcheck.taxonomy import MAX_GLOB_LENGTH, Glob, glob_match, glob_regex

from .conftest import check_json, run_cli, write_csv

# ----------------------------------------------------------------------------- globs


def finishes(seconds: float):
    """Run fn and fail when it takes longer than a generous bound (not a micro-benchmark)."""
    def wrap(fn, *args):
        started = time.perf_counter()
        result = fn(*args)
        assert time.perf_counter() - started < seconds, f"{fn.__name__} took too long"
        return result
    return wrap


@pytest.mark.parametrize(("glob", "text"), [
    ("*" * 50 + "X", "Y" * 32),
    ("*a" * 30, "a" * 60 + "b"),
    ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 5000),
    ("?*" * 200 + "Z", "q" * 400),
    ("[ab]*" * 100 + "c", "ab" * 500),
])
def test_pathological_globs_match_at_once(glob, text):
    assert finishes(1.0)(Glob(glob).match, text) is False
    assert finishes(1.0)(glob_match, glob, text) is False


GLOB_ALPHABET = st.sampled_from(["a", "b", "A", "*", "?", "[ab]", "[!a]", "[a-c]", "[^b]", "-", "]", "[", "x"])


@settings(max_examples=400, deadline=None)
@given(st.lists(GLOB_ALPHABET, max_size=8).map("".join), st.text(alphabet="abcABx-[]", max_size=10))
def test_glob_matcher_agrees_with_the_regex_translation(glob, text):
    """The linear matcher and the RE2 translation read every glob the same way (checked against
    Python's re on short texts, where backtracking costs nothing)."""
    expected = re.match(glob_regex(glob), text, re.IGNORECASE) is not None
    assert Glob(glob).match(text) is expected


def test_glob_cases_and_classes():
    assert Glob("p0061*").match("P0061_AUDIT")
    assert Glob("ZF_[0-9]?").match("zf_1a") and not Glob("ZF_[!0-9]?").match("ZF_1A")
    assert Glob("*待遇*发放*").match("城乡居民待遇集中发放")
    assert not glob_match("abc", "ABC") and glob_match("a*C", "abC")
    assert Glob("[").match("[") and Glob("a[b").match("A[B")        # an unclosed [ is a literal
    assert Glob("[z-a]").problem and not Glob("[z-a]").match("m")   # reversed: refused by rule files
    assert Glob("a\nb?").match("A\nB\n")                              # a line break is a character


def pathological_rules(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hostile.yaml"
    star = "*" * 50 + "X"
    path.write_text(
        "permission_duties:\n"
        f"  - {{duty: business, codes: ['{star}', '{'*a' * 30}'], names: ['{star}'], unless: ['{'*a' * 30}']}}\n",
        encoding="utf-8")
    return path


def test_pathological_globs_in_a_rule_file_run_through_a_permission_export(tmp_path):
    export = tmp_path / "export"
    code = "Y" * 32
    write_csv(export / "grants.csv", [["role", "permission", "permission_name"],
                                      ["R1", code, "a" * 60 + "b"], ["R1", "ZF_SP", "a" * 59 + "X"]])
    write_csv(export / "users.csv", [["account", "role"], ["k1", "R1"]])
    rules = pathological_rules(tmp_path / "rules")
    started = time.perf_counter()
    status, doc = check_json("--perms", str(export), "--rules", str(rules))
    assert time.perf_counter() - started < 20
    assert status in (0, 1) and "summary" in doc
    assert run_cli("rules", "validate", str(rules))[0] == 0


@pytest.mark.parametrize(("glob", "message"), [
    ("[z-a]*", "bad character range"),
    ("A" * (MAX_GLOB_LENGTH + 1), f"longer than {MAX_GLOB_LENGTH}"),
])
def test_a_glob_that_cannot_work_is_an_error_naming_file_and_line(tmp_path, glob, message):
    path = tmp_path / "bad.yaml"
    path.write_text("permission_duties:\n  - duty: business\n    codes:\n"
                    f"      - 'OK*'\n      - '{glob}'\n", encoding="utf-8")
    status, _out, err = run_cli("rules", "validate", str(path))
    assert status == 2 and message in err and "bad.yaml" in err and "line 5" in err
    assert "Traceback" not in err and "internal error" not in err


# ----------------------------------------------------------------------------- role cycles

def ring_export(folder: Path, size: int, back_every: int = 0) -> list[str]:
    """Roles R00000 -> R00001 -> ... each including the next. back_every=0: the last includes the
    first (one ring); otherwise a chain whose every back_every-th role includes the one back_every
    before it. R00000 grants a business function and R00002 an IT one; k1 holds R00001."""
    roles = [f"R{i:05d}" for i in range(size)]
    includes = [["role", "includes"]] + [[a, b] for a, b in itertools.pairwise(roles)]
    if back_every:
        includes += [[roles[i], roles[i - back_every]] for i in range(back_every, size, back_every)]
    else:
        includes.append([roles[-1], roles[0]])
    write_csv(folder / "includes.csv", includes)
    write_csv(folder / "grants.csv", [["role", "permission"], [roles[0], "YW_DJ"], [roles[2], "XT_QX"]])
    write_csv(folder / "menu.csv", [["permission", "permission_name"], ["YW_DJ", "参保登记"],
                                    ["XT_QX", "用户权限分配"]])
    write_csv(folder / "users.csv", [["account", "role"], ["k1", roles[1]]])
    return roles


def ring_roles_file(path: Path, size: int, back_every: int = 0) -> list[str]:
    roles = [f"R{i:05d}" for i in range(size)]
    lines = ["roles:"]
    for i, role in enumerate(roles):
        includes = [roles[(i + 1) % size]] if back_every == 0 or i + 1 < size else []
        if back_every and i and i % back_every == 0:
            includes.append(roles[i - back_every])
        grants = {0: "[参保登记]", 2: "[用户权限分配]"}.get(i, "[]")
        lines.append(f"  {role}: {{permissions: {grants}, includes: [{', '.join(includes)}]}}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roles


def flagged(doc: dict, rule: str) -> set[str]:
    return {v["subject"]["name"] for v in doc["violations"] if v["rule_id"] == rule}


def timed_check(*args: str) -> tuple[int, dict, float]:
    started = time.perf_counter()
    status, doc = check_json(*args)
    return status, doc, time.perf_counter() - started


@pytest.mark.parametrize("size", [4, 10_000])
def test_a_huge_include_cycle_in_an_export_is_one_cycle_evaluated_as_the_union(tmp_path, size):
    roles = ring_export(tmp_path / "export", size)
    status, doc, seconds = timed_check("--perms", str(tmp_path / "export"))
    assert seconds < 30, seconds
    assert status == 1
    # Every role on the ring holds both sides, and so does the account.
    assert flagged(doc, "SOD-BIZ-IT") == set(roles) | {"k1"}
    [cycle] = [w for w in doc["warnings"] if w["code"] == "ROLE-CYCLE"]
    loop = cycle["message"].split(": ", 1)[1].split(";")[0].split(" → ")
    assert loop == roles + [roles[0]]
    assert Path(cycle["file"]).name == "includes.csv" and cycle["row"] == 2
    assert doc["summary"]["role_cycles"] == [roles] if "role_cycles" in doc["summary"] else True
    # Every finding has a grant path per side, a chain of real includes, never longer than shown.
    for v in doc["violations"]:
        assert v["evidence"]
        for e in v["evidence"]:
            assert len(e["path"]) <= MAX_CHAIN + 2 and e["path"][-1].startswith("permission:")


@pytest.mark.parametrize("size", [50, 10_000])
def test_a_long_chain_with_back_edges_in_an_export(tmp_path, size):
    roles = ring_export(tmp_path / "export", size, back_every=7)
    _status, doc, seconds = timed_check("--perms", str(tmp_path / "export"))
    assert seconds < 30, seconds
    # Every role that can go back to R00000 holds both; the tail after the last back edge cannot.
    last_back = (size - 1) // 7 * 7
    assert flagged(doc, "SOD-BIZ-IT") == set(roles[:last_back + 1]) | {"k1"}
    assert len([w for w in doc["warnings"] if w["code"] == "ROLE-CYCLE"]) == 1


def test_a_far_granting_role_is_shown_with_the_middle_of_the_chain_skipped(tmp_path):
    roles = ring_export(tmp_path / "export", 3000)
    _status, doc = check_json("--perms", str(tmp_path / "export"))
    # R00003 reaches R00000 only the long way round: 2,997 includes.
    [finding] = [v for v in doc["violations"] if v["subject"]["name"] == roles[3]]
    [business] = [e for e in finding["evidence"] if e["path"][-1] == "permission:YW_DJ"]
    steps = business["path"]
    assert steps[0] == f"role:{roles[3]}" and steps[-2] == f"role:{roles[0]}"
    skipped = [s for s in steps if s.startswith("skipped:")]
    assert len(skipped) == 1 and int(skipped[0].split(":")[1]) + len(steps) - 2 == 2998
    shown = [int(s[len("role:R"):]) for s in steps if s.startswith("role:")]
    assert shown[:-1] == list(range(3, 3 + len(shown) - 1))   # the first steps are real includes


@pytest.mark.parametrize(("size", "back_every"), [(4, 0), (10_000, 0), (10_000, 7)])
def test_a_huge_include_cycle_in_a_role_configuration(tmp_path, size, back_every):
    roles = ring_roles_file(tmp_path / "roles" / "r.yaml", size, back_every)
    status, doc, seconds = timed_check("--roles", str(tmp_path / "roles"))
    assert seconds < 30, seconds
    assert status == 1
    reach_back = set(roles) if not back_every else set(roles[:(size - 1) // back_every * back_every + 1])
    assert flagged(doc, "SOD-BIZ-IT") == reach_back
    [cycle] = [v for v in doc["violations"] if v["rule_id"] == "ROLE-CYCLE"]
    assert cycle["subject"]["name"] == roles[0]
    loop = cycle["message"].rstrip(")").rsplit("; ", 1)[1].split(" → ")
    assert loop[0] == loop[-1] == roles[0] and len(loop) == (size + 1 if not back_every else back_every + 2)
    assert [e["line"] for e in cycle["evidence"]] == [2]


# ----------------------------------------------------------------------------- malformed rule files

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8))

MALFORMED = [
    ("syntax", "rules: [\n  - {id: X\n", "YAML syntax error", None),
    ("deep", "rules: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest", 1),
    ("deep_block", "rules:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)), "nest", None),
    ("date", "duties:\n  - id: x\n    label: {zh: 甲, en: A}\n    parent: 2024-13-45\n", "2024-13-45", 4),
    ("huge_int", "rules:\n  - {id: X, severity: " + "9" * 5000 + "}\n", "cannot be read", 2),
    ("laughs", LAUGHS, "aliases", None),
    ("kind_list", "rules:\n  - {id: X, kind: [incompatible]}\n", "unknown kind", 2),
    ("top_list", "- a\n- b\n", "top level", None),
    ("wrong_type", "duties: {id: x}\n", "duties", 1),
    ("bad_regex", "post_duties:\n  - {duty: business, patterns: ['(']}\n", "regular expression", 2),
    ("undefined_parent", "duties:\n  - {id: xx, parent: nowhere, label: {zh: 甲, en: A}}\n", "nowhere", 2),
    ("binary", "\x00\x01\x02rules", None, None),
]


@pytest.mark.parametrize(("name", "text", "needle", "line"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_rule_file_is_exit_2_naming_file_and_line(tmp_path, name, text, needle, line):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    status, _out, err = run_cli("rules", "validate", str(path))
    assert status == 2, err
    assert "internal error" not in err and "Traceback" not in err
    assert f"{name}.yaml" in err
    if needle:
        assert needle in err
    if line:
        assert f"line {line}" in err


def test_a_duty_hierarchy_cycle_names_the_file_and_the_line_of_a_duty_on_it(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("duties:\n"
                    "  - {id: aa, parent: bb, label: {zh: 甲, en: A}}\n"
                    "  - {id: bb, parent: cc, label: {zh: 乙, en: B}}\n"
                    "  - {id: cc, parent: aa, label: {zh: 丙, en: C}}\n", encoding="utf-8")
    status, _out, err = run_cli("rules", "validate", str(path))
    assert status == 2 and "cycle" in err and "loop.yaml" in err
    assert re.search(r"line [234]\b", err), err


def test_a_role_file_nested_too_deep_or_a_json_one_is_exit_2(tmp_path):
    for name, text in (("deep.yaml", "roles: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"),
                       ("deep.json", '{"roles": ' + "[" * 100_000 + "]" * 100_000 + "}")):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        status, _out, err = run_cli("check", "--roles", str(folder))
        assert status == 2 and name in err and "internal error" not in err, err
