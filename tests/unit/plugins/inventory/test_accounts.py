"""Unit tests of the hardening.aws.accounts inventory plugin's pure parts: the OU walk, the
filters, host names and groups."""

from __future__ import annotations

import pytest

from ansible_collections.hardening.aws.plugins.inventory import accounts
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

ROOT_ID = "r-ab12"
OU = {"Workloads": "ou-ab12-11111111", "Prod": "ou-ab12-22222222", "Dev": "ou-ab12-33333333"}


class FakeOrganizations:
    """Answers like AwsClient over a tree: Root{mgmt, Workloads{Prod{a, b}, Dev{c}}}."""

    def __init__(self, tags=None):
        self.calls = []
        self.tags = tags or {}
        self.units = {
            ROOT_ID: [("Workloads", OU["Workloads"])],
            OU["Workloads"]: [("Prod", OU["Prod"]), ("Dev", OU["Dev"])],
        }
        self.accounts = {
            ROOT_ID: [_account("111111111111", "Management")],
            OU["Prod"]: [_account("222222222222", "Shop Prod"), _account("333333333333", "shop-prod", state=None)],
            OU["Dev"]: [_account("444444444444", "Shop Dev", state="SUSPENDED")],
        }

    def call(self, method, **kwargs):
        self.calls.append((method, kwargs))
        assert method == "describe_organization"
        return {"Organization": {"MasterAccountId": "111111111111"}}

    def paginate(self, method, **kwargs):
        self.calls.append((method, kwargs))
        if method == "list_roots":
            return {"Roots": [{"Id": ROOT_ID, "Name": "Root"}]}
        if method == "list_organizational_units_for_parent":
            units = self.units.get(kwargs["ParentId"], [])
            return {"OrganizationalUnits": [{"Id": unit_id, "Name": name} for name, unit_id in units]}
        if method == "list_accounts_for_parent":
            return {"Accounts": self.accounts.get(kwargs["ParentId"], [])}
        if method == "list_tags_for_resource":
            tags = self.tags.get(kwargs["ResourceId"], {})
            return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
        raise AssertionError(method)


def _account(account_id, name, state="ACTIVE"):
    account = {"Id": account_id, "Name": name, "Email": "%s@example.org" % account_id, "Status": "ACTIVE"}
    if state:
        account["State"] = state
    return account


def _options(**overrides):
    options = {
        "account_states": ["ACTIVE"],
        "include_management_account": False,
        "include_ous": [],
        "exclude_ous": [],
        "include_account_ids": [],
        "exclude_account_ids": [],
        "include_tags": {},
        "exclude_tags": {},
        "fetch_tags": True,
        "hostname": "name",
        "ou_groups": True,
        "member_role_name": "OrganizationAccountAccessRole",
        "member_external_id": None,
        "account_region": "eu-west-1",
        "account_endpoint_url": None,
        "endpoint_url": None,
        "controller_python": True,
    }
    options.update(overrides)
    return options


def _read(client=None, options=None):
    client = client or FakeOrganizations(
        tags={"222222222222": {"env": "prod"}, "333333333333": {"env": "prod", "x": "1"}}
    )
    options = options or _options()
    return accounts.OrganizationReader(client).read(
        keep_for=lambda management: accounts.prefilter(options, management), fetch_tags=options["fetch_tags"]
    )


def test_the_walk_finds_every_account_with_its_ou_path():
    organization = _read()
    assert organization["management_account_id"] == "111111111111"
    by_id = {record["id"]: record for record in organization["accounts"]}
    assert sorted(by_id) == ["111111111111", "222222222222", "333333333333", "444444444444"]
    assert by_id["222222222222"]["ou_path"] == "Root/Workloads/Prod"
    assert by_id["222222222222"]["ou_ids"] == [ROOT_ID, OU["Workloads"], OU["Prod"]]
    assert by_id["111111111111"]["ou_path"] == "Root"
    # Status is the fallback where AWS gives no State.
    assert by_id["333333333333"]["state"] == "ACTIVE"


def test_tags_are_read_only_for_accounts_the_other_filters_keep():
    client = FakeOrganizations(tags={"222222222222": {"env": "prod"}})
    organization = _read(client)
    tag_reads = [kwargs["ResourceId"] for method, kwargs in client.calls if method == "list_tags_for_resource"]
    # Not the management account (left out), not the suspended one.
    assert tag_reads == ["222222222222", "333333333333"]
    by_id = {record["id"]: record for record in organization["accounts"]}
    assert by_id["222222222222"]["tags"] == {"env": "prod"}
    assert by_id["444444444444"]["tags"] is None


def test_the_walk_costs_calls_per_ou_not_per_account():
    client = FakeOrganizations()
    client.accounts[OU["Prod"]] = [_account("5%011d" % index, "a%d" % index) for index in range(300)]
    _read(client, _options(fetch_tags=False))
    methods = [method for method, _kwargs in client.calls]
    # describe + roots + (units + accounts) for the root and 3 OUs.
    assert len(methods) == 2 + 2 * 4


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, ["222222222222", "333333333333"]),
        ({"include_management_account": True}, ["111111111111", "222222222222", "333333333333"]),
        ({"account_states": ["SUSPENDED"]}, ["444444444444"]),
        (
            {"include_ous": ["Workloads"], "account_states": ["ACTIVE", "SUSPENDED"]},
            ["222222222222", "333333333333", "444444444444"],
        ),
        ({"include_ous": ["/Root/Workloads/Dev/"], "account_states": ["SUSPENDED"]}, ["444444444444"]),
        ({"include_ous": [OU["Prod"]]}, ["222222222222", "333333333333"]),
        ({"exclude_ous": ["Workloads"]}, []),
        ({"include_ous": ["Work"]}, []),  # a path prefix is not an OU
        ({"include_account_ids": ["333333333333"]}, ["333333333333"]),
        ({"exclude_account_ids": ["333333333333"]}, ["222222222222"]),
        ({"include_tags": {"env": "prod", "x": "*"}}, ["333333333333"]),
        ({"include_tags": {"env": ["dev", "prod"]}}, ["222222222222", "333333333333"]),
        ({"exclude_tags": {"x": "1"}}, ["222222222222"]),
        ({"exclude_tags": {"x": "2"}}, ["222222222222", "333333333333"]),
    ],
)
def test_filters(overrides, expected):
    options = _options(**overrides)
    organization = _read(options=options)
    assert [record["id"] for record in accounts.select(organization, options)] == expected


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"include_account_ids": ["1234"]}, "include_account_ids: '1234' is not a 12-digit AWS account id"),
        ({"exclude_account_ids": [12345678901]}, "exclude_account_ids: 12345678901 is not a 12-digit"),
        ({"include_tags": {"env": {"a": 1}}}, "include_tags: the value of tag 'env' must be a string"),
        ({"include_tags": {"env": "x"}, "fetch_tags": False}, "include_tags needs fetch_tags: true"),
        ({"exclude_ous": [""]}, "exclude_ous: '' is not an OU path or id"),
    ],
)
def test_bad_filters_are_refused(overrides, message):
    with pytest.raises(HardeningError) as caught:
        accounts.check_filters(_options(**overrides))
    assert message in str(caught.value)


def test_host_names_are_safe_and_unique():
    records = [
        {"id": "222222222222", "name": "Shop Prod"},
        {"id": "333333333333", "name": "shop-prod"},
        {"id": "444444444444", "name": "Ünïcode & Co."},
    ]
    assert accounts.host_names(records, "name") == {
        "222222222222": "shop-prod-222222222222",
        "333333333333": "shop-prod-333333333333",
        "444444444444": "n-code-co",
    }
    assert accounts.host_names(records, "id")["444444444444"] == "444444444444"


def test_ou_groups_nest_from_the_root_down():
    assert accounts.ou_group_chain("Root") == []
    assert accounts.ou_group_chain("Root/Workloads/Shop Prod") == ["ou_workloads", "ou_workloads_shop_prod"]


def test_host_vars_follow_the_inventory_contract():
    record = {
        "id": "222222222222",
        "name": "Shop Prod",
        "email": "a@example.org",
        "state": "ACTIVE",
        "joined": None,
        "ou_path": "Root/Workloads/Prod",
        "ou_ids": [ROOT_ID, OU["Workloads"], OU["Prod"]],
        "tags": None,
    }
    variables = accounts.host_vars(record, _options(member_external_id="ext", endpoint_url="http://127.0.0.1:1"))
    assert variables["ansible_connection"] == "local"
    assert variables["aws_account_id"] == "222222222222"
    assert variables["aws_assume_role_name"] == "OrganizationAccountAccessRole"
    assert variables["aws_external_id"] == "ext"
    assert variables["aws_region"] == "eu-west-1"
    assert variables["aws_endpoint_url"] == "http://127.0.0.1:1"
    assert variables["aws_ou_id"] == OU["Prod"]
    assert variables["aws_account_tags"] == {}
    assert "aws_endpoint_url" not in accounts.host_vars(record, _options())
    assert "ansible_python_interpreter" not in accounts.host_vars(record, _options(controller_python=False))
