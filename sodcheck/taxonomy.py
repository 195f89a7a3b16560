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
from functools import cached_property, lru_cache, partial

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
    # Where the pattern is written, so that `sodcheck explain` can say which file to edit.
    file: str | None = None
    line: int | None = None


def glob_match(glob: str, text: str) -> bool:
    """Whether text matches the whole fnmatch-style glob (case-sensitive), in linear-ish time."""
    return _cached_glob(glob, False).match(text)


@lru_cache(maxsize=4096)
def _cached_glob(glob: str, ignore_case: bool) -> Glob:
    return Glob(glob, ignore_case)


# A permission code or name is a few dozen characters. A glob far longer than any of them is a
# mistake or an attack, and would make a large RE2 program for the vectorised matcher.
MAX_GLOB_LENGTH = 500


def glob_problem(glob: str) -> str | None:
    """Why a rule file's glob is refused (too long, a reversed range like [z-a]), or None."""
    if len(glob) > MAX_GLOB_LENGTH:
        return f"glob longer than {MAX_GLOB_LENGTH} characters"
    return Glob(glob).problem


@dataclass(frozen=True)
class CharClass:
    """A glob's [...]: single characters and (low, high) ranges, possibly negated."""

    negated: bool
    chars: frozenset[str]
    ranges: tuple[tuple[str, str], ...]

    def _has(self, ch: str) -> bool:
        return ch in self.chars or any(lo <= ch <= hi for lo, hi in self.ranges)

    def accepts(self, ch: str, ignore_case: bool) -> bool:
        # Case-insensitive as re.IGNORECASE is: [A-Z] takes "a", [a-z] takes "A".
        found = self._has(ch) or (ignore_case and (self._has(ch.lower()) or self._has(ch.upper())))
        return found != self.negated

    @property
    def reversed_range(self) -> tuple[str, str] | None:
        return next(((lo, hi) for lo, hi in self.ranges if lo > hi), None)

    def regex(self) -> str:
        def esc(ch: str) -> str:
            return "\\" + ch if ch in "\\]-^[" else ch
        # A reversed range takes nothing (as in fnmatch); RE2 would refuse it.
        body = "".join(esc(c) for c in sorted(self.chars)) + \
            "".join(f"{esc(lo)}-{esc(hi)}" for lo, hi in self.ranges if lo <= hi)
        if not body:
            # Nothing at all / any character, written the same for RE2 and Python's re.
            return "[^\\s\\S]" if not self.negated else "[\\s\\S]"
        return "[" + ("^" if self.negated else "") + body + "]"


# One character of a segment: a literal (lower case), None for "?", or a class.
Atom = str | None | CharClass


def _parse_class(glob: str, i: int) -> tuple[CharClass, int] | None:
    """The class opening at glob[i] == "[" and the index of its "]", or None when it never closes
    (the "[" is then a literal). As fnmatch: "!" (or "^") negates, a "]" right after the opening
    (or after "!") is a member."""
    start = i + 1
    negated = glob[start:start + 1] in ("!", "^")
    if negated:
        start += 1
    end = glob.find("]", start + 1 if glob[start:start + 1] == "]" else start)
    if end == -1:
        return None
    body, chars, ranges, k = glob[start:end], set(), [], 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            ranges.append((body[k], body[k + 2]))
            k += 3
        else:
            chars.add(body[k])
            k += 1
    return CharClass(negated, frozenset(chars), tuple(ranges)), end


def _segments(glob: str, ignore_case: bool) -> list[list[Atom]]:
    """The glob split at its stars: segments of fixed-width atoms."""
    segments: list[list[Atom]] = [[]]
    i = 0
    while i < len(glob):
        ch = glob[i]
        if ch == "*":
            segments.append([])
        elif ch == "?":
            segments[-1].append(None)
        elif ch == "[" and (parsed := _parse_class(glob, i)) is not None:
            segments[-1].append(parsed[0])
            i = parsed[1]
        else:
            segments[-1].append(ch.lower() if ignore_case else ch)
        i += 1
    return segments


def _atom_regex(atom: Atom) -> str:
    if atom is None:
        return "."
    return atom.regex() if isinstance(atom, CharClass) else re.escape(atom)


class Glob:
    """An fnmatch glob (``*``, ``?``, ``[...]``, ``[!...]``), matched (by default case-insensitively) in
    time bounded by len(text) x len(glob), whatever the glob: no backtracking regex. The split at
    the stars makes this possible: the first segment must sit at the start, the last at the end,
    and each middle one is best placed at its leftmost fit, since every segment has a fixed width.
    A backtracking regular expression tries every split of the text between the stars instead,
    and ``"*" * 50 + "X"`` against 32 characters never ends. A glob that is not quite one (an
    unclosed "[", a reversed range) still matches as fnmatch would; ``problem`` says why a rule
    file should not contain it."""

    def __init__(self, glob: str, ignore_case: bool = True):
        self.glob, self.ignore_case = glob, ignore_case
        segments = _segments(glob, ignore_case)
        self.head, self.tail = segments[0], segments[-1]
        self.middle = [s for s in segments[1:-1] if s]     # runs of stars collapse
        self.starred = len(segments) > 1
        # One translation for pyarrow's RE2 (linear by construction) from the same parse.
        parts = ["".join(_atom_regex(a) for a in s) for s in segments]
        self.regex = "^(?s:" + _join_regex(parts) + ")$"   # (?s): "?" and "*" take a line break too
        classes = [a for s in segments for a in s if isinstance(a, CharClass)]
        bad = next((c.reversed_range for c in classes if c.reversed_range), None)
        self.problem = f"bad character range {bad[0]}-{bad[1]} in glob {glob!r}" if bad else None

    def match(self, text: str) -> bool:
        # Per character, so that positions agree even where lower() changes a length (İ).
        low = [c.lower() for c in text] if self.ignore_case else list(text)
        fits = partial(_fits, text=text, low=low, ignore_case=self.ignore_case)
        if not self.starred:
            return len(text) == len(self.head) and fits(self.head, 0)
        end = len(text) - len(self.tail)
        if end < len(self.head) or not fits(self.head, 0) or not fits(self.tail, end):
            return False
        at = len(self.head)
        for segment in self.middle:
            at = next((p for p in range(at, end - len(segment) + 1) if fits(segment, p)), -1)
            if at < 0:
                return False
            at += len(segment)
        return True


def _join_regex(parts: list[str]) -> str:
    """Segments joined by one ".*" per run of stars (the empty middle segments of "a**b")."""
    inner = [p for p in parts[1:-1] if p]
    if len(parts) == 1:
        return parts[0]
    return ".*".join([parts[0], *inner, parts[-1]])


def _fits(segment: list[Atom], at: int, text: str, low: list[str], ignore_case: bool) -> bool:
    """Whether the segment matches text from position at (the caller keeps it inside text)."""
    for k, atom in enumerate(segment):
        if atom is None:
            continue
        if isinstance(atom, CharClass):
            if not atom.accepts(text[at + k], ignore_case):
                return False
        elif low[at + k] != atom:
            return False
    return True


def glob_regex(glob: str) -> str:
    """An fnmatch glob as an anchored regular expression for pyarrow's RE2, which matches in
    linear time whatever the expression. Python-side matching uses Glob, never this."""
    return Glob(glob).regex


@dataclass(frozen=True)
class PermissionPattern:
    """Globs on a permission's code and name. Names are compared after NFKC and removing white
    space, codes as written; both case-insensitively."""

    duty: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    user: bool
    unless: tuple[str, ...] = ()
    # Where the entry is written (its file, and the line of each glob) for `sodcheck explain`.
    file: str | None = None
    lines: tuple[tuple[str, int | None], ...] = ()

    @cached_property
    def _compiled(self) -> tuple[list[tuple[str, Glob]], list[tuple[str, Glob]]]:
        return [(g, Glob(g)) for g in self.codes], [(g, Glob(compact(g))) for g in self.names]

    def matches_code(self, code: str) -> str | None:
        return next((g for g, glob in self._compiled[0] if glob.match(code)), None)

    def matches_name(self, name: str) -> str | None:
        return next((g for g, glob in self._compiled[1] if glob.match(name)), None)


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
