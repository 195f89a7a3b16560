"""Reference documentation generated from the code: the rule kinds and the built-in rule library.

Each rule kind documents itself: its module docstring (what it checks, a YAML example, a "passes:"
and a "fails:" line), its ``APPLIES_TO`` and its pydantic ``Rule`` model (the YAML parameters).
This module renders them, and the built-in rules, as Markdown between markers in docs/rules.md, so
the reference cannot drift from the code: a test fails when the file is out of date.

    python -m sodcheck.rulesdoc --write docs/rules.md     # regenerate
    python -m sodcheck.rulesdoc --check docs/rules.md     # exit 1 when out of date
"""
from __future__ import annotations

import argparse
import re
import sys
import textwrap
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .ruleset import RuleBase, Ruleset, load_ruleset

# The generated sections of a document: name -> (start marker, end marker).
SECTIONS = ("kinds", "builtin-rules")
REGENERATE = "python -m sodcheck.rulesdoc --write docs/rules.md"

# How the subject kinds of APPLIES_TO read in prose.
SUBJECT_WORDS = {"person": "people", "account": "accounts", "role": "roles", "unit": "units",
                 "permission": "permissions"}


class DocError(ValueError):
    """A rule kind that does not document itself the way the conventions say, or a document
    without the markers to write into."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str            # "required" when the field has no default
    constraints: str
    description: str


@dataclass(frozen=True)
class KindDoc:
    name: str
    prose: str              # the docstring before the example, the kind's name stripped
    example: str            # the YAML example, dedented
    passes: str
    fails: str
    applies_to: tuple[str, ...]
    parameters: tuple[Parameter, ...]

    @property
    def summary(self) -> str:
        """The first sentence of the prose: the kind in a table row."""
        return re.split(r"(?<=\.)\s", self.prose.replace("\n", " "), maxsplit=1)[0]


def _markdown(text: str) -> str:
    """Docstrings quote code reST-style (``x``); Markdown wants `x`."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def parse_docstring(name: str, doc: str | None) -> tuple[str, str, str, str]:
    """(prose, example, passes, fails) of a kind module's docstring."""
    if not doc or not doc.strip():
        raise DocError(f"rule kind {name!r}: the module has no docstring")
    lines = doc.strip("\n").splitlines()
    prose: list[str] = []
    example: list[str] = []
    passes = fails = None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("passes:"):
            passes = stripped[len("passes:"):].strip()
        elif stripped.startswith("fails:"):
            fails = stripped[len("fails:"):].strip()
        elif line.startswith("    ") and passes is None and fails is None:
            example.append(line)
        elif not example:
            prose.append(line)
        elif stripped:
            raise DocError(f"rule kind {name!r}: docstring text after the example must be the "
                           f"'passes:' and 'fails:' lines, not {stripped!r}")
    if not example:
        raise DocError(f"rule kind {name!r}: the docstring has no indented YAML example")
    if not passes or not fails:
        raise DocError(f"rule kind {name!r}: the docstring needs a 'passes:' and a 'fails:' line")
    text = "\n".join(prose).strip()
    # The first line reads "name: what it checks"; the heading already says the name.
    if text.startswith(f"{name}:"):
        text = text[len(name) + 1:].lstrip()
    text = text[:1].upper() + text[1:]
    return _markdown(text), textwrap.dedent("\n".join(example)).strip("\n"), _markdown(passes), \
        _markdown(fails)


def type_name(annotation: object) -> str:
    """A field's type as a rule file's author reads it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        return " or ".join(type_name(a) for a in kept)
    if origin is list:
        return f"list of {type_name(args[0])}" if args else "list"
    if isinstance(annotation, type):
        return {"str": "text", "int": "integer", "bool": "true/false", "float": "number"}.get(
            annotation.__name__, annotation.__name__)
    return str(annotation)


# pydantic's numeric bounds (Field(ge=...) and the like) as a reader writes them.
BOUNDS = (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))


def _constraints(info: FieldInfo) -> str:
    words = []
    for item in info.metadata:
        words += [f"{sign} {getattr(item, name)}" for name, sign in BOUNDS
                  if getattr(item, name, None) is not None]
        if isinstance(item, annotated_types.MinLen):
            words.append(f"at least {item.min_length} item{'s' if item.min_length != 1 else ''}")
        elif isinstance(item, annotated_types.MaxLen):
            words.append(f"at most {item.max_length} items")
        elif getattr(item, "pattern", None):
            words.append(f"matches `{item.pattern}`")
    return ", ".join(words)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None or value is PydanticUndefined:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _description(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return _markdown(str(info.description or extra.get("description") or ""))


def parameters(model: type[RuleBase]) -> tuple[Parameter, ...]:
    """The fields a kind adds to the common ones (``kind`` itself is not a parameter)."""
    return tuple(Parameter(name, type_name(info.annotation), _default(info), _constraints(info),
                           _description(info))
                 for name, info in model.model_fields.items() if name not in RuleBase.model_fields)


def kind_doc(name: str, module: types.ModuleType) -> KindDoc:
    for needed in ("Rule", "APPLIES_TO", "check"):
        if not hasattr(module, needed):
            raise DocError(f"rule kind {name!r}: module {module.__name__} has no {needed}")
    prose, example, passes, fails = parse_docstring(name, module.__doc__)
    return KindDoc(name, prose, example, passes, fails, tuple(module.APPLIES_TO), parameters(module.Rule))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _applies(subjects: tuple[str, ...]) -> str:
    return ", ".join(SUBJECT_WORDS.get(s, s) for s in subjects)


def render_kinds(kinds: Mapping[str, types.ModuleType]) -> str:
    """Markdown for every kind of the registry: a summary table, then one section each."""
    docs = [kind_doc(name, module) for name, module in kinds.items()]
    out = ["| kind | reports on | checks |", "|---|---|---|"]
    out += [f"| [`{d.name}`](#kind-{d.name}) | {_applies(d.applies_to)} | {_cell(d.summary)} |" for d in docs]
    common = ", ".join(f"`{n}`" for n in RuleBase.model_fields if n != "kind")
    out += ["", f"Every rule also has the common fields {common} (see [File format](#file-format))."]
    for d in docs:
        out += ["", f'<a id="kind-{d.name}"></a>', f"### `{d.name}`", "", d.prose, "",
                f"Reports on: {_applies(d.applies_to)}.", ""]
        if d.parameters:
            # The description column only once some field has one (Field(description=...)).
            described = any(p.description for p in d.parameters)
            out += ["| parameter | type | default | constraints |" + (" description |" if described else ""),
                    "|---|---|---|---|" + ("---|" if described else "")]
            out += [f"| `{p.name}` | {_cell(p.type)} | {_cell(p.default)} | {_cell(p.constraints)} |"
                    + (f" {_cell(p.description)} |" if described else "") for p in d.parameters]
        else:
            out.append("No parameters beyond the common fields.")
        out += ["", "```yaml", d.example, "```", "", f"- passes: {d.passes}", f"- fails: {d.fails}"]
    return "\n".join(out)


def render_builtin_rules(ruleset: Ruleset) -> str:
    """Markdown table of the built-in rule library, in library order."""
    out = ["| id | kind | severity | title | source | 考核表 |", "|---|---|---|---|---|---|"]
    for rule in ruleset.rules:
        item = f"item {rule.assessment.item}" if rule.assessment else ""
        title = f"{rule.title.en}<br>{rule.title.zh}"
        out.append(f"| `{rule.id}` | {rule.kind} | {rule.severity} | {_cell(title)} | {_cell(rule.source)} "
                   f"| {item} |")
    return "\n".join(out)


def markers(section: str) -> tuple[str, str]:
    return (f"<!-- {section}:start (generated by `{REGENERATE}`; do not edit by hand) -->",
            f"<!-- {section}:end -->")


def replace_section(text: str, section: str, content: str) -> str:
    """The document with what lies between the section's markers replaced by content."""
    start_re = re.compile(rf"<!-- {re.escape(section)}:start\b[^\n]*-->")
    end = markers(section)[1]
    found = start_re.search(text)
    if found is None or end not in text[found.end():]:
        raise DocError(f"the document has no {markers(section)[0]!r} … {end!r} markers")
    stop = text.index(end, found.end())
    return text[:found.start()] + markers(section)[0] + "\n" + content.rstrip("\n") + "\n" + text[stop:]


def generate(text: str, kinds: Mapping[str, types.ModuleType] | None = None,
             ruleset: Ruleset | None = None) -> str:
    """docs/rules.md as it should be: every generated section brought up to date."""
    if kinds is None:
        from .checks import KINDS
        kinds = KINDS
    ruleset = ruleset or load_ruleset()
    text = replace_section(text, "kinds", render_kinds(kinds))
    return replace_section(text, "builtin-rules", render_builtin_rules(ruleset))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sodcheck.rulesdoc", description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FILE", help="regenerate the marked sections of FILE in place")
    action.add_argument("--check", metavar="FILE", help="exit 1 when FILE's generated sections are out of date")
    args = parser.parse_args(argv)
    path = Path(args.write or args.check)
    try:
        text = path.read_text(encoding="utf-8")
        wanted = generate(text)
    except (OSError, DocError) as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if wanted != text:
            print(f"{path} is out of date; run: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if wanted != text:
        path.write_text(wanted, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
