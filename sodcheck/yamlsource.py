"""YAML that remembers where things are, so that errors and findings can name a line."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypedDict

import yaml

from .loaders.grid import decode, read_bytes
from .model import SodcheckError, Text


class LocatedYaml:
    """Parsed YAML data together with the node tree that knows each value's line."""

    def __init__(self, path: str, data: object, root: yaml.Node | None):
        self.path, self.data, self.root = path, data, root

    def line_of(self, *loc: object) -> int | None:
        """1-based line of the value at loc (keys and list indexes); the deepest known ancestor's
        line when the path goes further than the file does."""
        node, line = self.root, None
        if node is None:
            return None
        line = node.start_mark.line + 1
        for step in loc:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == str(step)), None)
                if match is None:
                    return line
                line = match[0].start_mark.line + 1
                node = match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                    and 0 <= step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def read_text(path: str | Path) -> str:
    """A text file in UTF-8 (with or without BOM) or GB18030."""
    return decode(read_bytes(Path(path)), str(path))


class _Mark(Protocol):
    """A position in a YAML text, as the Python and the libyaml parser both give it (0-based)."""

    line: int
    column: int


class _Place(TypedDict):
    line: int | None
    column: str | None


def _at(mark: _Mark | None) -> _Place:
    """The line and column (1-based) of a parser mark, as SodcheckError takes them; none without a mark."""
    if mark is None:
        return {"line": None, "column": None}
    return {"line": mark.line + 1, "column": str(mark.column + 1)}


def syntax_error(exc: yaml.YAMLError, file: str) -> SodcheckError:
    """A YAML parser's complaint as an input error at its line and column."""
    problem = getattr(exc, "problem", None) or str(exc)
    return SodcheckError(Text(f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"), file=file,
                         **_at(getattr(exc, "problem_mark", None)))


# Nesting levels a rule, role or waiver file may have: each needs fewer than ten, and a document
# nested 100,000 deep must end as an error, not in the recursion of a parser or a validator.
MAX_DEPTH = 100
# Nodes a document may have once its aliases are expanded: ten anchors of ten aliases each
# ("billion laughs") are 10^10 nodes to validate from a file of a few hundred bytes.
MAX_NODES = 1_000_000


def _located_value(construct):
    """A SafeConstructor method whose ValueError (2024-13-45 is no date; an integer of 5,000
    digits is beyond Python's conversion limit) becomes a YAML error at the value's line."""
    def wrapped(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} cannot be read: {exc}", node.start_mark) from None
    return wrapped


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when installed) with located errors for impossible values."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        _located_value(yaml.constructor.SafeConstructor.construct_yaml_timestamp))
_Loader.add_constructor("tag:yaml.org,2002:int", _located_value(yaml.constructor.SafeConstructor.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float",
                        _located_value(yaml.constructor.SafeConstructor.construct_yaml_float))


def _check_shape(text: str, file: str) -> None:
    """Refuse a document nested deeper than MAX_DEPTH or larger than MAX_NODES once its aliases
    are expanded, before anything recursive reads it. Reads the parser's events, which is
    iterative: counts, a stack of open collections and each anchor's size, nothing more."""
    sizes: list[int] = []               # nodes so far inside each open collection
    anchors_open: list[str | None] = []
    anchored: dict[str, int] = {}
    total = 0
    for event in yaml.parse(text, Loader=_Loader):
        added = 0
        if isinstance(event, yaml.CollectionStartEvent):
            if len(sizes) >= MAX_DEPTH:
                raise SodcheckError(Text(f"嵌套超过 {MAX_DEPTH} 层", f"nested more than {MAX_DEPTH} levels deep"),
                                    file=file, **_at(event.start_mark))
            sizes.append(0)
            anchors_open.append(event.anchor)
            added = 1
        elif isinstance(event, yaml.CollectionEndEvent):
            size = sizes.pop() + 1
            anchor = anchors_open.pop()
            if anchor:
                anchored[anchor] = size
            if sizes:
                sizes[-1] += size
        elif isinstance(event, yaml.ScalarEvent):
            added = 1
            if event.anchor:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            added = anchored.get(event.anchor, 1) if event.anchor is not None else 1
        if added and not isinstance(event, yaml.CollectionStartEvent) and sizes:
            sizes[-1] += added
        total += added
        if total > MAX_NODES:
            raise SodcheckError(Text(f"展开别名（*）后超过 {MAX_NODES:,} 个值",
                                     f"more than {MAX_NODES:,} values once its aliases (*) are expanded"),
                                file=file, **_at(event.start_mark))


def parse_yaml(text: str, file: str) -> tuple[object, yaml.Node | None]:
    """(data, node tree) of one YAML document, or an input error naming the file and line."""
    try:
        _check_shape(text, file)
        # Parse once: the node tree gives line numbers, and the data is constructed from the same nodes.
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise syntax_error(exc, file) from None
    except RecursionError:     # the checks above should make this unreachable; never a traceback
        raise SodcheckError(Text("嵌套过深", "nested too deeply"), file=file) from None
    return data, root


def load_yaml(path: str | Path) -> LocatedYaml:
    data, root = parse_yaml(read_text(path), str(path))
    return LocatedYaml(str(path), data, root)
