"""Small helpers over Arrow tables: the permission path works on Arrow columns end to end,
because a province export (a million account-role rows) must not pay for per-row Python objects."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

KEYS = ("file", "row")


def empty(columns: list[str]) -> pa.Table:
    return pa.table({c: pa.array([], pa.int64() if c in KEYS else pa.string()) for c in columns})


def rows_table(rows: list[tuple], columns: list[str]) -> pa.Table:
    """A table from Python tuples (small inputs such as role configuration files)."""
    if not rows:
        return empty(columns)
    return pa.table({c: pa.array([r[i] for r in rows], pa.int64() if c in KEYS else pa.string())
                     for i, c in enumerate(columns)})


def strings(column) -> pa.ChunkedArray:
    data = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    return data if data.type == pa.string() else data.cast(pa.string())


def ints(column) -> np.ndarray:
    """An integer column as numpy, nulls as -1 (filled only where there are some: a million-row
    column copied for nothing costs more than reading it)."""
    if not len(column):
        return np.zeros(0, dtype=np.int64)
    return np.asarray((pc.fill_null(column, -1) if column.null_count else column).to_numpy(), dtype=np.int64)


def sorted_distinct(*columns) -> pa.Array:
    """The distinct values of these columns, nulls left out, sorted in Arrow: UTF-8 bytes sort as
    their code points do, so the order is Python's, without 100,000 Python strings to sort."""
    chunks = [chunk for column in columns for chunk in strings(column).chunks]
    values = pc.unique(pa.chunked_array(chunks, type=pa.string())).drop_null()
    return values.take(pc.sort_indices(values))


def unique(*columns) -> list[str]:
    return sorted_distinct(*columns).to_pylist()


def positions(column, codes: list[str] | pa.Array) -> np.ndarray:
    """Index of each value in codes (-1 where absent), by a hash join in Arrow, not Python."""
    if not len(column):
        return np.zeros(0, dtype=np.int64)
    value_set = codes if isinstance(codes, pa.Array) else pa.array(codes, type=pa.string())
    found = pc.index_in(strings(column), value_set=value_set)
    return np.asarray(found.fill_null(-1).to_numpy(), dtype=np.int64)


def blank(column) -> pa.ChunkedArray:
    """True where a value is missing or empty."""
    return pc.fill_null(pc.equal(strings(column), ""), True)


def first_rows(table: pa.Table, key: str) -> pa.Table:
    """The first row of each key value, in table order."""
    if not table.num_rows:
        return table
    _, first = np.unique(ints(pc.index_in(table[key], value_set=pc.unique(table[key]))), return_index=True)
    return table.take(pa.array(np.sort(first)))


def encode(column) -> tuple[pa.Array, np.ndarray]:
    """(distinct values, index of each row's value in them; -1 for null): one hash pass, where
    unique() followed by positions() would take two over a million rows."""
    if not len(column):
        return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(strings(column)).combine_chunks()
    indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return encoded.dictionary, indices


def remap(encoded: tuple[pa.Array, np.ndarray], codes: list[str] | pa.Array) -> np.ndarray:
    """Positions in codes of an encoded column's rows (-1 where absent or null)."""
    values, indices = encoded
    lookup = np.append(positions(values, codes), -1)
    return lookup[indices]          # index -1 picks the appended -1
