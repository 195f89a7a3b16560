"""sodcheck: find incompatible duties and incompatible system permissions.

The Python API (docs/python-api.md) is loaded on first use: ``import sodcheck`` stays as light as
the command line needs, and pandas is imported only when a DataFrame function is used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import SodcheckError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import PermissionTables, Result, check, read_ops, read_permissions, read_staffing
    from .vocabulary import Classification, classify

_LAZY = {"check": "api", "read_staffing": "api", "read_permissions": "api", "read_ops": "api", "Result": "api",
         "PermissionTables": "api", "classify": "vocabulary", "Classification": "vocabulary"}

__all__ = ["Classification", "PermissionTables", "Result", "SodcheckError", "__version__", "check", "classify",
           "read_ops", "read_permissions", "read_staffing", "rules"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'sodcheck' has no attribute {name!r}")
