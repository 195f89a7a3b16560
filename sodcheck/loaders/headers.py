"""Recognising columns by their English names and the Chinese headers people give them."""
from __future__ import annotations

import re

from ..model import SodcheckError, Text
from ..text import compact

STAFF_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "职工姓名", "员工姓名"),
    "unit": ("单位", "单位名称", "所在单位", "经办机构", "机构名称", "经办机构名称", "工作单位"),
    "department": ("科室", "部门", "所在科室", "处室", "所在部门", "科室名称", "部门名称"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码"),
    "staff_type": ("人员身份", "编制性质", "编制情况", "用工性质", "人员类别", "身份类别", "编制类别"),
    "post": ("岗位", "岗位名称", "现任岗位", "工作岗位", "所在岗位", "现岗位", "担任岗位"),
    "custody": ("保管物品", "保管事项", "保管物品名称", "保管印章票据"),
    "duties": ("岗位职责", "主要职责", "工作职责", "职责"),
    "category": ("岗位类别", "岗位类型"),
    # The sheet's own numbering and remarks: what officers go by, and why a post is shared (人员不足暂兼).
    "serial": ("序号", "编号", "序"),
    "note": ("备注", "备注说明"),
    "post_start": ("任现岗时间", "任现岗位时间", "岗位起始时间", "任职起始时间", "任职时间",
                   "从事本岗位时间", "任现职时间", "上岗时间", "任现岗起始时间", "现岗位任职时间"),
}

PERMISSION_ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("用户编码", "用户账号", "账号", "登录名", "用户名", "账户"),
    "name": ("用户姓名", "姓名"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "unit": ("所属机构", "机构名称", "单位", "所属单位"),
    "status": ("状态", "账号状态", "用户状态"),
    "role": ("角色编码", "角色代码", "角色", "角色ID"),
    "role_name": ("角色名称",),
    "includes": ("包含角色", "子角色", "继承角色"),
    "permission": ("功能编码", "权限编码", "菜单编码", "权限代码", "功能代码"),
    "permission_name": ("功能名称", "权限名称", "菜单名称"),
}

_NOISE = re.compile(r"[（(][^）)]*[）)]|[*＊:：\-_/、]|^\d+[.、]")


def header_key(value: object) -> str:
    """A header cell as compared with aliases: no spaces, brackets, stars or colons."""
    text = compact(value)
    return _NOISE.sub("", text).lower() if text else ""


def build_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lookup = {}
    for field, names in aliases.items():
        lookup[field.lower()] = field
        lookup[field.replace("_", "").lower()] = field
        for name in names:
            lookup[header_key(name)] = field
    return lookup


def recognise(value: object, lookup: dict[str, str]) -> str | None:
    """The field a header cell names, or None. Exact names first; a long alias may be contained
    ("任现岗时间（年月）" is post_start) but a short one may not ("岗位情况" is no post column)."""
    key = header_key(value)
    if not key:
        return None
    if key in lookup:
        return lookup[key]
    if not _long_aliases(lookup).search(key):
        return None     # most cells a data row is checked for (names, posts) contain no alias
    best = None
    for alias, field in lookup.items():
        if len(alias) >= 4 and alias in key and (best is None or len(alias) > len(best[0])):
            best = (alias, field)
    return best[1] if best else None


_LONG_ALIASES: dict[int, re.Pattern[str]] = {}


def _long_aliases(lookup: dict[str, str]) -> re.Pattern[str]:
    """One pattern for the aliases that may be contained in a header (lookups are module constants)."""
    pattern = _LONG_ALIASES.get(id(lookup))
    if pattern is None:
        longs = sorted((a for a in lookup if len(a) >= 4), key=len, reverse=True)
        pattern = _LONG_ALIASES[id(lookup)] = re.compile("|".join(map(re.escape, longs)) or "(?!)")
    return pattern


def field_columns(cells: list[object], lookup: dict[str, str]) -> list[tuple[int, str]]:
    """(column index, field) of every cell of a header row that names a field, left to right."""
    found = []
    for c, value in enumerate(cells):
        field = recognise(value, lookup) if isinstance(value, str) else None
        if field:
            found.append((c, field))
    return found


def first_columns(columns: list[tuple[int, str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, field in columns:
        found.setdefault(field, c)
    return found


def repeated_fields(columns: list[tuple[int, str]]) -> dict[str, list[int]]:
    """Fields that more than one column names: field -> its columns."""
    by_field: dict[str, list[int]] = {}
    for c, field in columns:
        by_field.setdefault(field, []).append(c)
    return {f: cs for f, cs in by_field.items() if len(cs) > 1}


def repeated_column_error(field: str, columns: list[tuple[str, str]], file: str, sheet: str | None,
                          row: int | None) -> SodcheckError:
    """Two columns (letter, header text) that name one field, which sodcheck cannot read as one."""
    listed = "、".join(f"{letter} 列“{text}”" for letter, text in columns)
    listed_en = ", ".join(f"column {letter} ({text!r})" for letter, text in columns)
    return SodcheckError(Text(
        f"表头中有多列对应同一字段 {field}：{listed}；只能保留一列，请删除或改名其余列",
        f"several columns name the field {field}: {listed_en}; keep one and delete or rename the others"),
        file=file, sheet=sheet, row=row)
