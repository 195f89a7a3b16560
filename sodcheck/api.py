"""The Python API for notebooks: inputs and results as pandas DataFrames (docs/python-api.md).

Only this module imports pandas, and only ``import sodcheck.api`` (or the first use of one of the
names ``sodcheck`` exports from it) loads it: the command line never does.

A DataFrame given to ``check`` is written to a temporary file in the shape the loaders read and
checked by the same code as a file, so that a table checked from a notebook gives exactly what
the command line gives. Findings, warnings and errors then name the DataFrame and its rows, or,
for a table that ``read_staffing``/``read_permissions`` returned, the original file and row.
"""
from __future__ import annotations

import csv
import math
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa

from .cli import exit_status
from .grants import build_accounts, build_graph
from .loaders.headers import PERMISSION_ALIASES, STAFF_ALIASES, build_lookup, header_key, recognise
from .loaders.ops import LONG_ALIASES
from .loaders.permissions import load_permissions
from .loaders.staffing import load_staffing
from .model import (
    DataWarning,
    Evidence,
    Report,
    SodcheckError,
    Text,
    Violation,
    mask_id,
    sorted_violations,
    sorted_warnings,
)
from .output import write_file
from .pipeline import CheckRequest, run
from .report import FORMATS, RenderOptions, render
from .report.json_doc import summary as summary_doc
from .text import column_letter
from .vocabulary import Classification, Rules, classify, load

PathLike: TypeAlias = str | Path
Input: TypeAlias = "PathLike | pd.DataFrame | PermissionTables | Sequence[PathLike | pd.DataFrame]"

# ----------------------------------------------------------------------------- reading


def _paths(paths: Iterable[PathLike]) -> list[str]:
    return [str(p) for p in paths]


def _ruleset(rules: Rules | PathLike | Sequence[PathLike] | None) -> Rules:
    if isinstance(rules, Rules):
        return rules
    if rules is None:
        return load()
    return load(*_paths([rules] if isinstance(rules, str | Path) else rules))


def _warnings_records(warnings: Iterable[DataWarning], lang: str) -> list[dict[str, Any]]:
    """Warnings as records: what a frame's attrs hold. Not a DataFrame there, because pandas
    compares attrs when it concatenates frames, and two DataFrames have no truth value."""
    return [{"code": w.code, "file": w.file, "sheet": w.sheet, "row": w.row, "column": w.column,
             "message": w.message.get(lang)} for w in sorted_warnings(warnings)]


def _warnings_frame(warnings: Iterable[DataWarning], lang: str) -> pd.DataFrame:
    return pd.DataFrame(_warnings_records(warnings, lang), columns=WARNING_COLUMNS).astype({"row": "Int64"})


def _serial_numbers(data) -> dict[tuple[str, str | None, int], str]:
    """(file, sheet, row) -> the sheet's 序号 cell, where the sheet has a 序号 column."""
    found: dict[tuple[str, str | None, int], str] = {}
    for grid in data.source_sheets:
        header = [i for i, number in enumerate(grid.row_numbers) if number == grid.header_row]
        if not header:
            continue
        cells = grid.rows[header[0]]
        column = next((c for c, cell in enumerate(cells)
                       if isinstance(cell.value, str) and header_key(cell.value) in ("序号", "编号", "no")), None)
        if column is None:
            continue
        for index, number in enumerate(grid.row_numbers):
            if number >= grid.data_start:
                text = grid.text(index, column)
                if text:
                    found[(grid.file, grid.sheet, number)] = text.removesuffix(".0")
    return found


WARNING_COLUMNS = ["code", "file", "sheet", "row", "column", "message"]
STAFF_COLUMNS = ["file", "sheet", "row", "seq", "unit", "department", "name", "id_masked", "staff_type",
                 "established", "source", "post", "duties", "patterns", "start"]


def read_staffing(*paths: PathLike, rules: Rules | PathLike | Sequence[PathLike] | None = None,
                  show_ids: bool = False, lang: str = "zh") -> pd.DataFrame:
    """One row per person and post as sodcheck understood the staffing sheets: where it is (file,
    sheet, row, 序号), who (unit, department, name, masked id, staff type, established), the post as
    written and what it is (source post/custody/category/duties, duties, the patterns that matched),
    and the start date. ``.attrs["warnings"]`` holds the warnings as records:
    ``pd.DataFrame(frame.attrs["warnings"])``."""
    data = load_staffing(_paths(paths))
    taxonomy = _ruleset(rules).ruleset.taxonomy
    people = {p.key: p for p in data.people}
    serials = _serial_numbers(data)
    rows = []
    for posting in data.postings:
        person = people[posting.person_key]
        matches = taxonomy.classify(posting.text) if posting.text else ()
        rows.append({
            "file": posting.file, "sheet": posting.sheet, "row": posting.row,
            "seq": serials.get((posting.file, posting.sheet, posting.row)),
            "unit": posting.unit, "department": posting.department or None, "name": person.name,
            "id_masked": person.id_number if show_ids else mask_id(person.id_number),
            "staff_type": posting.staff_type or None, "established": posting.established,
            "source": posting.source, "post": posting.text,
            "duties": [m.duty for m in matches], "patterns": [m.pattern for m in matches],
            "start": posting.start,
        })
    frame = pd.DataFrame(rows, columns=STAFF_COLUMNS).astype({"row": "Int64"})
    if show_ids:
        frame = frame.rename(columns={"id_masked": "id_number"})
    frame.attrs["warnings"] = _warnings_records(data.warnings, lang)
    return frame


def _files_column(table: pa.Table, files: list[str]) -> pa.Table:
    """The loader's file index replaced by the file's name."""
    if "file" not in table.column_names:
        return table
    names = pa.array(files, pa.string()).take(table["file"])
    return table.set_column(table.column_names.index("file"), "file", names)


def _arrow_frame(table: pa.Table | None, columns: list[str], files: list[str]) -> pd.DataFrame:
    """An Arrow table as a DataFrame with Arrow-backed columns: a million account-role rows are
    not copied into Python objects."""
    if table is None:
        return pd.DataFrame({c: pd.Series(dtype=pd.ArrowDtype(pa.string())) for c in columns})
    table = _files_column(table, files)
    return table.select([c for c in columns if c in table.column_names]).to_pandas(types_mapper=pd.ArrowDtype)


@dataclass
class PermissionTables:
    """Permission exports as DataFrames: the accounts, who holds which role, which role includes
    which, which permissions a role gives, which an account holds directly, and every permission
    with the duties it maps to. Edit them and pass the object to ``check(perms=...)`` for a what-if."""

    accounts: pd.DataFrame
    account_roles: pd.DataFrame
    role_includes: pd.DataFrame
    role_permissions: pd.DataFrame
    account_permissions: pd.DataFrame
    permissions: pd.DataFrame
    warnings: pd.DataFrame
    rules: Rules = field(repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The input tables by name, as ``check`` writes them."""
        return {"accounts": self.accounts, "account_roles": self.account_roles,
                "role_includes": self.role_includes, "role_permissions": self.role_permissions,
                "account_permissions": self.account_permissions, "permissions": self.permissions}

    def effective(self, account: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Every permission an account holds, through which roles: one row per account, granting
        path and permission duty (a permission that maps to no duty has duty None). ``path`` is the
        grant path as findings give it (account:…, role:…, permission:…). Give ``account`` to
        look at a few accounts of a province-scale export."""
        wanted = None if account is None else {account} if isinstance(account, str) else set(account)
        includes: dict[str, list[str]] = {}
        for role, inner in _pairs(self.role_includes, "role", "includes"):
            includes.setdefault(role, []).append(inner)
        gives: dict[str, list[str]] = {}
        for role, permission in _pairs(self.role_permissions, "role", "permission"):
            gives.setdefault(role, []).append(permission)
        names = dict(_pairs(self.permissions, "permission", "permission_name"))
        reached: dict[str, list[tuple[tuple[str, ...], str]]] = {}

        def reach(role: str) -> list[tuple[tuple[str, ...], str]]:
            """(role chain, permission) for every permission a role gives through its includes,
            each role by its shortest chain; cycles end where a role was seen."""
            if role not in reached:
                found: list[tuple[tuple[str, ...], str]] = []
                chains: dict[str, tuple[str, ...]] = {role: (role,)}
                queue = deque([role])
                while queue:
                    current = queue.popleft()
                    found += [(chains[current], p) for p in sorted(set(gives.get(current, ())))]
                    for inner in sorted(set(includes.get(current, ()))):
                        if inner not in chains:
                            chains[inner] = (*chains[current], inner)
                            queue.append(inner)
                reached[role] = found
            return reached[role]

        grants: list[tuple[str, tuple[str, ...], str]] = []
        for acc, role in _pairs(self.account_roles, "account", "role"):
            if wanted is None or acc in wanted:
                grants += [(acc, tuple(f"role:{r}" for r in chain), p) for chain, p in reach(role)]
        for acc, permission in _pairs(self.account_permissions, "account", "permission"):
            if wanted is None or acc in wanted:
                grants.append((acc, (), permission))
        duties = self._duties({p for _, _, p in grants}, names)
        rows = []
        for acc, chain, permission in sorted(set(grants)):
            held: list[tuple[str | None, str | None]] = [*duties[permission]] or [(None, None)]
            for duty, pattern in held:
                rows.append({"account": acc, "permission": permission, "permission_name": names.get(permission),
                             "duty": duty, "pattern": pattern, "via_role": chain[-1][5:] if chain else None,
                             "path": [f"account:{acc}", *chain, f"permission:{permission}"]})
        return pd.DataFrame(rows, columns=["account", "permission", "permission_name", "duty", "pattern",
                                           "via_role", "path"])

    def _duties(self, permissions: set[str], names: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
        """(duty, glob) per permission, classified as a check would (the permissions table may
        have been edited, or lack a permission an edited role gives)."""
        return {p: [(m.duty, m.pattern) for m in
                    self.rules.classify(names.get(p) or "", "permission", p).matches] for p in permissions}


def _pairs(frame: pd.DataFrame, left: str, right: str) -> list[tuple[str, str]]:
    if left not in frame.columns or right not in frame.columns:
        return []
    both = frame[[left, right]].dropna()
    return [(str(a), str(b)) for a, b in zip(both[left].tolist(), both[right].tolist())]


def read_permissions(*paths: PathLike, rules: Rules | PathLike | Sequence[PathLike] | None = None,
                     show_ids: bool = False, lang: str = "zh") -> PermissionTables:
    """Permission exports (files or folders, as ``--perms``) as DataFrames."""
    chosen = _ruleset(rules)
    data = load_permissions(_paths(paths))
    warnings = list(data.warnings)
    graph = build_graph(data, chosen.ruleset.taxonomy, warnings)
    accounts = build_accounts(graph, warnings)
    files = data.files
    info = _arrow_frame(data.accounts, ["account", "name", "id_number", "unit", "status", "file", "row"], files)
    active = pd.DataFrame({"account": accounts.codes, "active": accounts.active.tolist()})
    info = active.merge(info.astype({"account": object}), on="account", how="left") if len(info) else active
    ids = "id_number" if show_ids else "id_masked"
    if "id_number" in info.columns:
        info[ids] = info.pop("id_number").map(lambda v: v if show_ids or not isinstance(v, str) else mask_id(v))
    catalogue = []
    for index, code in enumerate(graph.permissions):
        entries = [graph.taxonomy.permission_patterns[j] for j in graph.perm_entries[index].nonzero()[0]]
        matched = [graph.describe(index, e.duty, exact=True) for e in entries]
        catalogue.append({"permission": code, "permission_name": data.catalogue.get(code),
                          "duties": [e.duty for e in entries],
                          "patterns": [(how or "").split(" ", 1)[-1] for *_, how in matched]})
    role_names = pd.DataFrame(sorted(data.role_names.items()), columns=["role", "role_name"])

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.merge(role_names, on="role", how="left") if len(role_names) and len(frame) else frame

    return PermissionTables(
        accounts=info,
        account_roles=_arrow_frame(data.account_roles, ["account", "role", "file", "row"], files),
        role_includes=named(_arrow_frame(data.role_includes, ["role", "includes", "file", "row"], files)),
        role_permissions=named(_arrow_frame(data.role_permissions, ["role", "permission", "file", "row"], files)),
        account_permissions=_arrow_frame(data.direct, ["account", "permission", "file", "row"], files),
        permissions=pd.DataFrame(catalogue, columns=["permission", "permission_name", "duties", "patterns"]),
        warnings=_warnings_frame(warnings, lang), rules=chosen)


def read_ops(*paths: PathLike, rules: Rules | PathLike | Sequence[PathLike] | None = None,
             show_ids: bool = False, lang: str = "zh") -> pd.DataFrame:
    """Operation logs (files or folders, as ``--ops``), one row per step as the checks see it:
    business id and type, step as written and its kind, operator, unit, person id (masked), time,
    review levels of the business class, file and row. ``.attrs["warnings"]`` holds the warnings
    as records, as read_staffing's."""
    from .ops.frame import load_ops

    log = load_ops(_paths(paths), _ruleset(rules).ruleset.ops)
    try:
        table = log.steps.order_by(["file", "row"]).to_pyarrow()
    finally:
        log.close()
    frame = _arrow_frame(table, ["file", "row", "biz_id", "biz_type", "step", "kind", "levels", "operator", "unit",
                                 "person_id", "time"], log.files)
    if not show_ids:
        frame["person_id"] = frame["person_id"].map(lambda v: mask_id(v) if isinstance(v, str) else v)
    frame.attrs["warnings"] = _warnings_records(log.warnings, lang)
    return frame


# ----------------------------------------------------------------------------- DataFrames as inputs

STAFF_LOOKUP = build_lookup(STAFF_ALIASES)
PERMISSION_LOOKUP = build_lookup(PERMISSION_ALIASES)
OPS_LOOKUP = build_lookup(LONG_ALIASES)
# Staffing columns by their API names; other columns are recognised as sheet headers are (姓名, 岗位).
STAFF_NAMES = {"name": "name", "unit": "unit", "department": "department", "id_number": "id_number",
               "staff_type": "staff_type", "post": "post", "custody": "custody", "category": "category",
               "duties_text": "duties", "start": "post_start", "post_start": "post_start"}
# Columns read_staffing gives that are results, not inputs: "duties" there is what a post maps to.
# Texts a sheet row may hold several of, in the order the loader reads them.
STAFF_ITEMS = ("post", "custody", "category", "duties")
STAFF_RESULTS = {"file", "sheet", "row", "seq", "id_masked", "duties", "patterns", "established", "source"}
PERMISSION_RESULTS = {"file", "row", "id_masked", "active", "duties", "patterns"}
OPS_RESULTS = {"file", "row", "kind", "levels"}


@dataclass
class _Staged:
    """A DataFrame written as a file for a loader: how to name it, and each line's origin."""

    label: str
    origins: dict[int, tuple[str, str | None, int | None]]
    columns: dict[str, str]                 # column letter in the file -> the DataFrame's column


def _cell(value: Any) -> str:
    """A DataFrame value as the text a sheet cell would hold."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))       # an id or code read as a number: 1001, not 1001.0
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_cell(v) for v in value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _fields(frame: pd.DataFrame, label: str, lookup: dict[str, str], results: set[str],
            names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field -> the DataFrame column holding it. Unknown columns are ignored; two columns naming
    one field are an error naming both."""
    found: dict[str, str] = {}
    for column in frame.columns:
        text = str(column)
        field_name = (names or {}).get(text) or (None if text in results else recognise(text, lookup))
        if field_name is None:
            continue
        if field_name in found:
            first = found[field_name]
            raise SodcheckError(Text(f"DataFrame 的列 {first!r} 和 {text!r} 都对应字段 {field_name}；只能保留一列",
                                     f"columns {first!r} and {text!r} both name the field {field_name}; keep one"),
                                file=label, column=text)
        found[field_name] = text
    return found


def _require(found: dict[str, str], required: Sequence[str], label: str) -> None:
    for name in required:
        if name not in found:
            raise SodcheckError(Text(f"DataFrame 缺少必需的列 {name}",
                                     f"the DataFrame lacks the required column {name}"), file=label, column=name)


def _origin(frame: pd.DataFrame, label: str) -> list[tuple[str, str | None, int | None]]:
    """Where each row of the DataFrame comes from: the file, sheet and row a reader gave it, or the
    DataFrame and its index."""
    files = frame["file"].tolist() if "file" in frame.columns else [None] * len(frame)
    sheets = frame["sheet"].tolist() if "sheet" in frame.columns else [None] * len(frame)
    rows = frame["row"].tolist() if "row" in frame.columns else [None] * len(frame)
    origins: list[tuple[str, str | None, int | None]] = []
    for position, (index, file, sheet, row) in enumerate(zip(frame.index.tolist(), files, sheets, rows)):
        if isinstance(file, str) and file and not pd.isna(row):
            origins.append((file, sheet if isinstance(sheet, str) else None, int(row)))
        else:
            origins.append((label, None, int(index) if isinstance(index, int) else position))
    return origins


def _write_csv(path: Path, header: list[str], records: list[list[str]], origins: list, label: str,
               sources: list[str]) -> _Staged:
    """The records as a UTF-8 CSV; a value holding a line break spans lines, which is counted."""
    lines: dict[int, tuple[str, str | None, int | None]] = {}
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        line = 2
        for record, origin in zip(records, origins):
            lines[line] = origin
            writer.writerow(record)
            line += 1 + sum(value.count("\n") for value in record)
    return _Staged(label, lines, {column_letter(i): source for i, source in enumerate(sources)})


class _Stager:
    """DataFrames written as input files in a temporary folder, removed afterwards."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="sodcheck-api-", ignore_cleanup_errors=True)
        self.staged: dict[str, _Staged] = {}

    def _path(self, label: str, group: str | None = None) -> Path:
        """A file named after the DataFrame: a sheet without a unit column is its file's unit.
        Files of one group share a folder (the permission tables of one system are one system)."""
        folder = Path(self.folder.name) / (group or str(len(self.staged)))
        folder.mkdir(exist_ok=True)
        return folder / f"{label}.csv"

    def staff(self, frame: pd.DataFrame, label: str) -> str:
        """One sheet row per row of the frame; rows that read_staffing made from one sheet row (its
        post, custody and duties texts) become that one row again, so that the loader judges it as
        it judged the sheet."""
        found = _fields(frame, label, STAFF_LOOKUP, STAFF_RESULTS, STAFF_NAMES)
        _require(found, ("name", "post"), label)
        values = {f: frame[column].map(_cell).tolist() for f, column in found.items()}
        source = frame["source"].tolist() if "source" in frame.columns else [None] * len(frame)
        established = frame["established"].tolist() if "established" in frame.columns else [None] * len(frame)
        origins = _origin(frame, label)
        header = [f for f in found if f not in STAFF_ITEMS] + [f for f in STAFF_ITEMS if f in found or
                                                               "source" in frame.columns]
        if "staff_type" not in header and "established" in frame.columns:
            header.append("staff_type")
        rows: dict[tuple, dict[str, list[str]]] = {}
        for i, origin in enumerate(origins):
            key = origin if origin[0] != label else (label, None, i)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {f: [values[f][i]] if f in values else [] for f in header
                                   if f not in STAFF_ITEMS}
                row.update({f: [] for f in STAFF_ITEMS})
                if not row.get("staff_type", [""])[0] and established[i] is not None \
                        and not pd.isna(established[i]):
                    row["staff_type"] = ["在编" if bool(established[i]) else "编外"]   # a what-if on established
            # read_staffing gives custody, category and 岗位职责 texts as rows of their own.
            target = str(source[i]) if str(source[i]) in STAFF_ITEMS else "post"
            row[target].append(values["post"][i])
            for item in STAFF_ITEMS:
                if item != "post" and item in values:
                    row[item].append(values[item][i])
        records = [["、".join(v for v in row[f] if v) for f in header] for row in rows.values()]
        path = self._path(label)
        self.staged[str(path)] = _write_csv(path, header, records, [k if k[0] != label else (label, None, k[2])
                                                                     for k in rows], label,
                                            [found.get(f, f) for f in header])
        return str(path)

    def table(self, frame: pd.DataFrame, label: str, lookup: dict[str, str], results: set[str],
              required: Sequence[str] = (), group: str | None = None) -> str:
        found = _fields(frame, label, lookup, results)
        _require(found, required, label)
        header = list(found)
        columns = [frame[found[f]].map(_cell).tolist() for f in header]
        records = [list(values) for values in zip(*columns)] if columns else []
        path = self._path(label, group)
        self.staged[str(path)] = _write_csv(path, header, records, _origin(frame, label), label,
                                            [found[f] for f in header])
        return str(path)

    def close(self) -> None:
        self.folder.cleanup()


# The columns without which a permission DataFrame is no export: per table of PermissionTables,
# and for a DataFrame of its own, by the column it has.
PERMISSION_REQUIRED = {"accounts": ("account",), "account_roles": ("account", "role"),
                       "role_includes": ("role", "includes"), "role_permissions": ("role", "permission"),
                       "account_permissions": ("account", "permission"), "permissions": ("permission",)}


def _permission_frame(stager: _Stager, frame: pd.DataFrame, label: str, table: str | None = None) -> str | None:
    found = _fields(frame, label, PERMISSION_LOOKUP, PERMISSION_RESULTS)
    if table is None:
        # A DataFrame of its own is judged by its columns, as an export file is.
        has = set(found)
        other = "role" if "account" in has and "permission" not in has else \
            "permission" if "role" in has and "includes" not in has else None
        _require(found, ("account",) if not has & {"account", "role"} else (other,) if other else (), label)
    else:
        _require(found, PERMISSION_REQUIRED[table], label)
        if table == "accounts" and not set(found) & {"name", "id_number", "unit", "status"}:
            return None         # codes alone: the account-role table names them already
        if table == "permissions" and "permission_name" not in found:
            return None         # a catalogue gives names; without them it adds nothing
    if table in ("accounts", "permissions"):
        details = [found[f] for f in found if f not in ("account", "permission")]
        frame = frame[frame[details].notna().any(axis=1)]       # accounts that only a role table named
    return stager.table(frame, label, PERMISSION_LOOKUP, PERMISSION_RESULTS, group="perms")


def _stage(value: Any, kind: str, stager: _Stager) -> list[str]:
    """Paths for one check input: paths as they are, DataFrames written out."""
    if value is None:
        return []
    items = list(value) if isinstance(value, list | tuple) else [value]
    paths: list[str] = []
    for number, item in enumerate(items, 1):
        label = f"DataFrame {kind}" if len(items) == 1 else f"DataFrame {kind}[{number}]"
        if isinstance(item, str | Path):
            paths.append(str(item))
        elif isinstance(item, PermissionTables) and kind == "perms":
            for name, frame in item.tables().items():
                staged = _permission_frame(stager, frame, f"{label}.{name}", name)
                paths += [staged] if staged else []
        elif isinstance(item, pd.DataFrame) and kind == "staff":
            paths.append(stager.staff(item, label))
        elif isinstance(item, pd.DataFrame) and kind == "perms":
            staged = _permission_frame(stager, item, label)
            paths += [staged] if staged else []
        elif isinstance(item, pd.DataFrame) and kind == "ops":
            paths.append(stager.table(item, label, OPS_LOOKUP, OPS_RESULTS))
        else:
            raise SodcheckError(Text(f"{kind} 应为路径、路径列表或 DataFrame，而不是 {type(item).__name__}",
                                     f"{kind} must be a path, a list of paths or a DataFrame, "
                                     f"not {type(item).__name__}"))
    return paths


# ----------------------------------------------------------------------------- naming DataFrames in results


class _Relabel:
    """Findings, warnings and errors about a staged file name the DataFrame and its rows instead."""

    def __init__(self, staged: dict[str, _Staged]):
        self.staged = staged

    def place(self, file: str | None, sheet: str | None, row: int | None, column: str | None = None
              ) -> tuple[str | None, str | None, int | None, str | None]:
        staged = self.staged.get(file or "")
        if staged is None:
            return file, sheet, row, column
        origin = staged.origins.get(row) if row is not None else None
        column = staged.columns.get(column, column) if column else column
        return origin + (column,) if origin else (staged.label, None, None, column)

    def evidence(self, e: Evidence) -> Evidence:
        if e.file not in self.staged:
            return e
        file, sheet, row, _ = self.place(e.file, e.sheet, e.row)
        return replace(e, file=file, sheet=sheet, row=row)

    def violation(self, v: Violation) -> Violation:
        return replace(v, evidence=tuple(sorted(self.evidence(e) for e in v.evidence)))

    def warning(self, w: DataWarning) -> DataWarning:
        file, sheet, row, column = self.place(w.file, w.sheet, w.row, w.column)
        return replace(w, file=file, sheet=sheet, row=row, column=column)

    def error(self, exc: SodcheckError) -> SodcheckError:
        if exc.file not in self.staged:
            return exc
        file, sheet, row, column = self.place(exc.file, exc.sheet, exc.row, exc.column)
        return SodcheckError(exc.text, file=file, sheet=sheet, row=row, column=column, line=exc.line)

    def report(self, report: Report) -> Report:
        if not self.staged:
            return report
        name = {path: staged.label for path, staged in self.staged.items()}
        by_folder = report.stat("by_folder")
        stats = report.stats_with(by_folder={name.get(k, k): v for k, v in by_folder.items()}) if by_folder \
            else report.stats
        return replace(
            report,
            violations=sorted_violations(self.violation(v) for v in report.violations),
            notices=sorted_violations(self.violation(v) for v in report.notices),
            warnings=sorted_warnings(self.warning(w) for w in report.warnings),
            inputs=tuple(name.get(p, p) for p in report.inputs),
            # A DataFrame has no sheet of the officer's to mark.
            sheets=tuple(s for s in report.sheets if s[0] not in self.staged),
            sources=tuple(s for s in report.sources if s.file not in self.staged),
            stats=stats)


# ----------------------------------------------------------------------------- checking

VIOLATION_COLUMNS = ["rule_id", "severity", "title", "subject_kind", "subject", "unit", "system", "subject_id",
                     "duties", "message", "counts", "waiver", "baseline", "change", "evidence"]
EVIDENCE_COLUMNS = ["section", "finding", "rule_id", "subject", "file", "sheet", "row", "post", "duty", "pattern",
                    "permission", "path", "more_paths", "line", "start", "biz_id", "step", "kind", "operator",
                    "time", "more_rows"]


@dataclass(frozen=True)
class Result:
    """What a check found, as DataFrames: ``violations`` and ``notices`` (one row per finding,
    evidence as a list column), ``evidence`` (one row per piece of evidence, ``finding`` pointing at
    the row of its finding), ``warnings``, and ``summary``."""

    report: Report = field(repr=False)
    inputs: tuple[str, ...] = ()
    lang: str = "zh"
    show_ids: bool = False

    def _options(self, lang: str | None = None, show_ids: bool | None = None) -> RenderOptions:
        return RenderOptions(lang=lang or self.lang, show_ids=self.show_ids if show_ids is None else show_ids)

    def _findings(self, findings: tuple[Violation, ...]) -> pd.DataFrame:
        titles = {r.id: r.title.get(self.lang) for r in self.report.rules}
        rows = []
        for v in findings:
            s = v.subject
            rows.append({"rule_id": v.rule_id, "severity": v.severity, "title": titles.get(v.rule_id),
                         "subject_kind": s.kind, "subject": s.name, "unit": s.unit, "system": s.system,
                         "subject_id": s.id if self.show_ids else mask_id(s.id), "duties": list(v.duties),
                         "message": v.message.get(self.lang), "counts": v.counts,
                         "waiver": v.waiver_status, "baseline": v.baseline or None, "change": v.change or None,
                         "evidence": [e.as_dict() for e in v.evidence]})
        return pd.DataFrame(rows, columns=VIOLATION_COLUMNS)

    @property
    def violations(self) -> pd.DataFrame:
        return self._findings(self.report.violations)

    @property
    def notices(self) -> pd.DataFrame:
        return self._findings(self.report.notices)

    @property
    def warnings(self) -> pd.DataFrame:
        return _warnings_frame(self.report.warnings, self.lang)

    @property
    def evidence(self) -> pd.DataFrame:
        rows = []
        for section, findings in (("violation", self.report.violations), ("notice", self.report.notices)):
            for number, v in enumerate(findings):
                for e in v.evidence:
                    rows.append({"section": section, "finding": number, "rule_id": v.rule_id,
                                 "subject": v.subject.name, "file": e.file, "sheet": e.sheet, "row": e.row,
                                 "post": e.post, "duty": e.duty, "pattern": e.pattern, "permission": e.permission,
                                 "path": list(e.path), "more_paths": e.more_paths, "line": e.line, "start": e.start,
                                 "biz_id": e.biz_id, "step": e.step, "kind": e.step_kind, "operator": e.operator,
                                 "time": e.time, "more_rows": e.more_rows})
        return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS).astype({"row": "Int64", "line": "Int64"})

    @property
    def summary(self) -> dict[str, Any]:
        """Counts by rule, severity and unit, inputs, rules that ran, unclassified posts and run figures,
        as the JSON report's summary."""
        return summary_doc(self.report)

    def to_json(self, lang: str | None = None, show_ids: bool | None = None) -> str:
        """The JSON report, as ``--format json`` writes it (docs/json-format.md)."""
        return str(render("json", self.report, self._options(lang, show_ids)))

    def render(self, format: str = "table", lang: str | None = None, show_ids: bool | None = None) -> str | bytes:
        """The report in any format the command line writes (xlsx gives bytes)."""
        if format not in FORMATS:
            raise SodcheckError(Text(f"未知格式 {format!r}；可用：{'、'.join(FORMATS)}",
                                     f"unknown format {format!r}; known: {', '.join(FORMATS)}"))
        return render(format, self.report, self._options(lang, show_ids))

    def write(self, path: PathLike, format: str | None = None, lang: str | None = None,
              show_ids: bool | None = None) -> None:
        """Write the report to a file, in one step, never over an input. The format defaults to the
        file's suffix (.json, .csv, .xlsx, .html, .sarif, .xml for JUnit), else the terminal table."""
        suffix = Path(path).suffix.lower().lstrip(".")
        chosen = format or {"xml": "junit", "htm": "html", "txt": "table"}.get(suffix, suffix if suffix in FORMATS
                                                                             else "table")
        write_file(self.render(chosen, lang, show_ids), str(path), self.inputs)

    def exit_code(self, fail_on: str = "low") -> int:
        """The command line's exit status for this result: 1 when a violation at or above fail_on
        counts (not waived, not in the baseline), else 0."""
        if fail_on not in ("high", "medium", "low", "never"):
            raise SodcheckError(Text(f"fail_on 应为 high、medium、low 或 never，而不是 {fail_on!r}",
                                     f"fail_on must be high, medium, low or never, not {fail_on!r}"))
        return exit_status(self.report, fail_on)


def check(staff: Input | None = None, perms: Input | None = None, roles: PathLike | Sequence[PathLike] | None = None,
          ops: Input | None = None, rules: Rules | PathLike | Sequence[PathLike] | None = None,
          as_of: date | str | None = None, waivers: PathLike | None = None,
          baseline: PathLike | Result | None = None, *, include_disabled: bool = False,
          grants: Sequence[tuple[str, str]] = (), revokes: Sequence[tuple[str, str]] = (),
          lang: str = "zh", show_ids: bool = False) -> Result:
    """Check the inputs as ``sodcheck check`` does. Each of staff, perms and ops is a path, a list
    of paths, or a DataFrame with the documented columns (perms also a PermissionTables); rules a
    ``sodcheck.rules.load(...)`` result or paths; baseline a JSON report or an earlier Result."""
    if isinstance(roles, pd.DataFrame):
        raise SodcheckError(Text("角色配置应为 YAML 或 JSON 文件的路径", "roles must be paths of YAML or JSON files"))
    chosen = _ruleset(rules)
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of or date.today()
    stager = _Stager()
    relabel = _Relabel(stager.staged)
    try:
        baseline_path = None
        if isinstance(baseline, Result):
            baseline_path = str(Path(stager.folder.name) / "baseline.json")
            Path(baseline_path).write_text(baseline.to_json(), encoding="utf-8")
        elif baseline is not None:
            baseline_path = str(baseline)
        request = CheckRequest(
            staff=_stage(staff, "staff", stager), perms=_stage(perms, "perms", stager),
            roles=_paths([roles] if isinstance(roles, str | Path) else roles or []), rules=chosen.paths,
            as_of=day, include_disabled=include_disabled, grants=list(grants), revokes=list(revokes),
            waivers=str(waivers) if waivers is not None else None, baseline=baseline_path,
            ops=_stage(ops, "ops", stager))
        report = run(request, chosen.ruleset)
    except SodcheckError as exc:
        raise relabel.error(exc) from None
    finally:
        stager.close()
    inputs = tuple(p for p in request.input_paths() if p not in stager.staged)
    return Result(relabel.report(report), inputs, lang, show_ids)


__all__ = ["Classification", "PermissionTables", "Result", "Rules", "SodcheckError", "check", "classify", "load",
           "read_ops", "read_permissions", "read_staffing"]
