#!/usr/bin/env python3
"""Seeded generator of a permission export where nearly every permission carries a duty.

The second benchmark shape, beside benchmarks/generate.py. There, most permissions map to no
duty and an account's finding has a handful of grant paths; here, as in real business systems,
*every* permission maps to exactly one duty, so a finding has hundreds of grant paths and the
cost of evidence per finding is what is measured.

Writes, into --out, the same files as generate.py (same columns, so run.py, compare.py and
duckdb_reference.py take it as is):
  accounts.csv          account,name,id_number,unit,status
  account_roles.csv     account,role
  role_permissions.csv  role,permission
  role_includes.csv     role,includes
  permissions.csv       permission,permission_name
  rules.yaml            40 user duties mapped by code globs, 100 incompatible rules
  manifest.json         parameters and row counts

Data model at full scale (only the sizes change with --scale and --fraction):
  * 8 families of 5 duties; 20,000 permissions, F<family>D<duty>-<index:04d>, each mapped to
    exactly one duty by the code glob F<family>D<duty>-* (names are neutral, 功能<code>).
  * 5,000 roles, 625 per family; each role has ~100 permissions drawn from 1-5 of its family's
    duties (a few roles 300+).
  * Includes: a role of level L > 0 includes 1-2 roles of its family at lower levels (chains up
    to 4 deep); ~1 % of roles also include a role of another family.
  * Accounts hold ~10 roles of one family; ~1 % also hold a role of another family; ~1 % are
    disabled (停用).
  * 100 incompatible rules over duties of different families: 85 pairs, 10 triples with n = 2,
    5 triples with n = 3.

All randomness comes from numpy's Generator seeded with --seed, one stream per table, so
--fraction (which scales only the accounts and account-role rows) keeps the catalogue and
rules identical.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from generate import command_line, write_rules_and_manifest, write_table

SCALES = {
    "full": dict(accounts=100_000, roles=5_000, permissions=20_000, roles_per_account=10,
                 permissions_per_role=100),
    "small": dict(accounts=1_000, roles=200, permissions=2_000, roles_per_account=10,
                  permissions_per_role=40),
}
GENERATOR_VERSION = 1         # bump when the output for a given seed changes
N_FAMILIES = 8
DUTIES_PER_FAMILY = 5
LEVEL_SHARES = [0.55, 0.2, 0.12, 0.08, 0.05]
CROSS_INCLUDE_SHARE = 0.01    # roles that also include a role of another family
CROSS_ACCOUNT_SHARE = 0.01    # accounts that also hold a role of another family
DISABLED_SHARE = 0.01
BIG_ROLE_SHARE = 0.004        # roles with 300+ permissions
CROSSING_POPULARITY = 0.2     # how often a role that includes another family's role is granted


def duty_id(family: int, duty: int) -> str:
    return f"f{family + 1}_d{duty + 1}"


def build_rules(rng: np.random.Generator) -> dict:
    duties = [{"id": duty_id(f, d), "parent": "business",
               "label": {"zh": f"业务族{f + 1}职责{d + 1}", "en": f"Family {f + 1} duty {d + 1}"}}
              for f in range(N_FAMILIES) for d in range(DUTIES_PER_FAMILY)]
    entries = [{"duty": duty_id(f, d), "codes": [f"F{f + 1}D{d + 1}-*"]}
               for f in range(N_FAMILIES) for d in range(DUTIES_PER_FAMILY)]
    specs: list[tuple[list[str], int]] = []
    seen: set[frozenset[str]] = set()

    def add(size: int, n: int) -> None:
        families = rng.choice(N_FAMILIES, size=size, replace=False)
        ds = [duty_id(int(f), int(rng.integers(DUTIES_PER_FAMILY))) for f in families]
        if frozenset(ds) not in seen:
            seen.add(frozenset(ds))
            specs.append((ds, n))

    while len(specs) < 85:
        add(2, 2)
    while len(specs) < 95:
        add(3, 2)
    while len(specs) < 100:
        add(3, 3)
    severities = ["high", "medium", "low"]
    rules = [{"id": f"FAM-{i + 1:04d}", "kind": "incompatible", "duties": ds, "n": n,
              "severity": severities[i % 3],
              "title": {"zh": f"业务族规则{i + 1}：不相容职责", "en": f"Family rule {i + 1}: incompatible duties"},
              "message": {"zh": f"同一主体持有{len(ds)}项中的{n}项或以上不相容职责",
                          "en": f"Subject holds {n} or more of {len(ds)} incompatible duties"},
              "source": "benchmark"}
             for i, (ds, n) in enumerate(specs)]
    return {"duties": duties, "permission_duties": entries, "rules": rules}


def permission_codes(n_perms: int) -> np.ndarray:
    """Permission codes by (family, duty, index): n_perms / 40 of each duty."""
    per_duty = n_perms // (N_FAMILIES * DUTIES_PER_FAMILY)
    return np.array([f"F{f + 1}D{d + 1}-{i:04d}" for f in range(N_FAMILIES)
                     for d in range(DUTIES_PER_FAMILY) for i in range(per_duty)])


def build_roles(rng: np.random.Generator, n_roles: int, n_perms: int, per_role: int) -> dict:
    per_duty = n_perms // (N_FAMILIES * DUTIES_PER_FAMILY)
    family = np.arange(n_roles) % N_FAMILIES
    levels = np.resize(np.repeat(np.arange(5), np.round(np.array(LEVEL_SHARES) * n_roles).astype(int)), n_roles)
    rng.shuffle(levels)
    counts = np.maximum(5, rng.poisson(per_role, size=n_roles))
    big = rng.random(n_roles) < BIG_ROLE_SHARE
    counts[big] = rng.integers(300, 400, size=int(big.sum()))
    counts = np.minimum(counts, per_duty * DUTIES_PER_FAMILY)
    role_of, perm_of = [], []
    for r in range(n_roles):
        duties = rng.choice(DUTIES_PER_FAMILY, size=int(rng.integers(1, DUTIES_PER_FAMILY + 1)), replace=False)
        pool = ((family[r] * DUTIES_PER_FAMILY + duties)[:, None] * per_duty + np.arange(per_duty)).ravel()
        got = rng.choice(pool, size=min(int(counts[r]), len(pool)), replace=False)
        role_of.append(np.full(len(got), r, np.int64))
        perm_of.append(np.sort(got))
    inc_role, inc_child = [], []
    for r in np.flatnonzero(levels > 0):
        lower = np.flatnonzero((family == family[r]) & (levels == levels[r] - 1))
        any_lower = np.flatnonzero((family == family[r]) & (levels < levels[r]))
        inc_role.append(r)
        inc_child.append(int(rng.choice(lower)))
        for _ in range(int(rng.choice([0, 1, 2, 3], p=[0.2, 0.3, 0.3, 0.2]))):
            inc_role.append(r)
            inc_child.append(int(rng.choice(any_lower)))
    # Roles of another family are included only by roles no other role includes: otherwise one
    # such include would reach, up the chains, most of its family's roles.
    top = np.setdiff1d(np.arange(n_roles), np.array(inc_child, np.int64))
    crossing = rng.choice(top, size=int(round(CROSS_INCLUDE_SHARE * n_roles)), replace=False)
    for r in crossing:
        others = np.flatnonzero((family != family[r]) & (levels > 0))
        inc_role.append(int(r))
        inc_child.append(int(rng.choice(others)))
    key = np.unique(np.array(inc_role, np.int64) * n_roles + np.array(inc_child, np.int64))
    popularity = np.ones(n_roles)
    popularity[crossing] = CROSSING_POPULARITY
    return dict(family=family, rp_role=np.concatenate(role_of), rp_perm=np.concatenate(perm_of),
                inc_role=key // n_roles, inc_child=key % n_roles, popularity=popularity)


def build_accounts(rng: np.random.Generator, n_acc: int, per_account: int, family: np.ndarray,
                   popularity: np.ndarray) -> dict:
    by_family = [np.flatnonzero(family == f) for f in range(N_FAMILIES)]
    acc_family = rng.integers(0, N_FAMILIES, size=n_acc)
    k = np.maximum(1, rng.poisson(per_account, size=n_acc))
    acc = np.repeat(np.arange(n_acc, dtype=np.int64), k)
    role = np.empty(len(acc), np.int64)
    for f in range(N_FAMILIES):
        mine = np.flatnonzero(acc_family[acc] == f)
        weights = popularity[by_family[f]]
        role[mine] = rng.choice(by_family[f], size=len(mine), p=weights / weights.sum())
    sizes = np.array([len(m) for m in by_family])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    members = np.concatenate(by_family)
    cross = np.flatnonzero(rng.random(n_acc) < CROSS_ACCOUNT_SHARE)
    other = (acc_family[cross] + rng.integers(1, N_FAMILIES, size=len(cross))) % N_FAMILIES
    cross_role = members[starts[other] + (rng.random(len(cross)) * sizes[other]).astype(np.int64)]
    n_roles = len(family)
    key = np.unique(np.concatenate([acc * n_roles + role, cross * n_roles + cross_role]))
    status = np.where(rng.random(n_acc) < DISABLED_SHARE, "停用", "正常")
    return dict(ar_acc=key // n_roles, ar_role=key % n_roles, status=status)


def generate(scale: str, seed: int, out: Path, fmt: str = "csv", fraction: float = 1.0) -> dict:
    t0 = time.perf_counter()
    p = dict(SCALES[scale])
    p["accounts"] = int(round(p["accounts"] * fraction))
    rng_rules, rng_roles, rng_acc = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    out.mkdir(parents=True, exist_ok=True)
    rules = build_rules(rng_rules)
    codes = permission_codes(p["permissions"])
    roles = build_roles(rng_roles, p["roles"], p["permissions"], p["permissions_per_role"])
    accs = build_accounts(rng_acc, p["accounts"], p["roles_per_account"], roles["family"], roles["popularity"])

    role_codes = pa.array([f"R{i + 1:05d}" for i in range(p["roles"])])
    acc_codes = pa.array([f"U{i + 1:07d}" for i in range(p["accounts"])])
    perm_codes = pa.array(codes)
    write_table(pa.table({"permission": perm_codes, "permission_name": pa.array(np.char.add("功能", codes))}),
                out, "permissions", fmt)
    write_table(pa.table({"role": role_codes.take(pa.array(roles["rp_role"])),
                          "permission": perm_codes.take(pa.array(roles["rp_perm"]))}), out, "role_permissions", fmt)
    write_table(pa.table({"role": role_codes.take(pa.array(roles["inc_role"])),
                          "includes": role_codes.take(pa.array(roles["inc_child"]))}), out, "role_includes", fmt)
    names = np.char.add("员工", np.arange(p["accounts"]).astype(str))
    id_numbers = np.char.add("4401", np.char.zfill(np.arange(p["accounts"]).astype(str), 14))
    write_table(pa.table({"account": acc_codes, "name": pa.array(names), "id_number": pa.array(id_numbers),
                          "unit": pa.array(np.full(p["accounts"], "省社会保险基金管理局")),
                          "status": pa.array(accs["status"])}), out, "accounts", fmt)
    write_table(pa.table({"account": acc_codes.take(pa.array(accs["ar_acc"])),
                          "role": role_codes.take(pa.array(accs["ar_role"]))}), out, "account_roles", fmt)
    return write_rules_and_manifest(out, "generate_families.py", GENERATOR_VERSION, dict(
        scale=scale, seed=seed, fraction=fraction, format=fmt), rules, roles, accs, p["roles"], len(codes), t0)


def main(argv: list[str] | None = None) -> int:
    return command_line(generate, SCALES, (__doc__ or "").split("\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
