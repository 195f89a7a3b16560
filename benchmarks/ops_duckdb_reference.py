#!/usr/bin/env python3
"""The OPS checks hand-written in DuckDB SQL: the yardstick for sodcheck's Ibis version.

    python benchmarks/ops_duckdb_reference.py LOG.parquet -o findings.json [--threads 2]

Same semantics as the built-in rules (OPS-REVIEW-LEVELS, OPS-SAME-OPERATOR, OPS-PAY-UNCHECKED,
OPS-MODIFY-UNAPPROVED, OPS-FRONT-BACK, OPS-OFF-HOURS) on a long-layout parquet log whose time
column is a timestamp. Step kinds, business classes and holidays are read from rules/ops.yaml
(the patterns there are plain text, so LIKE does). Writes {"violations": [[rule, subject]...],
"notices": [...]} and, per finding, the first five steps as evidence, as sodcheck does.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]


def _case(column: str, entries: list[tuple[str, list[str]]], default: str = "NULL") -> str:
    whens = []
    for value, patterns in entries:
        test = " OR ".join(f"{column} LIKE '%{p}%'" for p in patterns)
        whens.append(f"WHEN {test} THEN {value}")
    return "CASE " + " ".join(whens) + f" ELSE {default} END"


def run(log: str, threads: int, memory_limit: str | None) -> dict:
    library = yaml.safe_load((REPO / "rules" / "ops.yaml").read_text(encoding="utf-8"))
    kinds = _case("step", [(f"'{e['kind']}'", e["patterns"]) for e in library["ops_steps"]])
    classes = [c for c in library["ops_classes"] if c.get("patterns")]
    default_levels = next(c["levels"] for c in library["ops_classes"] if c.get("default"))
    levels = _case("biz_type", [(str(c["levels"]), c["patterns"]) for c in classes], str(default_levels))
    holidays = ", ".join(f"DATE '{d}'" for d in library["ops_calendar"]["holidays"])
    workdays = ", ".join(f"DATE '{d}'" for d in library["ops_calendar"]["workdays"])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
        CREATE TEMP TABLE s AS
        SELECT biz_id, biz_type, step, operator, time, row, {kinds} AS kind, {levels} AS levels
        FROM (SELECT trim("业务流水号") AS biz_id, trim("业务类型") AS biz_type, trim("环节") AS step,
                     trim("操作员") AS operator, "操作时间"::TIMESTAMP AS time, file_row_number + 2 AS row
              FROM read_parquet('{log}', file_row_number = true))
        WHERE biz_id <> '' AND step <> '' AND operator <> '' AND time IS NOT NULL
    """)
    con.execute("CREATE TEMP VIEW j AS SELECT * FROM s WHERE kind IS NOT NULL AND kind <> 'view'")
    latest = con.execute("SELECT max(time) FROM s").fetchone()[0]
    queries = {
        "OPS-REVIEW-LEVELS": """
            SELECT biz_id FROM j GROUP BY biz_id
            HAVING bool_or(kind IN ('approve', 'pay', 'complete'))
               AND count(DISTINCT CASE WHEN kind IN ('review', 'recheck', 'approve') THEN kind END) < max(levels)""",
        "OPS-SAME-OPERATOR": """
            SELECT DISTINCT biz_id FROM j WHERE kind IN ('accept', 'review', 'recheck', 'approve', 'pay')
            GROUP BY biz_id, operator HAVING count(DISTINCT kind) >= 2""",
        "OPS-PAY-UNCHECKED": """
            SELECT DISTINCT p.biz_id FROM j p
            WHERE p.kind = 'pay' AND NOT EXISTS (
                SELECT 1 FROM j r WHERE r.biz_id = p.biz_id AND r.kind = 'recheck' AND r.time <= p.time)""",
        "OPS-FRONT-BACK": """
            SELECT operator FROM j GROUP BY operator
            HAVING bool_or(kind IN ('accept', 'modify'))
               AND bool_or(kind IN ('review', 'recheck', 'approve', 'modify_approve'))""",
        "OPS-OFF-HOURS": f"""
            SELECT DISTINCT operator FROM j
            WHERE NOT ((((isodow(time) <= 5) AND time::DATE NOT IN ({holidays or 'NULL'}))
                        OR time::DATE IN ({workdays or 'NULL'}))
                       AND time::TIME >= TIME '08:00:00' AND time::TIME < TIME '18:00:00')""",
    }
    modify = f"""
        SELECT m.biz_id, bool_or(m.time + INTERVAL 7 DAY <= TIMESTAMP '{latest}') AS elapsed FROM j m
        WHERE m.kind = 'modify' AND NOT EXISTS (
            SELECT 1 FROM j a WHERE a.biz_id = m.biz_id AND a.kind = 'modify_approve'
              AND a.operator <> m.operator AND a.time BETWEEN m.time AND m.time + INTERVAL 7 DAY)
        GROUP BY m.biz_id"""
    found: dict = {"violations": [], "notices": [], "evidence": 0}
    queries["OPS-MODIFY-UNAPPROVED"] = modify
    for rule, query in queries.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE k AS {query}")
        for key, *rest in con.execute("SELECT * FROM k").fetchall():
            found["notices" if rest and not rest[0] else "violations"].append([rule, key])
        found["evidence"] += _evidence(con, "operator" if rule in ("OPS-FRONT-BACK", "OPS-OFF-HOURS")
                                       else "biz_id")
    return found


def _evidence(con, column: str) -> int:
    """The first five steps of each finding, fetched as sodcheck fetches them."""
    rows = con.sql(f"""
        SELECT * FROM (
            SELECT j.*, row_number() OVER (PARTITION BY j.{column} ORDER BY time, row) AS rank,
                   count(*) OVER (PARTITION BY j.{column}) AS total
            FROM j SEMI JOIN k ON j.{column} = k.{column})
        WHERE rank <= 5""").to_arrow_table()
    return rows.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit")
    args = parser.parse_args()
    found = run(args.log, args.threads, args.memory_limit)
    args.output.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    print(f"{len(found['violations'])} violations, {len(found['notices'])} notices")


if __name__ == "__main__":
    main()
