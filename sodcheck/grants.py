"""From permission exports to who holds which duty, at province scale, with grant paths.

Shape of the computation, chosen so that 1M account-role rows stay cheap:
permission -> duty bits (vectorised glob matching), role -> own bits (a sorted reduce),
role closure over the condensation of the include graph (cycles become one node, never a hang),
account -> OR of its roles' closures (one ``bitwise_or.reduceat``). The account × permission
product is never built. Grant paths are searched only for the subjects a rule flags, and cached
per role.
"""
from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import arrow
from .holders import AccountTable, HolderTable, duty_columns, expand_up
from .loaders.permissions import PermissionData, status_active
from .model import DataWarning, Evidence, Subject, Text
from .taxonomy import Glob, Taxonomy, glob_regex
from .text import compact

if TYPE_CHECKING:
    import networkx as nx  # imported where used: only include graphs with cycles need it

MAX_PATHS = 3
# Roles one grant-path search visits before it stops. A province's role graph reaches far fewer
# from one role; a hostile one (10,000 roles on one include cycle, every one of them flagged) would
# otherwise cost a search over the whole graph for every flagged role.
SEARCH_BUDGET = 512
# Roles shown of one include chain: a longer chain keeps its first roles and the granting role,
# with a "skipped:N" step for the N roles between (a chain through a 10,000-role cycle).
MAX_CHAIN = 16
# Searches kept per role, up to this many roles reached (larger ones are redone per duty).
KEPT_REACH = 64
# Evidence of a role that only a what-if --grant gives: no export row proves it. Empty, not None,
# because evidence is sorted and the same finding also holds rows of real files; empty is what
# every writer already treats as "no file" (no SARIF location, no link).
WHAT_IF_FILE = ""


class RolePaths(NamedTuple):
    """The grant paths from one role to one duty: the first MAX_PATHS in the order evidence shows
    them, as (steps, permission, file, row), and how many there are in all."""

    shown: tuple[tuple[tuple[str, ...], int, int, int], ...]
    total: int


def _match_any(values: pa.Array, globs: tuple[str, ...]) -> np.ndarray:
    if not globs:
        return np.zeros(len(values), dtype=bool)
    pattern = "|".join(glob_regex(g) for g in globs)
    hit = pc.match_substring_regex(values, pattern, ignore_case=True)
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


class _Codes:
    """Permission codes sorted case-insensitively, so that a glob with a literal prefix
    ("P0061*", "ZF_[0-9]") is tried only on the codes that share the prefix, not on all 20,000."""

    WILDCARDS = re.compile(r"[*?\[]")

    def __init__(self, codes: list[str]):
        upper = np.array([c.upper() for c in codes], dtype=object)
        self.order = np.argsort(upper, kind="stable")
        self.sorted = upper[self.order]
        self.codes = codes

    def match(self, globs: tuple[str, ...]) -> np.ndarray:
        mask = np.zeros(len(self.codes), dtype=bool)
        for glob in globs:
            key = glob.upper()
            prefix = key[:m.start()] if (m := self.WILDCARDS.search(key)) else key
            lo = np.searchsorted(self.sorted, prefix, side="left")
            hi = np.searchsorted(self.sorted, prefix + "\U0010ffff", side="left") if m else \
                np.searchsorted(self.sorted, prefix, side="right")
            candidates = self.order[lo:hi]
            if not m or key == prefix + "*":
                mask[candidates] = True
            elif len(candidates):
                matcher = Glob(key)
                mask[[i for i in candidates.tolist() if matcher.match(self.codes[i])]] = True
        return mask


def classify_permissions(taxonomy: Taxonomy, columns: dict[str, int], codes: list[str],
                         names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(direct, chosen): direct[p, column] says permission p carries that duty (not yet expanded
    upwards); chosen[p, entry] says which permission_duties entry gave it. A user mapping of a
    permission replaces the built-in name mappings for it."""
    entries = taxonomy.permission_patterns
    code_index = _Codes(codes)
    name_array = pa.array([compact(n) for n in names], type=pa.string())
    hits = np.zeros((len(codes), len(entries)), dtype=bool)
    # Every built-in entry leaves out the same look-only names: match those globs once, not per entry.
    excluded: dict[tuple[str, ...], np.ndarray] = {}
    for j, entry in enumerate(entries):
        hits[:, j] = code_index.match(entry.codes) | \
            _match_any(name_array, tuple(compact(g) for g in entry.names))
        if entry.unless:
            if entry.unless not in excluded:
                excluded[entry.unless] = _match_any(name_array, tuple(compact(g) for g in entry.unless))
            hits[:, j] &= ~excluded[entry.unless]
    user = np.array([e.user for e in entries], dtype=bool)
    user_hit = np.any(hits[:, user], axis=1) if user.any() else np.zeros(len(codes), dtype=bool)
    chosen = hits & np.where(user_hit[:, None], user[None, :], ~user[None, :])
    direct = np.zeros((len(codes), len(columns)), dtype=bool)
    for j, entry in enumerate(entries):
        direct[:, columns[entry.duty]] |= chosen[:, j]
    return direct, chosen


def _pack(matrix: np.ndarray) -> np.ndarray:
    return np.packbits(matrix, axis=1) if matrix.size else \
        np.zeros((len(matrix), (matrix.shape[1] + 7) // 8 or 1), dtype=np.uint8)


def _stable_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """np.argsort(values, kind="stable") of values in range(bound): as 16-bit keys where they fit,
    which numpy sorts by radix in linear time (a province's 500,000 grants: 6 ms rather than 40)."""
    return np.argsort(values.astype(np.uint16) if bound <= 1 << 16 else values, kind="stable")


# Rows gathered at a time by _or_gathered: a few megabytes, which the allocator hands back and
# reuses, where one array of every row would be fresh memory (page faults cost as much as the work).
GATHER_ROWS = 1 << 16


def _or_gathered(bits: np.ndarray, index: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Per group, the OR of the rows bits[index[i]] of every i in it (index and group aligned: a
    million account-role rows). Done on 64-bit words (a packed row is a few bytes, and numpy
    gathers and ORs a word in the time it takes for a byte), a block of rows at a time."""
    width = bits.shape[1]
    words = np.zeros((len(bits), -(-width // 8) * 8), dtype=np.uint8)
    words[:, :width] = bits
    words64 = words.view(np.uint64)
    out = np.zeros((groups, words64.shape[1]), dtype=np.uint64)
    if len(group) and not np.all(group[1:] >= group[:-1]):
        order = np.argsort(group, kind="stable")    # exports usually come sorted by account already
        index, group = index[order], group[order]
    for start in range(0, len(group), GATHER_ROWS):
        block = group[start:start + GATHER_ROWS]
        firsts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        # take: a fancy index copies row by row. A group cut by the block's end is ORed twice.
        reduced = np.bitwise_or.reduceat(np.take(words64, index[start:start + GATHER_ROWS], axis=0), firsts, axis=0)
        out[block[firsts]] |= reduced
    return np.ascontiguousarray(out.view(np.uint8)[:, :width])


class Includes:
    """Role includes as adjacency lists (and a set of edges, so that adding one is O(1) even for a
    role that includes 10,000 others). networkx is loaded only when there is a cycle to condense:
    most exports have none, and its import costs more than the closure."""

    def __init__(self, size: int):
        self.out: list[list[int]] = [[] for _ in range(size)]
        self._edges: set[tuple[int, int]] = set()

    def add(self, role: int, included: int) -> None:
        if (role, included) not in self._edges:
            self._edges.add((role, included))
            self.out[role].append(included)

    def successors(self, role: int) -> list[int]:
        return self.out[role]

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(a, b) for a, targets in enumerate(self.out) for b in targets]

    def has_edge(self, a: int, b: int) -> bool:
        return (a, b) in self._edges

    def networkx(self) -> nx.DiGraph[int]:
        import networkx as nx

        graph: nx.DiGraph[int] = nx.DiGraph()
        graph.add_nodes_from(range(len(self.out)))
        graph.add_edges_from(self.edges)
        return graph

    def predecessors(self) -> list[list[int]]:
        """The include lists turned around: who includes each role, in role order."""
        back: list[list[int]] = [[] for _ in self.out]
        for role, targets in enumerate(self.out):
            for included in targets:
                back[included].append(role)
        return back


class Grouped:
    """Rows grouped by an integer key (role, account) without a Python object per row:
    one argsort, then slices. get(key) -> [(value, file, row)]."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, files: np.ndarray, rows: np.ndarray,
                 size: int):
        if np.all(keys[1:] >= keys[:-1]):   # exports usually come sorted by account already
            self.values, self.files, self.rows, ordered = values, files, rows, keys
        else:
            order = np.argsort(keys, kind="stable")
            self.values, self.files, self.rows, ordered = values[order], files[order], rows[order], keys[order]
        self.offsets = np.searchsorted(ordered, np.arange(size + 1))

    def get(self, key: int, keep: np.ndarray | None = None) -> list[tuple[int, int, int]]:
        """keep: a mask over all values (e.g. roles that can lead to a duty); rows whose value it
        rejects are left out, in one vector step rather than one test per row."""
        lo, hi = self.offsets[key], self.offsets[key + 1]
        values, files, rows = self.values[lo:hi], self.files[lo:hi], self.rows[lo:hi]
        if keep is not None:
            chosen = keep[values]
            values, files, rows = values[chosen], files[chosen], rows[chosen]
        return list(zip(values.tolist(), files.tolist(), rows.tolist()))

    def values_of(self, key: int) -> np.ndarray:
        return self.values[self.offsets[key]:self.offsets[key + 1]]


@dataclass
class GrantGraph:
    """Roles, their includes and permissions, indexed for the duty closure and for paths."""

    data: PermissionData
    taxonomy: Taxonomy
    columns: dict[str, int]
    roles: list[str]
    permissions: list[str]
    perm_direct: np.ndarray            # permission x duty column, direct duties
    perm_bits: np.ndarray              # the same expanded upwards and packed: what a grant carries
    perm_entries: np.ndarray           # permission x permission_duties entry that mapped it
    role_closure: np.ndarray           # role x packed duty bits, through includes
    includes: Includes
    role_perm_rows: Grouped                                  # role -> [(perm, file, row)]
    include_rows: dict[tuple[int, int], tuple[int, int]]     # (role, included) -> (file, row)
    cycles: list[list[str]] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)
    account_role_index: np.ndarray | None = None   # role position of each account-role row

    def __post_init__(self) -> None:
        self._masks: dict[tuple[str, bool], np.ndarray] = {}
        self._paths: dict[tuple[int, str, bool], RolePaths] = {}
        self._leading: dict[str, np.ndarray] = {}
        self._route_cache: dict[tuple[str, bool], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._granting_cache: dict[tuple[str, bool], list[bool]] = {}
        self._count_cache: dict[tuple[str, bool], list[int]] = {}
        self._leading_lists: dict[str, list[bool]] = {}
        self._reaches: dict[int, tuple[list[tuple[tuple[int, ...], int]], bool]] = {}
        self._granted_cache: dict[tuple[int, str, bool], list[tuple[int, int, int]]] = {}
        self._descriptions: dict[tuple[int, str, bool], tuple[str, str, str, str | None]] = {}

    def roles_leading_to(self, duty: str) -> np.ndarray:
        """Per role: whether it carries the duty (or one below it), through its includes."""
        if duty not in self._leading:
            byte, bit = divmod(self.columns[duty], 8)
            self._leading[duty] = (self.role_closure[:, byte] & (0x80 >> bit)) != 0
        return self._leading[duty]

    def _leading_list(self, duty: str) -> list[bool]:
        """roles_leading_to as a list: read once per role an account holds, where a numpy scalar
        costs more than the lookup around it."""
        if duty not in self._leading_lists:
            self._leading_lists[duty] = self.roles_leading_to(duty).tolist()
        return self._leading_lists[duty]

    def _perms_for(self, duty: str, exact: bool = False) -> np.ndarray:
        """Which permissions carry this duty or one below it (exact: this duty itself, as mapped)."""
        key = (duty, exact)
        if key not in self._masks:
            cols = [self.columns[duty]] if exact else [self.columns[d] for d in self.taxonomy.below(duty)]
            self._masks[key] = np.any(self.perm_direct[:, cols], axis=1)
        return self._masks[key]

    @cached_property
    def _role_of_row(self) -> np.ndarray:
        """The role of each row of role_perm_rows, in its order."""
        return np.repeat(np.arange(len(self.roles)), np.diff(self.role_perm_rows.offsets))

    @cached_property
    def _direct_closure(self) -> np.ndarray:
        """Per role, the packed duties as mapped (not expanded upwards) of every permission it gives
        through its includes: the same linear closure as role_closure, on the unexpanded bits."""
        own = _or_gathered(_pack(self.perm_direct), self.role_perm_rows.values, self._role_of_row, len(self.roles))
        return _closure(self.includes, own)[0]

    def direct_duties(self, starts: list[tuple[int, int, int]],
                      direct: list[tuple[int, int, int]]) -> np.ndarray:
        """The duties, as mapped and not expanded upwards, of every permission these roles (through
        their includes) and direct grants give. Used for linked accounts only."""
        held = np.zeros(len(self.columns), dtype=bool)
        for role, _, _ in starts:
            held |= np.unpackbits(self._direct_closure[role], count=len(self.columns)).astype(bool)
        for perm, _, _ in direct:
            held |= self.perm_direct[perm]
        return held

    @cached_property
    def _distinct_grants(self) -> Grouped:
        """role -> the permissions it grants itself, each once at its first (file, row), in
        permission order: the order in which grant paths ending at one role are shown (the
        permission codes are sorted, so their positions sort as their codes do)."""
        rows = self.role_perm_rows
        role = self._role_of_row
        # Within a role the rows are already in (file, row) order; stable sorts (by permission, then
        # by role) keep it, so the first row of each (role, permission) is the one the evidence names.
        by_permission = _stable_argsort(rows.values, len(self.permissions))
        order = by_permission[_stable_argsort(role[by_permission], len(self.roles))]
        pair = role[order].astype(np.int64) * max(len(self.permissions), 1) + rows.values[order]
        first = order[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else order
        return Grouped(role[first], rows.values[first], rows.files[first], rows.rows[first], len(self.roles))

    def _granted(self, role: int, wanted: np.ndarray, key: tuple[str, bool]) -> list[tuple[int, int, int]]:
        """The first MAX_PATHS wanted permissions the role grants itself, as (permission, file, row):
        one vector step over the role's permissions, whatever their number; kept per role and duty,
        as many chains end at the same role."""
        cache_key = (role, *key)
        if cache_key not in self._granted_cache:
            grants = self._distinct_grants
            first = np.flatnonzero(wanted[grants.values_of(role)])[:MAX_PATHS] + grants.offsets[role]
            self._granted_cache[cache_key] = list(zip(grants.values[first].tolist(), grants.files[first].tolist(),
                                                      grants.rows[first].tolist()))
        return self._granted_cache[cache_key]

    @cached_property
    def _grants_by_permission(self) -> tuple[np.ndarray, np.ndarray]:
        """(role of each of _distinct_grants' rows, ordered by permission; where each permission's
        rows start): the roles that grant a permission, without a pass over every grant."""
        grants = self._distinct_grants
        owner = np.repeat(np.arange(len(self.roles)), np.diff(grants.offsets))
        order = _stable_argsort(grants.values, len(self.permissions))
        return owner[order], np.searchsorted(grants.values[order], np.arange(len(self.permissions) + 1))

    def _grant_counts(self, wanted: np.ndarray, key: tuple[str, bool]) -> list[int]:
        """Per role: how many wanted permissions it grants itself (a path count never needs the
        paths). Counted over the grants of the wanted permissions only: a duty is a few of the
        export's permissions, and a province has hundreds of duties."""
        if key not in self._count_cache:
            owner, starts = self._grants_by_permission
            perms = np.flatnonzero(wanted)
            lo, sizes = starts[perms], starts[perms + 1] - starts[perms]
            # The rows of every wanted permission, one run each: lo[i], lo[i] + 1, ... lo[i] + sizes[i] - 1.
            rows = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
            self._count_cache[key] = np.bincount(owner[rows], minlength=len(self.roles)).tolist()
        return self._count_cache[key]

    def role_paths(self, role: int, duty: str, exact: bool = False) -> RolePaths:
        """The grant paths from a role to the duty: the shortest include chain to each granting role,
        then each permission it grants that carries the duty. Only the first MAX_PATHS paths (in
        the order evidence shows them) are made; the rest are counted. Cached per role, so every
        account holding the role shares them."""
        key = (role, duty, exact)
        if key not in self._paths:
            wanted = self._perms_for(duty, exact)
            found = self._search(role, duty, exact)
            counts = self._grant_counts(wanted, (duty, exact))
            shown: list[tuple[tuple[str, ...], int, int, int]] = []
            for chain, end in found:        # in the order paths are shown
                if len(shown) == MAX_PATHS:
                    break
                steps = _chain_steps(chain, self.roles)
                # A path through includes is proven by its first include row; a role's own
                # grant by the row that grants the permission.
                link = self.include_rows[(int(chain[0]), int(chain[1]))] if len(chain) > 1 else None
                for perm, file, row in self._granted(end, wanted, (duty, exact))[:MAX_PATHS - len(shown)]:
                    file, row = link or (file, row)
                    shown.append((steps + (f"permission:{self.permissions[perm]}",), perm, file, row))
            self._paths[key] = RolePaths(tuple(shown), sum(counts[end] for _, end in found))
        return self._paths[key]

    def _search(self, role: int, duty: str, exact: bool = False) -> list[tuple[tuple[int | str, ...], int]]:
        """(chain, granting role) for every role a breadth-first search from role reaches that
        grants the duty itself, each with its shortest include chain, in the order their paths are
        shown. The search visits at most SEARCH_BUDGET roles; when that leaves it empty-handed, the
        nearest granting role comes from the routes (one backward search per duty over the whole
        graph)."""
        wanted = self._perms_for(duty, exact)
        if role in self._crowded:
            # On a cycle of more roles than the budget: the search could only run out of it.
            return self._routed(role, wanted, (duty, exact))
        granting = self._granting(wanted, (duty, exact))
        reached, exhausted = self._reach(role)
        found: list[tuple[tuple[int | str, ...], int]] = [(chain, end) for chain, end in reached if granting[end]]
        if not found and exhausted:
            found = self._routed(role, wanted, (duty, exact))
        return found

    def _reach(self, role: int) -> tuple[list[tuple[tuple[int, ...], int]], bool]:
        """The roles a breadth-first search from role visits (at most SEARCH_BUDGET), each with its
        shortest include chain, in the order grant paths are shown: shorter chains first, then by
        their steps; and whether the budget ran out. The same for every duty, so kept per role
        (unless large: a hostile graph must not keep SEARCH_BUDGET chains for every role)."""
        if role in self._reaches:
            return self._reaches[role]
        parent = {role: -1}
        queue = deque([role])
        visited = []
        while queue:
            current = queue.popleft()
            visited.append(current)
            for nxt in self.includes.successors(current):    # sorted when the graph was built
                if nxt not in parent and len(parent) < SEARCH_BUDGET:
                    parent[nxt] = current
                    queue.append(nxt)
        reached = [(self._chain_to(current, parent), current) for current in visited]
        if len(reached) > 1:
            reached.sort(key=self._shown_order)
        result = (reached, len(parent) >= SEARCH_BUDGET)
        if len(reached) <= KEPT_REACH:
            self._reaches[role] = result
        return result

    def _shown_order(self, entry: tuple[tuple[int, ...], int]) -> tuple:
        """Where a chain's paths come among those of one search: by length, then by steps. Role
        codes sort as their positions do (the roles are sorted), so a chain shown in full sorts as
        its positions; a chain too long to show sorts by the steps it is shown as."""
        chain = entry[0]
        if len(chain) < MAX_CHAIN:
            return (len(chain), chain)
        return (MAX_CHAIN, _chain_steps(chain, self.roles))

    @staticmethod
    def _chain_to(role: int, parent: dict[int, int]) -> tuple[int, ...]:
        chain = [role]
        while parent[chain[-1]] >= 0:
            chain.append(parent[chain[-1]])
        return tuple(reversed(chain))

    @cached_property
    def _crowded(self) -> frozenset[int]:
        """Roles on an include cycle of more than SEARCH_BUDGET roles."""
        return frozenset(int(i) for members in self.cycles if len(members) > SEARCH_BUDGET
                         for i in np.searchsorted(self.roles, members))

    def _granting(self, wanted: np.ndarray, key: tuple[str, bool]) -> list[bool]:
        """Per role: whether it grants a wanted permission itself (a list: read once per role
        visited, where a numpy scalar costs more than the search around it)."""
        if key not in self._granting_cache:
            self._granting_cache[key] = [count > 0 for count in self._grant_counts(wanted, key)]
        return self._granting_cache[key]

    def _routes(self, wanted: np.ndarray, key: tuple[str, bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(next, target, distance) per role towards the nearest role that grants a wanted permission
        itself: one breadth-first search backwards from all of them, O(roles + includes)."""
        if key not in self._route_cache:
            size = len(self.roles)
            grants = np.array(self._granting(wanted, key), dtype=bool)
            nxt = np.full(size, -1, dtype=np.int64)
            target = np.where(grants, np.arange(size), -1)
            distance = np.where(grants, 0, -1)
            back = self.includes.predecessors()
            queue = deque(np.flatnonzero(grants).tolist())
            while queue:
                current = queue.popleft()
                for role in back[current]:
                    if distance[role] < 0:
                        distance[role], nxt[role], target[role] = distance[current] + 1, current, target[current]
                        queue.append(role)
            self._route_cache[key] = (nxt, target, distance)
        return self._route_cache[key]

    def _routed(self, role: int, wanted: np.ndarray, key: tuple[str, bool]
                ) -> list[tuple[tuple[int | str, ...], int]]:
        """The chain to the nearest granting role, its middle left out when it is longer than
        MAX_CHAIN: following it hop by hop for every role of a 10,000-role cycle is quadratic."""
        nxt, target, distance = self._routes(wanted, key)
        if target[role] < 0:
            return []
        chain = [role]
        while len(chain) < min(MAX_CHAIN - 2, int(distance[role]) + 1):
            chain.append(int(nxt[chain[-1]]))
        skipped = int(distance[role]) + 1 - len(chain) - 1
        end = int(target[role])
        steps: tuple[int | str, ...] = (*chain, f"skipped:{skipped}", end) if skipped > 0 else \
            ((*chain, end) if chain[-1] != end else tuple(chain))
        return [(steps, end)]

    def evidence_for(self, head: tuple[str, ...], starts: list[tuple[int, int, int]],
                     direct: list[tuple[int, int, int]], duty: str, exact: bool = False) -> list[Evidence]:
        """Grant paths for one subject and one rule duty: at most MAX_PATHS, plus the count of
        the rest. starts: (role, file, row) the subject holds; direct: (permission, file, row).
        exact: only permissions mapped to this duty itself, not to one below it.

        Paths are shown shortest first, then by their steps, each once at its first file and row
        (a flat export repeats one account-role pair on many rows). Every path through a role
        starts with that role, so the first MAX_PATHS of all are among the first MAX_PATHS of each
        role (precomputed per role) and of the direct grants: the cost is that of what is shown,
        not of how many paths there are."""
        candidates: list[tuple[tuple[str, ...], int, int, int]] = []
        count = 0
        if direct:
            wanted = self._perms_for(duty, exact)
            first_row: dict[int, tuple[int, int]] = {}
            for perm, file, row in direct:
                if wanted[perm] and (perm not in first_row or (file, row) < first_row[perm]):
                    first_row[perm] = (file, row)
            count = len(first_row)
            candidates = [((f"permission:{self.permissions[perm]}",), perm, *first_row[perm])
                          for perm in sorted(first_row)[:MAX_PATHS]]
        leading = self._leading_list(duty)
        held: dict[int, tuple[int, int]] = {}
        for role, file, row in starts:
            if leading[role] and (role not in held or (file, row) < held[role]):
                held[role] = (file, row)
        # Each role's paths come sorted, so the first MAX_PATHS of all come from the MAX_PATHS roles
        # whose first paths come first: only their paths are candidates.
        firsts = []
        known = self._paths
        for role, (file, row) in held.items():
            paths = known.get((role, duty, exact)) or self.role_paths(role, duty, exact)
            count += paths.total
            if paths.shown:
                steps, _, f2, r2 = paths.shown[0]
                firsts.append(((len(steps), steps, *((file, row) if head else (f2, r2))), paths, file, row))
        if len(firsts) > MAX_PATHS:
            firsts = sorted(firsts, key=_first)[:MAX_PATHS]
        for _, paths, file, row in firsts:
            candidates += [(steps, perm, file, row) if head else (steps, perm, f2, r2)
                           for steps, perm, f2, r2 in paths.shown]
        candidates.sort(key=_shown_first)
        shown = candidates[:MAX_PATHS]
        rest = count - len(shown)
        evidence = []
        files, last = self.data.files, len(shown) - 1
        for i, (steps, perm, file, row) in enumerate(shown):
            code, post, held_duty, how = self.describe(perm, duty, exact)
            real = file is not None and file >= 0
            evidence.append(Evidence(
                file=files[file] if real else WHAT_IF_FILE, row=row if real else None,
                post=post, duty=held_duty, pattern=how, permission=code,
                path=head + steps, more_paths=rest if i == last else 0))
        return evidence

    def describe(self, perm: int, duty: str, exact: bool = False) -> tuple[str, str, str, str | None]:
        """(code, post, duty, glob) of a permission as evidence of a rule duty shows it: the duty
        and glob of the entry that classified it under the rule duty. Kept, as every account
        holding the permission shows it alike. The post falls back to the code: evidence is
        sorted, and None beside a name cannot be."""
        key = (perm, duty, exact)
        found = self._descriptions.get(key)
        if found is None:
            code = self.permissions[perm]
            post = self.data.catalogue.get(code) or code
            found = (code, post, duty, None)
            below = {duty} if exact else self.taxonomy.below(duty)
            name = compact(self.data.catalogue.get(code, ""))
            for j in np.flatnonzero(self.perm_entries[perm]):
                entry = self.taxonomy.permission_patterns[j]
                if entry.duty in below:
                    glob = entry.matches_code(code)
                    found = (code, post, entry.duty, f"code {glob}" if glob else f"name {entry.matches_name(name)}")
                    break
            self._descriptions[key] = found
        return found


def _first(first: tuple) -> tuple:
    return first[0]


def _shown_first(path: tuple[tuple[str, ...], int, int, int]) -> tuple:
    """Paths are shown shortest first, then by their steps, then by where they are written."""
    return (len(path[0]), path[0], path[2], path[3])


def _chain_steps(chain: Sequence[int | str], roles: list[str]) -> tuple[str, ...]:
    """A chain's path steps: "role:CODE" per role, and a long chain's "skipped:N" as it is; a
    chain longer than MAX_CHAIN keeps its first roles and its last (the granting role)."""
    if len(chain) > MAX_CHAIN:      # (a routed chain is never longer)
        chain = (*chain[:MAX_CHAIN - 2], f"skipped:{len(chain) - MAX_CHAIN + 1}", chain[-1])
    return tuple(step if isinstance(step, str) else f"role:{roles[step]}" for step in chain)


def _table(table: pa.Table | None, columns: list[str]) -> pa.Table:
    return table if table is not None else arrow.empty(columns)


def build_graph(data: PermissionData, taxonomy: Taxonomy, warnings: list[DataWarning]) -> GrantGraph:
    columns = duty_columns(taxonomy)
    rp = _table(data.role_permissions, ["role", "permission", "file", "row"])
    ri = _table(data.role_includes, ["role", "includes", "file", "row"])
    ar = _table(data.account_roles, ["account", "role", "file", "row"])
    direct = _table(data.direct, ["account", "permission", "file", "row"])

    # The big columns are hashed once each; their codes and row positions come from that.
    rp_roles, rp_perms, ar_roles = arrow.encode(rp["role"]), arrow.encode(rp["permission"]), \
        arrow.encode(ar["role"])
    defined = set(arrow.unique(rp_roles[0], ri["role"])) | set(data.role_names)
    roles = sorted(defined | set(arrow.unique(ri["includes"], ar_roles[0])))
    permissions = sorted(set(arrow.unique(rp_perms[0], direct["permission"])) | set(data.catalogue))

    _warn_undefined(data, ar, ar_roles[0], ri, defined, warnings)

    perm_direct, perm_entries = classify_permissions(taxonomy, columns, permissions,
                                                     [data.catalogue.get(p, "") for p in permissions])
    perm_bits = _pack(expand_up(taxonomy, columns, perm_direct))

    rp_role = arrow.remap(rp_roles, roles)
    rp_perm = arrow.remap(rp_perms, permissions)
    own = _or_gathered(perm_bits, rp_perm, rp_role, len(roles))

    graph = Includes(len(roles))
    include_rows: dict[tuple[int, int], tuple[int, int]] = {}
    for role, inc, file, row in zip(arrow.positions(ri["role"], roles).tolist(),
                                    arrow.positions(ri["includes"], roles).tolist(),
                                    arrow.ints(ri["file"]).tolist(), arrow.ints(ri["row"]).tolist()):
        graph.add(role, inc)
        include_rows.setdefault((role, inc), (file, row))
    for targets in graph.out:
        targets.sort()

    closure, cycles = _closure(graph, own)
    for cycle in cycles:
        order = cycle_order(graph, cycle)
        chain = " → ".join([roles[i] for i in order] + [roles[order[0]]])
        file, row = include_rows.get((order[0], order[1 % len(order)]), (None, None))
        group_zh = group_en = ""
        if len(order) < len(cycle):
            group_zh = f"（互相包含的角色：{'、'.join(roles[i] for i in cycle)}）"
            group_en = f" (roles that include one another: {', '.join(roles[i] for i in cycle)})"
        warnings.append(DataWarning(
            "ROLE-CYCLE", data.files[file] if file is not None else None, None, row, None,
            Text(f"角色包含关系成环：{chain}{group_zh}；按环上各角色权限的并集计算",
                 f"role includes form a cycle: {chain}{group_en}; evaluated as the "
                 "union of the roles on the cycle")))
    role_perm_rows = Grouped(rp_role, rp_perm, arrow.ints(rp["file"]), arrow.ints(rp["row"]), len(roles))
    return GrantGraph(data, taxonomy, columns, roles, permissions, perm_direct, perm_bits, perm_entries,
                      closure, graph,
                      role_perm_rows, include_rows, [[roles[i] for i in c] for c in cycles], defined,
                      arrow.remap(ar_roles, roles))


def cycle_order(includes: Includes, members: list[int]) -> list[int]:
    """One real cycle through the first member, in include order: the members sorted are not
    necessarily a chain the reader can follow in the export (A→C→B→A is not A→B→C→A). The
    shortest one, found by one breadth-first search inside the component: O(its roles and
    includes), never a search over all simple cycles."""
    start = members[0]
    if len(members) == 1:
        return [start]
    inside = set(members)
    parent = {start: -1}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in includes.successors(current):
            if nxt in inside and nxt not in parent:
                parent[nxt] = current
                queue.append(nxt)
    distance: dict[int, int] = {}
    for role in parent:     # in breadth-first order: a parent's distance is known before its child's
        distance[role] = 0 if role == start else distance[parent[role]] + 1
    back = min((p for p in members if p != start and includes.has_edge(p, start)),
               key=lambda p: (distance[p], p))
    return list(GrantGraph._chain_to(back, parent))


def _closure(includes: Includes, own: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Each role's bits OR those of every role it includes, transitively. Included roles come
    first (a topological order); where includes form a cycle, see _condensed_closure."""
    order = _included_first(includes)
    if order is None:
        return _condensed_closure(includes, own)
    closure = own.copy()
    for role in order:              # every role it includes is already complete
        for included in includes.out[role]:
            closure[role] |= closure[included]
    return closure, []


def _included_first(includes: Includes) -> list[int] | None:
    """Every role after all the roles it includes (Kahn's algorithm); None when includes form a
    cycle, which no such order has."""
    waiting = [len(targets) for targets in includes.out]     # included roles not yet placed
    including = includes.predecessors()
    order = [role for role, count in enumerate(waiting) if count == 0]
    for role in order:              # the list grows as roles become ready
        for parent in including[role]:
            waiting[parent] -= 1
            if waiting[parent] == 0:
                order.append(parent)
    return order if len(order) == len(waiting) else None


def _condensed_closure(includes: Includes, own: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """A cycle is one node of the condensation, so every role on it gets the union of the cycle."""
    import networkx as nx

    graph = includes.networkx()
    condensed = nx.condensation(graph)
    members = nx.get_node_attributes(condensed, "members")
    comp_bits = np.zeros((len(condensed), own.shape[1]), dtype=own.dtype)
    for comp in reversed(list(nx.topological_sort(condensed))):
        idx = sorted(members[comp])
        bits = np.bitwise_or.reduce(own[idx], axis=0)
        for succ in condensed.successors(comp):
            bits |= comp_bits[succ]
        comp_bits[comp] = bits
    mapping = condensed.graph["mapping"]
    closure = comp_bits[np.array([mapping[r] for r in range(len(own))], dtype=np.int64)] \
        if len(own) else own
    cycles = [sorted(members[c]) for c in condensed if len(members[c]) > 1]
    cycles += [[n] for n in range(len(includes.out)) if includes.has_edge(n, n)]
    return closure, sorted(cycles)


def _warn_undefined(data: PermissionData, ar: pa.Table, ar_roles: pa.Array, ri: pa.Table, defined: set[str],
                    warnings: list[DataWarning]) -> None:
    """A warning for each role held or included that no file defines. ar_roles: the distinct roles
    of ar, so that the million rows are only searched when one of them is undefined."""
    if not defined:
        return  # only account-role links were given: no role definitions to check against
    known = sorted(defined)
    reported = 0
    for frame, column, distinct in ((ar, "role", ar_roles), (ri, "includes", None)):
        if defined.issuperset(distinct.to_pylist() if distinct is not None else arrow.unique(frame[column])):
            continue
        missing = arrow.first_rows(frame.filter(pa.array(arrow.positions(frame[column], known) < 0)), column)
        for role, file, row in zip(missing[column].to_pylist(), arrow.ints(missing["file"]).tolist(),
                                   arrow.ints(missing["row"]).tolist()):
            if reported < 50:
                warnings.append(DataWarning("ROLE-UNDEFINED", data.files[file] if file >= 0 else None,
                                            None, row, None,
                                            Text(f"角色 {role} 在任何文件中都没有定义（无功能、无包含关系）",
                                                 f"role {role} is not defined by any file "
                                                 "(no permissions, no includes)")))
            reported += 1
    if reported > 50:
        warnings.append(DataWarning("ROLE-UNDEFINED", None, None, None, None,
                                    Text(f"另有 {reported - 50} 个未定义的角色",
                                         f"{reported - 50} more undefined roles")))


class AccountColumns(dict):
    """Account details aligned with the account codes, turned into Python lists only when first
    asked for: a run without staffing needs the unit and id of flagged accounts only."""

    def __init__(self, arrays: dict[str, pa.ChunkedArray], size: int):
        super().__init__()
        self.arrays, self.size = arrays, size

    def __missing__(self, column: str) -> list:
        values = self.arrays[column].to_pylist() if column in self.arrays else [None] * self.size
        self[column] = values
        return values


@dataclass
class Accounts:
    codes: list[str]
    columns: AccountColumns           # name, id_number, unit, file, row: aligned with codes
    active: np.ndarray
    bits: np.ndarray                  # packed duty bits per account
    starts: Grouped                   # account -> [(role, file, row)]
    direct: Grouped                   # account -> [(permission, file, row)]
    _holdings: dict[int, tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]] = \
        field(default_factory=dict, repr=False)

    def holdings(self, acc: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """(roles, direct grants) of one account, each as (role or permission, file, row); kept, as
        every rule that flags the account asks again."""
        if acc not in self._holdings:
            self._holdings[acc] = (self.starts.get(acc), self.direct.get(acc))
        return self._holdings[acc]


def _statuses(status: pa.ChunkedArray, columns: AccountColumns, codes: list[str], data: PermissionData,
              warnings: list[DataWarning]) -> np.ndarray:
    """Active unless the status says disabled; an unknown status is a warning and counts as active.
    A column of 100,000 statuses holds a handful of distinct words: judge each word once."""
    distinct, which = arrow.encode(status)
    words = distinct.to_pylist()
    meaning = np.array([status_active(w) is not False for w in words] + [True], dtype=bool)
    active = meaning[which]
    unknown = [i for i, w in enumerate(words) if status_active(w) is None]
    if unknown:
        for acc in np.flatnonzero(np.isin(which, unknown))[:20].tolist():
            file, row = columns["file"][acc], columns["row"][acc]
            warnings.append(DataWarning(
                "STATUS-UNKNOWN", data.files[file] if file is not None else None, None, row, None,
                Text(f"账号 {codes[acc]} 的状态“{words[which[acc]]}”无法识别，按正常处理",
                     f"account {codes[acc]}: status {words[which[acc]]!r} not understood; treated as active")))
    return active


def build_accounts(graph: GrantGraph, warnings: list[DataWarning]) -> Accounts:
    data = graph.data
    ar = _table(data.account_roles, ["account", "role", "file", "row"])
    direct = _table(data.direct, ["account", "permission", "file", "row"])
    info = _table(data.accounts, ["account", "file", "row"])
    ar_accounts = arrow.encode(ar["account"])
    code_array = arrow.sorted_distinct(ar_accounts[0], direct["account"], info["account"])
    codes = code_array.to_pylist()
    ar_acc = arrow.remap(ar_accounts, code_array)
    ar_role = graph.account_role_index if graph.account_role_index is not None else \
        arrow.positions(ar["role"], graph.roles)
    bits = _or_gathered(graph.role_closure, ar_role, ar_acc, len(codes))
    d_acc = arrow.positions(direct["account"], code_array)
    d_perm = arrow.positions(direct["permission"], graph.permissions)
    if len(d_perm):
        bits |= _or_gathered(graph.perm_bits, d_perm, d_acc, len(codes))

    # Account details aligned with codes: where each code's row is in the account table, if any.
    where = np.full(len(codes), -1, dtype=np.int64)
    info_pos = arrow.positions(info["account"], code_array)
    where[info_pos[info_pos >= 0]] = np.flatnonzero(info_pos >= 0)
    index = pa.array(where, mask=where < 0)          # a null index takes a null
    columns = AccountColumns({column: info[column].take(index) for column in
                              ("name", "id_number", "unit", "status", "file", "row")
                              if column in info.column_names}, len(codes))
    status = columns.arrays.get("status", pa.chunked_array([pa.nulls(len(codes), pa.string())]))
    active = _statuses(status, columns, codes, data, warnings)
    return Accounts(codes, columns, active, bits,
                    Grouped(ar_acc, ar_role, arrow.ints(ar["file"]), arrow.ints(ar["row"]), len(codes)),
                    Grouped(d_acc, d_perm, arrow.ints(direct["file"]), arrow.ints(direct["row"]), len(codes)))


@dataclass
class System:
    """One business system of a run: its exports' role graph and accounts. name is None when the
    run has one unnamed system (its findings then carry no system, as before systems existed)."""

    name: str | None
    graph: GrantGraph
    accounts: Accounts
    keep: np.ndarray                  # per account: judged (active, or disabled ones asked for)


def _account_evidence(graph: GrantGraph, accounts: Accounts, acc: int, duty: str) -> list[Evidence]:
    return graph.evidence_for((f"account:{accounts.codes[acc]}",), *accounts.holdings(acc), duty)


def account_origin(graph: GrantGraph, accounts: Accounts, acc: int) -> list[Evidence]:
    """Where an account is defined: its account-list row, else its first account-role row."""
    file, row = accounts.columns["file"][acc], accounts.columns["row"][acc]
    if file is not None:
        return [Evidence(graph.data.files[int(file)], row=int(row))]
    starts = accounts.holdings(acc)[0]
    return [Evidence(graph.data.files[starts[0][1]], row=starts[0][2])] if starts and starts[0][1] >= 0 else []


# A person met through the same id number in the account lists of several systems (no staffing
# input to link to): the accounts, as (system position, account position).
IdPerson = list[tuple[int, int]]


class AccountSubjects(Sequence):
    """Subjects made when a finding asks for one: 100k accounts need not become 100k objects.
    Rows are (system position, account position); a person's row comes after every account row."""

    def __init__(self, systems: list[System], rows: list[np.ndarray], people: list[IdPerson]):
        self.systems, self.rows, self.people = systems, rows, people
        self.offsets = np.cumsum([0] + [len(r) for r in rows]).tolist()

    def __len__(self) -> int:
        return self.offsets[-1] + len(self.people)

    def locate(self, index: int) -> tuple[int, int]:
        """(system position, account position) of an account row."""
        part = bisect.bisect_right(self.offsets, index) - 1
        return part, int(self.rows[part][index - self.offsets[part]])

    def __getitem__(self, index):
        if index >= self.offsets[-1]:
            return _person_subject(self.systems, self.people[index - self.offsets[-1]])
        part, acc = self.locate(index)
        system = self.systems[part]
        columns = system.accounts.columns
        return Subject("account", system.accounts.codes[acc], columns["unit"][acc], columns["id_number"][acc],
                       system.name)


def _person_subject(systems: list[System], person: IdPerson) -> Subject:
    """The person behind accounts of several systems: the first name and unit their account lists
    give, and the id number they share."""
    def first(column: str) -> str | None:
        return next((value for part, acc in person if (value := systems[part].accounts.columns[column][acc])), None)

    id_number = (first("id_number") or "").strip().upper()
    return Subject("person", first("name") or id_number, first("unit"), id_number)


def account_table(systems: list[System], people: list[IdPerson], *, linking: bool,
                  judged: list[np.ndarray]) -> AccountTable:
    """The accounts judged one by one (judged[i]: per account of system i) across systems, then
    the people met through an id number shared by several systems, each holding the union of their
    accounts' duties, with the grant paths of each account."""
    rows = [np.flatnonzero(keep) for keep in judged]
    subjects = AccountSubjects(systems, rows, people)
    held = [s.accounts.bits[r] for s, r in zip(systems, rows)]
    active = [s.accounts.active[r] for s, r in zip(systems, rows)]
    width = systems[0].accounts.bits.shape[1]
    for person in people:
        held.append(np.bitwise_or.reduce([systems[p].accounts.bits[a] for p, a in person], axis=0)[None, :])
        active.append(np.array([any(systems[p].accounts.active[a] for p, a in person)]))
    bits = np.concatenate(held) if held else np.zeros((0, width), dtype=np.uint8)

    def members(index: int) -> IdPerson:
        if index >= subjects.offsets[-1]:
            return people[index - subjects.offsets[-1]]
        return [subjects.locate(index)]

    # An account flagged by several rules is asked for the same duty's paths by each of them.
    @cache
    def evidence(index: int, duty: str) -> list[Evidence]:
        return [e for part, acc in members(index)
                for e in _account_evidence(systems[part].graph, systems[part].accounts, acc, duty)]

    def origin(index: int) -> list[Evidence]:
        return [e for part, acc in members(index)
                for e in account_origin(systems[part].graph, systems[part].accounts, acc)]

    return AccountTable("account", subjects, systems[0].graph.columns, bits, evidence, packed=True,
                        active=np.concatenate(active) if active else np.zeros(0, dtype=bool),
                        linking=linking, origin=origin)


def role_table(graph: GrantGraph, system: str | None = None) -> HolderTable:
    roles = [i for i, r in enumerate(graph.roles) if r in graph.defined]
    subjects = [Subject("role", graph.roles[i], system=system) for i in roles]
    @cache
    def evidence(index: int, duty: str) -> list[Evidence]:
        return graph.evidence_for((), [(roles[index], -1, 0)], [], duty)

    return HolderTable("role", subjects, graph.columns, graph.role_closure[roles], evidence, packed=True)


def concat_tables(tables: list[HolderTable]) -> HolderTable:
    """Holder tables of one kind and one set of columns (the roles of several systems) as one."""
    if len(tables) == 1:
        return tables[0]
    offsets = np.cumsum([0] + [len(t.subjects) for t in tables])

    def evidence(index: int, duty: str) -> list[Evidence]:
        part = int(np.searchsorted(offsets, index, side="right")) - 1
        return tables[part].evidence(index - int(offsets[part]), duty)

    return HolderTable(tables[0].kind, [s for t in tables for s in t.subjects], tables[0].columns,
                       np.concatenate([t.held for t in tables]), evidence, packed=tables[0].packed)


def account_duties(graph: GrantGraph, accounts: Accounts, acc: int) -> dict[str, list[Evidence]]:
    """Every duty one account's permissions carry as mapped, with grant paths. Not only the
    lowest held duties: a generic finance permission beside an accounting one must stay finance,
    or PERM-BEYOND-POST would pass a post of 会计 that it fails when the accounting one is absent."""
    starts, direct = accounts.holdings(acc)
    held = graph.direct_duties(starts, direct)
    head = (f"account:{accounts.codes[acc]}",)
    return {duty: graph.evidence_for(head, starts, direct, duty, exact=True)
            for duty, col in graph.columns.items() if held[col]}
