#!/usr/bin/env python3
"""Write ops_sample.csv: a small operation log of 贵池区社会养老保险管理中心 for March 2024 whose
operators are people of annex2_sample.xlsx (account codes as in perms_sample.csv, names in 操作员姓名).

    python sample_data/make_ops_sample.py

Each business shows one thing docs/ops.md explains: a clean one, and one for each OPS rule.
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPERATORS = {"yl_zhanglj": "章丽娟", "yl_wujg": "吴建国", "yl_mal": "马丽", "yl_yangf": "杨帆", "yl_fangxy": "方晓燕",
             "yl_wanght": "王海涛", "yl_xum": "徐敏", "yl_chenzg": "陈志刚", "yl_liuf": "刘芳", "yl_sunw": "孙伟",
             "yl_wangmh": "汪明华"}
UNIT = "贵池区社会养老保险管理中心"
# business, type, insured person's id, [(step, operator, time)]
BUSINESSES = [
    ("YL202403001", "参保登记", "341702199001011234", [
        ("受理", "yl_zhanglj", "2024-03-04 09:12:00"), ("初审", "yl_wujg", "2024-03-04 10:05:00"),
        ("复核", "yl_mal", "2024-03-04 14:30:00"), ("办结", "yl_mal", "2024-03-04 15:00:00")]),
    ("YL202403002", "企业职工养老保险一次性补缴", "341702196502021111", [      # 3 levels needed, 2 done
        ("受理", "yl_zhanglj", "2024-03-05 09:30:00"), ("初审", "yl_wujg", "2024-03-05 11:00:00"),
        ("复核", "yl_mal", "2024-03-06 10:00:00"), ("办结", "yl_mal", "2024-03-06 10:20:00")]),
    ("YL202403003", "退休人员待遇支付", "341702196403033333", [
        ("受理", "yl_yangf", "2024-03-06 09:00:00"), ("初审", "yl_fangxy", "2024-03-06 10:00:00"),
        ("复核", "yl_wanght", "2024-03-06 15:00:00"), ("审批", "yl_xum", "2024-03-07 09:30:00"),
        ("待遇发放", "yl_chenzg", "2024-03-08 10:00:00")]),
    ("YL202403004", "丧葬补助金待遇发放", "341702195904044444", [             # paid without recheck
        ("受理", "yl_yangf", "2024-03-07 09:00:00"), ("初审", "yl_fangxy", "2024-03-07 10:30:00"),
        ("审批", "yl_xum", "2024-03-07 16:00:00"), ("发放", "yl_chenzg", "2024-03-08 11:00:00")]),
    ("YL202403005", "养老保险关系转移接续", "341702198805055555", [          # accepted and reviewed by 杨帆
        ("受理", "yl_yangf", "2024-03-11 09:00:00"), ("初审", "yl_yangf", "2024-03-11 09:40:00"),
        ("复核", "yl_wanght", "2024-03-11 14:00:00"), ("审批", "yl_xum", "2024-03-12 09:00:00"),
        ("办结", "yl_xum", "2024-03-12 09:10:00")]),
    ("YL202403006", "个人信息变更", "341702197706066666", [                 # change approved by its maker
        ("信息变更", "yl_zhanglj", "2024-03-12 10:00:00"), ("变更审批", "yl_zhanglj", "2024-03-12 10:05:00")]),
    ("YL202403007", "个人信息变更", "341702197907077777", [                 # approval still due
        ("信息变更", "yl_zhanglj", "2024-03-27 15:00:00")]),
    ("YL202403008", "参保登记", "341702197809030426", [                     # 章丽娟's own business
        ("受理", "yl_zhanglj", "2024-03-13 09:00:00"), ("初审", "yl_wujg", "2024-03-13 10:00:00"),
        ("复核", "yl_mal", "2024-03-13 11:00:00"), ("办结", "yl_mal", "2024-03-13 11:30:00")]),
    ("YL202403009", "退休人员待遇支付", "341702196309099999", [             # paid on a Saturday
        ("受理", "yl_yangf", "2024-03-14 09:00:00"), ("初审", "yl_fangxy", "2024-03-14 10:00:00"),
        ("复核", "yl_wanght", "2024-03-14 11:00:00"), ("审批", "yl_xum", "2024-03-15 09:00:00"),
        ("待遇发放", "yl_liuf", "2024-03-16 10:00:00"), ("查询", "yl_sunw", "2024-03-16 22:10:00")]),
    ("YL202403010", "缴费基数核定", "341702198010100000", [                 # in progress
        ("受理", "yl_zhanglj", "2024-03-28 09:00:00"), ("初审", "yl_wujg", "2024-03-29 10:00:00"),
        ("稽核抽查", "yl_wangmh", "2024-03-29 11:00:00"), ("复核", "yl_mal", "2024/3/29 25:00")]),
]


def main() -> None:
    rows = [(biz, kind, step, op, OPERATORS[op], when, UNIT, person)
            for biz, kind, person, steps in BUSINESSES for step, op, when in steps]
    rows.sort(key=lambda r: (r[5].replace("/", "-"), r[0]))
    with (HERE / "ops_sample.csv").open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["业务流水号", "业务类型", "环节", "操作员", "操作员姓名", "操作时间", "经办机构",
                         "公民身份号码"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
