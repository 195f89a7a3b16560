"""The operation log on Spark (``--engine spark``): the same Ibis checks, on a Spark session.

Only the place the steps live changes: the loaded log is an Ibis table on the PySpark backend
instead of embedded DuckDB, and the tables the checks materialise are cached Spark DataFrames
behind temporary views. The checks compile to Spark SQL without Python UDFs, so executors need no
Python package of ours.

Where the log comes from:
- local files (the --ops paths DuckDB reads): read by the same loader (CSV streamed to parquet,
  Excel into Arrow), then given to Spark: parquet through Spark's reader on a local session, as
  Arrow through the client on a remote one (the remote cluster cannot see this machine's disk);
- URIs (hdfs://, s3a://, abfss://, file://...): read where they are by Spark's CSV or parquet
  reader, a file or a folder of files, columns recognised with the same aliases;
- ``--ops-table db.table``: a catalog (Hive) table, its columns recognised the same way.
"""
from __future__ import annotations

import os
import re
import socket
import threading
import warnings
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..loaders.ops import DELIMITERS, LONG_LOOKUP, WIDE_LOOKUP, OpsSource, _choose, _find
from ..model import SodcheckError, Text

INSTALL = "pip install 'sodcheck[spark]'"
# A URI Spark reads (hdfs://, s3a://, file://...); a Windows drive letter (C:\) is a local path.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
CONNECT_TIMEOUT = 5.0   # seconds to reach a Spark Connect server or a standalone master
ANSWER_TIMEOUT = 60.0   # seconds for a reached Connect server to answer a first query
_views = count()


@dataclass(frozen=True)
class SparkOptions:
    """--engine spark: where Spark runs. ``remote`` is a Spark Connect URL (sc://host:port);
    otherwise a session with ``master`` (default local[*], or the one spark-submit configured)."""

    remote: str | None = None
    master: str | None = None


def is_uri(path: str) -> bool:
    return bool(_URI.match(path))


def _shown(url: str) -> str:
    """The URL for a message: a Connect URL may carry a token (sc://host:15002/;token=...)."""
    return re.sub(r"(?i)(token=)[^;]*", r"\1***", url)


def _unreachable(url: str, reason: object) -> SodcheckError:
    shown = _shown(url)
    if isinstance(reason, Exception):
        reason = _first_line(reason)
    return SodcheckError(Text(f"无法连接 Spark：{shown}（{reason}）", f"cannot reach Spark at {shown} ({reason})"))


def _probe(url: str, default_port: int) -> None:
    """Fail in seconds on a host or port nobody answers at; Spark's own clients retry for minutes."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise SodcheckError(Text(f"Spark 地址无效：{_shown(url)}（应如 sc://主机:15002）",
                                 f"invalid Spark URL {_shown(url)!r} (write e.g. sc://host:15002)"))
    try:
        port = parts.port or default_port
    except ValueError:
        raise SodcheckError(Text(f"Spark 地址的端口无效：{_shown(url)}",
                                 f"invalid port in Spark URL {_shown(url)!r}")) from None
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise _unreachable(url, exc.strerror or exc) from None


def _session(options: SparkOptions, threads: int | None) -> tuple[Any, bool]:
    """The Spark session, and whether it was made here (and is to be stopped here)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SodcheckError(Text(f"--engine spark 需要 PySpark：请安装 {INSTALL}",
                                 f"--engine spark needs PySpark: install it with {INSTALL}")) from None
    if options.remote:
        _probe(options.remote, 15002)
        # Ibis asks every session to skip schema checks when it sends a small table (the account
        # list); a Connect session cannot, and says so on the terminal for each table.
        warnings.filterwarnings("ignore", message="'verifySchema' is ignored", category=UserWarning)
        return _answering(options.remote, lambda: SparkSession.builder.remote(options.remote).getOrCreate()), True
    active = SparkSession.getActiveSession()
    if active is not None and options.master is None:
        return active, False        # a notebook's, a test's or spark-submit's session
    builder = SparkSession.builder.appName("sodcheck")
    # Under spark-submit the master and resources come from its command line; otherwise local.
    master = options.master or (None if "PYSPARK_GATEWAY_PORT" in os.environ else f"local[{threads or '*'}]")
    if master is not None:
        if master.startswith("spark://"):
            _probe(master, 7077)
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        # One machine: a few shuffle partitions, not 200 tiny tasks; no web UI port to open.
        builder = (builder.config("spark.sql.shuffle.partitions", str(max(2 * (threads or os.cpu_count() or 1), 4)))
                   .config("spark.ui.enabled", "false"))
    # Progress bars and Spark's warnings would bury the report's own messages on the terminal.
    builder = (builder.config("spark.ui.showConsoleProgress", "false")
               # Results come back through pandas (Ibis): in Arrow batches, not pickled rows.
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    try:
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session, True
    except Exception as exc:  # no Java, a master that refuses
        where, reason = master or "spark-submit", _first_line(exc)
        raise SodcheckError(Text(f"无法启动 Spark（{where}）：{reason}",
                                 f"cannot start Spark ({where}): {reason}")) from None


def _answering(url: str, connect: Any) -> Any:
    """The Connect session, once the server has answered a query. A port that is open but does
    not speak Spark Connect as asked (TLS expected, a token missing) makes the client retry for
    many minutes: given up after ANSWER_TIMEOUT seconds, naming the URL."""
    result: dict[str, Any] = {}

    def attempt() -> None:
        try:
            session = connect()
            session.sql("SELECT 1").collect()
            result["session"] = session
        except Exception as exc:  # missing Connect client libraries, a server that refuses
            result["error"] = exc

    worker = threading.Thread(target=attempt, name="sodcheck-spark-connect", daemon=True)
    worker.start()
    worker.join(ANSWER_TIMEOUT)
    if "session" in result:
        return result["session"]
    raise _unreachable(url, result.get("error") or f"no answer in {ANSWER_TIMEOUT:g} s")


class SparkEngine:
    """An Ibis connection on a Spark session, with the few operations the loader needs beyond
    portable Ibis: registering sources, materialising a table, releasing it."""

    def __init__(self, options: SparkOptions, threads: int | None):
        import ibis

        self.options = options
        self.session, self._owned = _session(options, threads)
        try:
            self.con = ibis.pyspark.connect(self.session)
        except Exception as exc:  # the first round trip to a Connect server
            raise _unreachable(options.remote or options.master or "Spark", exc) from None
        self._stored: dict[str, tuple[str, Any]] = {}
        self._views: list[str] = []

    @property
    def local(self) -> bool:
        """Whether Spark reads this machine's files (not so for a remote Connect server)."""
        return self.options.remote is None

    def _view(self, frame: Any) -> Any:
        name = f"sodcheck_ops_src_{next(_views)}"
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        return self.con.table(name)

    def store(self, name: str, expr: Any) -> Any:
        """The expression computed once behind a temporary view. A local checkpoint also cuts the
        plan short: every later query would otherwise be planned through the whole load again."""
        # Ibis registers the in-memory tables (account lists) an expression reads when it runs it.
        self.con._run_pre_execute_hooks(expr)
        frame = self.session.sql(self.con.compile(expr))
        try:
            frame = frame.localCheckpoint(eager=True)
        except Exception:  # a Connect server that cannot checkpoint: cached instead
            frame = frame.cache()
        view = f"sodcheck_{name}_{next(_views)}"
        frame.createOrReplaceTempView(view)
        self._stored[name] = (view, frame)
        return self.con.table(view)

    def drop(self, name: str) -> None:
        stored = self._stored.pop(name, None)
        if stored is not None:
            view, frame = stored
            self.session.catalog.dropTempView(view)
            frame.unpersist()

    def close(self) -> None:
        for name in list(self._stored):
            self.drop(name)
        for view in self._views:
            self.session.catalog.dropTempView(view)
        if self._owned:
            self.session.stop()

    # ------------------------------------------------------------------ sources

    def local_source(self, source: OpsSource) -> tuple[Any, Any]:
        """A source the loader read from this machine, as a Spark table and its row numbers."""
        import ibis
        import pyarrow as pa
        import pyarrow.parquet as pq

        if source.parquet is None:
            table = ibis.memtable(source.table)
            return table, table[source.row_column]
        if self.local:
            frame = self.session.read.parquet(Path(source.parquet).resolve().as_uri())
            table, row = self._numbered(frame, source.first_row)
        else:
            arrow = pq.read_table(source.parquet)
            if not source.row_column:
                # Numbered here, in the file's order: Spark keeps no order of rows it is sent.
                first = source.first_row
                arrow = arrow.append_column("__row", pa.array(range(first, first + arrow.num_rows), pa.int64()))
            table = ibis.memtable(arrow)
            row = table[source.row_column or "__row"]
        if source.row_column:
            row = table[source.row_column]
        return table, row

    def _numbered(self, frame: Any, first_row: int) -> tuple[Any, Any]:
        """The frame with ``__file`` (its file's path) and ``__row`` (record n of its file is row
        n + first_row, as DuckDB numbers parquet records) added."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        path = F.col("_metadata.file_path")
        columns = [F.col(f"`{c}`") for c in frame.columns]
        if "row_index" in frame.select("_metadata.*").columns:       # parquet: the record's index
            numbered = frame.select(*columns, path.alias("__file"),
                                    (F.col("_metadata.row_index") + first_row).cast("long").alias("__row"))
        else:
            # CSV: records keep the file's order within and across a file's splits.
            ordered = frame.select(*columns, path.alias("__file"), F.monotonically_increasing_id().alias("__order"))
            window = Window.partitionBy("__file").orderBy("__order")
            numbered = ordered.select(*columns, "__file", (F.row_number().over(window) + first_row - 1)
                                      .cast("long").alias("__row"))
        table = self._view(numbered)
        return table, table["__row"]

    def uri_source(self, uri: str) -> tuple[OpsSource, Any, Any, list[str]]:
        """A file or folder at a URI: (source, table, row numbers, the paths of its files)."""
        parquet = uri.rstrip("/").lower().endswith(".parquet") or self._is_parquet_folder(uri)
        try:
            if parquet:
                frame, first_row = self.session.read.parquet(uri), 2
            else:
                frame, first_row = self._csv(uri), 2
            source = self._recognised(uri, frame.columns)
            table, row = self._numbered(frame, first_row)
            # The paths as Spark writes them in each row (file:/x, not file:///x): one pass.
            files = sorted(table.select("__file").distinct().to_pyarrow()["__file"].to_pylist())
        except SodcheckError:
            raise
        except Exception as exc:  # no such path, no permission, not parquet
            reason = _first_line(exc)
            raise SodcheckError(Text(f"Spark 无法读取：{reason}", f"Spark cannot read it: {reason}"),
                                file=uri) from None
        if not files:
            raise SodcheckError(Text("没有可读取的行", "no row to read"), file=uri)
        return source, table, row, files

    def _is_parquet_folder(self, uri: str) -> bool:
        try:
            jvm_fs = self.session.read.format("binaryFile").option("pathGlobFilter", "*.parquet").load(uri)
            return bool(jvm_fs.select("path").limit(1).collect())
        except Exception:
            return False

    def _csv(self, uri: str) -> Any:
        """A CSV file or folder whose first line is the header, its delimiter the one that makes
        the header most recognisable; every column text."""
        first = self.session.read.text(uri).limit(1).collect()
        if not first:
            raise SodcheckError(Text("文件为空", "file is empty"), file=uri)
        header = first[0][0].lstrip("\ufeff")
        delimiter = max(DELIMITERS, key=lambda d: max(len(_find(header.split(d), LONG_LOOKUP)),
                                                      len(_find(header.split(d), WIDE_LOOKUP))))
        return (self.session.read.option("header", True).option("sep", delimiter).option("inferSchema", False)
                .option("encoding", "UTF-8").csv(uri))

    def _recognised(self, display: str, columns: list[str]) -> OpsSource:
        names = [c.lstrip("\ufeff") for c in columns]
        found_long, found_wide = _find(names, LONG_LOOKUP), _find(names, WIDE_LOOKUP)
        layout, found = _choose(display, 1, names, found_long, found_wide)
        return OpsSource(display, layout, {f: columns[c] for f, c in found.items()})

    def table_source(self, name: str) -> tuple[OpsSource, Any, Any]:
        """A catalog table (--ops-table db.table). Its rows have no order, so no row numbers."""
        import ibis

        if not _TABLE_NAME.match(name):
            raise SodcheckError(Text(f"表名无效：{name}（应如 库名.表名）",
                                     f"invalid table name {name!r} (write db.table)"))
        try:
            frame = self.session.table(name)
            columns = frame.columns
        except Exception as exc:
            raise SodcheckError(Text(f"Spark 找不到表或无法读取：{_first_line(exc)}",
                                     f"Spark cannot find or read the table: {_first_line(exc)}"), file=name) from None
        source = self._recognised(name, columns)
        table = self._view(frame)
        return source, table, ibis.null("int64")


def _first_line(exc: Exception) -> str:
    details = getattr(exc, "details", None)      # a gRPC error (Spark Connect): its one-line reason
    if callable(details):
        try:
            return str(details())[:300]
        except Exception:
            pass
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
