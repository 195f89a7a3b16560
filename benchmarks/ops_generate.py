#!/usr/bin/env python3
"""A month of a province's operation log, seeded: one parquet file of five columns
(业务流水号, 业务类型, 环节, 操作员, 操作时间), one row per step, ordered by time.

    python benchmarks/ops_generate.py --rows 10000000 -o benchmarks/data/ops-10m.parquet

10M rows hold ~2.3M businesses and give ~150k findings: a share of the businesses is made to
break each rule (a review level missing, one operator handling two steps, a payment before its
recheck, a change approved by its maker or too late) and a share of the steps falls outside
working time. Everything is vectorised (numpy, pyarrow); 10M rows take a few seconds.
"""
from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# (step texts, business types, share of businesses)
TEMPLATES = (
    (("受理", "审核", "复核", "办结"), ("参保登记", "个人信息变更", "缴费基数核定", "社会保障卡申领"), 0.45),
    (("申报受理", "初审", "复审", "审批", "归档"), ("养老保险关系转移接续", "企业职工养老保险一次性补缴",
                                           "特殊工种提前退休"), 0.25),
    (("受理", "初审", "复核", "终审", "待遇发放"), ("丧葬补助金待遇发放", "退休人员待遇支付"), 0.15),
    (("录入", "业务审核"), ("参保登记", "灵活就业人员参保"), 0.05),                 # still in progress
    (("受理", "审核", "复核", "数据更正", "变更审批"), ("个人信息变更", "单位信息变更"), 0.10),
)
# Operator pools by the position of a step in its template: front office, review, recheck, approve, pay.
POOLS = {"qt": 2000, "cs": 1500, "fs": 1000, "sp": 500, "cw": 300}
POSITION_POOL = ("qt", "cs", "fs", "sp", "cw")
# Working days of March 2024 (no public holiday that month).
WORKDAYS = [d for d in range(1, 32) if datetime(2024, 3, d).weekday() < 5]


def generate(rows: int, seed: int, prefix: str = "YW202403") -> pa.Table:
    rng = np.random.default_rng(seed)
    mean_steps = sum(len(t[0]) * t[2] for t in TEMPLATES)
    businesses = int(rows / mean_steps)
    template = rng.choice(len(TEMPLATES), size=businesses, p=[t[2] for t in TEMPLATES])
    lengths = np.array([len(t[0]) for t in TEMPLATES])[template]
    step_texts = sorted({s for t in TEMPLATES for s in t[0]} | {"查询"})
    type_texts = sorted({b for t in TEMPLATES for b in t[1]})
    biz_type = np.array([type_texts.index(t[1][0]) for t in TEMPLATES])[template]
    for k, (_, types, _) in enumerate(TEMPLATES):        # spread each template over its types
        chosen = template == k
        biz_type[chosen] = np.array([type_texts.index(t) for t in types])[rng.integers(0, len(types), chosen.sum())]

    start = (np.array(WORKDAYS)[rng.integers(0, len(WORKDAYS), businesses)] - 1) * 86400 \
        + 8 * 3600 + rng.integers(0, int(8.5 * 3600), businesses)
    business = np.repeat(np.arange(businesses), lengths)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(len(business)) - first
    kind_of = np.repeat(template, lengths)
    step = np.empty(len(business), dtype=np.int32)
    for k, (steps, _, _) in enumerate(TEMPLATES):
        rows_k = kind_of == k
        step[rows_k] = np.array([step_texts.index(s) for s in steps])[position[rows_k]]
    offsets = rng.integers(300, 900, len(business))
    # time within the business: its start plus the sum of the offsets of its earlier steps
    cumulative = np.cumsum(offsets)
    seconds = np.repeat(start, lengths) + cumulative - np.repeat(cumulative[np.cumsum(lengths) - lengths], lengths)

    pool = np.array([POSITION_POOL.index(p) for p in POSITION_POOL])[np.minimum(position, 4)]
    # the modify template: 数据更正 by front office, 变更审批 by an approver
    modify_template = 4
    pool[(kind_of == modify_template) & (position == 3)] = 0
    pool[(kind_of == modify_template) & (position == 4)] = 3
    sizes = np.array([POOLS[p] for p in POSITION_POOL])
    operator = pool * 10000 + (rng.random(len(business)) * sizes[pool]).astype(np.int64)

    # Breaking the rules, a share of businesses each:
    pick = rng.random(businesses)
    last = np.cumsum(lengths) - 1
    # 3%: the accept operator also reviews (OPS-SAME-OPERATOR)
    same = np.flatnonzero(pick < 0.03)
    operator[first[position == 0][same] + 1] = operator[first[position == 0][same]]
    # 2% of three-level businesses: the first review is only a look (OPS-REVIEW-LEVELS)
    starts = first[position == 0]
    levels = np.flatnonzero((pick >= 0.03) & (pick < 0.05) & np.isin(template, (1, 2)))
    step[starts[levels] + 1] = step_texts.index("查询")
    # 5% of paying businesses: paid before the recheck (OPS-PAY-UNCHECKED)
    paid = np.flatnonzero((pick >= 0.05) & (pick < 0.10) & (template == 2))
    seconds[starts[paid] + 2] = seconds[last[paid]] + 60
    # 15% of change businesses: approved by the one who changed it (OPS-MODIFY-UNAPPROVED)
    changed = np.flatnonzero((pick >= 0.10) & (pick < 0.25) & (template == modify_template))
    operator[last[changed]] = operator[last[changed] - 1]
    # 0.2% of all steps: at night (OPS-OFF-HOURS)
    night = rng.random(len(business)) < 0.002
    seconds[night] = seconds[night] - seconds[night] % 86400 + 21 * 3600 + rng.integers(0, 3600, int(night.sum()))

    order = np.argsort(seconds, kind="stable")
    base = int(datetime(2024, 3, 1).timestamp())
    prefixes = pa.array([p for p in POSITION_POOL])
    operator_text = pc.binary_join_element_wise(
        pc.take(prefixes, pa.array(operator[order] // 10000)),
        pc.utf8_lpad(pc.cast(pa.array(operator[order] % 10000), pa.string()), 4, "0"), "")
    biz_id = pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(business[order]), pa.string()), 8, "0"), "")
    return pa.table({
        "业务流水号": biz_id,
        "业务类型": pa.DictionaryArray.from_arrays(pa.array(biz_type[business[order]], pa.int32()),
                                                 pa.array(type_texts)),
        "环节": pa.DictionaryArray.from_arrays(pa.array(step[order], pa.int32()), pa.array(step_texts)),
        "操作员": operator_text,
        "操作时间": pa.array(seconds[order] + base - _utc_offset(base), pa.timestamp("s")),
    })


def _utc_offset(epoch: int) -> int:
    """Times are local wall-clock times: store 2024-03-01 08:00 as that, whatever the zone here."""
    return int((datetime.fromtimestamp(epoch) - datetime.utcfromtimestamp(epoch)).total_seconds())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="YW202403",
                        help="business id prefix: files of several regions (50M rows = 5 files of 10M) must differ")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    table = generate(args.rows, args.seed, args.prefix)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, args.output, row_group_size=1 << 20)
    print(f"{table.num_rows} rows, {pc.count_distinct(table['业务流水号']).as_py()} businesses -> {args.output}")


if __name__ == "__main__":
    main()
