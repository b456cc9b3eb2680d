"""awslab: a local, moto-based fleet of AWS accounts for testing ``hardening.aws``.

See tests/lab/README.md. Quick start::

    from awslab import Lab
    with Lab(accounts=3, seed=True) as lab:
        iam = lab.client(lab.account_ids[0], "iam")

``Lab``, ``LabSession`` and ``open_session`` are imported on first use, so that the light CLI
commands (stop, calls, reset) do not pay for importing boto3.
"""

from __future__ import annotations

import importlib
from typing import Any

from .common import LabError, controller_env, inventory_dict
from .constants import (
    CONTROLLER_ACCESS_KEY_ID,
    MANAGEMENT_ACCOUNT_ID,
    ORG_ROLE_NAME,
    REGION,
    member_account_id,
    org_role_arn,
)
from .root import ROOT_USER, RootState
from .seed import (
    NEVER,
    SEED,
    SEEDED_GROUPS,
    SEEDED_USERS,
    AccountSeed,
    GroupSeed,
    KeySeed,
    PolicySeed,
    RoleSeed,
    ServiceCredentialSeed,
    UserSeed,
)

_LAZY = {"Lab": ".lab", "LabSession": ".lab", "open_session": ".lab"}

__all__ = [
    "CONTROLLER_ACCESS_KEY_ID",
    "MANAGEMENT_ACCOUNT_ID",
    "NEVER",
    "ORG_ROLE_NAME",
    "REGION",
    "ROOT_USER",
    "SEED",
    "SEEDED_GROUPS",
    "SEEDED_USERS",
    "AccountSeed",
    "GroupSeed",
    "KeySeed",
    "LabError",
    "PolicySeed",
    "RoleSeed",
    "RootState",
    "ServiceCredentialSeed",
    "UserSeed",
    "controller_env",
    "inventory_dict",
    "member_account_id",
    "org_role_arn",
]
__all__.extend(_LAZY)  # provided by __getattr__ below


def __getattr__(name: str) -> Any:
    """Import ``Lab`` / ``LabSession`` / ``open_session`` (and boto3) on first access."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
