"""One check run from start to finish: load the inputs, evaluate, apply what the user said about
the results. The CLI and the web page both call ``run``."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import arrow
from .baseline import apply_baseline, load_baseline
from .engine import Inputs, evaluate
from .grants import (
    IdPerson,
    System,
    account_duties,
    account_table,
    build_accounts,
    build_graph,
    concat_tables,
    role_table,
)
from .imports import allow_pandas
from .linking import link_accounts, people_by_id_number
from .loaders.permissions import PermissionData, load_permissions
from .loaders.roles import RoleConfig, load_roles, role_config_table
from .loaders.staffing import StaffingData, load_staffing
from .model import Report, SodcheckError, Text, Violation, sorted_violations
from .ops.people import identify_by_accounts, identify_by_names
from .ruleset import Ruleset, load_ruleset
from .waivers import apply_waivers, load_waivers

if TYPE_CHECKING:
    from .ops.frame import OpsLog

Progress = Callable[[str], None]


@dataclass
class CheckRequest:
    staff: list[str] = field(default_factory=list)
    perms: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    as_of: date = field(default_factory=date.today)
    include_disabled: bool = False
    grants: list[tuple[str, str]] = field(default_factory=list)    # what-if: (account, role)
    revokes: list[tuple[str, str]] = field(default_factory=list)
    waivers: str | None = None          # YAML file of approved exceptions
    baseline: str | None = None         # JSON report of an earlier run
    ops: list[str] = field(default_factory=list)        # operation logs (files or folders)
    memory_limit: str | None = None     # DuckDB's budget for the operation log, e.g. 1GB
    threads: int | None = None          # DuckDB threads for the operation log
    ops_tables: list[str] = field(default_factory=list)     # catalog tables of operation logs (Spark)
    engine: str = "duckdb"              # where the operation-log checks run: duckdb or spark
    spark_remote: str | None = None     # Spark Connect URL, sc://host:port
    spark_master: str | None = None     # Spark master URL (default local[*])

    def input_paths(self) -> list[str]:
        """Every file or folder this run reads: no output may replace one of them."""
        single = [p for p in (self.waivers, self.baseline) if p]
        perms = [path for _, paths in perm_systems(self.perms) for path in paths]
        return [*self.staff, *perms, *self.roles, *self.rules, *self.ops, *single]


def perm_systems(arguments: list[str]) -> list[tuple[str | None, list[str]]]:
    """The business systems of the --perms arguments, in order: (name, paths). NAME=PATH names a
    system (an argument that is an existing path is a path, even with "=" in it); an argument
    without a name belongs to the system of its folder (a folder, or the folder a file is in), named
    after it. Arguments with one name, or in one folder, are one system. A run of one system that
    no argument names has no system name: its findings are those of a run before systems existed."""
    folders: dict[Path, str] = {}          # folder -> the first argument in it, for messages
    parsed: list[tuple[str | Path, str]] = []
    for argument in arguments:
        label, sep, rest = argument.partition("=")
        if not sep or Path(argument).exists():
            path = Path(argument)
            folder = (path if path.is_dir() else path.parent).resolve()
            folders.setdefault(folder, argument)
            parsed.append((folder, argument))
        elif not label.strip() or not rest.strip():
            raise SodcheckError(Text(f"--perms “{argument}”应写成 路径 或 系统名=路径",
                                     f"--perms {argument!r} must be PATH or SYSTEM=PATH"))
        else:
            parsed.append((label.strip(), rest.strip()))
    keys = list(dict.fromkeys(key for key, _ in parsed))
    if len(keys) == 1 and isinstance(keys[0], Path):
        return [(None, [path for _, path in parsed])]
    names: dict[str | Path, str] = {}
    for key in keys:
        name = key if isinstance(key, str) else key.name or str(key)
        clash = next((other for other, taken in names.items() if taken == name), None)
        if clash is not None:
            first = folders.get(clash, f"{name}=…") if isinstance(clash, Path) else f"{name}=…"
            second = folders.get(key, f"{name}=…") if isinstance(key, Path) else f"{name}=…"
            raise SodcheckError(Text(
                f"--perms {first} 与 --perms {second} 都是系统“{name}”；请写明系统名：--perms 系统名=路径",
                f"--perms {first} and --perms {second} would both be system {name!r}; "
                "name them: --perms SYSTEM=PATH"))
        names[key] = name
    return [(names[key], [path for k, path in parsed if k == key]) for key in keys]


def parse_change(value: str) -> tuple[str, str]:
    account, sep, role = value.partition("=")
    if not sep or not account.strip() or not role.strip():
        raise SodcheckError(Text(f"“{value}”应写成 账号=角色", f"{value!r} must be ACCOUNT=ROLE"))
    return account.strip(), role.strip()


Systems = list[tuple[str | None, PermissionData]]


def apply_changes(systems: Systems, grants, revokes) -> Systems:
    """The exports as they would be after the what-if change. With several systems, a change
    applies to every system whose exports know the account; a grant to an account no system knows
    goes to the only system, and is an error when there are several."""
    changed = []
    for name, data in systems:
        links = data.account_roles if data.account_roles is not None else \
            arrow.empty(["account", "role", "file", "row"])
        for account, role in revokes:
            links = links.filter(pc.invert(_grant_rows(links, account, role)))
        added = [(a, r, -1, 0) for a, r in grants if len(systems) == 1 or _knows(data, a)]
        if added:
            # file -1: a grant that exists only in this what-if, not in any file.
            links = pa.concat_tables([links.select(["account", "role", "file", "row"]),
                                      arrow.rows_table(added, ["account", "role", "file", "row"])])
        changed.append((name, replace(data, account_roles=links)))
    for account, role in revokes:
        if not any(pc.any(_grant_rows(data.account_roles, account, role)).as_py()
                   for _, data in systems if data.account_roles is not None):
            raise SodcheckError(Text(f"--revoke {account}={role}：导出中没有这条授权",
                                     f"--revoke {account}={role}: the export has no such grant"))
    for account, role in grants:
        if len(systems) > 1 and not any(_knows(data, account) for _, data in systems):
            raise SodcheckError(Text(f"--grant {account}={role}：没有哪个系统的导出中有账号 {account}",
                                     f"--grant {account}={role}: no system's export has account {account}"))
    return changed


def _grant_rows(links: pa.Table, account: str, role: str) -> pa.ChunkedArray:
    return pc.and_(pc.equal(links["account"], account), pc.equal(links["role"], role))


def _knows(data: PermissionData, account: str) -> bool:
    """Whether an account is in a system's exports (account list, roles or direct grants)."""
    return any(table is not None and pc.any(pc.equal(table["account"], account)).as_py()
               for table in (data.accounts, data.account_roles, data.direct))


def add_permissions(inputs: Inputs, exports: Systems, ruleset: Ruleset, request: CheckRequest,
                    progress: Progress) -> None:
    """Account and role tables from the exports of each system; linked accounts become part of
    their person. Accounts and roles of different systems never merge: they meet only through the
    person they link to (the staffing input, or without one, the same id number)."""
    warnings = inputs.warnings
    systems: list[System] = []
    for name, data in exports:
        progress("role graph")
        graph = build_graph(data, ruleset.taxonomy, warnings)
        progress("accounts")
        accounts = build_accounts(graph, warnings)
        systems.append(System(name, graph, accounts, accounts.active | request.include_disabled))
    judged = [system.keep.copy() for system in systems]
    linked_count = 0
    people: list[IdPerson] = []
    if inputs.staffing is not None:
        for system, unlinked in zip(systems, judged):
            linked = link_accounts(system.accounts, inputs.staffing, system.keep, system.graph.data.files, warnings)
            for acc, person in linked.items():
                for duty, evidence in account_duties(system.graph, system.accounts, acc).items():
                    inputs.person_extra.setdefault(person, {}).setdefault(duty, []).extend(evidence)
            if inputs.ops is not None:
                identify_by_accounts(inputs.ops, system.accounts, linked, inputs.staffing)
            unlinked[list(linked)] = False
            linked_count += len(linked)
    else:
        if inputs.ops is not None:
            for system in systems:
                identify_by_accounts(inputs.ops, system.accounts, {}, None)
        if len(systems) > 1:
            people = people_by_id_number(systems)
            for member in (member for person_accounts in people for member in person_accounts):
                judged[member[0]][member[1]] = False
    inputs.accounts = account_table(systems, people, linking=inputs.staffing is not None, judged=judged)
    inputs.export_roles = concat_tables([role_table(s.graph, s.name) for s in systems])
    unmapped = sorted({s.graph.permissions[i] for s in systems
                       for i in np.flatnonzero(~s.graph.perm_direct.any(axis=1))})
    permissions = sum(len(s.graph.permissions) for s in systems)
    inputs.stats.update({
        "accounts": sum(len(s.accounts.codes) for s in systems),
        "accounts_active": sum(int(s.accounts.active.sum()) for s in systems),
        "accounts_disabled_skipped": 0 if request.include_disabled else
        sum(int((~s.accounts.active).sum()) for s in systems),
        "accounts_linked": linked_count,
        "roles": sum(len(s.graph.defined) for s in systems),
        "role_cycles": sorted(sorted(c) for s in systems for c in s.graph.cycles),
        "permissions": permissions,
        "permissions_mapped": permissions - sum(int((~s.graph.perm_direct.any(axis=1)).sum()) for s in systems),
        "unmapped_permissions": unmapped,
        "account_role_rows": sum(0 if s.graph.data.account_roles is None else len(s.graph.data.account_roles)
                                 for s in systems),
    })
    if any(name is not None for name, _ in exports):
        inputs.stats["systems"] = [name for name, _ in exports]
    for _, data in exports:
        inputs.files += data.files
        inputs.warnings += data.warnings


def add_roles(inputs: Inputs, config: RoleConfig, ruleset: Ruleset, progress: Progress) -> None:
    progress("role configuration")
    table = role_config_table(config, ruleset.taxonomy, inputs.warnings)
    inputs.role_config = table
    inputs.stats["role_config"] = table.stats
    inputs.files += config.data.files


def build_inputs(request: CheckRequest, ruleset: Ruleset, progress: Progress, staffing: StaffingData | None,
                 perms: Systems | None = None, roles: RoleConfig | None = None,
                 ops: OpsLog | None = None) -> Inputs:
    """The inputs as the engine sees them, from what was read once (a what-if builds them twice)."""
    inputs = Inputs(staffing=staffing, ops=ops)
    if ops is not None:
        if staffing is not None:
            identify_by_names(ops, staffing)
        inputs.files += ops.files
        inputs.warnings += ops.warnings
        inputs.stats.update(ops.stats)
    if perms is not None:
        add_permissions(inputs, perms, ruleset, request, progress)
    if roles is not None:
        add_roles(inputs, roles, ruleset, progress)
    return inputs


def _by_folder(report: Report, systems: Systems | None) -> dict:
    if systems is None:
        return {}
    of_file = {file: folder for _, data in systems for file, folder in data.folders.items()}
    folders: dict[str, Counter] = {}
    for folder in of_file.values():
        folders.setdefault(folder, Counter())
    for v in report.violations:
        files = [e.file for e in v.evidence if e.file in of_file]
        if files:
            folders[of_file[files[0]]][v.rule_id] += 1
    return {f: {"files": sum(1 for x in of_file.values() if x == f), "violations": sum(c.values()),
                "by_rule": dict(sorted(c.items()))} for f, c in sorted(folders.items())}


def load_systems(arguments: list[str]) -> Systems:
    """Each system's exports, read on their own: the same account or role code in two systems is
    two accounts or roles."""
    return [(name, load_permissions(paths)) for name, paths in perm_systems(arguments)]


def run(request: CheckRequest, ruleset: Ruleset | None = None, progress: Progress | None = None,
        with_ops: Callable[[OpsLog, Report], None] | None = None, require_input: bool = True) -> Report:
    """The report of the request. ``with_ops`` is given the loaded operation log and the findings
    while the log is still open (the monthly sample reads the month's businesses from it). Without
    ``require_input`` a request of no input gives an empty report (an assessment of worksheets)."""
    progress = progress or (lambda stage: None)
    if (request.grants or request.revokes) and not request.perms:
        raise SodcheckError(Text("--grant/--revoke 需要同时给出 --perms", "--grant/--revoke need --perms"))
    progress("rules")
    # Exports are read in a second thread while the rules load: pyarrow parses CSV without
    # holding the interpreter, so the two overlap on a two-core machine.
    perms: Systems | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(load_systems, request.perms) if request.perms else None
        try:
            ruleset = ruleset or load_ruleset(request.rules)
        finally:
            if reading is not None:
                progress("permissions")
                perms = reading.result()   # waits; a reading error surfaces here
    if require_input and not (request.staff or request.perms or request.roles or request.ops or request.ops_tables):
        raise SodcheckError(Text("请至少给出一个输入：--staff、--perms、--roles 或 --ops",
                                 "give at least one input: --staff, --perms, --roles or --ops"))
    staffing = None
    if request.staff:
        progress("staffing")
        staffing = load_staffing(request.staff)
    roles = None
    if request.roles:
        progress("role configuration")
        roles = load_roles(request.roles)
    # Waivers and the baseline are read before the (possibly long) evaluation: a bad file fails fast.
    waivers = load_waivers(request.waivers, ruleset) if request.waivers else None
    baseline = load_baseline(request.baseline) if request.baseline else None
    ops = None
    if request.ops or request.ops_tables:
        progress("operation log")
        allow_pandas()      # ibis converts results through pandas' modules
        # The log's modules (pyarrow.parquet, ibis) load only for a run that reads one.
        from .ops.frame import load_ops
        from .ops.spark import SparkOptions
        spark = SparkOptions(request.spark_remote, request.spark_master) if request.engine == "spark" else None
        ops = load_ops(request.ops, ruleset.ops, request.memory_limit, request.threads, spark, request.ops_tables)
    try:
        inputs = build_inputs(request, ruleset, progress, staffing, perms, roles, ops)
        progress("checking")
        report = evaluate(ruleset, inputs, request.as_of)
        if with_ops is not None and ops is not None:
            with_ops(ops, report)
        if perms is not None and (request.grants or request.revokes):
            progress("what-if")
            changed = apply_changes(perms, request.grants, request.revokes)
            after = evaluate(ruleset, build_inputs(request, ruleset, progress, staffing, changed, roles, ops),
                             request.as_of)
            report = compare_what_if(report, after)
    finally:
        if ops is not None:
            ops.close()     # the DuckDB files and the temporary folder it spilled to
    by_folder = _by_folder(report, perms)
    if by_folder:
        report = replace(report, stats=report.stats_with(by_folder=by_folder))
    if waivers is not None:
        report = apply_waivers(report, waivers, request.as_of)
    if baseline is not None:
        report = apply_baseline(report, baseline)
    return report


def compare_what_if(before: Report, after: Report) -> Report:
    """The report after the change, each finding marked as introduced by it or removed by it.
    Findings are matched by identity and counted, as baselines are: two findings with one identity
    after the change and one before means one was introduced."""
    unmatched = Counter(v.identity for v in before.violations)
    marked: list[Violation] = []
    for v in after.violations:
        if unmatched[v.identity] > 0:
            unmatched[v.identity] -= 1
            marked.append(v)
        else:
            marked.append(replace(v, change="introduced"))
    removed: list[Violation] = []
    for v in before.violations:
        if unmatched[v.identity] > 0:
            unmatched[v.identity] -= 1
            removed.append(replace(v, change="removed"))
    stats = after.stats_with(what_if={"introduced": sum(1 for v in marked if v.change == "introduced"),
                                      "removed": len(removed)})
    return replace(after, violations=sorted_violations(marked + removed), stats=stats)
