"""Turning the rows an OPS check selected into findings, with bounded evidence.

A check hands over an Ibis table of hits (one row per business or operator) and an Ibis table of
the steps worth showing; only the hits and the first EVIDENCE_ROWS steps of each come back to
Python, with a count of the rest, so a report grows with its findings, not with the log. They come
back after every check has run, a batch at a time, while the engine holds little memory: the
engine's budget and the findings are never both in memory at once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..model import Evidence, Subject, Text, Violation
from ..ruleset import RuleBase
from .config import KIND_LABELS

if TYPE_CHECKING:      # the log's modules load only for a run that reads one
    from .frame import OpsLog

EVIDENCE_ROWS = 5
STEP_COLUMNS = ("biz_id", "step", "kind", "operator", "time", "file", "row")
# Rows read back from the engine at a time while findings are made.
BATCH_ROWS = 20_000


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


def shown_steps(focus: Any, key: str, hits: Any, parts: Any = None) -> Any:
    """The first EVIDENCE_ROWS steps of ``focus`` for each key of ``hits`` (by time, then file and
    row), each with the number of steps of its group: one row per key, ``shown_key`` and the list
    ``shown_steps``. ``parts`` splits a key's steps into groups that each get their own first rows
    (front-office and back-office steps)."""
    import ibis

    rows = focus.semi_join(hits.select(key).distinct(), key)
    part = parts(rows) if parts is not None else ibis.literal(0)
    rows = rows.mutate(part=part)
    window = ibis.window(group_by=[rows[key], rows.part], order_by=[rows.time, rows.file, rows.row])
    ranked = rows.mutate(rank=ibis.row_number().over(window), total=rows.count().over(
        ibis.window(group_by=[rows[key], rows.part])))
    shown = ranked.filter(ranked["rank"] < EVIDENCE_ROWS)
    step = ibis.struct({c: shown[c] for c in (*STEP_COLUMNS, "part", "rank", "total")})
    return shown.group_by(shown_key=shown[key]).agg(shown_steps=step.collect())


def report(rule: RuleBase, log: OpsLog, hits: Any, focus: Any, key: str, subject: Callable[[dict], Subject],
           detail: Callable[[dict], Text], parts: Any = None) -> Callable[[], Iterator[Violation]]:
    """One finding per hit row, its message the rule's with the hit's detail, its evidence the
    first steps of the hit in ``focus``. The hits and their steps are selected and stored in the
    engine now; the findings are made by the function returned, once every check has run and the
    engine has handed back its memory (``Findings.later``)."""
    hits = log.keep(hits)
    shown = log.keep(shown_steps(focus, key, hits, parts))
    base = rule.message.text()
    # Most findings of a rule say one of a few things (170,000 changes not approved in time, two
    # messages): each message is kept once.
    messages: dict[Text, Text] = {}

    def make() -> Iterator[Violation]:
        # One row per hit, its steps beside it: batches may come in any order.
        rows = hits.left_join(shown, hits[key] == shown.shown_key)
        # A large log has hundreds of thousands of findings of a few evidence steps each: their
        # business ids, step texts, kinds and operators repeat, and are kept once each.
        once: dict[str, str] = {}
        try:
            for batch in log.batches(rows, BATCH_ROWS):
                for r in batch.to_pylist():
                    steps = sorted(r["shown_steps"] or (), key=lambda step: (step["part"], step["rank"]))
                    yield finding(r, tuple(step_evidence(log, step, once) for step in steps))
        finally:
            messages.clear()
            log.forget(hits)
            log.forget(shown)

    def finding(row: dict, evidence: tuple[Evidence, ...]) -> Violation:
        more = detail(row)
        message = messages.get(more)
        if message is None:
            message = messages[more] = Text(f"{base.zh}（{more.zh}）", f"{base.en} ({more.en})")
        return Violation(rule.id, rule.severity, subject(row), message, evidence)

    return make


def step_evidence(log: OpsLog, step: dict, once: dict[str, str]) -> Evidence:
    """A shown step as evidence; the last shown step of its group counts the steps not shown."""
    rank, total = step["rank"], step["total"]
    more = total - EVIDENCE_ROWS if rank == min(total, EVIDENCE_ROWS) - 1 else 0
    text = step["step"].strip()
    time = step["time"]
    return Evidence(
        log.files[step["file"]], row=step["row"], biz_id=_once(once, step["biz_id"]),
        step=once.setdefault(text, text), step_kind=_once(once, step["kind"]),
        operator=_once(once, step["operator"]), time=time.isoformat(sep=" ") if time is not None else None,
        more_rows=max(more, 0))


def _once(once: dict[str, str], text: str | None) -> str | None:
    return text if text is None else once.setdefault(text, text)


def business_subject(row: dict) -> Subject:
    return Subject("business", row["biz_id"], row.get("unit"))


def account_subject(log: OpsLog) -> Callable[[dict], Subject]:
    def make(row: dict) -> Subject:
        info = log.operators.get(row["operator"])
        return Subject("account", row["operator"], info.unit if info else None,
                       info.id_number if info else None)
    return make
