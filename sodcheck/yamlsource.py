"""YAML that remembers where things are, so that errors and findings can name a line."""
from __future__ import annotations

from pathlib import Path

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


def syntax_error(exc: yaml.YAMLError, file: str) -> SodcheckError:
    """A YAML parser's complaint as an input error at its line and column."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return SodcheckError(Text(f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"), file=file,
                         line=mark.line + 1 if mark else None,
                         column=str(mark.column + 1) if mark else None)


def load_yaml(path: str | Path) -> LocatedYaml:
    text = read_text(path)
    # Parse once: the node tree gives line numbers, and the data is constructed from the same nodes.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise syntax_error(exc, str(path)) from None
    finally:
        loader.dispose()
    return LocatedYaml(str(path), data, root)
