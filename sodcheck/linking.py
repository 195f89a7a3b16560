"""Linking system accounts to people.

To the people of the staffing input, in this order: by id number; else by name and unit; else by
name, when that name belongs to one person only. An ambiguous match is a warning, never a guess.
A person whose id is known and differs from the account's is never matched by name: same name,
different person.

Without a staffing input, accounts of different systems meet only through a shared id number.
"""
from __future__ import annotations

import numpy as np

from .grants import Accounts, IdPerson, System
from .loaders.staffing import StaffingData
from .model import DataWarning, Text
from .text import compact


def link_accounts(accounts: Accounts, staffing: StaffingData, candidates: np.ndarray, files: list[str],
                  warnings: list[DataWarning]) -> dict[int, str]:
    by_id: dict[str, str] = {}
    by_name_unit: dict[tuple[str, str], set[str]] = {}
    by_name: dict[str, set[str]] = {}
    person_id = {p.key: p.id_number for p in staffing.people}
    units: dict[str, set[str]] = {}
    for posting in staffing.postings:
        units.setdefault(posting.person_key, set()).add(compact(posting.unit))
    for person in staffing.people:
        if person.id_number:
            by_id[person.id_number.upper()] = person.key
        name = compact(person.name)
        by_name.setdefault(name, set()).add(person.key)
        for unit in units.get(person.key, {compact(person.unit)}):
            by_name_unit.setdefault((unit, name), set()).add(person.key)

    links: dict[int, str] = {}
    # tolist(): plain ints, the keys callers index Python lists and dicts with.
    for acc in np.flatnonzero(candidates).tolist():
        code = accounts.codes[acc]
        id_number = (accounts.columns["id_number"][acc] or "").strip().upper()
        name = compact(accounts.columns["name"][acc])
        unit = compact(accounts.columns["unit"][acc])
        if id_number and id_number in by_id:
            links[acc] = by_id[id_number]
            continue
        if not name:
            continue
        by_unit = _compatible(by_name_unit.get((unit, name), set()), id_number, person_id) if unit else set()
        for how, keys in (("name+unit", by_unit),
                          ("name", _compatible(by_name.get(name, set()), id_number, person_id))):
            if len(keys) == 1:
                links[acc] = next(iter(keys))
                break
            if len(keys) > 1:
                _ambiguous(accounts, acc, code, name, how, len(keys), files, warnings)
                break
    return links


def _compatible(keys: set[str], id_number: str, person_id: dict[str, str | None]) -> set[str]:
    """The people among keys who could hold the account: none whose known id differs from its id."""
    return {k for k in keys if not (id_number and person_id.get(k) and person_id[k] != id_number)}


def _ambiguous(accounts: Accounts, acc: int, code: str, name: str, how: str, count: int,
               files: list[str], warnings: list[DataWarning]) -> None:
    file, row = accounts.columns["file"][acc], accounts.columns["row"][acc]
    file, row = (files[int(file)], int(row)) if file is not None else (None, None)
    warnings.append(DataWarning(
        "ACCOUNT-AMBIGUOUS", file, None, row, None,
        Text(f"账号 {code}（{name}）按{'姓名加单位' if how == 'name+unit' else '姓名'}可对应 {count} 名人员，"
             "未关联；请在导出中补充身份证号",
             f"account {code} ({name}) matches {count} people by {how}; not linked. "
             "Add id numbers to the export")))


def people_by_id_number(systems: list[System]) -> list[IdPerson]:
    """Without a staffing input, the accounts of different systems that carry one id number are one
    person: that person, not each account, is judged, on the union of the accounts' duties. Accounts
    of one system are never joined this way (two logins of one system are the export's business)."""
    by_id: dict[str, IdPerson] = {}
    for part, system in enumerate(systems):
        ids = system.accounts.columns["id_number"]
        for acc in np.flatnonzero(system.keep).tolist():
            if key := (ids[acc] or "").strip().upper():
                by_id.setdefault(key, []).append((part, acc))
    return [members for _, members in sorted(by_id.items()) if len({part for part, _ in members}) > 1]
