"""Keeping pandas out of the command line.

The command line never uses pandas (the Python API does). pyarrow imports it anyway, when it is
installed, the first time it turns a Python list into an array, only to ask whether the list is a
pandas object: most of a second on every run. The command line refuses the import, which answers
"no", until a part that does need pandas is used: the operation-log engine (ibis imports it for
its result conversions).
"""
from __future__ import annotations

import importlib.abc
import sys


class _WithoutPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ImportError("pandas is not loaded on sodcheck's command line")
        return None


def refuse_pandas() -> None:
    if "pandas" not in sys.modules and not any(isinstance(f, _WithoutPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _WithoutPandas())


def allow_pandas() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _WithoutPandas)]
