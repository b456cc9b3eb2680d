"""A simulated AWS Organization over the lab's member accounts.

The management account owns an organisation with a small, fixed OU tree. Member account ``i``
(1-based) joins it under its own, deterministic id (moto would draw a random one), so an
inventory built from Organizations lands on the same accounts the lab seeded:

    Root
    ├── Security                 account 1                  tags env=security, owner=secops
    ├── Workloads
    │   ├── Prod                 accounts 2, 4, 6...        tags env=prod, owner=team-a|team-b
    │   └── Dev                  accounts 3, 5, 7...        tags env=dev,  owner=team-a|team-b
    └── Sandbox                  one closed account (SUSPENDED), id = the next member id

The closed account has no IAM seeding: an inventory that keeps it would fail to reach it,
which is what the default ``ACTIVE`` filter of the inventory plugin is for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from .constants import MANAGEMENT_ACCOUNT_ID, PARTITION, REGION, member_account_id

#: OU paths below the root, parents before children.
OU_PATHS = ("Security", "Workloads", "Workloads/Prod", "Workloads/Dev", "Sandbox")


@dataclass(frozen=True)
class OrgAccount:
    """Where one account sits in the lab's organisation."""

    account_id: str
    name: str
    ou_path: str
    tags: dict[str, str] = field(default_factory=dict)
    closed: bool = False


def layout(account_ids: Sequence[str]) -> list[OrgAccount]:
    """The organisation's accounts for the lab's member ``account_ids`` (in order), plus the
    closed sandbox account."""
    accounts = []
    for index, account_id in enumerate(account_ids, start=1):
        if index == 1:
            accounts.append(
                OrgAccount(account_id, "security-tooling", "Security", {"env": "security", "owner": "secops"})
            )
            continue
        env = "prod" if index % 2 == 0 else "dev"
        owner = "team-a" if (index // 2) % 2 == 1 else "team-b"
        accounts.append(
            OrgAccount(account_id, f"{env}-{index:03d}", f"Workloads/{env.capitalize()}", {"env": env, "owner": owner})
        )
    closed_id = member_account_id(len(account_ids) + 1)
    accounts.append(OrgAccount(closed_id, "legacy-closed", "Sandbox", {"env": "sandbox"}, closed=True))
    return accounts


@contextlib.contextmanager
def _fixed_account_ids(ids: Sequence[str]) -> Iterator[None]:
    """moto draws account ids at random; hand out ``ids`` in order instead."""
    pending = iter(ids)
    with mock.patch("moto.organizations.models.utils.make_random_account_id", side_effect=lambda: next(pending)):
        yield


def backend() -> Any:
    """moto's Organizations backend of the management account."""
    from moto.organizations.models import organizations_backends  # pylint: disable=import-outside-toplevel

    return organizations_backends[MANAGEMENT_ACCOUNT_ID][PARTITION]


def create(account_ids: Sequence[str]) -> list[OrgAccount]:
    """Create the organisation in the management account (moto state freshly reset) and return
    its member accounts."""
    org = backend()
    org.create_organization(region=REGION, FeatureSet="ALL")
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_ids = {"": root_id}
    for path in OU_PATHS:
        parent, _slash, name = path.rpartition("/")
        ou_ids[path] = org.create_organizational_unit(Name=name, ParentId=ou_ids[parent])["OrganizationalUnit"]["Id"]
    accounts = layout(account_ids)
    with _fixed_account_ids([account.account_id for account in accounts]):
        for account in accounts:
            org.create_account(
                AccountName=account.name,
                Email=f"aws+{account.name}@example.org",
                Tags=[{"Key": key, "Value": value} for key, value in account.tags.items()],
            )
    for account in accounts:
        org.move_account(
            AccountId=account.account_id, SourceParentId=root_id, DestinationParentId=ou_ids[account.ou_path]
        )
        if account.closed:
            org.close_account(AccountId=account.account_id)
    return accounts
