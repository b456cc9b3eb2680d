"""The lab's simulated Organization: fixed ids, OU placement, tags, the closed account."""

from __future__ import annotations

import boto3

from awslab.constants import REGION, member_account_id
from awslab.lab import Lab
from awslab.organization import layout


def test_layout_places_accounts_by_index():
    ids = [member_account_id(i) for i in range(1, 6)]
    accounts = layout(ids)
    assert [(a.name, a.ou_path) for a in accounts] == [
        ("security-tooling", "Security"),
        ("prod-002", "Workloads/Prod"),
        ("dev-003", "Workloads/Dev"),
        ("prod-004", "Workloads/Prod"),
        ("dev-005", "Workloads/Dev"),
        ("legacy-closed", "Sandbox"),
    ]
    assert accounts[-1].account_id == member_account_id(6) and accounts[-1].closed
    assert {a.tags["owner"] for a in accounts[1:5]} == {"team-a", "team-b"}


def test_the_organization_lists_the_members_under_their_ids_and_survives_a_reset():
    with Lab(accounts=2, organization=True) as lab:
        env = lab.controller_env()
        org = boto3.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        ).client("organizations", endpoint_url=lab.endpoint_url)
        for _round in range(2):
            states = {a["Id"]: a["Status"] for a in org.list_accounts()["Accounts"]}
            assert states == {
                lab.management_account_id: "ACTIVE",
                member_account_id(1): "ACTIVE",
                member_account_id(2): "ACTIVE",
                member_account_id(3): "SUSPENDED",
            }
            parent = org.list_parents(ChildId=member_account_id(2))["Parents"][0]["Id"]
            assert org.describe_organizational_unit(OrganizationalUnitId=parent)["OrganizationalUnit"]["Name"] == "Prod"
            # The member is still reachable through its organisation role.
            assert lab.session(member_account_id(2)).client("sts").get_caller_identity()[
                "Account"
            ] == member_account_id(2)
            lab.reset()
