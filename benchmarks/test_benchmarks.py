"""Self-tests of the benchmark tooling (not part of the sodcheck test suite).

    .venv/bin/python -m pytest benchmarks/test_benchmarks.py -q

Checks the generator's shape and determinism, and checks the DuckDB reference against a
deliberately naive pure-Python oracle (sets + fnmatch) on small generated data and on a
hand-made edge-case export (include cycle, disabled account, name/bracket globs, duty
hierarchy through built-in duties, n = 3, whitespace, a permission without a name).
"""
from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import compare  # noqa: E402
import duckdb_reference  # noqa: E402
import generate  # noqa: E402
import generate_families  # noqa: E402


# --------------------------------------------------------------------------- oracle
def _rows(d: Path, name: str) -> list[dict]:
    f = d / f"{name}.csv"
    if not f.exists():
        return []
    with open(f, encoding="utf-8", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def oracle(d: Path, rules_path: Path) -> set[tuple[str, str, str]]:
    doc = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    parent = dict(duckdb_reference.BUILTIN_DUTIES)
    parent.update({x["id"]: x.get("parent") for x in doc.get("duties") or []})

    def up(duty: str) -> set[str]:
        out, seen = set(), set()
        while duty is not None and duty not in seen:
            seen.add(duty)
            out.add(duty)
            duty = parent.get(duty)
        return out

    names = {r["permission"]: r["permission_name"] for r in _rows(d, "permissions")}
    role_perms = defaultdict(set)
    for r in _rows(d, "role_permissions"):
        role_perms[r["role"]].add(r["permission"])
    includes = defaultdict(set)
    for r in _rows(d, "role_includes"):
        includes[r["role"]].add(r["includes"])

    def perm_duties(p: str) -> set[str]:
        out = set()
        for e in doc.get("permission_duties") or []:
            if any(fnmatch.fnmatchcase(p, g) for g in e.get("codes") or []) or (
                    p in names and any(fnmatch.fnmatchcase(names[p], g) for g in e.get("names") or [])):
                out |= up(e["duty"])
        return out

    all_perms = set(names) | {p for ps in role_perms.values() for p in ps}
    pd = {p: perm_duties(p) for p in all_perms}

    def closure(role: str) -> set[str]:
        seen, stack = set(), [role]
        while stack:
            r = stack.pop()
            if r not in seen:
                seen.add(r)
                stack.extend(includes[r])
        return seen

    roles = set(role_perms) | set(includes) | {c for cs in includes.values() for c in cs}
    role_duties = {}
    for r in roles | {x["role"] for x in _rows(d, "account_roles")}:
        role_duties[r] = {du for sub in closure(r) for p in role_perms[sub] for du in pd[p]}

    active = {r["account"] for r in _rows(d, "accounts") if r["status"] == "正常"}
    acc_duties = defaultdict(set)
    for r in _rows(d, "account_roles"):
        if r["account"] in active:
            acc_duties[r["account"]] |= role_duties[r["role"]]

    found = set()
    for rule in doc.get("rules") or []:
        if rule.get("kind") != "incompatible":
            continue
        listed = set(rule["duties"])
        for kind, holders in (("account", acc_duties), ("role", role_duties)):
            for name, held in holders.items():
                if len(listed & held) >= rule.get("n", 2):
                    found.add((rule["id"], kind, name))
    return found


def reference(d: Path, rules: Path) -> set[tuple[str, str, str]]:
    res = duckdb_reference.run(d, rules, threads=2)
    return {(v["rule_id"], v["subject"]["kind"], v["subject"]["name"]) for v in res["violations"]}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("small")
    generate.generate("small", 7, d)
    return d


def _write(d: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with open(d / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture()
def edge(tmp_path) -> Path:
    d = tmp_path
    _write(d, "accounts", ["account", "name", "id_number", "unit", "status"], [
        ["a1", "甲", "1", "u", "正常"], ["a2", "乙", "2", "u", "停用"], ["a3", "丙", "3", "u", " 正常 "],
        ["a4", "丁", "4", "u", "正常"], ["a5", "戊", "5", "u", "正常"]])
    _write(d, "account_roles", ["account", "role"], [
        ["a1", "R1"], ["a1", "R2"], ["a2", "R1"], ["a2", "R2"], ["a3", " CYC1 "], ["a4", "RX"], ["a4", "RY"],
        ["a5", "R3"], ["a5", "R3"], ["a5", "GHOST"]])
    _write(d, "role_permissions", ["role", "permission"], [
        ["R1", "PAY01"], ["R2", "CASH1"], ["CYC1", "X1"], ["CYC2", "Y1"], ["CYC3", "Z9"],
        ["RX", "N1"], ["RY", "N2"], ["R3", "PAY01"], ["R3", "P%_1"], ["R3", "NONAME"]])
    _write(d, "role_includes", ["role", "includes"], [
        ["CYC1", "CYC2"], ["CYC2", "CYC3"], ["CYC3", "CYC1"], ["TOP", "CYC2"]])
    _write(d, "permissions", ["permission", "permission_name"], [
        ["PAY01", "功能甲"], ["CASH1", "功能乙"], ["X1", "x"], ["Y1", "y"], ["Z9", "z"],
        ["N1", "审核[1]"], ["N2", "复核*"], ["P%_1", "p"]])
    rules = {
        "duties": [{"id": "pay", "parent": "benefit_payment"}, {"id": "cash", "parent": "cashier"},
                   {"id": "x", "parent": "it"}, {"id": "y", "parent": "ticket_custody"},
                   {"id": "z", "parent": "seal_custody"}, {"id": "zz", "parent": "z"},
                   {"id": "n1", "parent": "business"}, {"id": "n2", "parent": "finance"},
                   {"id": "lit", "parent": "key_custody"}, {"id": "none", "parent": "internal_control"}],
        "permission_duties": [
            {"duty": "pay", "codes": ["PAY0?"]}, {"duty": "cash", "codes": ["CASH[!0]"]},
            {"duty": "x", "codes": ["X*"]}, {"duty": "y", "names": ["[xy]"]}, {"duty": "zz", "codes": ["Z[0-9]"]},
            {"duty": "n1", "names": ["审核[[]1]"]}, {"duty": "n2", "names": ["复核[*]"]},
            {"duty": "lit", "codes": ["P[%]_1"]}, {"duty": "none", "names": ["*"], "codes": ["NOTHING"]},
        ],
        "rules": [
            {"id": "R-builtin", "kind": "incompatible", "duties": ["benefit_payment", "cashier"], "n": 2},
            {"id": "R-user", "kind": "incompatible", "duties": ["pay", "cash"], "n": 2},
            {"id": "R-cycle", "kind": "incompatible", "duties": ["x", "y", "z"], "n": 3},
            {"id": "R-cycle4", "kind": "incompatible", "duties": ["x", "y", "z", "lit"], "n": 4},
            {"id": "R-names", "kind": "incompatible", "duties": ["n1", "n2"], "n": 2},
            {"id": "R-top", "kind": "incompatible", "duties": ["business", "finance"], "n": 2},
            {"id": "R-lit", "kind": "incompatible", "duties": ["lit", "key_custody", "benefit_payment"], "n": 3},
            {"id": "R-other-kind", "kind": "something_else", "duties": ["pay", "cash"], "n": 2},
        ],
    }
    (d / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return d


# --------------------------------------------------------------------------- tests
def test_generator_shape(small: Path):
    m = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    spec = generate.SCALES["small"]
    assert m["rows"]["accounts"] == spec["accounts"]
    assert m["rows"]["account_roles"] == spec["account_roles"]
    assert m["rows"]["role_permissions"] == spec["role_permissions"]
    assert m["rows"]["permissions"] == spec["permissions"]
    assert m["rows"]["rules"] == 100 and m["rows"]["duties"] == 200
    accounts = _rows(small, "accounts")
    assert {a["status"] for a in accounts} == {"正常", "停用"}
    assert len({a["id_number"] for a in accounts}) == len(accounts)
    perms = {p["permission"] for p in _rows(small, "permissions")}
    assert {r["permission"] for r in _rows(small, "role_permissions")} <= perms
    assert {r["account"] for r in _rows(small, "account_roles")} <= {a["account"] for a in accounts}
    ar = [(r["account"], r["role"]) for r in _rows(small, "account_roles")]
    assert len(ar) == len(set(ar))
    # includes form a DAG at most 4 levels deep
    inc = defaultdict(set)
    for r in _rows(small, "role_includes"):
        inc[r["role"]].add(r["includes"])

    def depth(r, path=()):
        assert r not in path, "cycle"
        return max((1 + depth(c, path + (r,)) for c in inc[r]), default=0)
    assert max(depth(r) for r in list(inc)) <= 4
    # neutral permission names: none of the Chinese keywords of sodcheck's built-in rules
    for p in _rows(small, "permissions"):
        assert p["permission_name"] == "功能" + p["permission"]


def test_generator_deterministic(tmp_path):
    def digest(d):
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in d.iterdir() if f.name != "manifest.json"}
    generate.generate("small", 3, tmp_path / "a")
    generate.generate("small", 3, tmp_path / "b")
    generate.generate("small", 4, tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_fraction_keeps_catalogue(tmp_path):
    generate.generate("small", 3, tmp_path / "q", fraction=0.25)
    generate.generate("small", 3, tmp_path / "f")
    for name in ("role_permissions.csv", "role_includes.csv", "permissions.csv", "rules.yaml"):
        assert (tmp_path / "q" / name).read_bytes() == (tmp_path / "f" / name).read_bytes()
    assert len(_rows(tmp_path / "q", "account_roles")) == 2500


def test_reference_matches_oracle_on_generated(small: Path):
    ref = reference(small, small / "rules.yaml")
    assert ref == oracle(small, small / "rules.yaml")
    kinds = {k for _, k, _ in ref}
    assert kinds == {"account", "role"}, "small data should have both account and role findings"


@pytest.mark.parametrize("seed", [1, 2, 11])
def test_reference_matches_oracle_other_seeds(tmp_path, seed):
    generate.generate("small", seed, tmp_path)
    assert reference(tmp_path, tmp_path / "rules.yaml") == oracle(tmp_path, tmp_path / "rules.yaml")


def test_reference_edge_cases(edge: Path):
    ref = reference(edge, edge / "rules.yaml")
    assert ref == oracle(edge, edge / "rules.yaml")
    expected = {
        ("R-builtin", "account", "a1"), ("R-user", "account", "a1"),          # a2 is disabled
        ("R-cycle", "account", "a3"),                                          # via the include cycle
        ("R-cycle", "role", "CYC1"), ("R-cycle", "role", "CYC2"), ("R-cycle", "role", "CYC3"),
        ("R-cycle", "role", "TOP"),
        ("R-names", "account", "a4"),                                          # [[] and [*] name globs
        ("R-top", "account", "a1"), ("R-top", "account", "a4"),
        ("R-lit", "role", "R3"), ("R-lit", "account", "a5"),                   # P[%]_1 literal %, _ any
    }
    assert ref == expected


def test_glob_translation_matches_fnmatch():
    import duckdb
    con = duckdb.connect()
    globs = ["P0120*", "P0120?", "P0120[0-9]", "a[!b]c", "[]]x", "[!]]x", "a[z-a]b", "a[!z-a]b",
             "x[a-c-e]", "50%_off*", "a\\b*", "[", "a[b", "a b#c*", "*[^x]*", "[a-]", "[\\]", "功能P0011[0-4]"]
    strings = ["P01201", "P0120", "P012011", "abc", "acc", "]x", "ax", "aab", "azb", "xb", "x-", "xd",
               "50%_offer", "50x_off", "a\\bcd", "[", "a[b", "a b#cd", "^", "-", "\\", "a", "功能P00112", "功能P00115"]
    for g in globs:
        like, rx = duckdb_reference.glob_to_like(g), duckdb_reference.glob_to_regex(g)
        for s in strings:
            want = fnmatch.fnmatchcase(s, g)
            assert con.execute("SELECT regexp_full_match(?, ?)", [s, rx]).fetchone()[0] == want, (g, s)
            if like is not None:
                assert con.execute("SELECT ? LIKE ? ESCAPE '\\'", [s, like]).fetchone()[0] == want, (g, s)


def test_compare_cli(tmp_path, small):
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    subprocess.run([sys.executable, str(HERE / "duckdb_reference.py"), str(small), str(small / "rules.yaml"), str(a)],
                   check=True, capture_output=True)
    doc = json.loads(a.read_text(encoding="utf-8"))
    b.write_text(json.dumps(doc), encoding="utf-8")
    run = lambda *x: subprocess.run([sys.executable, str(HERE / "compare.py"), *map(str, x)],  # noqa: E731
                                    capture_output=True, text=True)
    assert run(a, b).returncode == 0
    extra = {"rule_id": "SOD-BUILTIN", "subject": {"kind": "account", "name": "A0000001"}}
    doc2 = dict(doc, violations=doc["violations"][1:] + [extra])
    b.write_text(json.dumps(doc2), encoding="utf-8")
    r = run(a, b)
    assert r.returncode == 1 and "1 only in A, 1 only in B" in r.stdout
    r = run(a, b, "--rules", small / "rules.yaml")     # the built-in finding is ignored, one is missing
    assert r.returncode == 1 and "1 only in A, 0 only in B" in r.stdout and "ignored in B" in r.stdout
    b.write_text("{}", encoding="utf-8")
    assert run(a, b).returncode == 2
    c = compare.compare_files(a, a)
    assert c.same


def test_run_smoke(tmp_path):
    r = subprocess.run([sys.executable, str(HERE / "run.py"), "--scale", "small", "--data", str(tmp_path / "data"),
                        "--out", str(tmp_path / "out"), "--fractions", "0.5,1",
                        "--sodcheck", f"{sys.executable} {HERE / 'duckdb_reference.py'} --fake"],
                       capture_output=True, text=True, timeout=300)
    # the fake "sodcheck" fails: run.py must say so and still report pyarrow and DuckDB
    assert r.returncode == 1, r.stderr
    assert "sodcheck FAILED" in r.stdout
    assert "| DuckDB reference, 2 threads |" in r.stdout
    assert "| pyarrow read of all input files |" in r.stdout
    assert (tmp_path / "out" / "performance-small.md").exists()


FAKE_SODCHECK = r'''
import json, subprocess, sys
args = sys.argv[1:]
assert args[0] == "check"
perms, rules, out = (args[args.index(k) + 1] for k in ("--perms", "--rules", "-o"))
subprocess.run([sys.executable, DUCK, perms, rules, out], check=True, capture_output=True)
doc = json.load(open(out, encoding="utf-8"))
doc["violations"].append({"rule_id": "SOD-BUILTIN-1", "severity": "high",
                          "subject": {"kind": "account", "name": "A0000001"}, "message": "", "evidence": []})
if DROP:
    doc["violations"] = doc["violations"][1:]
json.dump(doc, open(out, "w", encoding="utf-8"))
sys.exit(1)   # like sodcheck's --fail-on: findings -> exit 1
'''


@pytest.mark.parametrize("drop", [False, True])
def test_run_with_fake_sodcheck(tmp_path, drop):
    fake = tmp_path / "fake_sodcheck.py"
    fake.write_text(f"DUCK = {str(HERE / 'duckdb_reference.py')!r}\nDROP = {drop}\n" + FAKE_SODCHECK, encoding="utf-8")
    r = subprocess.run([sys.executable, str(HERE / "run.py"), "--scale", "small", "--data", str(tmp_path / "data"),
                        "--out", str(tmp_path / "out"), "--fractions", "1", "--sodcheck", f"{sys.executable} {fake}"],
                       capture_output=True, text=True, timeout=300)
    assert "| `sodcheck check` |" in r.stdout
    assert "ignored in B" in r.stdout            # the built-in rule finding is not a difference
    if drop:
        assert r.returncode == 1 and "✗ 0 extra, 1 missing" in r.stdout
    else:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "same as DuckDB" in r.stdout


def test_families_shape_maps_every_permission_to_one_duty(tmp_path):
    """The second shape: every permission carries exactly one duty, accounts hold roles of one
    family (a few of another), and the DuckDB reference agrees with the oracle on it."""
    m = generate_families.generate("small", 2, tmp_path)
    doc = yaml.safe_load((tmp_path / "rules.yaml").read_text(encoding="utf-8"))
    codes = [r["permission"] for r in _rows(tmp_path, "permissions")]
    globs = [g for e in doc["permission_duties"] for g in e["codes"]]
    assert all(sum(fnmatch.fnmatchcase(c, g) for g in globs) == 1 for c in codes)
    assert m["rows"]["permissions"] == len(codes) and m["rows"]["rules"] == 100
    ref = reference(tmp_path, tmp_path / "rules.yaml")
    assert ref == oracle(tmp_path, tmp_path / "rules.yaml") and ref
    generate_families.generate("small", 2, tmp_path / "again")
    assert (tmp_path / "account_roles.csv").read_bytes() == (tmp_path / "again" / "account_roles.csv").read_bytes()


def test_phases_of_a_run_add_up_to_its_wall_time(small, capsys):
    import phases

    assert phases.main([str(small), "--repeat", "1"]) == 0
    rows = {line.split(" | ")[0].lstrip("| "): float(line.split(" | ")[1].rstrip(" |"))
            for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "---" not in line
            and not line.startswith("| phase")}
    total = rows.pop("total, from outside")
    assert [name for name, _, _ in phases.PHASES] == list(rows)
    assert all(seconds >= 0 for seconds in rows.values())
    # Between the phases only click's parsing of the command line is left out; the table rounds
    # each figure to 0.01 s.
    assert total - 0.2 < sum(rows.values()) <= total + 0.005 * len(rows)


def test_interleaved_rounds_alternate_their_order(tmp_path):
    """Each command follows each of its neighbours as often: a command slowed by the one before
    it is not always the one slowed."""
    import run

    ran = tmp_path / "ran.txt"
    note = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + ' ')"
    commands = {name: ([sys.executable, "-c", note, str(ran), name], tmp_path / name, (0,)) for name in "ABC"}
    measured = run.measure_interleaved(commands, timeout=60, repeat=4)
    assert ran.read_text().split() == list("ABCCBAABCCBA")
    assert all(len(measured[name]["walls"]) == 4 for name in "ABC")
