"""A worked audit with the Python API, as an auditor would run it in a notebook
(docs/python-api.md walks through the same steps).

    python examples/notebook_audit.py            # from the repository root

Load the sample staffing sheet and permission export, check them together, pivot the findings by
unit and rule, drill into one account's grant paths, ask why a post maps where it does, and
re-check after a what-if change made in a DataFrame.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import sodcheck

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def main() -> None:
    # 1. Load: one row per person and post, and the permission export as tables.
    staff = sodcheck.read_staffing(SAMPLES / "annex2_sample.xlsx", show_ids=True)
    perms = sodcheck.read_permissions(SAMPLES / "perms_sample.csv", show_ids=True)
    print(f"{len(staff)} posts, {len(perms.accounts)} accounts, {len(perms.permissions)} permissions")
    print(pd.DataFrame(staff.attrs["warnings"])[["code", "row", "message"]].to_string(index=False))

    # 2. Check both together, as `sodcheck check --staff … --perms …` would.
    result = sodcheck.check(staff=staff, perms=perms, as_of="2024-06-30")
    print(result.summary["by_severity"], "exit code", result.exit_code())

    # 3. Pivot the findings by unit and rule.
    pivot = result.violations.pivot_table(index="unit", columns="rule_id", values="subject", aggfunc="count",
                                          fill_value=0)
    print(pivot.to_string())

    # 4. Drill into one account: every permission it holds, and through which roles.
    flagged = result.violations[result.violations.subject_kind == "account"]
    if len(flagged):
        account = flagged.subject.iloc[0]
        grants = perms.effective(account)
        print(grants[grants.duty.notna()][["permission", "permission_name", "duty", "path"]].to_string(index=False))

    # 5. Why is a post a finance post? The pattern, the rule file and the line to edit.
    print(sodcheck.classify("网银制单").describe("zh"))

    # 6. What if 郑佳 gave up the cashier post? Change the DataFrame and check again.
    changed = staff[~((staff.name == "郑佳") & (staff.post == "出纳"))]
    after = sodcheck.check(staff=changed, perms=perms, as_of="2024-06-30")
    gone = set(result.violations.subject[result.violations.rule_id == "SOD-ACC-CASH"]) - \
        set(after.violations.subject[after.violations.rule_id == "SOD-ACC-CASH"])
    print("no longer accountant and cashier:", sorted(gone))

    # 7. The reports the command line writes, from the same result.
    result.write(Path.cwd() / "notebook_audit.xlsx")


if __name__ == "__main__":
    main()
