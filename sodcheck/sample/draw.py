"""Drawing the monthly sample (docs/sample.md) from a loaded operation log and its findings.

The population is every business completed in the month, as the operation-log rules define it: its
first step of kind approve, pay or complete falls in the month. The month's completed business ids
per business type are the only rows of the log that come back to Python, then the picked
businesses' steps; the log itself stays in DuckDB.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from ..model import Report, SodcheckError, Text
from ..ops.config import COMPLETING_KINDS, OpsConfig
from ..ops.findings import steps as judged_steps
from ..ops.frame import OpsLog

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
REASONS = ("random", "finding")


NOBODY = Text("", "")


@dataclass(frozen=True)
class SampleStep:
    kind: str | None        # accept, review, ...; None for a step text no kind matches
    step: str               # as written in the log
    operator: str | None    # the account code
    time: str               # local time, 2024-03-05 09:12:33
    who: Text = NOBODY      # the operator as reports name them: code（name）, code (name)


@dataclass(frozen=True)
class SampledBusiness:
    biz_id: str
    biz_type: str           # "" when the log gives none
    class_id: str
    reason: str             # random | finding
    rules: tuple[str, ...]  # the operation-log rules the business was found against
    steps: tuple[SampleStep, ...] = ()


@dataclass(frozen=True)
class Stratum:
    biz_type: str
    class_id: str
    population: int         # businesses of the type completed in the month
    size: int               # drawn at random: min(N, max(min_per_type, ceil(rate × N)))
    findings: int = 0       # businesses added because of a finding, on top of the random picks


@dataclass(frozen=True)
class Sample:
    month: str                              # 2024-03
    seed: int
    rates: tuple[tuple[str, float], ...]    # (class id, share) in the order of the classes
    min_per_type: int
    strata: tuple[Stratum, ...]             # by business type
    businesses: tuple[SampledBusiness, ...]  # by business type, then id
    class_labels: tuple[tuple[str, Text], ...] = ()
    inputs: tuple[str, ...] = ()

    @property
    def rate_of(self) -> dict[str, float]:
        return dict(self.rates)

    def class_label(self, class_id: str, lang: str) -> str:
        label = dict(self.class_labels).get(class_id)
        return label.get(lang) if label else class_id

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.month, self.seed, self.rates, self.min_per_type,
                           [(s.biz_type, s.class_id, s.population, s.size) for s in self.strata],
                           [(b.biz_id, b.biz_type, b.class_id, b.reason) for b in self.businesses])


def fingerprint(month: str, seed: int, rates, min_per_type: int, strata, businesses) -> str:
    """SHA-256 of what was drawn: the method's parameters, each stratum's population and size, and
    every business with its reason. A worksheet carries it; any trimmed or added row changes it."""
    canonical = json.dumps({"month": month, "seed": seed, "rates": [[c, float(r)] for c, r in rates],
                            "min_per_type": min_per_type, "strata": [list(s) for s in strata],
                            "businesses": [list(b) for b in businesses]},
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_month(value: str) -> tuple[date, date]:
    """The first day of the month and of the next one."""
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SodcheckError(Text(f"月份“{value}”应写成 YYYY-MM，例如 2024-03",
                                 f"month {value!r} must be YYYY-MM, e.g. 2024-03"))
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def previous_month(as_of: date) -> str:
    """The calendar month before the date: the month a sample drawn on that date is about."""
    year, month = (as_of.year, as_of.month - 1) if as_of.month > 1 else (as_of.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def default_seed(month: str) -> int:
    """The month as a number, 2024-03 -> 202403: an auditor who knows the month knows the seed."""
    return int(month.replace("-", ""))


def stratum_size(population: int, rate: float, min_per_type: int) -> int:
    """min(N, max(min_per_type, ceil(rate × N))), with the rate taken as the decimal written in the
    rules (0.03 is 3/100 exactly): in floating point 0.03 × 100 is 3.0000000000000004, one too many."""
    share = Fraction(repr(float(rate)))
    return min(population, max(min_per_type, math.ceil(share * population)))


def class_rates(config: OpsConfig) -> tuple[tuple[str, float], ...]:
    """Each business class's rate, in the order of the classes; every class must have one and every
    rate must belong to a class."""
    rates = dict(config.sample_rates)
    known = [c.id for c in config.classes]
    for class_id in rates:
        if class_id not in known:
            raise SodcheckError(Text(
                f"ops_sample.rates 中的“{class_id}”不是业务类别（ops_classes 中有：{'、'.join(known)}）",
                f"ops_sample.rates names {class_id!r}, which is no business class (ops_classes has: "
                f"{', '.join(known)})"))
    missing = [c for c in known if c not in rates]
    if missing:
        raise SodcheckError(Text(
            f"业务类别“{'、'.join(missing)}”没有抽查比例：请在规则文件的 ops_sample.rates 中补充",
            f"business class {', '.join(missing)} has no sample rate: add it to ops_sample.rates in a rule file"))
    return tuple((c, rates[c]) for c in known)


def month_population(log: OpsLog, start: date, end: date) -> Any:
    """Businesses whose first completing step falls in [start, end): a pyarrow table of biz_id and
    biz_type (trimmed; "" when the log gives none), as the operation-log rules see them."""
    steps = judged_steps(log)
    completing = steps.filter(steps.kind.isin(COMPLETING_KINDS))
    completed = completing.group_by("biz_id").agg(completed_at=completing.time.min())
    first, after = datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())
    in_month = completed.filter((completed.completed_at >= first) & (completed.completed_at < after))
    businesses = log.businesses
    joined = in_month.join(businesses, "biz_id").select(
        "biz_id", biz_type=businesses.biz_type.strip().fill_null(""))
    return joined.to_pyarrow()


def completed_months(log: OpsLog) -> list[str]:
    """The months in which the log's businesses were completed, for a message about an empty month."""
    steps = judged_steps(log)
    completing = steps.filter(steps.kind.isin(COMPLETING_KINDS))
    completed = completing.group_by("biz_id").agg(completed_at=completing.time.min())
    months = completed.select(month=completed.completed_at.strftime("%Y-%m")).distinct()
    return sorted(m for m in months.to_pyarrow()["month"].to_pylist() if m)


def finding_rules(report: Report) -> dict[str, tuple[str, ...]]:
    """Business id -> the rules it was found against (findings, not notices)."""
    found: dict[str, set[str]] = {}
    for violation in report.violations:
        if violation.subject.kind == "business":
            found.setdefault(violation.subject.name, set()).add(violation.rule_id)
    return {biz: tuple(sorted(rules)) for biz, rules in found.items()}


def draw(population: Any, config: OpsConfig, month: str, seed: int,
         findings: dict[str, tuple[str, ...]]) -> Sample:
    """The sample of a population (pyarrow table of biz_id, biz_type). Strata are taken in the
    order of their business type (by code point), each drawing from one numpy generator
    ``default_rng(seed)``: ``choice(N, size, replace=False)`` over the stratum's ids sorted by code
    point. Businesses with a finding that were not drawn are added with reason ``finding``."""
    import numpy as np
    import pyarrow.compute as pc

    rates = class_rates(config)
    rate_of = dict(rates)
    generator = np.random.default_rng(seed)
    types = population["biz_type"]
    strata: list[Stratum] = []
    businesses: list[SampledBusiness] = []
    for biz_type in sorted(set(pc.unique(types).to_pylist())):
        business_class = config.business_class(biz_type or None)
        class_id = business_class.id if business_class is not None else ""
        ids = pc.filter(population["biz_id"], pc.equal(types, biz_type))
        ids = ids.take(pc.sort_indices(ids))
        size = stratum_size(len(ids), rate_of.get(class_id, 0.0), config.min_per_type)
        picked = set(ids.take(generator.choice(len(ids), size=size, replace=False)).to_pylist()) if size else set()
        found = set(pc.filter(ids, pc.is_in(ids, value_set=_array(list(findings)))).to_pylist())
        added = sorted(found - picked)
        strata.append(Stratum(biz_type, class_id, len(ids), size, len(added)))
        for biz in sorted(picked | set(added)):
            businesses.append(SampledBusiness(biz, biz_type, class_id, "random" if biz in picked else "finding",
                                              findings.get(biz, ())))
    labels = tuple((c.id, Text(c.label["zh"], c.label["en"]) if c.label else Text(c.id, c.id))
                   for c in config.classes)
    return Sample(month, seed, rates, config.min_per_type, tuple(strata), tuple(businesses), labels)


def _array(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, type=pa.string())


def with_steps(sample: Sample, log: OpsLog) -> Sample:
    """The sample with every step of each picked business, by time (then kind, step and operator, so
    that the order of input rows or files never shows)."""
    import ibis

    if not sample.businesses:
        return sample
    picked = ibis.memtable({"biz_id": [b.biz_id for b in sample.businesses]}, schema={"biz_id": "string"})
    table = log.steps
    rows = table.semi_join(picked, "biz_id").select("biz_id", "kind", "step", "operator", "time")
    by_business: dict[str, list[SampleStep]] = {}
    for r in rows.to_pyarrow().to_pylist():
        by_business.setdefault(r["biz_id"], []).append(SampleStep(
            r["kind"], (r["step"] or "").strip(), r["operator"], r["time"].isoformat(sep=" "),
            log.describe_text(r["operator"])))
    for found in by_business.values():
        found.sort(key=lambda s: (s.time, s.kind or "", s.step, s.operator or ""))
    return replace(sample, businesses=tuple(replace(b, steps=tuple(by_business.get(b.biz_id, ())))
                                            for b in sample.businesses))


def draw_from_log(log: OpsLog, report: Report, month: str, seed: int) -> Sample:
    """The month's sample from a loaded log and the findings of a run over it."""
    start, end = parse_month(month)
    population = month_population(log, start, end)
    if population.num_rows == 0:
        months = completed_months(log)
        have = "、".join(months) if months else "无"
        raise SodcheckError(Text(
            f"{month} 月没有办结的业务，无从抽样（日志中有办结业务的月份：{have}）；请用 --month 指定月份",
            f"no business was completed in {month}, so there is nothing to draw (months with completed "
            f"businesses in the log: {', '.join(months) or 'none'}); give the month with --month"))
    sample = draw(population, log.config, month, seed, finding_rules(report))
    return with_steps(sample, log)
