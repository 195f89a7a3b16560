"""Normalising the text people type into sheets and exports."""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def compact(value: object) -> str:
    """NFKC and no white space at all: how names, posts and headers are compared."""
    if value is None:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value)))


def tidy(value: object) -> str:
    """NFKC, trimmed, inner runs of white space folded to one space: how values are shown."""
    if value is None:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()


# Control characters other than tab and line feed: ESC starts terminal escape sequences, BEL rings,
# CR overwrites what a line showed. Text read from inputs shows them escaped, never raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """Text with control characters shown as escapes (\\x1b), for terminals, CSV and CI logs."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def valid_regexes(patterns: list[str]) -> list[str]:
    """The patterns, if each is a regular expression (a pydantic validator for rule files)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    return patterns


def labelled(label: str, value: str, lang: str) -> str:
    """A label and its value: 标签：值 in Chinese, "Label: value" in English."""
    return f"{label}：{value}" if lang == "zh" else f"{label}: {value}"


def location_text(lang: str, file: str | None = None, sheet: str | None = None, row: int | None = None,
                  line: int | None = None, column: str | None = None, serial: str | None = None) -> str:
    """How a place in the inputs reads, everywhere: errors, evidence, warnings, CI annotations.
    zh: ``a.xlsx 工作表“人员分工” 第34行（序号28） C列``; en: ``a.xlsx, sheet 人员分工, row 34 (No. 28),
    column C``. The sheet's own 序号 is what officers and their printed sheet go by."""
    zh = lang == "zh"
    parts = [file] if file else []
    if sheet:
        parts.append(f"工作表“{sheet}”" if zh else f"sheet {sheet}")
    for word, number in (("row", row), ("line", line)):
        if number is not None:
            place = f"第{number}行" if zh else f"{word} {number}"
            if serial and word == "row":
                place += f"（序号{serial}）" if zh else f" (No. {serial})"
            parts.append(place)
    if column:
        parts.append(f"{column}列" if zh else f"column {column}")
    return (" " if zh else ", ").join(parts)


def column_letter(index: int) -> str:
    """0-based column index to the letters Excel shows."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
