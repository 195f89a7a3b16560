"""sodcheck sample: the population, the strata sizes, reproducibility and the JSON contract."""
from __future__ import annotations

import csv
import json
import math
import random

import pyarrow as pa
import pytest
from click.testing import CliRunner

from sodcheck.cli import cli
from sodcheck.ruleset import load_ruleset
from sodcheck.sample.draw import draw, stratum_size

HEADER = ["业务流水号", "业务类型", "环节", "操作员", "操作时间"]
# type -> businesses completed in March 2024 (general: 3 %, important: 10 %)
TYPES = {"参保登记": 100, "退休人员待遇支付": 25, "养老保险关系转移接续": 1}


def business_rows(biz_id: str, biz_type: str, day: str, same_operator: bool = False) -> list[list[str]]:
    """A business accepted, reviewed, rechecked and approved on one day; with ``same_operator`` the
    acceptor also reviews it (an OPS-SAME-OPERATOR finding)."""
    reviewer = "op_a" if same_operator else "op_b"
    return [[biz_id, biz_type, step, operator, f"{day} {hour}:00:00"]
            for step, operator, hour in (("受理", "op_a", "09"), ("初审", reviewer, "10"), ("复核", "op_c", "11"),
                                         ("审批", "op_d", "14"))]


def march_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for t, (biz_type, count) in enumerate(TYPES.items()):
        for n in range(count):
            rows += business_rows(f"B{t}{n:03d}", biz_type, f"2024-03-{n % 28 + 1:02d}",
                                  same_operator=(t, n) in ((0, 7), (0, 8), (1, 3)))
    rows += business_rows("FEB001", "参保登记", "2024-02-27")               # completed in February
    late = business_rows("APR001", "参保登记", "2024-03-29")
    late[-1][-1] = "2024-04-01 09:00:00"                                   # approved in April
    return rows + late


def write_log(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return str(path)


def sample_json(*args: str) -> tuple[str, dict]:
    result = CliRunner().invoke(cli, ["sample", *args, "--format", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    return result.stdout, json.loads(result.stdout)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_log(tmp_path_factory.mktemp("ops") / "march.csv", march_rows())


def test_same_inputs_and_seed_give_the_same_bytes_and_shuffled_or_split_inputs_the_same_sample(log, tmp_path):
    first, doc = sample_json("--ops", log, "--month", "2024-03")
    again, _ = sample_json("--ops", log, "--month", "2024-03")
    assert first == again
    assert doc["seed"] == 202403 and doc["month"] == "2024-03"
    rows = march_rows()
    random.Random(5).shuffle(rows)
    shuffled = write_log(tmp_path / "shuffled.csv", rows)
    assert sample_json("--ops", shuffled, "--month", "2024-03")[0] == first
    split = tmp_path / "split"
    split.mkdir()
    for part in range(3):
        write_log(split / f"part{part}.csv", rows[part::3])
    assert sample_json("--ops", str(split), "--month", "2024-03")[0] == first
    other = sample_json("--ops", log, "--month", "2024-03", "--seed", "7")[1]
    assert other["seed"] == 7
    assert [b["biz_id"] for b in other["businesses"]] != [b["biz_id"] for b in doc["businesses"]]


def test_strata_follow_the_formula_and_findings_are_added(log):
    _, doc = sample_json("--ops", log, "--month", "2024-03")
    assert doc["rates"] == {"important": 0.1, "general": 0.03}
    assert doc["min_per_type"] == 1
    strata = {s["biz_type"]: s for s in doc["strata"]}
    # 3 % of 100 is exactly 3 (not 4 from 0.03 * 100 = 3.0000000000000004); 10 % of 25 rounds up to 3.
    assert {t: (s["class"], s["population"], s["size"]) for t, s in strata.items()} == {
        "参保登记": ("general", 100, 3), "退休人员待遇支付": ("important", 25, 3),
        "养老保险关系转移接续": ("important", 1, 1)}
    businesses = doc["businesses"]
    assert businesses == sorted(businesses, key=lambda b: (b["biz_type"], b["biz_id"]))
    ids = {b["biz_id"]: b for b in businesses}
    for finding in ("B0007", "B0008", "B1003"):
        assert ids[finding]["rules"] == ["OPS-SAME-OPERATOR"]
    for biz_type, stratum in strata.items():
        members = [b for b in businesses if b["biz_type"] == biz_type]
        assert sum(b["reason"] == "random" for b in members) == stratum["size"]
        assert all(b["rules"] for b in members if b["reason"] == "finding")
    assert not {"FEB001", "APR001"} & set(ids)
    steps = ids["B0007"]["steps"]
    assert [(s["kind"], s["operator"]) for s in steps] == [("accept", "op_a"), ("review", "op_a"),
                                                          ("recheck", "op_c"), ("approve", "op_d")]
    assert steps[0]["time"].startswith("2024-03-08 09:00:00")


def test_default_month_is_the_one_before_as_of_and_an_empty_month_is_an_error(log):
    _, doc = sample_json("--ops", log, "--as-of", "2024-04-15")
    assert doc["month"] == "2024-03" and doc["seed"] == 202403
    assert "FEB001" in {b["biz_id"] for b in sample_json("--ops", log, "--month", "2024-02")[1]["businesses"]}
    result = CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2023-11", "--lang", "en"])
    assert result.exit_code == 2
    assert "2023-11" in result.stderr and "2024-02, 2024-03, 2024-04" in result.stderr
    bad = CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2024-13"])
    assert bad.exit_code == 2


def test_rates_are_data_a_rule_file_may_change(log, tmp_path):
    rules = tmp_path / "rates.yaml"
    rules.write_text("ops_sample:\n  min_per_type: 2\n  rates: {general: 0.5}\n", encoding="utf-8")
    _, doc = sample_json("--ops", log, "--month", "2024-03", "--rules", str(rules))
    assert doc["rates"] == {"important": 0.1, "general": 0.5} and doc["min_per_type"] == 2
    assert {s["biz_type"]: s["size"] for s in doc["strata"]} == {"参保登记": 50, "退休人员待遇支付": 3,
                                                                 "养老保险关系转移接续": 1}
    rules.write_text("ops_sample:\n  rates: {urgent: 0.5}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2024-03", "--rules", str(rules),
                                      "--lang", "en"])
    assert result.exit_code == 2 and "urgent" in result.stderr
    rules.write_text("ops_sample:\n  rates: {general: 3}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sample", "--ops", log, "--rules", str(rules)])
    assert result.exit_code == 2


@pytest.mark.parametrize(("population", "rate", "minimum", "size"), [
    (100, 0.03, 1, 3), (101, 0.03, 1, 4), (25, 0.1, 1, 3), (10, 0.1, 1, 1), (1, 0.1, 1, 1), (5, 0.1, 0, 1),
    (3, 0.03, 5, 3), (0, 0.1, 1, 0), (1000, 0.1, 1, 100), (7, 0.0, 2, 2)])
def test_stratum_size_formula(population, rate, minimum, size):
    assert stratum_size(population, rate, minimum) == size
    assert size == min(population, max(minimum, math.ceil(round(rate * population, 9))))


def test_each_business_is_picked_with_frequency_size_over_n():
    """Over 2000 fixed seeds, each business of a 40-business stratum drawing 4 is picked close to
    4/40 of the time: within 5 binomial standard deviations (a fixed tolerance, seeds fixed)."""
    config = load_ruleset().ops
    ids = [f"X{n:03d}" for n in range(40)]
    population = pa.table({"biz_id": ids, "biz_type": ["退休人员待遇支付"] * 40})
    seeds = range(2000)
    counts = dict.fromkeys(ids, 0)
    for seed in seeds:
        for business in draw(population, config, "2024-03", seed, {}).businesses:
            counts[business.biz_id] += 1
    p = 4 / 40
    sd = math.sqrt(len(seeds) * p * (1 - p))
    assert all(abs(n - len(seeds) * p) <= 5 * sd for n in counts.values()), counts
    assert sum(counts.values()) == 4 * len(seeds)


def test_table_and_csv_carry_the_seed(log):
    table = CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2024-03", "--lang", "zh"])
    assert table.exit_code == 0 and "202403" in table.stdout and "随机种子" in table.stderr
    rows = list(csv.DictReader(CliRunner().invoke(cli, ["sample", "--ops", log, "--month", "2024-03", "--format",
                                                        "csv", "--lang", "en"]).stdout.lstrip("\ufeff").splitlines()))
    assert rows and all(r["seed"] == "202403" and r["month"] == "2024-03" for r in rows)


def test_english_outputs_name_the_operator_in_english_punctuation(tmp_path):
    log = tmp_path / "named.csv"
    with open(log, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*HEADER, "操作员姓名"])
        writer.writerows(row + ["张三"] for row in business_rows("N001", "参保登记", "2024-03-05"))
    for lang, shown in (("en", "op_a (张三)"), ("zh", "op_a（张三）")):
        result = CliRunner().invoke(cli, ["sample", "--ops", str(log), "--month", "2024-03", "--format", "csv",
                                          "--lang", lang])
        assert result.exit_code == 0, result.output
        assert shown in result.stdout
