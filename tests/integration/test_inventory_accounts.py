"""The hardening.aws.accounts inventory plugin over the lab's simulated Organization.

The lab's management account runs an Organization (awslab.organization): account 1 in
Security, even accounts in Workloads/Prod, odd ones in Workloads/Dev, and a closed account in
Sandbox. The plugin is run with ansible-inventory as a user would, and then drives a playbook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from .playbook import REPO

BIN = os.path.dirname(sys.executable)
MEMBERS = {"security-tooling": "210000000001", "prod-002": "210000000002", "dev-003": "210000000003"}
ORG_READ_ACTIONS = {
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListTagsForResource",
}


def _source(tmp_path, lab, name="lab.accounts.yml", **options):
    path = tmp_path / name
    config = {"plugin": "hardening.aws.accounts", "endpoint_url": lab.endpoint_url}
    config.update(options)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _inventory(ansible, source, *args, env=None):
    run_env = dict(ansible.env)
    run_env.update(ANSIBLE_COLLECTIONS_PATH=ansible.collections_path, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    run_env.update(env or {})
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-inventory"), "-i", str(source), "--list", *args],
        env=run_env,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=300,
    )
    return proc


def _listed(ansible, source, *args):
    proc = _inventory(ansible, source, *args)
    assert proc.returncode == 0, proc.stderr
    assert "Failed to parse" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _plain(value):
    """ansible-inventory marks untrusted strings as {"__ansible_unsafe": ...}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _hosts(listing, group):
    found = set(listing.get(group, {}).get("hosts", []))
    for child in listing.get(group, {}).get("children", []):
        found |= _hosts(listing, child)
    return found


def _org_calls(lab):
    calls = lab.calls(lab.management_account_id)
    return {name: count for name, count in calls.items() if name.startswith("organizations:")}


def test_every_active_member_becomes_a_host_with_the_contract_variables(ansible, fresh_lab, tmp_path):
    source = _source(
        tmp_path,
        fresh_lab,
        keyed_groups=[{"key": "aws_account_tags.owner", "prefix": "owner"}],
        member_external_id="x-1",
    )
    fresh_lab.reset_calls()
    listing = _listed(ansible, source)

    # The closed account and the management account are not hosts.
    assert _hosts(listing, "aws_accounts") == set(MEMBERS)
    hostvars = _plain(listing["_meta"]["hostvars"])
    for host, account_id in MEMBERS.items():
        variables = hostvars[host]
        assert variables["aws_account_id"] == account_id
        assert variables["ansible_connection"] == "local"
        assert variables["aws_assume_role_name"] == "OrganizationAccountAccessRole"
        assert variables["aws_external_id"] == "x-1"
        assert variables["aws_region"] == "us-east-1"
        assert variables["aws_endpoint_url"] == fresh_lab.endpoint_url
        assert variables["aws_account_state"] == "ACTIVE"
    assert hostvars["prod-002"]["aws_ou_path"] == "Root/Workloads/Prod"
    assert hostvars["prod-002"]["aws_account_tags"] == {"env": "prod", "owner": "team-a"}
    assert hostvars["security-tooling"]["aws_ou_path"] == "Root/Security"

    # OU groups nest like the OUs; keyed groups come from tags.
    assert _hosts(listing, "ou_workloads") == {"prod-002", "dev-003"}
    assert _hosts(listing, "ou_workloads_prod") == {"prod-002"}
    assert "ou_workloads_prod" in listing["ou_workloads"]["children"]
    assert _hosts(listing, "ou_security") == {"security-tooling"}
    assert _hosts(listing, "owner_team_a") == {"prod-002", "dev-003"}
    assert _hosts(listing, "owner_secops") == {"security-tooling"}

    # The tree costs calls per OU (root + 5 OUs), tags one call per kept account.
    calls = _org_calls(fresh_lab)
    assert set(calls) == ORG_READ_ACTIONS
    assert calls["organizations:ListAccountsForParent"] == 6
    assert calls["organizations:ListTagsForResource"] == len(MEMBERS)


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"include_ous": ["Workloads"]}, {"prod-002", "dev-003"}),
        ({"include_ous": ["Root/Workloads/Prod", "Security"]}, {"prod-002", "security-tooling"}),
        ({"exclude_ous": ["Workloads/Dev"]}, {"prod-002", "security-tooling"}),
        ({"include_tags": {"env": ["prod", "dev"]}, "exclude_tags": {"owner": "*"}}, set()),
        ({"include_tags": {"env": ["prod", "dev"]}}, {"prod-002", "dev-003"}),
        ({"exclude_tags": {"env": "prod"}}, {"security-tooling", "dev-003"}),
        ({"include_account_ids": ["210000000003"]}, {"dev-003"}),
        ({"exclude_account_ids": ["210000000001"]}, {"prod-002", "dev-003"}),
        ({"account_states": ["ACTIVE", "SUSPENDED"], "include_ous": ["Sandbox"]}, {"legacy-closed"}),
        ({"include_management_account": True, "include_account_ids": ["123456789012"]}, {"master"}),
        ({"hostname": "id", "include_ous": ["Security"]}, {"210000000001"}),
    ],
)
def test_filters_pick_accounts(ansible, lab, tmp_path, options, expected):
    listing = _listed(ansible, _source(tmp_path, lab, **options))
    assert _hosts(listing, "aws_accounts") == expected


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"include_account_ids": ["21000000001"]},
            "include_account_ids: '21000000001' is not a 12-digit AWS account id",
        ),
        ({"include_tags": {"env": "prod"}, "fetch_tags": False}, "include_tags needs fetch_tags: true"),
        ({"include_ous": [" "]}, "include_ous: ' ' is not an OU path or id"),
    ],
)
def test_bad_filters_fail_before_any_call(ansible, fresh_lab, tmp_path, options, message):
    fresh_lab.reset_calls()
    proc = _inventory(ansible, _source(tmp_path, fresh_lab, **options))
    assert message in proc.stderr
    assert _org_calls(fresh_lab) == {}


def test_cached_inventory_makes_no_call_until_flushed(ansible, fresh_lab, tmp_path):
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache")}
    source = _source(tmp_path, fresh_lab, **cache)
    first = _listed(ansible, source)
    fresh_lab.reset_calls()
    second = _listed(ansible, source)
    assert _org_calls(fresh_lab) == {}
    assert _hosts(second, "aws_accounts") == _hosts(first, "aws_accounts") == set(MEMBERS)
    _listed(ansible, source, "--flush-cache")
    assert _org_calls(fresh_lab)["organizations:ListRoots"] == 1


def test_an_identity_outside_the_organization_gets_a_clear_error(ansible, fresh_lab, tmp_path):
    # A member account's role cannot read the organisation: moto answers from the member's own
    # (empty) Organizations backend, as AWS answers AccessDenied / not in use.
    source = _source(
        tmp_path, fresh_lab, assume_role_arn="arn:aws:iam::210000000002:role/OrganizationAccountAccessRole"
    )
    proc = _inventory(ansible, source, env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    assert proc.returncode != 0
    assert "hardening.aws.accounts" in proc.stderr
    assert "cannot read the accounts of the Organization" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_plugin_drives_harden_yml(ansible, fresh_lab, tmp_path):
    source = _source(tmp_path, fresh_lab, include_ous=["Workloads"])
    run = ansible.run("playbooks/harden.yml", source, check=True)
    assert run.rc == 0, run.output
    assert set(run.data["stats"]) == {"prod-002", "dev-003"}
    for host, account_id in (("prod-002", "210000000002"), ("dev-003", "210000000003")):
        assert run.stats(host)["failures"] == 0
        assert run.stats(host)["unreachable"] == 0
        assert (
            run.result("Account session | make sure we act in the inventory's account", host).get("failed") is not True
        )
        # The session acted in the account the plugin named (sts_session checked the identity).
        assert fresh_lab.calls(account_id).get("sts:GetCallerIdentity", 0) >= 1
        assert fresh_lab.calls(account_id).get("iam:GetAccountAuthorizationDetails", 0) >= 1
