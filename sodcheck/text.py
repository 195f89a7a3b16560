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


def column_letter(index: int) -> str:
    """0-based column index to the letters Excel shows."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
