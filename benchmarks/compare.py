#!/usr/bin/env python3
"""Compare the findings of two check results.

    python benchmarks/compare.py RESULT_A.json RESULT_B.json [--rules rules.yaml] [--show 20]

Each file is a JSON document with a `violations` list (sodcheck's `--format json` output or
duckdb_reference.py's). Findings are compared as the set of
(rule_id, subject.kind, subject.name); duplicates, evidence, messages etc. are ignored.
With --rules, only findings whose rule_id is defined in that rule file are compared (so
extra findings from sodcheck's built-in rules do not count as differences; they are
reported separately).

Exit status: 0 same findings, 1 different, 2 a file could not be read.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

Key = tuple[str, str, str]


class ResultError(Exception):
    pass


def load_findings(path: Path) -> set[Key]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as e:
        raise ResultError(f"{path}: cannot read JSON ({e})") from e
    if isinstance(doc, dict):
        if "violations" not in doc:
            raise ResultError(f"{path}: no 'violations' key (keys: {', '.join(map(str, doc))})")
        items = doc["violations"]
    elif isinstance(doc, list):
        items = doc
    else:
        raise ResultError(f"{path}: expected an object with 'violations'")
    if not isinstance(items, list):
        raise ResultError(f"{path}: 'violations' is not a list")
    out: set[Key] = set()
    for i, v in enumerate(items):
        try:
            subj = v["subject"]
            out.add((str(v["rule_id"]), str(subj["kind"]), str(subj["name"])))
        except (KeyError, TypeError) as e:
            raise ResultError(f"{path}: violation #{i} lacks rule_id/subject.kind/subject.name ({e!r})") from e
    return out


def rule_ids(rules_path: Path) -> set[str]:
    import yaml
    doc = yaml.safe_load(Path(rules_path).read_text(encoding="utf-8")) or {}
    return {str(r["id"]) for r in doc.get("rules") or []}


@dataclass
class Comparison:
    a: set[Key]
    b: set[Key]
    ignored_a: Counter = field(default_factory=Counter)
    ignored_b: Counter = field(default_factory=Counter)

    @property
    def only_a(self) -> set[Key]:
        return self.a - self.b

    @property
    def only_b(self) -> set[Key]:
        return self.b - self.a

    @property
    def same(self) -> bool:
        return self.a == self.b


def compare_files(path_a: Path, path_b: Path, rules: Path | None = None) -> Comparison:
    a, b = load_findings(path_a), load_findings(path_b)
    ign_a: Counter = Counter()
    ign_b: Counter = Counter()
    if rules is not None:
        ids = rule_ids(rules)
        ign_a = Counter(k[0] for k in a if k[0] not in ids)
        ign_b = Counter(k[0] for k in b if k[0] not in ids)
        a = {k for k in a if k[0] in ids}
        b = {k for k in b if k[0] in ids}
    return Comparison(a, b, ign_a, ign_b)


def _summary(keys: set[Key]) -> str:
    kinds = Counter(k[1] for k in keys)
    subjects = {k[1:] for k in keys}
    per_kind = Counter(s[0] for s in subjects)
    return (f"{len(keys)} findings (" + ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds)) + "); "
            + ", ".join(f"{per_kind[k]} distinct {k}s" for k in sorted(per_kind)))


def report(c: Comparison, name_a: str, name_b: str, show: int = 20) -> str:
    lines = [f"A = {name_a}: {_summary(c.a)}", f"B = {name_b}: {_summary(c.b)}"]
    for label, ign in (("A", c.ignored_a), ("B", c.ignored_b)):
        if ign:
            lines.append(f"ignored in {label} (rule ids not in the rule file): {sum(ign.values())} findings, "
                         + ", ".join(f"{r}={n}" for r, n in sorted(ign.items())[:10]))
    if c.same:
        lines.append(f"SAME: {len(c.a)} findings match")
        return "\n".join(lines)
    lines.append(f"DIFFERENT: {len(c.only_a)} only in A, {len(c.only_b)} only in B")
    for label, keys in (("only in A", c.only_a), ("only in B", c.only_b)):
        if not keys:
            continue
        by_rule = Counter(k[0] for k in keys)
        lines.append(f"  {label}, by rule: " + ", ".join(f"{r}={n}" for r, n in by_rule.most_common(10))
                     + (" ..." if len(by_rule) > 10 else ""))
        for k in sorted(keys)[:show]:
            lines.append(f"    {label}: {k[0]}  {k[1]}  {k[2]}")
        if len(keys) > show:
            lines.append(f"    ... {len(keys) - show} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compare (rule_id, subject.kind, subject.name) sets of two results")
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--rules", type=Path, default=None,
                    help="only compare findings of rules defined in this rule file")
    ap.add_argument("--show", type=int, default=20, help="list at most this many differences per side")
    args = ap.parse_args(argv)
    try:
        c = compare_files(args.a, args.b, args.rules)
    except ResultError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(report(c, str(args.a), str(args.b), args.show))
    return 0 if c.same else 1


if __name__ == "__main__":
    sys.exit(main())
