#!/usr/bin/env python3
"""Seeded generator of a province-scale permission export for benchmarking sodcheck.

Writes, into --out:
  accounts.csv          account,name,id_number,unit,status
  account_roles.csv     account,role
  role_permissions.csv  role,permission
  role_includes.csv     role,includes          (a DAG, includes up to 4 levels deep)
  permissions.csv       permission,permission_name
  rules.yaml            ~200 user duties mapped by code/name globs, 100 incompatible rules
  manifest.json         parameters and row counts

(--format parquet writes <table>.parquet instead of the CSV files.)

Data model (same at every scale, only the sizes change):
  * 200 modules; permission codes are P<module:03d><index:02d>, names 功能P<module><index>
    (neutral names, so none of sodcheck's built-in name rules match).
  * Indices 00-09 of modules 0-159 are "sensitive": each such module has a leaf duty
    mapped by a code glob (P0120*, P0120?, P0120[0-9] ... -- three glob styles), some
    modules also map indices 10-14 by a *name* glob, and a few sensitive permissions map
    to two duties. Everything else (and modules 160-199) maps to no duty.
  * 40 group duties sit above the 160 leaf duties (parent = built-in duties, and in a
    few cases another group duty), so rules on group or built-in duties exercise the
    duty hierarchy.
  * Roles have a home module; about one in seven base roles carries a few sensitive
    permissions of its home module. Composite roles include 1-3 lower roles
    (levels 0..4), and 0.6 % of them bundle two roles of an incompatible pair. Three
    "admin" roles carry 400+ permissions across 30 modules; ~20 roles in all exceed 300.
  * Accounts pick ~10 roles each from a skewed popularity distribution; roles carrying a
    duty are kept out of its tail. Full scale gives 2.5-5 % violating accounts and a few
    dozen violating roles, depending on the seed.

All randomness comes from numpy's Generator seeded with --seed, one independent stream
per table, so --fraction (which only scales the accounts and account-role rows) keeps the
role/permission catalogue and the rule file identical.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

SCALES = {
    # accounts, roles, permissions, account-role rows, role-permission rows
    "full": dict(accounts=100_000, roles=5_000, permissions=20_000,
                 account_roles=1_000_000, role_permissions=500_000),
    # ~1/100 of the rows; permissions are 20 per module instead of 100 so that the
    # same module/duty/rule layout still works.
    "small": dict(accounts=1_000, roles=250, permissions=4_000,
                  account_roles=10_000, role_permissions=5_000),
}

GENERATOR_VERSION = 3         # bump when the output for a given seed changes
N_MODULES = 200
N_DUTY_MODULES = 160          # modules 0..159 have a leaf duty
N_GROUPS = 40                 # group duties d_0001..d_0040
N_SENS = 10                   # indices 00..09 are sensitive (code globs)
NAME_SENS = range(10, 15)     # indices 10..14 sensitive via name glob in some modules
NONSENS_FROM = 15             # indices >= 15 never map to a duty
LEVEL_SHARES = [0.60, 0.20, 0.10, 0.06, 0.04]
P_SENSITIVE_ROLE = [0.18, 0.10, 0.06, 0.04, 0.03]   # chance a role at level L carries sensitive perms
N_ADMIN_ROLES = 3
DISABLED_SHARE = 0.02
POP_CAP_QUANTILE = 0.8       # popularity cap for roles that carry a duty
BUNDLE_SHARE = 0.006          # share of composite roles that bundle an incompatible pair

CITIES = ["广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "湛江市", "肇庆市",
          "江门市", "茂名市", "惠州市", "梅州市", "汕尾市", "河源市", "阳江市", "清远市",
          "东莞市", "中山市", "潮州市", "揭阳市", "云浮市"]
REGION_CODES = [440103, 440104, 440106, 440111, 440303, 440304, 440305, 440402, 440507,
                440604, 440606, 440203, 440802, 441202, 440703, 440902, 441302, 441402,
                441502, 441602, 441702, 441802, 441900, 442000, 445102, 445202, 445302]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
                "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志文海燕"
             "玲红辉鹏飞俊峰春梅立新宇晨浩然思雨嘉怡子涵欣悦宏亮")

# A business system's permissions are business-line work (plus UKey/certificate custody),
# so every user duty sits under business, benefit_payment, rate_assessment or key_custody.
# None of sodcheck's built-in incompatible rules (business+finance, business+it,
# accounting+cashier, ticket+seal, internal_control+operations) can then fire, and
# sodcheck's findings are exactly those of this rule file.
BUILTIN_PARENT_OF_GROUP = (
    ["benefit_payment"] * 3 + ["rate_assessment"] * 3 + ["key_custody"] * 2 + ["business"] * 32)
# group duty -> parent group duty (user duty under another user duty)
GROUP_UNDER_GROUP = {2: 1, 13: 12, 21: 20, 29: 28}
BUILTIN_PARENTS = {"benefit_payment": "business", "rate_assessment": "business",
                   "accounting": "finance", "cashier": "finance"}


def perm_code(module: int, idx: int) -> str:
    return f"P{module:03d}{idx:02d}"


def group_id(g: int) -> str:
    return f"d_{g + 1:04d}"


def leaf_id(m: int) -> str:
    return f"d_{N_GROUPS + m + 1:04d}"


# --------------------------------------------------------------------------- rules
def build_rules(rng: np.random.Generator) -> dict:
    duties = []
    parent: dict[str, str] = {}
    for g in range(N_GROUPS):
        p = group_id(GROUP_UNDER_GROUP[g]) if g in GROUP_UNDER_GROUP else BUILTIN_PARENT_OF_GROUP[g]
        parent[group_id(g)] = p
        duties.append({"id": group_id(g), "parent": p,
                       "label": {"zh": f"职能组{g + 1}", "en": f"Function group {g + 1}"}})
    for m in range(N_DUTY_MODULES):
        p = group_id(m // 4)
        parent[leaf_id(m)] = p
        duties.append({"id": leaf_id(m), "parent": p,
                       "label": {"zh": f"模块{m:03d}敏感操作", "en": f"Module {m:03d} sensitive operations"}})

    pd_entries = []
    for m in range(N_DUTY_MODULES):
        style = m % 3
        if style == 0:
            glob = f"P{m:03d}0*"
        elif style == 1:
            glob = f"P{m:03d}0?"
        else:
            glob = f"P{m:03d}0[0-9]"
        entry = {"duty": leaf_id(m), "codes": [glob]}
        if m % 8 == 6:   # a second code glob in the same entry (any-of)
            entry["codes"].append(f"P{m:03d}1[0-4]")
        pd_entries.append(entry)
        if m % 8 == 1:   # name glob for indices 10..14
            pd_entries.append({"duty": leaf_id(m), "names": [f"功能P{m:03d}1[0-4]"]})
        if m % 10 == 7:  # overlap: P<m>09 also maps to the next module's duty
            pd_entries.append({"duty": leaf_id((m + 1) % N_DUTY_MODULES), "codes": [perm_code(m, 9)]})

    def ancestors(d: str) -> set[str]:
        out = set()
        while d in parent or d in BUILTIN_PARENTS:
            d = parent.get(d) or BUILTIN_PARENTS[d]
            out.add(d)
        return out

    def unrelated(ds: list[str]) -> bool:
        for i, a in enumerate(ds):
            for b in ds[i + 1:]:
                if a == b or a in ancestors(b) or b in ancestors(a):
                    return False
        return True

    specs: list[tuple[list[str], int]] = []
    seen: set[frozenset] = set()

    def add(ds: list[str], n: int) -> None:
        key = frozenset(ds)
        if key in seen or not unrelated(ds):
            return
        seen.add(key)
        specs.append((ds, n))

    leaves = [leaf_id(m) for m in range(N_DUTY_MODULES)]
    groups = [group_id(g) for g in range(N_GROUPS)]
    # built-in duties (exercise the built-in hierarchy; user groups hang under them)
    add(["benefit_payment", "rate_assessment"], 2)
    add(["key_custody", "rate_assessment"], 2)
    # group vs group
    while len(specs) < 5:
        a, b = rng.choice(N_GROUPS, 2, replace=False)
        add([groups[a], groups[b]], 2)
    # group vs leaf of another group
    while len(specs) < 8:
        g = int(rng.integers(N_GROUPS))
        m = int(rng.integers(N_DUTY_MODULES))
        add([groups[g], leaves[m]], 2)
    # leaf triples, 3 of them need all three
    while len(specs) < 11:
        add([leaves[i] for i in rng.choice(N_DUTY_MODULES, 3, replace=False)], 3)
    while len(specs) < 17:
        add([leaves[i] for i in rng.choice(N_DUTY_MODULES, 3, replace=False)], 2)
    # leaf pairs
    while len(specs) < 100:
        add([leaves[i] for i in rng.choice(N_DUTY_MODULES, 2, replace=False)], 2)

    severities = ["high", "medium", "low"]
    rules = []
    for i, (ds, n) in enumerate(specs):
        rid = f"BENCH-{i + 1:04d}"
        rules.append({
            "id": rid, "kind": "incompatible", "duties": list(ds), "n": n,
            "severity": severities[i % 3],
            "title": {"zh": f"基准规则{i + 1}：不相容职责", "en": f"Benchmark rule {i + 1}: incompatible duties"},
            "message": {"zh": f"同一主体持有{len(ds)}项中的{n}项或以上不相容职责",
                        "en": f"Subject holds {n} or more of {len(ds)} incompatible duties"},
            "source": "benchmark",
        })
    return {"duties": duties, "permission_duties": pd_entries, "rules": rules}


# --------------------------------------------------------------------------- catalogue
def build_permissions(n_perms: int) -> tuple[np.ndarray, int]:
    ppm = n_perms // N_MODULES
    if ppm < NONSENS_FROM + 5 or ppm > 100:
        raise SystemExit(f"permissions must be between {N_MODULES * (NONSENS_FROM + 5)} and {N_MODULES * 100}")
    codes = np.array([perm_code(m, i) for m in range(N_MODULES) for i in range(ppm)])
    return codes, ppm


def split_total(rng: np.random.Generator, weights: np.ndarray, total: int, minimum: int,
                cap: np.ndarray) -> np.ndarray:
    """Integer counts >= minimum, <= cap, proportional to weights, summing exactly to total."""
    counts = np.maximum(minimum, np.floor(weights / weights.sum() * total)).astype(np.int64)
    counts = np.minimum(counts, cap)
    diff = total - int(counts.sum())
    while diff != 0:
        idx = rng.integers(0, len(counts), size=abs(diff))
        if diff > 0:
            ok = counts[idx] < cap[idx]
            np.add.at(counts, idx[ok], 1)
        else:
            ok = counts[idx] > minimum
            np.add.at(counts, idx[ok], -1)
        counts = np.clip(counts, minimum, cap)
        diff = total - int(counts.sum())
    return counts


def build_roles(rng: np.random.Generator, n_roles: int, n_rp: int, ppm: int,
                rule_pairs: list[tuple[int, int]]):
    levels = np.repeat(np.arange(5), np.round(np.array(LEVEL_SHARES) * n_roles).astype(int))
    levels = np.resize(levels, n_roles)
    levels.sort()
    home = rng.integers(0, N_MODULES, size=n_roles)
    admin = np.zeros(n_roles, bool)
    admin[rng.choice(np.flatnonzero(levels == 0), N_ADMIN_ROLES, replace=False)] = True

    # direct permission counts: gamma-distributed (a tail of roles above 300), admins big
    w = rng.gamma(shape=5.0, scale=1.0, size=n_roles)
    w[levels > 0] *= 0.6
    w[admin] = w.mean() * rng.uniform(4.0, 6.5, size=admin.sum())
    cap = np.full(n_roles, ppm * N_MODULES // 2)
    counts = split_total(rng, w, n_rp, 3, cap)

    sensitive = (rng.random(n_roles) < np.array(P_SENSITIVE_ROLE)[levels]) & (home < N_DUTY_MODULES)
    nonsens_idx = np.arange(NONSENS_FROM, ppm)
    all_nonsens = (np.arange(N_MODULES)[:, None] * ppm + nonsens_idx[None, :]).ravel()

    role_of, perm_of = [], []
    for r in range(n_roles):
        k = int(counts[r])
        if admin[r]:
            mods = rng.choice(N_DUTY_MODULES, size=min(k // 10, 30), replace=False)
            sens = mods * ppm + rng.integers(0, N_SENS, size=len(mods))
        elif sensitive[r]:
            sens = home[r] * ppm + rng.choice(N_SENS + len(NAME_SENS), size=int(min(k, rng.integers(1, 6))),
                                              replace=False)
        else:
            sens = np.empty(0, np.int64)
        rest = k - len(sens)
        n_home = min(rest // 3, len(nonsens_idx))
        home_p = home[r] * ppm + rng.choice(nonsens_idx, size=n_home, replace=False)
        other = rng.choice(all_nonsens, size=min(rest + len(nonsens_idx), len(all_nonsens)), replace=False)
        other = other[~np.isin(other, home_p)][: rest - n_home]
        got = np.concatenate([sens, home_p, other])
        role_of.append(np.full(len(got), r, np.int32))
        perm_of.append(got.astype(np.int32))
    rp_role = np.concatenate(role_of)
    rp_perm = np.concatenate(perm_of)

    # includes: a role at level L includes 1..3 roles of lower levels, the first from L-1
    inc_role, inc_child = [], []
    by_level = [np.flatnonzero((levels == L) & ~admin) for L in range(5)]
    for L in range(1, 5):
        members = by_level[L]
        if len(members) == 0:
            continue
        c = rng.choice([1, 2, 3], size=len(members), p=[0.5, 0.35, 0.15])
        first = rng.choice(by_level[L - 1], size=len(members))
        lower = np.concatenate(by_level[:L])
        inc_role.append(members)
        inc_child.append(first)
        for extra in (2, 3):
            sel = c >= extra
            inc_role.append(members[sel])
            inc_child.append(rng.choice(lower, size=sel.sum()))
    # "merged post" bundles: a few composite roles include two base roles whose sensitive
    # modules form an incompatible pair, so some roles violate on their own
    sens_base = {}
    for r in np.flatnonzero((levels == 0) & sensitive & ~admin):
        sens_base.setdefault(int(home[r]), []).append(int(r))
    usable = [(a, b) for a, b in rule_pairs if a in sens_base and b in sens_base]
    composite = np.flatnonzero((levels > 0) & ~admin)
    n_bundles = int(np.ceil(BUNDLE_SHARE * len(composite))) if usable else 0
    for r in rng.choice(composite, size=min(n_bundles, len(composite)), replace=False):
        a, b = usable[int(rng.integers(len(usable)))]
        inc_role.append(np.array([r, r]))
        inc_child.append(np.array([rng.choice(sens_base[a]), rng.choice(sens_base[b])]))
    inc_role = np.concatenate(inc_role)
    inc_child = np.concatenate(inc_child)
    key = np.unique(inc_role.astype(np.int64) * n_roles + inc_child)
    inc_role, inc_child = (key // n_roles).astype(np.int32), (key % n_roles).astype(np.int32)

    # popularity for account assignment: skewed, base roles common, admins rare
    pop = rng.pareto(1.5, size=n_roles) + 0.05
    pop *= np.array([1.0, 0.6, 0.4, 0.3, 0.25])[levels]
    # the most widely granted roles are plain ones: roles that carry a duty (themselves or
    # through includes) are kept out of the popularity tail, which also keeps the share of
    # violating accounts stable across seeds
    carries = (sensitive | admin).astype(np.int8)
    for L in range(1, 5):
        sel = levels[inc_role] == L
        np.maximum.at(carries, inc_role[sel], carries[inc_child[sel]])
    cap = np.quantile(pop, POP_CAP_QUANTILE)
    pop[carries.astype(bool)] = np.minimum(pop[carries.astype(bool)], cap)
    pop[admin] = pop.sum() * 2e-4 / N_ADMIN_ROLES
    pop /= pop.sum()
    return dict(levels=levels, admin=admin, rp_role=rp_role, rp_perm=rp_perm,
                inc_role=inc_role, inc_child=inc_child, pop=pop)


def build_accounts(rng: np.random.Generator, n_acc: int, n_ar: int, pop: np.ndarray):
    n_roles = len(pop)
    # per-account role count ~ 1 + Poisson, oversampled so that exact n_ar remains after dedup
    lam = max(n_ar / n_acc - 1.0, 0.1)
    k = 1 + rng.poisson(lam * 1.04, size=n_acc)
    acc = np.repeat(np.arange(n_acc, dtype=np.int64), k)
    role = rng.choice(n_roles, size=len(acc), p=pop)
    key = np.unique(acc * n_roles + role)
    if len(key) < n_ar:   # top up (rare)
        while len(key) < n_ar:
            extra_acc = rng.integers(0, n_acc, size=(n_ar - len(key)) * 2)
            extra = extra_acc * n_roles + rng.choice(n_roles, size=len(extra_acc), p=pop)
            key = np.unique(np.concatenate([key, extra]))
    if len(key) > n_ar:
        key = np.sort(rng.choice(key, size=n_ar, replace=False))
    ar_acc, ar_role = key // n_roles, key % n_roles

    status = np.where(rng.random(n_acc) < DISABLED_SHARE, "停用", "正常")

    # names
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n_acc)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n_acc)]
    g2 = np.where(rng.random(n_acc) < 0.7, np.array(GIVEN)[rng.integers(0, len(GIVEN), n_acc)], "")
    names = np.char.add(np.char.add(sur, g1), g2)

    # 18-digit resident identity numbers with valid check digits, unique
    base = np.empty(n_acc, np.int64)
    todo = np.arange(n_acc)
    start = np.datetime64("1962-01-01")
    span = (np.datetime64("2003-12-31") - start).astype(int)
    while len(todo):
        region = np.array(REGION_CODES, np.int64)[rng.integers(0, len(REGION_CODES), len(todo))]
        day = start + rng.integers(0, span, len(todo)).astype("timedelta64[D]")
        ymd = day.astype("datetime64[D]").astype(str)
        ymd = np.char.replace(ymd, "-", "").astype(np.int64)
        seq = rng.integers(1, 1000, len(todo))
        base[todo] = region * 10**11 + ymd * 1000 + seq
        _, first = np.unique(base, return_index=True)
        dup = np.ones(n_acc, bool)
        dup[first] = False
        todo = np.flatnonzero(dup)
    digits = (base[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits * weights).sum(1) % 11]
    id_numbers = np.char.add(base.astype(str), check)

    units = np.array([f"{c}社会保险基金管理局第{j + 1:02d}经办科" for c in CITIES for j in range(15)])
    # bigger cities get more staff
    uw = rng.pareto(1.2, len(units)) + 0.2
    unit = units[rng.choice(len(units), n_acc, p=uw / uw.sum())]
    return dict(status=status, names=names, id_numbers=id_numbers, unit=unit,
                ar_acc=ar_acc, ar_role=ar_role)


# --------------------------------------------------------------------------- main
def write_table(tbl: pa.Table, out: Path, stem: str, fmt: str) -> None:
    if fmt == "csv":
        pacsv.write_csv(tbl, out / f"{stem}.csv")
    else:
        pq.write_table(tbl, out / f"{stem}.parquet")


def generate(scale: str, seed: int, out: Path, fmt: str = "csv", fraction: float = 1.0) -> dict:
    t0 = time.perf_counter()
    p = dict(SCALES[scale])
    p["accounts"] = int(round(p["accounts"] * fraction))
    p["account_roles"] = int(round(p["account_roles"] * fraction))
    ss = np.random.SeedSequence(seed)
    rng_rules, rng_roles, rng_acc = (np.random.default_rng(s) for s in ss.spawn(3))

    out.mkdir(parents=True, exist_ok=True)
    rules = build_rules(rng_rules)
    codes, ppm = build_permissions(p["permissions"])
    leaf_module = {leaf_id(m): m for m in range(N_DUTY_MODULES)}
    rule_pairs = [(leaf_module[r["duties"][0]], leaf_module[r["duties"][1]]) for r in rules["rules"]
                  if r["n"] == 2 and len(r["duties"]) == 2 and all(d in leaf_module for d in r["duties"])]
    roles = build_roles(rng_roles, p["roles"], p["role_permissions"], ppm, rule_pairs)
    accs = build_accounts(rng_acc, p["accounts"], p["account_roles"], roles["pop"])

    role_codes = pa.array([f"R{i + 1:05d}" for i in range(p["roles"])])
    acc_codes = pa.array([f"A{i + 1:07d}" for i in range(p["accounts"])])
    perm_codes = pa.array(codes)

    write_table(pa.table({"permission": perm_codes,
                          "permission_name": pa.array(np.char.add("功能", codes))}), out, "permissions", fmt)
    write_table(pa.table({"role": role_codes.take(pa.array(roles["rp_role"])),
                          "permission": perm_codes.take(pa.array(roles["rp_perm"]))}),
                out, "role_permissions", fmt)
    write_table(pa.table({"role": role_codes.take(pa.array(roles["inc_role"])),
                          "includes": role_codes.take(pa.array(roles["inc_child"]))}),
                out, "role_includes", fmt)
    write_table(pa.table({"account": acc_codes, "name": pa.array(accs["names"]),
                          "id_number": pa.array(accs["id_numbers"]), "unit": pa.array(accs["unit"]),
                          "status": pa.array(accs["status"])}), out, "accounts", fmt)
    write_table(pa.table({"account": acc_codes.take(pa.array(accs["ar_acc"])),
                          "role": role_codes.take(pa.array(accs["ar_role"]))}),
                out, "account_roles", fmt)
    return write_rules_and_manifest(out, "generate.py", GENERATOR_VERSION, dict(
        scale=scale, seed=seed, fraction=fraction, format=fmt), rules, roles, accs, p["roles"], len(codes), t0)


def write_rules_and_manifest(out: Path, generator: str, version: int, params: dict, rules: dict, roles: dict,
                             accs: dict, n_roles: int, permissions: int, t0: float) -> dict:
    """rules.yaml and manifest.json of a generated dataset (roles: rp_role, inc_role; accs: ar_acc,
    status), shared by every shape's generator."""
    with open(out / "rules.yaml", "w", encoding="utf-8") as f:
        f.write(f"# Generated by benchmarks/{generator} (seed {params['seed']}); do not edit.\n")
        yaml.safe_dump(rules, f, allow_unicode=True, sort_keys=False, width=200, default_flow_style=None)
    accounts = len(accs["status"])
    per_role = np.bincount(roles["rp_role"], minlength=n_roles)
    manifest = {
        "generator": f"benchmarks/{generator}", "version": version, **params,
        "rows": {"accounts": accounts, "account_roles": int(len(accs["ar_acc"])),
                 "roles": n_roles, "role_permissions": int(len(roles["rp_role"])),
                 "role_includes": int(len(roles["inc_role"])), "permissions": permissions,
                 "disabled_accounts": int((accs["status"] == "停用").sum()),
                 "duties": len(rules["duties"]), "rules": len(rules["rules"])},
        "roles_with_300_plus_permissions": int((per_role >= 300).sum()),
        "max_permissions_per_role": int(per_role.max()),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return manifest


def command_line(generate_fn, scales: dict, description: str, argv: list[str] | None = None) -> int:
    """The command line of a shape's generator: --scale, --seed, --out, --format, --fraction."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--scale", choices=sorted(scales), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--fraction", type=float, default=1.0,
                    help="scale accounts and account-role rows by this factor (catalogue unchanged)")
    a = ap.parse_args(argv)
    m = generate_fn(a.scale, a.seed, a.out, a.format, a.fraction)
    print(json.dumps(m, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_line(generate, SCALES, __doc__.split("\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
