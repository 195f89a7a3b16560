"""Who holds which duty, as a boolean matrix that the rule checks read column by column.

A row is a subject (person, account or role); a column is a duty; a cell says whether the subject
holds that duty or any duty below it. Evidence is fetched only for the subjects a rule flags, so a
province-wide export never materialises evidence for clean accounts.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .model import Evidence, Subject
from .taxonomy import Taxonomy


@dataclass
class HolderTable:
    """held is a boolean matrix (subjects x duty columns), or the same packed eight columns to a
    byte (np.packbits), which is how a province's accounts arrive from the role closure."""

    kind: str
    subjects: Sequence[Subject]
    columns: dict[str, int]
    held: np.ndarray
    evidence: Callable[[int, str], list[Evidence]]
    packed: bool = False

    def column(self, col: int) -> np.ndarray:
        if self.packed:
            return (self.held[:, col >> 3] >> (7 - (col & 7))) & 1 != 0
        return self.held[:, col]

    def holds(self, duties: list[str]) -> np.ndarray:
        """Per subject: how many of these duties it holds."""
        count = np.zeros(len(self.subjects), dtype=np.int64)
        for duty in duties:
            count += self.column(self.columns[duty])
        return count

    def holds_any(self, duties) -> np.ndarray:
        return self.holds(list(duties)) > 0

    def held_duties(self, index: int, duties) -> list[str]:
        if self.packed:
            return [d for d in duties
                    if self.held[index, self.columns[d] >> 3] >> (7 - (self.columns[d] & 7)) & 1]
        return [d for d in duties if self.held[index, self.columns[d]]]


@dataclass(kw_only=True)
class PeopleTable(HolderTable):
    """The people of the staffing input: what they hold, with the sheet rows (and, when accounts
    are linked, the grant paths) behind it, whether they are established staff, and their units."""

    established: list[bool | None]
    units: list[frozenset[str]]
    # Per person, every duty held directly with its evidence: posts and linked permissions apart.
    duty_maps: list[dict[str, list[Evidence]]]


@dataclass(kw_only=True)
class AccountTable(HolderTable):
    """The accounts of permission exports that no person of the staffing input took over."""

    active: np.ndarray                                # per row: the account is enabled
    origin: Callable[[int], list[Evidence]]           # where the account is defined
    linking: bool                                     # a staffing input was given to link against


@dataclass(kw_only=True)
class RoleConfigTable(HolderTable):
    """The roles of role-configuration files, and the configuration's own problems by kind of
    problem (cycle, unknown_reference, unmapped_permission)."""

    problems: dict[str, list] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)


def duty_columns(taxonomy: Taxonomy) -> dict[str, int]:
    return {d: i for i, d in enumerate(sorted(taxonomy.duties))}


def expand_up(taxonomy: Taxonomy, columns: dict[str, int], direct: np.ndarray) -> np.ndarray:
    """Holding a duty means holding every duty above it too (column-wise OR; no matrix product)."""
    held = direct.copy()
    for duty, col in columns.items():
        for above in taxonomy.above(duty):
            if above != duty:
                held[:, columns[above]] |= direct[:, col]
    return held


def held_from_duty_maps(duty_maps: list[dict[str, list[Evidence]]], taxonomy: Taxonomy
                        ) -> tuple[dict[str, int], np.ndarray, Callable[[int, str], list[Evidence]]]:
    """Columns, held matrix and evidence lookup for subjects whose direct duties and evidence are
    already known (people): small inputs, where evidence can simply be kept."""
    columns = duty_columns(taxonomy)
    direct = np.zeros((len(duty_maps), len(columns)), dtype=bool)
    for i, duties in enumerate(duty_maps):
        for duty in duties:
            direct[i, columns[duty]] = True
    held = expand_up(taxonomy, columns, direct)

    def evidence(index: int, duty: str) -> list[Evidence]:
        below = taxonomy.below(duty)
        return sorted(e for d, items in duty_maps[index].items() if d in below for e in items)

    return columns, held, evidence
