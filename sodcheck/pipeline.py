"""One check run from start to finish: load the inputs, evaluate, apply what the user said about
the results. The CLI and the web page both call ``run``."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import arrow
from .baseline import apply_baseline, load_baseline
from .engine import Inputs, evaluate
from .grants import account_duties, account_table, build_accounts, build_graph, role_table
from .linking import link_accounts
from .loaders.permissions import PermissionData, load_permissions
from .loaders.roles import RoleConfig, load_roles, role_config_table
from .loaders.staffing import StaffingData, load_staffing
from .model import Evidence, Report, SodcheckError, Text, Violation, sorted_violations
from .ops.frame import OpsLog, load_ops
from .ops.people import identify_by_accounts, identify_by_names
from .ruleset import Ruleset, load_ruleset
from .waivers import apply_waivers, load_waivers

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

    def input_paths(self) -> list[str]:
        """Every file or folder this run reads: no output may replace one of them."""
        single = [p for p in (self.waivers, self.baseline) if p]
        return [*self.staff, *self.perms, *self.roles, *self.rules, *self.ops, *single]


def parse_change(value: str) -> tuple[str, str]:
    account, sep, role = value.partition("=")
    if not sep or not account.strip() or not role.strip():
        raise SodcheckError(Text(f"“{value}”应写成 账号=角色", f"{value!r} must be ACCOUNT=ROLE"))
    return account.strip(), role.strip()


def apply_changes(data: PermissionData, grants, revokes) -> PermissionData:
    """The export as it would be after the what-if change."""
    links = data.account_roles if data.account_roles is not None else \
        arrow.empty(["account", "role", "file", "row"])
    for account, role in revokes:
        hit = pc.and_(pc.equal(links["account"], account), pc.equal(links["role"], role))
        if not pc.any(hit).as_py():
            raise SodcheckError(Text(f"--revoke {account}={role}：导出中没有这条授权",
                                     f"--revoke {account}={role}: the export has no such grant"))
        links = links.filter(pc.invert(hit))
    if grants:
        # file -1: a grant that exists only in this what-if, not in any file.
        added = arrow.rows_table([(a, r, -1, 0) for a, r in grants], ["account", "role", "file", "row"])
        links = pa.concat_tables([links.select(["account", "role", "file", "row"]), added])
    return replace(data, account_roles=links)


def add_permissions(inputs: Inputs, data: PermissionData, ruleset: Ruleset, request: CheckRequest,
                    progress: Progress) -> None:
    """Account and role tables from the exports; linked accounts become part of their person."""
    warnings = inputs.warnings
    progress("role graph")
    graph = build_graph(data, ruleset.taxonomy, warnings)
    progress("accounts")
    accounts = build_accounts(graph, warnings)
    keep = accounts.active | request.include_disabled
    linked: dict[int, str] = {}
    if inputs.staffing is not None:
        linked = link_accounts(accounts, inputs.staffing, keep, data.files, warnings)
        for acc, person in linked.items():
            for duty, evidence in account_duties(graph, accounts, acc).items():
                inputs.person_extra.setdefault(person, {}).setdefault(duty, []).extend(evidence)
    if inputs.ops is not None:
        identify_by_accounts(inputs.ops, accounts, linked, inputs.staffing)
    unlinked = keep.copy()
    unlinked[list(linked)] = False
    inputs.accounts = account_table(graph, accounts, unlinked, linking=inputs.staffing is not None,
                                    origin=lambda acc: _account_origin(data, accounts, acc))
    inputs.export_roles = role_table(graph)
    unmapped = [graph.permissions[i] for i in np.flatnonzero(~graph.perm_direct.any(axis=1))]
    inputs.stats.update({
        "accounts": len(accounts.codes),
        "accounts_active": int(accounts.active.sum()),
        "accounts_disabled_skipped": 0 if request.include_disabled else int((~accounts.active).sum()),
        "accounts_linked": len(linked),
        "roles": len(graph.defined),
        "role_cycles": [sorted(c) for c in graph.cycles],
        "permissions": len(graph.permissions),
        "permissions_mapped": len(graph.permissions) - len(unmapped),
        "unmapped_permissions": unmapped,
        "account_role_rows": 0 if data.account_roles is None else len(data.account_roles),
    })
    inputs.files += data.files
    inputs.warnings += data.warnings


def _account_origin(data: PermissionData, accounts, acc: int) -> list[Evidence]:
    file, row = accounts.columns["file"][acc], accounts.columns["row"][acc]
    if file is not None:
        return [Evidence(data.files[int(file)], row=int(row))]
    starts = accounts.starts.get(acc)
    return [Evidence(data.files[starts[0][1]], row=starts[0][2])] if starts and starts[0][1] >= 0 else []


def add_roles(inputs: Inputs, config: RoleConfig, ruleset: Ruleset, progress: Progress) -> None:
    progress("role configuration")
    table = role_config_table(config, ruleset.taxonomy, inputs.warnings)
    inputs.role_config = table
    inputs.stats["role_config"] = table.stats
    inputs.files += config.data.files


def build_inputs(request: CheckRequest, ruleset: Ruleset, progress: Progress, staffing: StaffingData | None,
                 perms: PermissionData | None = None, roles: RoleConfig | None = None,
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


def _by_folder(report: Report, data: PermissionData | None) -> dict:
    if data is None:
        return {}
    folders: dict[str, Counter] = {}
    for folder in data.folders.values():
        folders.setdefault(folder, Counter())
    for v in report.violations:
        files = [e.file for e in v.evidence if e.file in data.folders]
        if files:
            folders[data.folders[files[0]]][v.rule_id] += 1
    return {f: {"files": sum(1 for x in data.folders.values() if x == f), "violations": sum(c.values()),
                "by_rule": dict(sorted(c.items()))} for f, c in sorted(folders.items())}


def run(request: CheckRequest, ruleset: Ruleset | None = None, progress: Progress | None = None) -> Report:
    progress = progress or (lambda stage: None)
    if (request.grants or request.revokes) and not request.perms:
        raise SodcheckError(Text("--grant/--revoke 需要同时给出 --perms", "--grant/--revoke need --perms"))
    progress("rules")
    # Exports are read in a second thread while the rules load: pyarrow parses CSV without
    # holding the interpreter, so the two overlap on a two-core machine.
    perms: PermissionData | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(load_permissions, request.perms) if request.perms else None
        try:
            ruleset = ruleset or load_ruleset(request.rules)
        finally:
            if reading is not None:
                progress("permissions")
                perms = reading.result()   # waits; a reading error surfaces here
    if not (request.staff or request.perms or request.roles or request.ops):
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
    if request.ops:
        progress("operation log")
        ops = load_ops(request.ops, ruleset.ops, request.memory_limit, request.threads)
    try:
        progress("checking")
        report = evaluate(ruleset, build_inputs(request, ruleset, progress, staffing, perms, roles, ops),
                          request.as_of)
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
