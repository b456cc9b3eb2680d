"""playbooks/harden.yml over several seeded accounts of the lab, as a user runs it."""

from __future__ import annotations

import yaml

PLAYBOOK = "playbooks/harden.yml"
ALIAS = {"baseline_account_alias": "acme-{{ aws_account_id }}"}
CIS = {
    "MinimumPasswordLength": 14,
    "PasswordReusePrevention": 24,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
}


def _host(account_id):
    return "lab-%s" % account_id


def _state(lab, account_id):
    iam = lab.session(account_id).client("iam")  # session() asserts the caller identity
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        policy = None
    return policy, iam.list_account_aliases()["AccountAliases"]


def test_check_then_harden_then_nothing_to_do(ansible, fresh_lab, inventory):
    lab = fresh_lab
    before = {a: _state(lab, a) for a in lab.account_ids}
    assert all(policy is None and not aliases for policy, aliases in before.values())

    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True, extra_vars=ALIAS)
    assert check.rc == 0, check.output
    assert sorted(check.changed_hosts()) == sorted(_host(a) for a in lab.account_ids)
    assert {a: _state(lab, a) for a in lab.account_ids} == before

    apply = ansible.run(PLAYBOOK, inventory, extra_vars=ALIAS)
    assert apply.rc == 0, apply.output
    for account_id in lab.account_ids:
        policy, aliases = _state(lab, account_id)
        assert {k: policy[k] for k in CIS} == CIS, account_id
        assert aliases == ["acme-%s" % account_id]
        summary = apply.result("Summary | what changed and what needs a human", _host(account_id))["msg"]
        assert summary.startswith("account %s: changed password_policy, account_alias" % account_id)

    again = ansible.run(PLAYBOOK, inventory, extra_vars=ALIAS)
    assert again.rc == 0, again.output
    assert again.changed_hosts() == []
    check_again = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=ALIAS)
    assert check_again.changed_hosts() == []


def test_user_settings_are_laid_over_the_cis_defaults(ansible, fresh_lab, inventory):
    lab = fresh_lab
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"baseline_password_policy": {"min_password_length": 20}})
    assert run.rc == 0, run.output
    policy, aliases = _state(lab, lab.account_ids[0])
    assert policy["MinimumPasswordLength"] == 20
    assert policy["PasswordReusePrevention"] == 24 and policy["RequireSymbols"]
    assert aliases == []  # no alias given: not managed


def test_a_bad_account_fails_alone(ansible, fresh_lab, tmp_path):
    lab = fresh_lab
    good, other = lab.account_ids[0], lab.account_ids[1]
    path = tmp_path / "inventory.yml"
    lab.write_inventory(path, accounts=[good])
    inventory = yaml.safe_load(path.read_text())
    hosts = inventory["all"]["children"]["aws_accounts"]["hosts"]
    template = dict(hosts[_host(good)])
    hosts["malformed"] = dict(template, aws_account_id="12345")
    # The role ARN points into another account: the identity check must catch it.
    hosts["wrong-identity"] = dict(
        template,
        aws_account_id="210000000099",
        aws_assume_role_arn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % other,
    )
    path.write_text(yaml.safe_dump(inventory))

    run = ansible.run(PLAYBOOK, path, extra_vars=ALIAS)
    assert run.rc != 0
    assert run.stats(_host(good))["failures"] == 0
    assert run.stats("malformed")["failures"] == 1
    assert run.stats("wrong-identity")["failures"] == 1
    malformed = run.result("check the inventory host's account id", "malformed")["msg"]
    assert "malformed" in malformed and '"12345"' in malformed
    wrong = run.result("make sure the identity is the inventory's account", "wrong-identity")["msg"]
    assert "wrong-identity" in wrong and "210000000099" in wrong and other in wrong
    assert _state(lab, good)[0] is not None
    assert _state(lab, other) == (None, [])  # nothing landed in the account the bad host reached
