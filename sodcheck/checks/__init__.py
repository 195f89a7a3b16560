"""Rule kinds. Each module holds one kind: its pydantic ``Rule`` model (the YAML parameters) and a
``check(rule, ctx, out)`` function. Adding a kind means adding a module and a line below."""
from __future__ import annotations

from . import (
    account_link,
    coverage,
    incompatible,
    ops_front_back,
    ops_modify_unapproved,
    ops_off_hours,
    ops_pay_unchecked,
    ops_review_levels,
    ops_same_operator,
    ops_self_service,
    ops_unknown_operator,
    permission_scope,
    requires,
    role_config,
    tenure,
)

KINDS = {
    "incompatible": incompatible,
    "tenure": tenure,
    "requires": requires,
    "coverage": coverage,
    "account_link": account_link,
    "permission_scope": permission_scope,
    "role_config": role_config,
    "ops_review_levels": ops_review_levels,
    "ops_same_operator": ops_same_operator,
    "ops_pay_unchecked": ops_pay_unchecked,
    "ops_modify_unapproved": ops_modify_unapproved,
    "ops_front_back": ops_front_back,
    "ops_off_hours": ops_off_hours,
    "ops_unknown_operator": ops_unknown_operator,
    "ops_self_service": ops_self_service,
}
