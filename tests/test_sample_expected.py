"""sample_data/EXPECTED.md says what sodcheck reports on the sample workbook: its data warnings
table lists exactly the warnings a check gives, by code and cell."""
from __future__ import annotations

import json
import re

from .conftest import REPO, SAMPLE, run_cli


def test_expected_md_lists_exactly_the_warnings_sodcheck_gives(tmp_path):
    text = (REPO / "sample_data" / "EXPECTED.md").read_text(encoding="utf-8")
    section = text.split("## Data warnings", 1)[1].split("\n## ", 1)[0]
    promised = [(code, cell) for code, cell in
                re.findall(r"^\| ([A-Z][A-Z-]+) \| [^|]+ \| [^|]+ \| ([A-Z]+\d+) \|", section, re.M)]
    out = tmp_path / "sample.json"
    code, _, err = run_cli("check", "--staff", str(SAMPLE), "--as-of", "2024-06-30", "--fail-on", "never",
                           "--format", "json", "-o", str(out))
    assert code == 0, err
    given = [(w["code"], f"{w['column']}{w['row']}") for w in json.loads(out.read_text(encoding="utf-8"))["warnings"]]
    assert promised == given
