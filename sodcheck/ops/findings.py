"""Turning the rows an OPS check selected into findings, with bounded evidence.

A check hands over an Ibis table of hits (one row per business or operator) and an Ibis table of
the steps worth showing; only the hits and the first EVIDENCE_ROWS steps of each come back to
Python, with a count of the rest, so a report grows with its findings, not with the log.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Evidence, Subject, Text, Violation
from ..ruleset import RuleBase
from .config import KIND_LABELS
from .frame import OpsLog

EVIDENCE_ROWS = 5
STEP_COLUMNS = ("biz_id", "step", "kind", "operator", "time", "file", "row")


def steps(log: OpsLog) -> Any:
    """The steps the checks judge: classified and not a mere look (查询, 打印)."""
    table = log.steps
    return table.filter(table.kind.notnull() & (table.kind != "view"))


def kind_label(kind: str, lang: str = "zh") -> str:
    zh, en = KIND_LABELS.get(kind, (kind, kind))
    return zh if lang == "zh" else en


def kinds_text(kinds: list[str]) -> Text:
    return Text("、".join(kind_label(k, "zh") for k in kinds), ", ".join(kind_label(k, "en") for k in kinds))


def flag_kinds(row: dict, kinds: tuple[str, ...]) -> list[str]:
    """The kinds whose has_<kind> flag a hit row carries."""
    return [k for k in kinds if row.get(f"has_{k}")]


def evidence_by_key(log: OpsLog, focus: Any, key: str, hits: Any, parts: Any = None) -> dict[str, list[Evidence]]:
    """The first steps of ``focus`` for each key of ``hits`` (by time, then file and row), and on
    the last of them a count of the steps not shown. ``parts`` splits a key's steps into groups
    that each get their own first rows (front-office and back-office steps)."""
    import ibis

    rows = focus.semi_join(hits.select(key).distinct(), key)
    part = parts(rows) if parts is not None else ibis.literal(0)
    rows = rows.mutate(part=part)
    window = ibis.window(group_by=[rows[key], rows.part], order_by=[rows.time, rows.file, rows.row])
    ranked = rows.mutate(rank=ibis.row_number().over(window), total=rows.count().over(
        ibis.window(group_by=[rows[key], rows.part])))
    shown = ranked.filter(ranked["rank"] < EVIDENCE_ROWS).select(*STEP_COLUMNS, "part", "rank", "total",
                                                                   group_key=ranked[key])
    found: dict[str, list[Evidence]] = {}
    records = shown.to_pyarrow().to_pylist()
    records.sort(key=lambda r: (r["group_key"], r["part"], r["rank"]))
    # A large log has hundreds of thousands of findings of a few evidence steps each: their
    # business ids, step texts, kinds and operators repeat, and are kept once each.
    once: dict[str, str] = {}
    for r in records:
        more = r["total"] - EVIDENCE_ROWS if r["rank"] == min(r["total"], EVIDENCE_ROWS) - 1 else 0
        step = r["step"].strip()
        found.setdefault(r["group_key"], []).append(Evidence(
            log.files[r["file"]], row=r["row"], biz_id=_once(once, r["biz_id"]), step=once.setdefault(step, step),
            step_kind=_once(once, r["kind"]), operator=_once(once, r["operator"]),
            time=r["time"].isoformat(sep=" ") if r["time"] is not None else None, more_rows=max(more, 0)))
    return found


def _once(once: dict[str, str], text: str | None) -> str | None:
    return text if text is None else once.setdefault(text, text)


def report(rule: RuleBase, log: OpsLog, hits: Any, focus: Any, key: str, subject: Callable[[dict], Subject],
           detail: Callable[[dict], Text], parts: Any = None) -> list[Violation]:
    """One finding per hit row, its message the rule's with the hit's detail, its evidence the
    first steps of the hit in ``focus``."""
    # Materialised once: its rows come back here and its keys select the evidence below.
    with log.materialised(hits) as hits:
        records = sorted(hits.to_pyarrow().to_pylist(), key=lambda r: r[key])
        if not records:
            return []
        evidence = evidence_by_key(log, focus, key, hits, parts)
    base = rule.message.text()
    out = []
    for r in records:
        more = detail(r)
        message = Text(f"{base.zh}（{more.zh}）", f"{base.en} ({more.en})")
        out.append(Violation(rule.id, rule.severity, subject(r), message, tuple(evidence.get(r[key], ()))))
    return out


def business_subject(row: dict) -> Subject:
    return Subject("business", row["biz_id"], row.get("unit"))


def account_subject(log: OpsLog) -> Callable[[dict], Subject]:
    def make(row: dict) -> Subject:
        info = log.operators.get(row["operator"])
        return Subject("account", row["operator"], info.unit if info else None,
                       info.id_number if info else None)
    return make
