"""The built-in rule library (the YAML files beside this module), and ``sodcheck.rules.load``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sodcheck.vocabulary import Rules


def load(*paths: str) -> Rules:
    """The built-in rules plus these rule files or folders, as ``sodcheck check --rules`` loads them.
    Pass the result as ``rules=`` to ``sodcheck.check``, or ask it ``.classify("网银制单")``."""
    from sodcheck.vocabulary import load as load_rules

    return load_rules(*paths)
