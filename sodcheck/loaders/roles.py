"""Role configurations kept as code: YAML or JSON files that define roles, the permissions each
grants and the roles each includes (docs/roles-format.md).

The files become a PermissionData whose ``row`` is the line of the role's key, so the role graph
of permission exports (grants.build_graph) does the closure, the cycles and the grant paths; this
module only reads, validates and turns what the graph knows into located problems: include
cycles, references to nothing, permissions no rule maps to a duty.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import arrow
from ..grants import build_graph, cycle_order, role_table
from ..holders import RoleConfigTable
from ..model import DataWarning, Evidence, SodcheckError, Subject, Text
from ..schema import STRICT
from ..taxonomy import Taxonomy
from ..yamlsource import parse_yaml, read_text
from .permissions import PermissionData
from .staffing import expand_paths

SUFFIXES = (".yaml", ".yml", ".json")
# Evidence shown per unmapped permission; the rest is counted, as for grant paths.
MAX_HOLDERS = 3
# The graph reports these for exports; in a role configuration they are findings instead.
GRAPH_WARNINGS_AS_FINDINGS = {"ROLE-CYCLE", "ROLE-UNDEFINED"}


class _Strict(BaseModel):
    # Role and permission codes are often numeric (1001:); they are codes, not numbers.
    model_config = ConfigDict(**STRICT, coerce_numbers_to_str=True, str_strip_whitespace=True)


Code = Annotated[str, Field(min_length=1)]


class CatalogueEntry(_Strict):
    name: str | None = None
    description: str | None = None


class RoleDef(_Strict):
    name: str | None = None
    description: str | None = None
    permissions: list[Code] = []
    includes: list[Code] = []


class RoleFile(_Strict):
    permissions: dict[Code, CatalogueEntry] = {}
    roles: dict[Code, RoleDef] = {}

    @field_validator("permissions", mode="before")
    @classmethod
    def _name_only(cls, value: object) -> object:
        # "BEN_QUERY: 待遇查询" is the short form of "BEN_QUERY: {name: 待遇查询}".
        if isinstance(value, dict):
            return {k: {"name": v} if isinstance(v, (str, int, float)) and not isinstance(v, bool) else v
                    for k, v in value.items()}
        return value


@dataclass
class RoleConfig:
    """Every role file of a run, merged. Lines are 1-based; file is an index into data.files."""

    data: PermissionData
    role_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    role_names: dict[str, str] = field(default_factory=dict)
    catalogue_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    has_catalogue: bool = False
    permission_names: dict[str, str] = field(default_factory=dict)    # as the catalogue gives them
    # role -> [(what, reference)] in file order: what is "includes" or "permissions".
    references: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


# ----------------------------------------------------------------------------- reading

def _node_mark(root: yaml.Node | None, loc: tuple) -> tuple[int | None, int | None]:
    """(line, column), 1-based, of the deepest node on loc; a mapping step lands on the key,
    which is where an unknown or misspelt field is."""
    if root is None:
        return None, None
    node, mark = root, root.start_mark
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if _key_is(k, step)), None)
            if match is None:
                break
            mark, node = match[0].start_mark, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def _key_is(key: yaml.Node, step: object) -> bool:
    if key.value == str(step):
        return True
    # A plain 01 or 1e3 is read as a number, and its code is the number's text ("1", "1000.0").
    if isinstance(key, yaml.ScalarNode) and key.style is None and key.value[:1].isdigit():
        try:
            return str(yaml.safe_load(key.value)) == str(step)
        except yaml.YAMLError:
            return False
    return False


def _key_lines(root: yaml.Node | None, section: str) -> dict[str, int]:
    """The line of every key of one section, read once: looking each of 10,000 roles up by
    _node_mark is a scan of the section per role."""
    lines: dict[str, int] = {}
    node = _child(root, section)
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else ():
        lines.setdefault(key.value, key.start_mark.line + 1)
    return lines


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == key), None)
    return None


def _parse_text(path: Path, display: str) -> tuple[object, yaml.Node | None]:
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SodcheckError(Text(f"JSON 语法错误：{exc.msg}", f"JSON syntax error: {exc.msg}"),
                                file=display, line=exc.lineno, column=str(exc.colno)) from None
        except (RecursionError, ValueError) as exc:    # nested past the parser's depth; a huge number
            raise SodcheckError(Text("JSON 嵌套过深或数值过大",
                                     f"JSON nested too deeply or a number too large ({exc})"), file=display) from None
        # Only for line numbers: valid JSON is YAML once its tabs (whitespace, since a tab inside
        # a JSON string must be escaped) are spaces, and a space keeps every column where it was.
        try:
            root = parse_yaml(text.replace("\t", " "), display)[1]
        except SodcheckError:
            root = None
        return data, root
    return parse_yaml(text, display)


def _reject_duplicates(root: yaml.Node | None, display: str) -> None:
    """A YAML mapping silently keeps the last of two equal keys: a role defined twice in one file
    would lose its first definition without a word."""
    for section in ("roles", "permissions"):
        node = _child(root, section)
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[str, int] = {}
        for key, _ in node.value:
            if key.value in seen:
                raise SodcheckError(
                    Text(f"{section}.{key.value}：重复定义（第一次在第 {seen[key.value]} 行）",
                         f"{section}.{key.value}: defined twice (first on line {seen[key.value]})"),
                    file=display, line=key.start_mark.line + 1, column=str(key.start_mark.column + 1))
            seen[key.value] = key.start_mark.line + 1


def _normalise_keys(data: dict) -> dict:
    """YAML reads ``1001:`` as an int key; codes are strings, and the node tree says "1001"."""
    out = dict(data)
    for section in ("roles", "permissions"):
        if isinstance(out.get(section), dict):
            out[section] = {str(k) if isinstance(k, (int, float)) and not isinstance(k, bool) else k: v
                            for k, v in out[section].items()}
    return out


def parse_role_file(path: Path, display: str) -> tuple[RoleFile, yaml.Node | None]:
    data, root = _parse_text(path, display)
    if data is None:
        raise SodcheckError(Text("文件为空：需要 roles（以及可选的 permissions）",
                                 "the file is empty: expected roles (and optionally permissions)"),
                            file=display)
    if not isinstance(data, dict):
        line, column = _node_mark(root, ())
        raise SodcheckError(Text("顶层必须是映射（permissions、roles）",
                                 "the top level must be a mapping (permissions, roles)"),
                            file=display, line=line, column=str(column) if column else None)
    _reject_duplicates(root, display)
    try:
        parsed = RoleFile.model_validate(_normalise_keys(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message = "unknown field (a typo?)" if first["type"] == "extra_forbidden" else first["msg"]
        if len(exc.errors()) > 1:
            message += f" (and {len(exc.errors()) - 1} more)"
        line, column = _node_mark(root, loc)
        where = ".".join(str(x) for x in loc)
        raise SodcheckError(Text(f"字段 {where}：{message}", f"field {where}: {message}"),
                            file=display, line=line, column=str(column) if column else None) from None
    if not parsed.roles and not parsed.permissions:
        raise SodcheckError(Text("文件中没有 roles，也没有 permissions",
                                 "the file defines no roles and no permissions"), file=display)
    return parsed, root


def load_roles(paths: list[str]) -> RoleConfig:
    data = PermissionData()
    config = RoleConfig(data)
    perm_rows: list[tuple[str, str, int, int]] = []
    include_rows: list[tuple[str, str, int, int]] = []
    catalogue_names: dict[str, str] = {}
    for raw in paths:
        for path, display in expand_paths([raw], SUFFIXES):
            index = len(data.files)
            data.files.append(display)
            data.folders[display] = raw
            data.kinds[display] = ["role_config"]
            parsed, root = parse_role_file(path, display)
            key_lines = {section: _key_lines(root, section) for section in ("permissions", "roles")}
            for code, entry in parsed.permissions.items():
                line = key_lines["permissions"].get(code) or _node_mark(root, ("permissions", code))[0] or 1
                name = entry.name or ""
                if code in config.catalogue_lines and catalogue_names[code] != name:
                    first_file, first_line = config.catalogue_lines[code]
                    raise SodcheckError(Text(
                        f"权限 {code} 的名称与 {data.files[first_file]} 第 {first_line} 行不一致",
                        f"permission {code} has another name in {data.files[first_file]} "
                        f"line {first_line}"), file=display, line=line)
                config.catalogue_lines.setdefault(code, (index, line))
                catalogue_names[code] = name
                config.has_catalogue = True
            for role, definition in parsed.roles.items():
                line = key_lines["roles"].get(role) or _node_mark(root, ("roles", role))[0] or 1
                if role in config.role_lines:
                    first_file, first_line = config.role_lines[role]
                    raise SodcheckError(Text(
                        f"角色 {role} 已在 {data.files[first_file]} 第 {first_line} 行定义",
                        f"role {role} is already defined in {data.files[first_file]} line {first_line}"),
                        file=display, line=line)
                config.role_lines[role] = (index, line)
                config.role_names[role] = definition.name or ""
                refs = config.references.setdefault(role, [])
                for code in dict.fromkeys(definition.permissions):
                    perm_rows.append((role, code, index, line))
                    refs.append(("permissions", code))
                for other in dict.fromkeys(definition.includes):
                    include_rows.append((role, other, index, line))
                    refs.append(("includes", other))
    config.permission_names = {code: name for code, name in catalogue_names.items() if name}
    # A permission without a catalogue name is classified by its code as if it were its name too:
    # people write role files by hand, often with the menu's own words ("待遇审核") as the code.
    granted = {code for _, code, _, _ in perm_rows}
    data.catalogue = {code: catalogue_names.get(code) or code for code in set(catalogue_names) | granted}
    data.role_names = dict(config.role_names)
    data.role_permissions = _frame(perm_rows, "permission")
    data.role_includes = _frame(include_rows, "includes")
    return config


def _frame(rows: list[tuple[str, str, int, int]], second: str) -> pa.Table:
    return arrow.rows_table(rows, ["role", second, "file", "row"])


# ----------------------------------------------------------------------------- what the graph shows

@dataclass
class Problem:
    subject: Subject
    detail: Text
    evidence: list[Evidence]


def _at(config: RoleConfig, role: str, **extra) -> Evidence:
    file, line = config.role_lines[role]
    return Evidence(config.data.files[file], line=line, post=config.role_names.get(role) or None, **extra)


def _cycle_problems(config: RoleConfig, graph) -> list[Problem]:
    problems = []
    position = {role: i for i, role in enumerate(graph.roles)}
    for members in graph.cycles:
        members = sorted(members)
        first = members[0]
        # One concrete loop through the first role, so the reader can follow it in the files:
        # one search inside the cycle, linear in its size.
        order = cycle_order(graph.includes, [position[m] for m in members])
        loop = [graph.roles[i] for i in order] + [first]
        names = "、".join(members)
        problems.append(Problem(
            Subject("role", first),
            Text(f"环上的角色：{names}；{' → '.join(loop)}",
                 f"roles on the cycle: {', '.join(members)}; {' → '.join(loop)}"),
            [_at(config, first)]))
    return problems


def _unknown_problems(config: RoleConfig) -> list[Problem]:
    problems = []
    for role, refs in sorted(config.references.items()):
        bad = [(what, ref) for what, ref in refs if
               (what == "includes" and ref not in config.role_lines) or
               (what == "permissions" and config.has_catalogue and ref not in config.catalogue_lines)]
        if not bad:
            continue
        roles = [ref for what, ref in bad if what == "includes"]
        perms = [ref for what, ref in bad if what == "permissions"]
        zh, en = [], []
        if roles:
            zh.append("包含了未定义的角色 " + "、".join(roles))
            en.append("includes undefined role(s) " + ", ".join(roles))
        if perms:
            zh.append("授予了权限目录中没有的权限 " + "、".join(perms))
            en.append("grants permission(s) missing from the catalogue " + ", ".join(perms))
        problems.append(Problem(Subject("role", role), Text("；".join(zh), "; ".join(en)),
                                [_at(config, role)]))
    return problems


def _unmapped_problems(config: RoleConfig, graph) -> list[Problem]:
    holders: dict[str, list[str]] = {}
    for role, refs in config.references.items():
        for what, ref in refs:
            if what == "permissions":
                holders.setdefault(ref, []).append(role)
    unmapped = {graph.permissions[i] for i in np.flatnonzero(~graph.perm_direct.any(axis=1))}
    if config.has_catalogue:
        # Missing from the catalogue is already a ROLE-UNKNOWN-REF; once fixed, it is judged here.
        unmapped &= set(config.catalogue_lines)
    problems = []
    for code in sorted(unmapped & set(holders)):
        roles = sorted(holders[code], key=lambda r: config.role_lines[r])
        name = config.permission_names.get(code)
        evidence = [replace(_at(config, r), post=name, permission=code) for r in roles[:MAX_HOLDERS]]
        if len(roles) > MAX_HOLDERS:
            evidence[-1] = replace(evidence[-1], more_paths=len(roles) - MAX_HOLDERS)
        shown = f"{code}（{name}）" if name else code
        problems.append(Problem(
            Subject("permission", code),
            Text(f"{shown} 不对应任何职责，授予它的角色：{'、'.join(roles)}",
                 f"{code}{f' ({name})' if name else ''} maps to no duty; granted by {', '.join(roles)}"),
            evidence))
    return problems


def role_config_table(config: RoleConfig, taxonomy: Taxonomy, warnings: list[DataWarning]) -> RoleConfigTable:
    """The roles of the configuration as a holder table, located by file and line, with the
    configuration's own problems for the role_config rule kind."""
    graph_warnings: list[DataWarning] = []
    graph = build_graph(config.data, taxonomy, graph_warnings)
    warnings += [w for w in graph_warnings if w.code not in GRAPH_WARNINGS_AS_FINDINGS]
    roles = role_table(graph)
    by_row = roles.evidence

    def evidence(index: int, duty: str) -> list[Evidence]:
        # The graph's row is the line of the role's key: say so, for the writers and for SARIF.
        return [replace(e, row=None, line=e.row) for e in by_row(index, duty)]

    problems = {
        "cycle": _cycle_problems(config, graph),
        "unknown_reference": _unknown_problems(config),
        "unmapped_permission": _unmapped_problems(config, graph),
    }
    stats = {
        "files": len(config.data.files),
        "roles": len(config.role_lines),
        "permissions": len(graph.permissions),
        "cycles": [sorted(c) for c in graph.cycles],
        "unmapped_permissions": [p.subject.name for p in problems["unmapped_permission"]],
    }
    return RoleConfigTable(roles.kind, roles.subjects, roles.columns, roles.held, evidence, packed=roles.packed,
                           problems=problems, stats=stats)
