"""The duty hierarchy and the classification of post names, custody items and permissions.

Duties form a DAG: holding a duty means holding it or any duty below it (cashier is finance).
Post texts are classified by prioritised regular expressions; each match claims the text it
matched, so that a specific pattern (内控稽核 → internal_control) keeps a generic one
(稽核 → business) from reading the same characters again.
"""
from __future__ import annotations

import graphlib
import re
from dataclasses import dataclass
from functools import cached_property

from .model import Text
from .text import compact


@dataclass(frozen=True)
class Duty:
    id: str
    label: Text
    parents: tuple[str, ...] = ()
    high_risk: bool = False
    description: Text | None = None


@dataclass(frozen=True)
class PostPattern:
    duty: str
    pattern: str
    priority: int
    order: int
    regex: re.Pattern


def glob_regex(glob: str) -> str:
    """An fnmatch glob as an anchored regular expression that both Python's re and pyarrow's RE2
    read the same way: one translation for the vectorised matcher and for evidence."""
    out, i = [], 0
    while i < len(glob):
        ch = glob[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = glob.find("]", i + 2 if glob[i + 1:i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = glob[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "^(?:" + "".join(out) + ")$"


@dataclass(frozen=True)
class PermissionPattern:
    """Globs on a permission's code and name. Names are compared after NFKC and removing white
    space, codes as written; both case-insensitively."""

    duty: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    user: bool
    unless: tuple[str, ...] = ()

    @cached_property
    def _compiled(self) -> tuple[list[tuple[str, re.Pattern]], list[tuple[str, re.Pattern]]]:
        def compile_all(globs, normalise):
            return [(g, re.compile(glob_regex(normalise(g)), re.IGNORECASE)) for g in globs]
        return compile_all(self.codes, str), compile_all(self.names, compact)

    def matches_code(self, code: str) -> str | None:
        return next((g for g, rx in self._compiled[0] if rx.match(code)), None)

    def matches_name(self, name: str) -> str | None:
        return next((g for g, rx in self._compiled[1] if rx.match(name)), None)


def _reach(start: str, edges: dict[str, list[str]]) -> frozenset[str]:
    """start and everything reachable from it (the hierarchy is small; a set keeps cycles safe)."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


@dataclass(frozen=True)
class Match:
    duty: str
    pattern: str
    text: str


class Taxonomy:
    def __init__(self, duties: list[Duty], post_patterns: list[PostPattern],
                 permission_patterns: list[PermissionPattern]):
        self.duties = {d.id: d for d in duties}
        self.children: dict[str, list[str]] = {d: [] for d in self.duties}
        for duty in duties:
            for parent in duty.parents:
                self.children.setdefault(parent, []).append(duty.id)
        self.post_patterns = sorted(post_patterns, key=lambda p: (-p.priority, p.order))
        self.permission_patterns = permission_patterns
        self._classified: dict[str, tuple[Match, ...]] = {}

    def label(self, duty: str, lang: str) -> str:
        known = self.duties.get(duty)
        return known.label.get(lang) if known else duty

    def below(self, duty: str) -> frozenset[str]:
        """The duty and every duty under it: what holding it can come from."""
        return self._below[duty]

    def above(self, duty: str) -> frozenset[str]:
        """The duty and every duty over it: what holding it implies."""
        return self._above[duty]

    def cycle(self) -> list[str] | None:
        """Duties that include themselves through their parents, in order; None for a DAG."""
        sorter = graphlib.TopologicalSorter({d: self.duties[d].parents for d in self.duties})
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            return list(exc.args[1])
        return None

    @cached_property
    def _below(self) -> dict[str, frozenset[str]]:
        return {d: _reach(d, self.children) for d in self.duties}

    @cached_property
    def _above(self) -> dict[str, frozenset[str]]:
        parents = {d: [p for p in duty.parents if p in self.duties] for d, duty in self.duties.items()}
        return {d: _reach(d, parents) for d in self.duties}

    @cached_property
    def high_risk(self) -> frozenset[str]:
        return frozenset(d.id for d in self.duties.values() if d.high_risk)

    def classify(self, text: str) -> tuple[Match, ...]:
        """Duties a post or custody text names, each with the pattern that matched."""
        key = compact(text)
        if key not in self._classified:
            self._classified[key] = self._classify(key)
        return self._classified[key]

    def _classify(self, remaining: str) -> tuple[Match, ...]:
        found: dict[str, Match] = {}
        for pattern in self.post_patterns:
            hit = pattern.regex.search(remaining)
            while hit and hit.end() > hit.start():
                found.setdefault(pattern.duty, Match(pattern.duty, pattern.pattern, hit.group(0)))
                # Blank out what this pattern claimed; \x00 matches no pattern a person writes.
                remaining = remaining[:hit.start()] + "\x00" * (hit.end() - hit.start()) \
                    + remaining[hit.end():]
                hit = pattern.regex.search(remaining)
        return tuple(found.values())
