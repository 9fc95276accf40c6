"""Identity and access: bearer token validation, the Principal, and access checks.

The development tokens of local mode live in ``localdev.devtools``; the validator here
checks them exactly as it checks Entra ID tokens.
See docs/auth.md.
"""

from shared.auth.access import (
    can_read_record,
    can_untrack,
    require_admin,
    require_owner,
    require_record_access,
    require_sales_role,
    require_tracking_owner,
)
from shared.auth.jwks import HttpJwksFetcher, JwksFetcher, StaticJwksFetcher
from shared.auth.principal import ADMIN, KNOWN_ROLES, MANAGER, SALES_PERSON, Principal
from shared.auth.tokens import TokenValidator, bearer_token

__all__ = [
    "ADMIN",
    "KNOWN_ROLES",
    "MANAGER",
    "SALES_PERSON",
    "HttpJwksFetcher",
    "JwksFetcher",
    "Principal",
    "StaticJwksFetcher",
    "TokenValidator",
    "bearer_token",
    "can_read_record",
    "can_untrack",
    "require_admin",
    "require_owner",
    "require_record_access",
    "require_sales_role",
    "require_tracking_owner",
]
