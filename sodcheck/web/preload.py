"""Imported once, in the process every check's worker is forked from: the modules a check needs are
loaded there, so a worker starts in milliseconds instead of importing them again for each check.
Only imports, pydantic's validators and a rule-file parse are made here; nothing that starts a
thread, which a fork would not carry over. Warming is only a head start: whatever fails here is
left for the check itself to meet and report, and does not stop the worker process from starting."""
from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Iterator
from functools import partial

from pydantic import BaseModel

import sodcheck
from sodcheck import ruleset

# Modules the check imports inside functions, to keep the command line quick to start.
LAZY = ("openpyxl", "python_calamine", "networkx", "pyarrow.csv", "pyarrow.compute", "pyarrow.parquet",
        "ibis", "duckdb")
NOT_FOR_CHECKS = ("sodcheck.__main__", "sodcheck.cli", "sodcheck.web.app", "sodcheck.web.background")


def warm(load) -> None:
    with contextlib.suppress(Exception):  # see the module's docstring
        load()


def models(base: type[BaseModel] = BaseModel) -> Iterator[type[BaseModel]]:
    """sodcheck's pydantic models, subclasses of subclasses included."""
    for model in base.__subclasses__():
        if model.__module__.startswith("sodcheck."):
            yield model
        yield from models(model)


for module in pkgutil.walk_packages(sodcheck.__path__, "sodcheck."):
    if not module.name.startswith(NOT_FOR_CHECKS):
        warm(partial(importlib.import_module, module.name))
for name in LAZY:
    warm(partial(importlib.import_module, name))
# The models build their validators when first used (the command line then starts sooner): here,
# once, rather than in every worker.
for model in dict.fromkeys(models()):
    warm(model.model_rebuild)
warm(partial(ruleset.load_ruleset, []))
