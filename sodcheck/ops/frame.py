"""The operation log as one normalised Ibis table on an embedded DuckDB.

Every file becomes the same columns (biz_id, biz_type, step, kind, operator, operator_name, unit,
person_id, time, levels, file, row), with times parsed into timestamps here, once, so that the
checks only use portable Ibis operations on typed columns. Rows missing a key value or with a time
that cannot be read are skipped with a warning; nothing loops over rows in Python: only counts,
the first bad rows and the distinct step texts and business types come back.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..loaders.ops import WIDE_STEPS, OpsSource, read_sources
from ..model import DataWarning, SodcheckError, Text
from .config import COMPLETING_KINDS, REVIEW_KINDS, OpsConfig
from .spark import SparkOptions

# 2024-03-05 09:12:33, 2024/3/5 9:12, 2024年3月5日 9时12分33秒, 2024.03.05 09:12:33.000
_SEPARATED = (r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:：时](\d{1,2})"
              r"(?:[:：分](\d{1,2}))?秒?(?:\.\d+)?$")
# 20240305091233, 202403050912
_COMPACT = r"^(\d{4})(\d{2})(\d{2})[ T]?(\d{2})(\d{2})(\d{2})?$"
_CANONICAL = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
# A canonical time within the years and hours sodcheck accepts; the calendar is checked by the cast.
_VALID = r"^(19\d\d|20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
DEFAULT_MEMORY_LIMIT = "1GB"
# What DuckDB keeps while the findings are made: enough to read stored results back in batches.
RELEASED_MEMORY_LIMIT = "128MB"
# What a step takes in the compressed table, roughly (measured: 10M steps of the benchmark).
BYTES_PER_ROW = 50
WARNED_ROWS = 50        # skipped rows named one by one per file and reason; the rest are counted
COLUMNS = ("biz_id", "biz_type", "step", "fixed_kind", "operator", "operator_name", "unit", "person_id",
           "time", "time_raw", "file", "row")
PROBLEMS = {
    "biz_id": Text("缺少业务流水号", "no business id"),
    "step": Text("缺少环节", "no step"),
    "operator": Text("缺少操作员", "no operator"),
    "time_missing": Text("缺少操作时间", "no time"),
    "time": Text("操作时间“{raw}”无法识别（应如 2024-03-05 09:12:33）",
                 "time {raw!r} cannot be read (write e.g. 2024-03-05 09:12:33)"),
}


@dataclass
class OperatorInfo:
    """Who an operator account is: from the permission export's account row, the person it links
    to in the staffing input, or the log's own operator-name column."""

    name: str | None = None
    person: str | None = None           # the linked person's name in the staffing input
    id_number: str | None = None
    unit: str | None = None
    known: bool = False                 # an account of the permission export


@dataclass
class OpsLog:
    """The loaded log. ``steps`` is a table in ``con``; checks read it and return only findings."""

    con: Any
    steps: Any
    files: list[str]
    config: OpsConfig
    latest: datetime | None
    warnings: list[DataWarning] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    # Set when --perms (and --staff) were given: operator code -> who it is.
    operators: dict[str, OperatorInfo] = field(default_factory=dict)
    accounts_given: bool = False
    # DuckDB's budget (--memory-limit), given back to it after ``released``.
    memory_limit: str | None = None
    _cleanup: Any = None
    _temporaries: int = 0
    _kept: dict[int, str] = field(default_factory=dict)
    # --engine spark: the Spark session the tables live in (None: embedded DuckDB).
    spark: Any = None
    # One row per business with a judged step: whether it is completed, the review kinds it had
    # (has_review, has_recheck, has_approve), the levels its class needs, its unit and type.
    businesses: Any = None

    def describe(self, operator: str | None, lang: str = "zh") -> str:
        """An operator as a report names it: the code, and the person's name when known."""
        if operator is None:
            return ""
        info = self.operators.get(operator)
        name = info and (info.person or info.name)
        if not name:
            return operator
        return f"{operator}（{name}）" if lang == "zh" else f"{operator} ({name})"

    def describe_text(self, operator: str | None) -> Text:
        return Text(self.describe(operator, "zh"), self.describe(operator, "en"))

    def directory(self) -> Any:
        """The operators with an id number, as a table to join: operator, id_upper."""
        import ibis

        rows = [(code, info.id_number.strip().upper()) for code, info in sorted(self.operators.items())
                if info.id_number and info.id_number.strip()]
        return ibis.memtable({"operator": [r[0] for r in rows], "id_upper": [r[1] for r in rows]},
                             schema={"operator": "string", "id_upper": "string"})

    def account_codes(self) -> Any:
        import ibis

        codes = sorted(code for code, info in self.operators.items() if info.known)
        return ibis.memtable({"operator": codes}, schema={"operator": "string"})

    def keep(self, expr: Any) -> Any:
        """The expression computed once into a table that lasts until ``forget`` or the log's
        close: a result that several queries read, now or once every check has run."""
        self._temporaries += 1
        name = f"ops_tmp_{self._temporaries}"
        table = self.spark.store(name, expr) if self.spark else self.con.create_table(name, expr)
        self._kept[id(table)] = name
        return table

    def forget(self, table: Any) -> None:
        name = self._kept.pop(id(table), None)
        if name is None:
            return
        if self.spark:
            self.spark.drop(name)
        else:
            self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')

    def batches(self, expr: Any, rows: int) -> Iterator[Any]:
        """The expression's result as Arrow record batches of up to ``rows`` rows, streamed from
        DuckDB (Ibis's own streaming calls a DuckDB method that DuckDB 2 no longer has)."""
        if self.spark:
            yield from expr.to_pyarrow().to_batches(max_chunksize=rows)
            return
        self.con._run_pre_execute_hooks(expr)    # registers the in-memory tables it reads
        yield from self.con.con.sql(self.con.compile(expr)).to_arrow_reader(rows)

    @contextmanager
    def materialised(self, expr: Any) -> Iterator[Any]:
        """The expression computed once into a table dropped at the end of the block."""
        table = self.keep(expr)
        try:
            yield table
        finally:
            self.forget(table)

    @contextmanager
    def released(self) -> Iterator[None]:
        """DuckDB's memory handed back while Python makes the findings it selected: what it holds
        beyond RELEASED_MEMORY_LIMIT (the log, stored results) goes to its spill folder, so a
        run's peak is the budget or the findings, never both. Spark keeps its own memory."""
        if self.spark:
            yield
            return
        budget = self.memory_limit or DEFAULT_MEMORY_LIMIT
        released = min(budget, RELEASED_MEMORY_LIMIT, key=_bytes)
        self.con.con.execute("SET memory_limit = ?", [released])
        try:
            yield
        finally:
            self.con.con.execute("SET memory_limit = ?", [budget])

    def close(self) -> None:
        try:
            if self.spark:
                self.spark.close()
            else:
                self.con.disconnect()
        finally:
            if self._cleanup is not None:
                self._cleanup.cleanup()


def on_disk(sources: Sequence[OpsSource], memory_limit: str | None) -> bool:
    """Whether the log's table should live in a database file rather than in memory: a table in
    memory cannot leave it, so a log larger than the budget (50M rows in 1 GB) must be on disk,
    where DuckDB keeps only the blocks it is working on."""
    import pyarrow.parquet as pq

    rows = sum(s.table.num_rows if s.table is not None else pq.ParquetFile(s.parquet).metadata.num_rows
               for s in sources)
    return rows * BYTES_PER_ROW > 0.6 * _bytes(memory_limit or DEFAULT_MEMORY_LIMIT)


def _bytes(size: str) -> float:
    """DuckDB's size syntax (1GB, 512MB, 2GiB) in bytes; an unreadable size counts as 1 GB (DuckDB
    itself rejects it when it is set)."""
    import re

    hit = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(I?B)?\s*", size.upper())
    if not hit:
        return 1e9
    return float(hit[1]) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[hit[2]]


def connect(memory_limit: str | None, threads: int | None, spill: Path, disk: bool = False) -> Any:
    import ibis

    con = ibis.duckdb.connect()
    raw = con.con
    try:
        # DuckDB takes 80% of the machine by default; a log is checked within a budget instead,
        # spilling to disk beyond it (--memory-limit raises it on a big machine).
        raw.execute("SET memory_limit = ?", [memory_limit or DEFAULT_MEMORY_LIMIT])
        if threads:
            raw.execute(f"SET threads = {int(threads)}")
        raw.execute("SET temp_directory = ?", [str(spill)])
        raw.execute("SET preserve_insertion_order = false")
        # Tables stored compressed: ten million steps take a few hundred MB, not 2 GB; a log larger
        # than the budget goes to a database file in the temporary folder.
        if disk:
            raw.execute("ATTACH ? AS ops_db", [str(spill.parent / "ops.duckdb")])
        else:
            raw.execute("ATTACH ':memory:' AS ops_db (COMPRESS)")
        raw.execute("USE ops_db")
    except Exception as exc:  # duckdb's own error for a bad setting: say which
        raise SodcheckError(Text(f"DuckDB 设置无效：{exc}", f"invalid DuckDB setting: {exc}")) from None
    return con


def _text(column: Any) -> Any:
    return column.cast("string").strip().nullif("")


def parse_time(column: Any) -> Any:
    """A timestamp from a datetime column or from text in the formats officers' systems write.

    The text is rewritten as YYYY-MM-DD HH:MM:SS, checked by a pattern (years 1900 to 2100, hours
    0 to 23: DuckDB would read 24:00:00 as the next day, Spark not at all) and cast with TRY_CAST,
    which refuses dates the calendar lacks (2023-02-29, 04-31) on every engine. Each component is
    extracted once: an expression that repeats them grows past what Spark compiles to code."""
    import ibis

    kind = column.type()
    if kind.is_timestamp():
        return column.cast("timestamp")
    if kind.is_date():
        return column.cast("timestamp")
    text = column.cast("string").strip()
    separated = text.re_search(_SEPARATED)

    def part(index: int, width: int) -> Any:
        value = ibis.ifelse(separated, text.re_extract(_SEPARATED, index), text.re_extract(_COMPACT, index))
        return value.nullif("").lpad(width, "0")

    second = ibis.ifelse(separated, text.re_extract(_SEPARATED, 6), text.re_extract(_COMPACT, 6))
    rewritten = (part(1, 4) + "-" + part(2, 2) + "-" + part(3, 2) + " " + part(4, 2) + ":" + part(5, 2) + ":"
                 + second.nullif("").fill_null("0").lpad(2, "0"))
    # The common case, already canonical, is not taken apart (no regular expression extracts from it).
    candidate = ibis.ifelse(text.re_search(_CANONICAL), text, rewritten)
    return ibis.ifelse(candidate.re_search(_VALID), candidate.try_cast("timestamp"), ibis.null("timestamp"))


def _time_text(column: Any) -> Any:
    """The time as written, for the warning about a time that cannot be read. A datetime column is
    never unreadable, only empty: formatting ten million timestamps as text would be wasted."""
    import ibis

    if column.type().is_timestamp() or column.type().is_date():
        return ibis.ifelse(column.isnull(), ibis.null("string"), ibis.literal("-"))
    return _text(column)


def _raw(con: Any, source: OpsSource, index: int) -> tuple[Any, Any]:
    """The source as an Ibis table and the expression of each row's number."""
    if source.parquet is not None:
        table = con.read_parquet(str(source.parquet), table_name=f"ops_src_{index}", file_row_number=True)
    else:
        import ibis

        table = ibis.memtable(source.table)
    row = table[source.row_column] if source.row_column else table.file_row_number + source.first_row
    return table, row


def _frame(raw: Any, row: Any, source: OpsSource, index: int, file: Any = None) -> list[Any]:
    """The source's rows as steps; ``file`` is the index of each row's file in the log's list of
    files when one source spans several (a folder Spark reads), else ``index``."""
    import ibis

    fields = source.fields

    def text(name: str) -> Any:
        return _text(raw[fields[name]]) if name in fields else ibis.null("string")

    def as_written(name: str) -> Any:
        """A column of few distinct values (step, business type): trimmed when its distinct values
        are classified, not ten million times here."""
        return raw[fields[name]].cast("string").nullif("") if name in fields else ibis.null("string")

    file_index = ibis.literal(index, "int32") if file is None else file.cast("int32")
    common = {"biz_id": text("biz_id"), "biz_type": as_written("biz_type"), "unit": text("unit"),
              "person_id": text("person_id"), "file": file_index, "row": row.cast("int64")}
    if source.layout == "long":
        time_column = raw[fields["time"]]
        return [raw.select(**common, step=as_written("step"), fixed_kind=ibis.null("string"),
                           operator=text("operator"), operator_name=text("operator_name"),
                           time=parse_time(time_column), time_raw=_time_text(time_column))]
    frames = []
    for kind, label, operators, _ in WIDE_STEPS:
        if f"{kind}.time" not in fields or (operators and f"{kind}.operator" not in fields):
            continue
        time_column = raw[fields[f"{kind}.time"]]
        operator = text(f"{kind}.operator") if operators else ibis.null("string")
        frame = raw.select(**common, step=ibis.literal(label), fixed_kind=ibis.literal(kind), operator=operator,
                           operator_name=ibis.null("string"), time=parse_time(time_column),
                           time_raw=_time_text(time_column))
        # An empty pair is a step not taken.
        frames.append(frame.filter(frame.operator.notnull() | frame.time_raw.notnull()))
    return frames


def _problem(rows: Any, blank_steps: list[str]) -> Any:
    """Why a row of the loaded table is skipped, or null. ``time_raw`` is kept only where the time
    could not be read."""
    import ibis

    needs_operator = rows.fixed_kind.isnull() | (rows.fixed_kind != "complete")
    missing_step = rows.step.isnull() | rows.step.isin(blank_steps) if blank_steps else rows.step.isnull()
    return ibis.cases(
        (rows.biz_id.isnull(), "biz_id"),
        (missing_step, "step"),
        (rows.operator.isnull() & needs_operator, "operator"),
        (rows.time.isnull() & rows.time_raw.isnull(), "time_missing"),
        (rows.time.isnull(), "time"),
        else_=ibis.null("string"))


def load_ops(paths: list[str], config: OpsConfig, memory_limit: str | None = None,
             threads: int | None = None, spark: SparkOptions | None = None, tables: Sequence[str] = ()) -> OpsLog:
    """The log of ``paths`` (and, on Spark, catalog ``tables``) on embedded DuckDB, or on Spark
    when ``spark`` is given."""
    import ibis

    # CSV copies and DuckDB's spill files live here; removed by OpsLog.close, or at exit.
    scratch = tempfile.TemporaryDirectory(prefix="sodcheck-ops-", ignore_cleanup_errors=True)
    engine = None
    try:
        if spark is None and tables:
            raise SodcheckError(Text("--ops-table 需要 --engine spark", "--ops-table needs --engine spark"))
        if spark is not None:
            from .spark import SparkEngine

            engine = SparkEngine(spark, threads)
        return _load(paths, config, memory_limit, threads, Path(scratch.name), scratch, ibis, engine, tables)
    except BaseException:
        if engine is not None:
            engine.close()
        scratch.cleanup()
        raise


def _load(paths, config, memory_limit, threads, scratch, cleanup, ibis, engine=None, tables=()) -> OpsLog:
    from .spark import is_uri

    warnings: list[DataWarning] = []
    csv_dir = scratch / "csv"
    csv_dir.mkdir()
    uris = [p for p in paths if engine is not None and is_uri(p)]
    sources = read_sources([p for p in paths if p not in uris], csv_dir, warnings)
    con = connect(memory_limit, threads, scratch / "spill", on_disk(sources, memory_limit)) \
        if engine is None else engine.con
    files = [s.display for s in sources]
    frames = []
    for index, source in enumerate(sources):
        raw, row = _raw(con, source, index) if engine is None else engine.local_source(source)
        frames += [f.select(*COLUMNS) for f in _frame(raw, row, source, index)]
    # Read by Spark where they are: a folder's files are told apart by each row's file path.
    for uri in uris:
        source, raw, row, paths_read = engine.uri_source(uri)
        first = len(files)
        files += paths_read
        file = raw["__file"].substitute({p: first + i for i, p in enumerate(paths_read)}, else_=first)
        frames += [f.select(*COLUMNS) for f in _frame(raw, row, source, first, file)]
    for name in tables:
        source, raw, row = engine.table_source(name)
        files.append(name)
        frames += [f.select(*COLUMNS) for f in _frame(raw, row, source, len(files) - 1)]
    union = frames[0] if len(frames) == 1 else ibis.union(*frames)
    # The step texts and business types are few: classify them here, then write the one table the
    # checks read, kind and class looked up, in a single pass over the log. A lookup of a few dozen
    # texts is a CASE, cheaper than a join over ten million rows.
    kind_of: dict[str, str] = {}
    blank_steps: list[str] = []
    for entry in union.select("step", "fixed_kind").distinct().to_pyarrow().to_pylist():
        text = entry["step"]
        if text is not None and not text.strip():
            blank_steps.append(text)
        kind = entry["fixed_kind"] or (config.step_kind(text.strip()) if text and text.strip() else None)
        if kind is not None:
            kind_of[text] = kind
    default = config.default_class
    default_levels = default.levels if default else 2
    levels_of: dict[str, int] = {}
    for biz_type in union.select("biz_type").distinct().to_pyarrow()["biz_type"].to_pylist():
        chosen = config.business_class(biz_type.strip() if biz_type else None)
        if biz_type is not None and chosen is not None and chosen is not default:
            levels_of[biz_type] = chosen.levels
    null = ibis.null("string")
    store = con.create_table if engine is None else engine.store
    table = store("ops_steps", union.select(
        "biz_id", "biz_type", "step", "fixed_kind", "operator", "operator_name", "unit", "person_id", "time",
        "file", "row",
        time_raw=ibis.ifelse(union.time.isnull(), union.time_raw, null),
        kind=union.step.substitute(kind_of, else_=null) if kind_of else null,
        levels=(union.biz_type.substitute(levels_of, else_=default_levels) if levels_of
                else ibis.literal(default_levels)).cast("int8")))
    problem = _problem(table, blank_steps)
    _warn_skipped(table.mutate(problem=problem), files, warnings)
    steps = table.filter(problem.isnull())
    _warn_unclassified(steps, files, warnings)
    named = steps.filter(steps.operator_name.notnull())
    names = named.group_by("operator").agg(name=named.operator_name.min()).to_pyarrow().to_pylist()
    judged = steps.filter(steps.kind.notnull() & (steps.kind != "view"))
    per_business = store("ops_businesses", judged.group_by("biz_id").agg(
        completed=judged.kind.isin(COMPLETING_KINDS).any(), required=judged.levels.max(),
        unit=judged.unit.min(), biz_type=judged.biz_type.min(),
        **{f"has_{k}": (judged.kind == k).any() for k in REVIEW_KINDS}))
    summary = steps.aggregate(latest=steps.time.max(), rows=steps.count()).to_pyarrow().to_pylist()[0]
    businesses = per_business.aggregate(count=per_business.count(), in_progress=(~per_business.completed).sum())
    counts = businesses.to_pyarrow().to_pylist()[0]
    log = OpsLog(con, steps, files, config, summary["latest"], warnings, memory_limit=memory_limit,
                 _cleanup=cleanup, spark=engine)
    log.businesses = per_business
    # Businesses still in progress (no approve, pay or complete step) are not judged by review levels.
    log.stats.update(ops_files=len(files), ops_rows=summary["rows"], ops_businesses=counts["count"],
                     ops_in_progress=int(counts["in_progress"] or 0))
    for entry in names:
        log.operators.setdefault(entry["operator"], OperatorInfo()).name = entry["name"]
    return log


def _warn_unclassified(steps: Any, files: list[str], warnings: list[DataWarning]) -> None:
    """One warning per step text that no kind matches, with its count and first row."""
    import ibis

    unknown = steps.filter(steps.kind.isnull())
    first = ibis.row_number().over(group_by=unknown.step, order_by=[unknown.file, unknown.row])
    ranked = unknown.mutate(rank=first, count=unknown.count().over(group_by=unknown.step))
    for entry in sorted(ranked.filter(ranked["rank"] == 0).select("step", "file", "row", "count")
                        .to_pyarrow().to_pylist(), key=lambda e: e["step"]):
        warnings.append(DataWarning("UNCLASSIFIED-STEP", files[entry["file"]], None, entry["row"], None, Text(
            f"环节“{entry['step']}”不对应任何环节类型（{entry['count']} 行），这些行未参与检查；"
            "如需检查，请在规则文件的 ops_steps 中补充",
            f"step {entry['step']!r} matches no step kind ({entry['count']} rows); those rows were not "
            "checked. Add an ops_steps pattern to check them")))


def _warn_skipped(rows: Any, files: list[str], warnings: list[DataWarning]) -> None:
    import ibis

    bad = rows.filter(rows.problem.notnull())
    if not bad.count().to_pyarrow().as_py():     # the usual case: one cheap pass, nothing to say
        return
    counts = bad.group_by("file", "problem").agg(count=bad.count()).to_pyarrow().to_pylist()
    rank = ibis.row_number().over(group_by=[bad.file, bad.problem], order_by=[bad.row])
    first = bad.mutate(rank=rank).filter(lambda t: t["rank"] < WARNED_ROWS)
    for entry in sorted(first.select("file", "problem", "row", "time_raw").to_pyarrow().to_pylist(),
                        key=lambda e: (e["file"], e["row"], e["problem"])):
        message = PROBLEMS[entry["problem"]].format(raw=entry["time_raw"])
        warnings.append(DataWarning("ROW-SKIPPED", files[entry["file"]], None, entry["row"],
                                    None, Text(f"{message.zh}，此行已跳过", f"{message.en}; row skipped")))
    for entry in counts:
        if entry["count"] > WARNED_ROWS:
            reason = PROBLEMS[entry["problem"]].format(raw="…")
            more = entry["count"] - WARNED_ROWS
            warnings.append(DataWarning("ROW-SKIPPED", files[entry["file"]], None, None, None, Text(
                f"另有 {more} 行同样问题（{reason.zh}），已跳过", f"{more} more rows skipped ({reason.en})")))
