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


def column_letter(index: int) -> str:
    """0-based column index to the letters Excel shows."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
