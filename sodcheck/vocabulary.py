"""Why a post or a permission maps to the duties it does: the pattern that matched, and the rule
file and line it is written on. ``sodcheck explain`` prints this, ``sodcheck.classify`` returns it.

No pandas here: the command line imports this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from .model import SodcheckError, Text
from .ruleset import Ruleset, load_ruleset
from .taxonomy import PermissionPattern, PostPattern
from .text import compact

Kind = Literal["post", "permission"]


@dataclass(frozen=True)
class PatternMatch:
    """One duty a text maps to: the pattern that gave it, what it matched, and where it is written."""

    duty: str
    label: Text
    pattern: str
    matched: str
    file: str | None
    line: int | None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else (self.file or "")


@dataclass(frozen=True)
class Classification:
    """A post or permission text and the duties it maps to, each with its pattern, file and line.
    ``excluded`` lists permission entries that matched but whose ``unless`` glob left the text out
    (待遇发放查询 is no payment)."""

    text: str
    kind: Kind
    matches: tuple[PatternMatch, ...]
    excluded: tuple[PatternMatch, ...] = ()

    @property
    def duties(self) -> tuple[str, ...]:
        return tuple(m.duty for m in self.matches)

    @property
    def pattern(self) -> str | None:
        """The pattern of the first duty, or None for a text that maps to none."""
        return self.matches[0].pattern if self.matches else None

    @property
    def file(self) -> str | None:
        return self.matches[0].file if self.matches else None

    @property
    def line(self) -> int | None:
        return self.matches[0].line if self.matches else None

    def describe(self, lang: str = "zh") -> str:
        """The explanation as `sodcheck explain` prints it."""
        zh = lang == "zh"
        lines = [f"{self.text}"]
        if not self.matches and self.excluded:
            lines.append("  不对应任何职责：匹配的条目用 unless 排除了它（只查看的功能不带职责）" if zh else
                         "  no duty: the entries that match leave it out with unless (look-only functions carry none)")
        elif not self.matches:
            section = f"{self.kind}_duties"
            lines.append(f"  未分类：没有模式匹配；如需分类，请在规则文件的 {section} 中添加模式" if zh else
                         f"  unclassified: no pattern matches; add one under {section} in a rule file")
        for m in self.matches:
            lines.append(f"  → {m.duty}（{m.label.zh}）" if zh else f"  → {m.duty} ({m.label.en})")
            lines.append(f"    {'模式' if zh else 'pattern'}: {m.pattern}"
                         + (f"  {'匹配' if zh else 'matched'}: {m.matched}" if m.matched else ""))
            lines.append(f"    {'规则文件' if zh else 'rule file'}: {m.where}")
        for m in self.excluded:
            lines.append(f"  ✗ {m.duty}：{m.pattern} 排除了它（unless）" if zh else
                         f"  ✗ {m.duty}: left out by its unless glob {m.pattern}")
            lines.append(f"    {'规则文件' if zh else 'rule file'}: {m.where}")
        return "\n".join(lines)


class Rules:
    """The built-in rule library with the given rule files added, as `sodcheck check --rules` loads it."""

    def __init__(self, paths: list[str], ruleset: Ruleset):
        self.paths, self.ruleset = paths, ruleset

    @property
    def files(self) -> tuple[str, ...]:
        """Every rule file read, built-in ones first."""
        return self.ruleset.files

    @property
    def duties(self) -> dict[str, Text]:
        """Duty id -> its label in both languages."""
        return {d.id: d.label for d in self.ruleset.taxonomy.duties.values()}

    def classify(self, text: str, kind: Kind = "post", code: str = "") -> Classification:
        """The duties a post (or custody) text maps to; with kind="permission", a permission's name
        (and code) as the permission export would be classified."""
        if kind == "post":
            return self._classify_post(text)
        if kind == "permission":
            return self._classify_permission(text, code)
        raise SodcheckError(Text(f"kind 应为 post 或 permission，而不是 {kind!r}",
                                 f"kind must be post or permission, not {kind!r}"))

    @cached_property
    def _post_patterns(self) -> dict[tuple[str, str], PostPattern]:
        found: dict[tuple[str, str], PostPattern] = {}
        for pattern in self.ruleset.taxonomy.post_patterns:     # priority order: the first one wins
            found.setdefault((pattern.duty, pattern.pattern), pattern)
        return found

    def _match(self, duty: str, pattern: str, matched: str, file: str | None, line: int | None) -> PatternMatch:
        taxonomy = self.ruleset.taxonomy
        known = taxonomy.duties.get(duty)
        return PatternMatch(duty, known.label if known else Text(duty, duty), pattern, matched, file, line)

    def _classify_post(self, text: str) -> Classification:
        matches = []
        for m in self.ruleset.taxonomy.classify(text):
            source = self._post_patterns.get((m.duty, m.pattern))
            matches.append(self._match(m.duty, m.pattern, m.text, source.file if source else None,
                                       source.line if source else None))
        return Classification(text, "post", tuple(matches))

    def _classify_permission(self, name: str, code: str) -> Classification:
        from .grants import classify_permissions
        from .holders import duty_columns

        taxonomy = self.ruleset.taxonomy
        _, chosen = classify_permissions(taxonomy, duty_columns(taxonomy), [code], [name])
        key = compact(name)
        matches, excluded = [], []
        for j, entry in enumerate(taxonomy.permission_patterns):
            glob = _entry_glob(entry, code, key)
            if glob is None:
                continue
            if chosen[0, j]:
                matches.append(self._match(entry.duty, glob, name if glob in entry.names else code,
                                           entry.file, dict(entry.lines).get(glob)))
                continue
            unless = next((g for g in entry.unless if _glob_matches(g, key)), None)
            if unless is not None:
                excluded.append(self._match(entry.duty, unless, name, entry.file, dict(entry.lines).get(unless)))
        return Classification(name, "permission", tuple(matches), tuple(excluded))


def _glob_matches(glob: str, key: str) -> bool:
    from .taxonomy import Glob

    return Glob(compact(glob)).match(key)


def _entry_glob(entry: PermissionPattern, code: str, key: str) -> str | None:
    """The code or name glob of a permission_duties entry that matches, before its unless."""
    return (entry.matches_code(code) if code else None) or \
        next((g for g in entry.names if _glob_matches(g, key)), None)


def load(*paths: str) -> Rules:
    """The built-in rule library plus these rule files or folders (as ``--rules``)."""
    return Rules(list(paths), load_ruleset(list(paths)))


_BUILTIN: list[Rules] = []


def builtin() -> Rules:
    """The built-in library, loaded once per process."""
    if not _BUILTIN:
        _BUILTIN.append(load())
    return _BUILTIN[0]


def classify(text: str, kind: Kind = "post", code: str = "", rules: Rules | None = None) -> Classification:
    """Why this post (or, with kind="permission", this permission name) maps where it does."""
    return (rules or builtin()).classify(text, kind, code)


__all__ = ["Classification", "PatternMatch", "Rules", "classify", "load"]
