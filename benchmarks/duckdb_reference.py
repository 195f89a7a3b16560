#!/usr/bin/env python3
"""Hand-written DuckDB reference for sodcheck's incompatible-duty check on permission exports.

    python benchmarks/duckdb_reference.py DIR rules.yaml out.json [--threads 2]

DIR holds accounts / account_roles / role_permissions / role_includes / permissions as
.csv (or .parquet) files. Only `incompatible` rules are evaluated. Semantics:

  * effective permissions of a role = its own plus those of every role it includes,
    transitively (recursive CTE; UNION makes it terminate on include cycles);
  * a permission maps to every `permission_duties` entry whose `codes` glob matches its
    code or whose `names` glob matches its name (fnmatch, case-sensitive; globs with
    [...] classes become RE2 regexes, all others LIKE patterns);
  * holding a duty = holding it or a duty below it (parents expanded recursively,
    built-in hierarchy included);
  * an `incompatible` rule fires for a subject holding >= n of the listed duties;
  * subjects: every account with status 正常 (via all its roles) and every single role.

Output: {"violations": [{"rule_id", "subject": {"kind", "name"}, "duties": [...]}], "stats": {...}}
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import duckdb
import yaml

BUILTIN_DUTIES = {
    "business": None, "benefit_payment": "business", "rate_assessment": "business",
    "finance": None, "accounting": "finance", "cashier": "finance",
    "it": None, "ticket_custody": None, "seal_custody": None, "key_custody": None,
    "internal_control": None,
}
TABLES = {
    "accounts": ["account", "name", "id_number", "unit", "status"],
    "account_roles": ["account", "role"],
    "role_permissions": ["role", "permission"],
    "role_includes": ["role", "includes"],
    "permissions": ["permission", "permission_name"],
}
ACTIVE = "正常"


# --------------------------------------------------------------------------- globs
def glob_to_like(glob: str) -> str | None:
    """fnmatch glob -> LIKE pattern (ESCAPE '\\'), or None if it uses a [...] class."""
    if "[" in glob:
        return None
    out = []
    for ch in glob:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def glob_to_regex(glob: str) -> str:
    """fnmatch glob -> RE2 regex for regexp_full_match (port of fnmatch.translate)."""
    i, n, out = 0, len(glob), []
    while i < n:
        ch = glob[i]
        i += 1
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            j = i
            if j < n and glob[j] == "!":
                j += 1
            if j < n and glob[j] == "]":
                j += 1
            while j < n and glob[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape("["))
                continue
            body = glob[i:j]
            i = j + 1
            neg = body.startswith("!")
            if neg:
                body = body[1:]
            # ranges with lo > hi are empty in fnmatch; drop them
            parts, k = [], 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    lo, hi = body[k], body[k + 2]
                    if lo <= hi:
                        parts.append(_cls(lo) + "-" + _cls(hi))
                    k += 3
                else:
                    parts.append(_cls(body[k]))
                    k += 1
            if not parts:
                out.append("." if neg else "[^\\x00-\\x{10FFFF}]")  # [!] any / [] nothing
            else:
                out.append("[" + ("^" if neg else "") + "".join(parts) + "]")
        else:
            out.append(re.escape(ch))
    return "(?s)" + "".join(out)


def _cls(ch: str) -> str:
    return "\\" + ch if ch in "\\^-][" else ch


# --------------------------------------------------------------------------- loading
def load_table(con: duckdb.DuckDBPyConnection, d: Path, name: str, cols: list[str]) -> None:
    csv, pq = d / f"{name}.csv", d / f"{name}.parquet"
    sel = ", ".join(f"trim(CAST({c} AS VARCHAR)) AS {c}" for c in cols)
    if csv.exists():
        src = f"read_csv('{csv.as_posix()}', header=true, all_varchar=true, encoding='utf-8')"
    elif pq.exists():
        src = f"read_parquet('{pq.as_posix()}')"
    else:
        # optional file: empty table
        con.execute(f"CREATE TABLE {name} ({', '.join(c + ' VARCHAR' for c in cols)})")
        return
    distinct = "" if name == "accounts" else "DISTINCT "
    con.execute(f"CREATE TABLE {name} AS SELECT {distinct}{sel} FROM {src}")


def load_rules(con: duckdb.DuckDBPyConnection, rules_path: Path) -> int:
    doc = yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}
    duty_rows = [(d, p) for d, p in BUILTIN_DUTIES.items()]
    for d in doc.get("duties") or []:
        duty_rows.append((str(d["id"]), None if d.get("parent") is None else str(d["parent"])))
    pat_rows = []
    for e in doc.get("permission_duties") or []:
        for field, key in (("code", "codes"), ("name", "names")):
            globs = e.get(key) or []
            if isinstance(globs, str):
                globs = [globs]
            for g in globs:
                g = str(g)
                pat_rows.append((str(e["duty"]), field, g, glob_to_like(g), glob_to_regex(g)))
    rule_rows = []
    n_rules = 0
    for r in doc.get("rules") or []:
        if r.get("kind", "incompatible") != "incompatible":
            continue
        n_rules += 1
        duties = [str(x) for x in r["duties"]]
        n = int(r.get("n", 2))
        for d in dict.fromkeys(duties):
            rule_rows.append((str(r["id"]), d, n))
    con.execute("CREATE TABLE duty_parent (duty VARCHAR, parent VARCHAR)")
    con.executemany("INSERT INTO duty_parent VALUES (?, ?)", duty_rows)
    con.execute("CREATE TABLE duty_globs (duty VARCHAR, field VARCHAR, pattern VARCHAR, like_pat VARCHAR, "
                "regex VARCHAR)")
    if pat_rows:
        con.executemany("INSERT INTO duty_globs VALUES (?, ?, ?, ?, ?)", pat_rows)
    con.execute("CREATE TABLE rule_duties (rule_id VARCHAR, duty VARCHAR, n INTEGER)")
    if rule_rows:
        con.executemany("INSERT INTO rule_duties VALUES (?, ?, ?)", rule_rows)
    return n_rules


def perm_duty_union(con: duckdb.DuckDBPyConnection) -> str:
    """One SELECT per glob, with the pattern as a constant (so a regex compiles once)."""
    parts = []
    for duty, field, _glob, like_pat, regex in con.execute(
            "SELECT duty, field, pattern, like_pat, regex FROM duty_globs ORDER BY ALL").fetchall():
        col = "permission" if field == "code" else "permission_name"
        cond = (f"{col} LIKE {sql_str(like_pat)} ESCAPE '\\'" if like_pat is not None
                else f"regexp_full_match({col}, {sql_str(regex)})")
        parts.append(f"SELECT permission, {sql_str(duty)} AS duty FROM perm_universe WHERE {cond}")
    if not parts:
        return "SELECT NULL::VARCHAR AS permission, NULL::VARCHAR AS duty WHERE false"
    return "\n    UNION ALL ".join(parts)


def sql_str(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


SQL = r"""
-- 1. every role that appears anywhere, and its transitive closure through includes
CREATE TABLE all_roles AS
    SELECT role FROM role_permissions UNION SELECT role FROM role_includes
    UNION SELECT includes FROM role_includes UNION SELECT role FROM account_roles;

CREATE TABLE role_closure AS
WITH RECURSIVE rc(role, sub) AS (
    SELECT role, role FROM all_roles
    UNION                                   -- UNION (not ALL): stops on include cycles
    SELECT rc.role, i.includes FROM rc JOIN role_includes i ON i.role = rc.sub
)
SELECT role, sub FROM rc;

-- 2. permission -> duty through the globs (code globs on the code, name globs on the name)
CREATE TABLE perm_universe AS
    SELECT u.permission, any_value(p.permission_name) AS permission_name
    FROM (SELECT permission FROM role_permissions UNION SELECT permission FROM permissions) u
    LEFT JOIN permissions p USING (permission)
    GROUP BY u.permission;

CREATE TABLE perm_duty AS
SELECT DISTINCT permission, duty FROM ({perm_duty_union}) m;

-- 3. duty -> every duty at or above it
CREATE TABLE duty_up AS
WITH RECURSIVE up(duty, holds) AS (
    SELECT duty, duty FROM (SELECT duty FROM duty_parent UNION SELECT duty FROM perm_duty
                            UNION SELECT duty FROM rule_duties)
    UNION
    SELECT up.duty, p.parent FROM up JOIN duty_parent p ON p.duty = up.holds WHERE p.parent IS NOT NULL
)
SELECT duty, holds FROM up;

-- 4. duties held by each role (own + included roles' permissions), restricted to rule duties
CREATE TABLE role_direct_duty AS
SELECT DISTINCT rp.role, pd.duty FROM role_permissions rp JOIN perm_duty pd USING (permission);

CREATE TABLE role_duty AS
SELECT DISTINCT rc.role, du.holds AS duty
FROM role_closure rc
JOIN role_direct_duty rdd ON rdd.role = rc.sub
JOIN duty_up du ON du.duty = rdd.duty
WHERE du.holds IN (SELECT duty FROM rule_duties);

-- 5. duties held by each active account
CREATE TABLE account_duty AS
SELECT DISTINCT ar.account, rd.duty
FROM account_roles ar
JOIN accounts a ON a.account = ar.account AND a.status = '正常'
JOIN role_duty rd ON rd.role = ar.role;

-- 6. rule evaluation: count first (account_duty, role_duty and rule_duties hold no duplicate
-- rows, so count(*) is the number of distinct duties), then list the duties of the subjects that
-- reach n only. Where nearly every account holds some rule duty, aggregating lists for every
-- (rule, account) pair costs several times more than the check itself.
CREATE TABLE subject_duty AS
SELECT 'account' AS kind, account AS name, duty FROM account_duty
UNION ALL
SELECT 'role', role, duty FROM role_duty;

CREATE TABLE findings AS
WITH reached AS (
    SELECT r.rule_id, sd.kind, sd.name
    FROM subject_duty sd JOIN rule_duties r ON r.duty = sd.duty
    GROUP BY r.rule_id, sd.kind, sd.name, r.n HAVING count(*) >= r.n
)
SELECT h.rule_id, h.kind, h.name, list_sort(list(r.duty)) AS duties
FROM reached h
JOIN rule_duties r ON r.rule_id = h.rule_id
JOIN subject_duty sd ON sd.kind = h.kind AND sd.name = h.name AND sd.duty = r.duty
GROUP BY h.rule_id, h.kind, h.name;
"""


def run(perms_dir: Path, rules_path: Path, threads: int = 2, memory_limit: str | None = None) -> dict:
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads={int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit='{memory_limit}'")
    con.execute("SET preserve_insertion_order=false")
    for name, cols in TABLES.items():
        if name in ("accounts", "account_roles", "role_permissions") and not (
                (perms_dir / f"{name}.csv").exists() or (perms_dir / f"{name}.parquet").exists()):
            raise SystemExit(f"missing {name}.csv in {perms_dir}")
        load_table(con, perms_dir, name, cols)
    t_load = time.perf_counter()
    n_rules = load_rules(con, rules_path)
    for stmt in SQL.format(perm_duty_union=perm_duty_union(con)).split(";\n"):
        if stmt.strip():
            con.execute(stmt)
    rows = con.execute("SELECT rule_id, kind, name, duties FROM findings ORDER BY rule_id, kind, name").fetchall()
    stats = {
        "rules_evaluated": n_rules,
        "accounts": con.execute("SELECT count(*) FROM accounts").fetchone()[0],
        "active_accounts": con.execute("SELECT count(*) FROM accounts WHERE status = '正常'").fetchone()[0],
        "roles": con.execute("SELECT count(*) FROM all_roles").fetchone()[0],
        "role_closure_rows": con.execute("SELECT count(*) FROM role_closure").fetchone()[0],
        "permissions_with_duty": con.execute("SELECT count(DISTINCT permission) FROM perm_duty").fetchone()[0],
        "violations": len(rows),
        "violating_accounts": len({n for _, k, n, _ in rows if k == "account"}),
        "violating_roles": len({n for _, k, n, _ in rows if k == "role"}),
        "seconds_load": round(t_load - t0, 3),
        "seconds_total": round(time.perf_counter() - t0, 3),
    }
    return {
        "tool": "duckdb_reference", "duckdb_version": duckdb.__version__,
        "violations": [{"rule_id": r, "subject": {"kind": k, "name": n}, "duties": list(d)}
                       for r, k, n, d in rows],
        "stats": stats,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="DuckDB reference for sodcheck's incompatible-duty check")
    ap.add_argument("perms_dir", type=Path)
    ap.add_argument("rules", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default=None, help="e.g. 4GB (DuckDB default: 80%% of RAM)")
    a = ap.parse_args(argv)
    res = run(a.perms_dir, a.rules, a.threads, a.memory_limit)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(res["stats"], ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
