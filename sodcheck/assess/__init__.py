"""Self-assessment against the 考核表: the plan and scale as data (plan.py), the officer's answers
(answers.py), scoring a finished Report (scoring.py) and one writer per format, each taking the
finished Assessment, never the engine or the inputs."""
from __future__ import annotations

import importlib
from typing import Any

FORMATS: dict[str, str] = {"xlsx": "xlsx", "html": "html", "json": "json_doc", "docx": "docx"}
BINARY_FORMATS: frozenset[str] = frozenset({"xlsx", "docx"})


def render(fmt: str, assessment: Any, options: Any) -> str | bytes:
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    result: str | bytes = module.render(assessment, options)
    return result
