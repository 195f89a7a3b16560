"""Rule kinds. Each module holds one kind: its pydantic ``Rule`` model (the YAML parameters) and a
``check(rule, ctx, out)`` function. Adding a kind means adding a module and a line below."""
from __future__ import annotations

from . import account_link, coverage, incompatible, permission_scope, requires, role_config, tenure

KINDS = {
    "incompatible": incompatible,
    "tenure": tenure,
    "requires": requires,
    "coverage": coverage,
    "account_link": account_link,
    "permission_scope": permission_scope,
    "role_config": role_config,
}
