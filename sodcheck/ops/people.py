"""Who the operators of a log are: accounts of the permission export and the people they link to.

Operators are account codes. With --perms each code that is an account gets the account's name,
id number and unit, and (with --staff) the person the account links to, as linking.py links
accounts. Without --perms, an operator whose name in the log belongs to exactly one person of the
staffing input is that person.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..grants import Accounts
from ..loaders.staffing import StaffingData
from ..text import compact

if TYPE_CHECKING:      # the log's modules load only for a run that reads one
    from .frame import OpsLog


def identify_by_accounts(log: OpsLog, accounts: Accounts, linked: dict[int, str],
                         staffing: StaffingData | None) -> None:
    from .frame import OperatorInfo

    people = {p.key: p for p in staffing.people} if staffing is not None else {}
    columns = accounts.columns
    for acc, code in enumerate(accounts.codes):
        info = log.operators.setdefault(code, OperatorInfo())
        info.known = True
        info.name = columns["name"][acc] or info.name
        info.id_number = columns["id_number"][acc] or info.id_number
        info.unit = columns["unit"][acc] or info.unit
        person = people.get(linked.get(acc, ""))
        if person is not None:
            info.person = person.name
            info.id_number = info.id_number or person.id_number
    log.accounts_given = True


def identify_by_names(log: OpsLog, staffing: StaffingData) -> None:
    by_name: dict[str, list] = {}
    for person in staffing.people:
        by_name.setdefault(compact(person.name), []).append(person)
    for info in log.operators.values():
        matches = by_name.get(compact(info.name), []) if info.name else []
        if len(matches) == 1:
            info.person = matches[0].name
            info.id_number = info.id_number or matches[0].id_number
