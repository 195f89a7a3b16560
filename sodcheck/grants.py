"""From permission exports to who holds which duty, at province scale, with grant paths.

Shape of the computation, chosen so that 1M account-role rows stay cheap:
permission -> duty bits (vectorised glob matching), role -> own bits (a sorted reduce),
role closure over the condensation of the include graph (cycles become one node, never a hang),
account -> OR of its roles' closures (one ``bitwise_or.reduceat``). The account × permission
product is never built. Grant paths are searched only for the subjects a rule flags, and cached
per role.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .holders import HolderTable, duty_columns, upward
from .loaders.permissions import PermissionData, status_active
from .model import DataWarning, Evidence, Subject, Text
from .taxonomy import Taxonomy
from .text import compact

MAX_PATHS = 3


def glob_regex(glob: str) -> str:
    """An fnmatch glob as an anchored RE2 pattern (pyarrow's regex engine)."""
    out, i = [], 0
    while i < len(glob):
        ch = glob[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = glob.find("]", i + 2 if glob[i + 1:i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = glob[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "^(?:" + "".join(out) + ")$"


def _match_any(values: pa.Array, globs: tuple[str, ...]) -> np.ndarray:
    if not globs:
        return np.zeros(len(values), dtype=bool)
    pattern = "|".join(glob_regex(g) for g in globs)
    hit = pc.match_substring_regex(values, pattern, ignore_case=True)
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


def classify_permissions(taxonomy: Taxonomy, columns: dict[str, int], codes: list[str],
                         names: list[str]) -> np.ndarray:
    """direct[p, column]: permission p carries that duty (not yet expanded upwards).
    A user mapping of a permission replaces the built-in name mappings for it."""
    entries = taxonomy.permission_patterns
    code_array = pa.array(codes, type=pa.string())
    name_array = pa.array([compact(n) for n in names], type=pa.string())
    hits = np.zeros((len(codes), len(entries)), dtype=bool)
    for j, entry in enumerate(entries):
        hits[:, j] = _match_any(code_array, entry.codes) | \
            _match_any(name_array, tuple(compact(g) for g in entry.names))
    user = np.array([e.user for e in entries], dtype=bool)
    user_hit = hits[:, user].any(axis=1) if user.any() else np.zeros(len(codes), dtype=bool)
    chosen = hits & np.where(user_hit[:, None], user[None, :], ~user[None, :])
    entry_duty = np.zeros((len(entries), len(columns)), dtype=bool)
    for j, entry in enumerate(entries):
        entry_duty[j, columns[entry.duty]] = True
    return (chosen.astype(np.uint8) @ entry_duty.astype(np.uint8)) > 0


def _pack(matrix: np.ndarray) -> np.ndarray:
    return np.packbits(matrix, axis=1) if matrix.size else np.zeros((len(matrix), 1), dtype=np.uint8)


def _or_groups(bits: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """OR rows of bits that share a group id (bits and group aligned)."""
    out = np.zeros((groups, bits.shape[1]), dtype=bits.dtype)
    if len(group) == 0:
        return out
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    out[sorted_group[starts]] = np.bitwise_or.reduceat(bits[order], starts, axis=0)
    return out


@dataclass
class GrantGraph:
    """Roles, their includes and permissions, indexed for the duty closure and for paths."""

    data: PermissionData
    taxonomy: Taxonomy
    columns: dict[str, int]
    roles: list[str]
    role_index: dict[str, int]
    permissions: list[str]
    perm_index: dict[str, int]
    perm_direct: np.ndarray            # permission x duty column, direct duties
    role_closure: np.ndarray           # role x packed duty bits, through includes
    includes: nx.DiGraph
    role_perm_rows: dict[int, list[tuple[int, int, int]]]   # role -> [(perm, file, row)]
    include_rows: dict[tuple[int, int], tuple[int, int]]     # (role, included) -> (file, row)
    cycles: list[list[str]] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._masks: dict[str, np.ndarray] = {}
        self._paths: dict[tuple[int, str], tuple] = {}

    def _perms_for(self, duty: str) -> np.ndarray:
        """Which permissions carry this duty or one below it."""
        if duty not in self._masks:
            cols = [self.columns[d] for d in self.taxonomy.below(duty)]
            self._masks[duty] = self.perm_direct[:, cols].any(axis=1)
        return self._masks[duty]

    def role_paths(self, role: int, duty: str) -> tuple[tuple[tuple[int, ...], int, int, int], ...]:
        """Shortest include chain from role to each (granting role, permission) carrying duty:
        (chain of role indexes, permission, file, row of the first link). Cached per role."""
        key = (role, duty)
        if key not in self._paths:
            self._paths[key] = self._search(role, duty)
        return self._paths[key]

    def _search(self, role: int, duty: str) -> tuple:
        wanted = self._perms_for(duty)
        found = []
        seen = {role}
        queue = deque([(role, (role,))])
        while queue:
            current, chain = queue.popleft()
            for perm, file, row in self.role_perm_rows.get(current, ()):
                if wanted[perm]:
                    if len(chain) > 1:
                        file, row = self.include_rows[(chain[0], chain[1])]
                    found.append((chain, perm, file, row))
            for nxt in sorted(self.includes.successors(current)):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, chain + (nxt,)))
        return tuple(found)

    def evidence_for(self, head: tuple[str, ...], starts: list[tuple[int, int, int]],
                     direct: list[tuple[int, int, int]], duty: str) -> list[Evidence]:
        """Grant paths for one subject and one rule duty: at most MAX_PATHS, plus the count of
        the rest. starts: (role, file, row) the subject holds; direct: (permission, file, row)."""
        wanted = self._perms_for(duty)
        paths = []
        for perm, file, row in direct:
            if wanted[perm]:
                paths.append((head + (f"permission:{self.permissions[perm]}",), perm, file, row))
        for role, file, row in starts:
            for chain, perm, f2, r2 in self.role_paths(role, duty):
                path = head + tuple(f"role:{self.roles[r]}" for r in chain) + \
                    (f"permission:{self.permissions[perm]}",)
                paths.append((path, perm, file if head else f2, row if head else r2))
        paths.sort(key=lambda p: (len(p[0]), p[0]))
        shown = paths[:MAX_PATHS]
        rest = len(paths) - len(shown)
        evidence = []
        for i, (path, perm, file, row) in enumerate(shown):
            code = self.permissions[perm]
            name = self.data.catalogue.get(code, "")
            below = self.taxonomy.below(duty)
            match = next((m for m in self.taxonomy.classify_permission(code, name) if m.duty in below),
                         None)
            evidence.append(Evidence(
                file=self.data.files[file] if file is not None and file >= 0 else None, row=row,
                post=name or None, duty=match.duty if match else duty,
                pattern=match.pattern if match else None, permission=code, path=path,
                more_paths=rest if i == len(shown) - 1 else 0))
        return evidence


def _codes(series: pd.Series | None) -> list[str]:
    return [] if series is None else series.astype(str).tolist()


def build_graph(data: PermissionData, taxonomy: Taxonomy, warnings: list[DataWarning]) -> GrantGraph:
    columns = duty_columns(taxonomy)
    rp = data.role_permissions if data.role_permissions is not None else \
        pd.DataFrame(columns=["role", "permission", "file", "row"])
    ri = data.role_includes if data.role_includes is not None else \
        pd.DataFrame(columns=["role", "includes", "file", "row"])
    ar = data.account_roles if data.account_roles is not None else \
        pd.DataFrame(columns=["account", "role", "file", "row"])
    direct = data.direct if data.direct is not None else \
        pd.DataFrame(columns=["account", "permission", "file", "row"])

    defined = set(_codes(rp["role"])) | set(_codes(ri["role"])) | set(data.role_names)
    roles = sorted(defined | set(_codes(ri["includes"])) | set(_codes(ar["role"])))
    role_index = {r: i for i, r in enumerate(roles)}
    permissions = sorted(set(_codes(rp["permission"])) | set(_codes(direct["permission"]))
                         | set(data.catalogue))
    perm_index = {p: i for i, p in enumerate(permissions)}

    _warn_undefined(data, ar, ri, defined, warnings)

    perm_direct = classify_permissions(taxonomy, columns, permissions,
                                       [data.catalogue.get(p, "") for p in permissions])
    perm_bits = _pack(perm_direct @ upward(taxonomy, columns).astype(np.uint8) > 0) \
        if len(permissions) else np.zeros((0, (len(columns) + 7) // 8), dtype=np.uint8)

    rp_role = np.array([role_index[r] for r in _codes(rp["role"])], dtype=np.int64)
    rp_perm = np.array([perm_index[p] for p in _codes(rp["permission"])], dtype=np.int64)
    own = _or_groups(perm_bits[rp_perm] if len(rp_perm) else np.zeros((0, perm_bits.shape[1]), np.uint8),
                     rp_role, len(roles))

    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(roles)))
    include_rows: dict[tuple[int, int], tuple[int, int]] = {}
    for role, inc, file, row in zip(_codes(ri["role"]), _codes(ri["includes"]), ri["file"], ri["row"]):
        edge = (role_index[role], role_index[inc])
        graph.add_edge(*edge)
        include_rows.setdefault(edge, (int(file), int(row)))

    closure, cycles = _closure(graph, own)
    for cycle in cycles:
        names = [roles[i] for i in cycle]
        first = include_rows.get((cycle[0], next(iter(sorted(graph.successors(cycle[0]))))), (None, None))
        warnings.append(DataWarning(
            "ROLE-CYCLE", data.files[first[0]] if first[0] is not None else None, None, first[1], None,
            Text(f"角色包含关系成环：{' → '.join(names + names[:1])}；按环上各角色权限的并集计算",
                 f"role includes form a cycle: {' → '.join(names + names[:1])}; evaluated as the "
                 "union of the roles on the cycle")))

    role_perm_rows: dict[int, list[tuple[int, int, int]]] = {}
    for role, perm, file, row in zip(rp_role.tolist(), rp_perm.tolist(), rp["file"], rp["row"]):
        role_perm_rows.setdefault(role, []).append((perm, int(file), int(row)))
    return GrantGraph(data, taxonomy, columns, roles, role_index, permissions, perm_index, perm_direct,
                      closure, graph, role_perm_rows, include_rows, [[roles[i] for i in c] for c in cycles],
                      defined)


def _closure(graph: nx.DiGraph, own: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Each role's bits OR those of every role it includes, transitively. A cycle is one node of
    the condensation, so every role on it gets the union of the cycle."""
    condensed = nx.condensation(graph)
    members = nx.get_node_attributes(condensed, "members")
    comp_bits = np.zeros((len(condensed), own.shape[1]), dtype=own.dtype)
    for comp in reversed(list(nx.topological_sort(condensed))):
        idx = sorted(members[comp])
        bits = np.bitwise_or.reduce(own[idx], axis=0)
        for succ in condensed.successors(comp):
            bits |= comp_bits[succ]
        comp_bits[comp] = bits
    closure = np.zeros_like(own)
    mapping = condensed.graph["mapping"]
    for role, comp in mapping.items():
        closure[role] = comp_bits[comp]
    cycles = [sorted(members[c]) for c in condensed if len(members[c]) > 1]
    cycles += [[n] for n in graph.nodes if graph.has_edge(n, n)]
    return closure, sorted(cycles)


def _warn_undefined(data: PermissionData, ar: pd.DataFrame, ri: pd.DataFrame, defined: set[str],
                    warnings: list[DataWarning]) -> None:
    if not defined:
        return  # only account-role links were given: no role definitions to check against
    reported = 0
    for frame, column in ((ar, "role"), (ri, "includes")):
        missing = frame.loc[~frame[column].isin(list(defined))].drop_duplicates(column)
        for role, file, row in zip(_codes(missing[column]), missing["file"], missing["row"]):
            if reported < 50:
                warnings.append(DataWarning("ROLE-UNDEFINED", data.files[int(file)], None, int(row), None,
                                            Text(f"角色 {role} 在任何文件中都没有定义（无功能、无包含关系）",
                                                 f"role {role} is not defined by any file "
                                                 "(no permissions, no includes)")))
            reported += 1
    if reported > 50:
        warnings.append(DataWarning("ROLE-UNDEFINED", None, None, None, None,
                                    Text(f"另有 {reported - 50} 个未定义的角色", f"{reported - 50} more undefined roles")))


@dataclass
class Accounts:
    codes: list[str]
    info: pd.DataFrame                # indexed by account code: name, id_number, unit, status
    active: np.ndarray
    bits: np.ndarray                  # packed duty bits per account
    starts: dict[int, list[tuple[int, int, int]]]   # account -> [(role, file, row)]
    direct: dict[int, list[tuple[int, int, int]]]   # account -> [(permission, file, row)]


def build_accounts(graph: GrantGraph, warnings: list[DataWarning]) -> Accounts:
    data = graph.data
    ar = data.account_roles if data.account_roles is not None else \
        pd.DataFrame(columns=["account", "role", "file", "row"])
    direct = data.direct if data.direct is not None else \
        pd.DataFrame(columns=["account", "permission", "file", "row"])
    info = data.accounts.set_index("account") if data.accounts is not None else pd.DataFrame()
    codes = sorted(set(_codes(ar["account"])) | set(_codes(direct["account"])) |
                   set(info.index.astype(str) if len(info) else []))
    index = pd.Index(codes)
    width = graph.role_closure.shape[1]
    ar_acc = index.get_indexer(ar["account"].astype(str)) if len(ar) else np.zeros(0, np.int64)
    ar_role = np.array([graph.role_index[r] for r in _codes(ar["role"])], dtype=np.int64)
    bits = _or_groups(graph.role_closure[ar_role] if len(ar_role) else np.zeros((0, width), np.uint8),
                      ar_acc, len(codes))
    d_acc = index.get_indexer(direct["account"].astype(str)) if len(direct) else np.zeros(0, np.int64)
    d_perm = np.array([graph.perm_index[p] for p in _codes(direct["permission"])], dtype=np.int64)
    if len(d_perm):
        perm_bits = _pack(graph.perm_direct @ upward(graph.taxonomy, graph.columns).astype(np.uint8) > 0)
        bits |= _or_groups(perm_bits[d_perm], d_acc, len(codes))

    active = np.ones(len(codes), dtype=bool)
    if "status" in info.columns:
        statuses = info["status"].reindex(index)
        unknown = 0
        for i, value in enumerate(statuses.tolist()):
            state = status_active(None if pd.isna(value) else str(value))
            if state is False:
                active[i] = False
            elif state is None and not pd.isna(value):
                unknown += 1
                if unknown <= 20:
                    row = info.loc[codes[i]]
                    warnings.append(DataWarning("STATUS-UNKNOWN", data.files[int(row["file"])], None,
                                                int(row["row"]), None,
                                                Text(f"账号 {codes[i]} 的状态“{value}”无法识别，按正常处理",
                                                     f"account {codes[i]}: status {value!r} not understood; "
                                                     "treated as active")))

    starts: dict[int, list[tuple[int, int, int]]] = {}
    for acc, role, file, row in zip(ar_acc.tolist(), ar_role.tolist(), ar["file"], ar["row"]):
        starts.setdefault(acc, []).append((role, int(file), int(row)))
    direct_rows: dict[int, list[tuple[int, int, int]]] = {}
    for acc, perm, file, row in zip(d_acc.tolist(), d_perm.tolist(), direct["file"], direct["row"]):
        direct_rows.setdefault(acc, []).append((perm, int(file), int(row)))
    return Accounts(codes, info, active, bits, starts, direct_rows)


def _unpack(bits: np.ndarray, width: int) -> np.ndarray:
    return np.unpackbits(bits, axis=1, count=width).astype(bool) if len(bits) else \
        np.zeros((0, width), dtype=bool)


def account_value(info: pd.DataFrame, code: str, column: str) -> str | None:
    if column not in info.columns or code not in info.index:
        return None
    value = info.at[code, column]
    return None if pd.isna(value) or str(value) == "" else str(value)


def account_table(graph: GrantGraph, accounts: Accounts, keep: np.ndarray) -> HolderTable:
    rows = np.flatnonzero(keep)
    subjects = [Subject("account", accounts.codes[i], account_value(accounts.info, accounts.codes[i], "unit"),
                        account_value(accounts.info, accounts.codes[i], "id_number")) for i in rows]

    def evidence(index: int, duty: str) -> list[Evidence]:
        acc = int(rows[index])
        return graph.evidence_for((f"account:{accounts.codes[acc]}",), accounts.starts.get(acc, []),
                                  accounts.direct.get(acc, []), duty)

    return HolderTable("account", subjects, graph.columns,
                       _unpack(accounts.bits[rows], len(graph.columns)), evidence)


def role_table(graph: GrantGraph) -> HolderTable:
    roles = [i for i, r in enumerate(graph.roles) if r in graph.defined]
    subjects = [Subject("role", graph.roles[i]) for i in roles]

    def evidence(index: int, duty: str) -> list[Evidence]:
        role = roles[index]
        return graph.evidence_for((), [(role, -1, 0)], [], duty)

    return HolderTable("role", subjects, graph.columns,
                       _unpack(graph.role_closure[roles] if roles else
                               np.zeros((0, graph.role_closure.shape[1]), np.uint8), len(graph.columns)),
                       evidence)


def account_duties(graph: GrantGraph, accounts: Accounts, acc: int) -> dict[str, list[Evidence]]:
    """Every duty one account holds directly (leaves, not their parents), with grant paths."""
    held = _unpack(accounts.bits[[acc]], len(graph.columns))[0]
    names = sorted(graph.columns, key=graph.columns.get)
    out: dict[str, list[Evidence]] = {}
    for duty in names:
        if held[graph.columns[duty]] and not any(
                held[graph.columns[child]] for child in graph.taxonomy.below(duty) if child != duty):
            out[duty] = graph.evidence_for((f"account:{accounts.codes[acc]}",), accounts.starts.get(acc, []),
                                           accounts.direct.get(acc, []), duty)
    return out
