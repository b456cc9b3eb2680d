"""iam_password_policy, iam_account_alias, iam_account_info against the lab, every account.

Each mutating path runs four times (house style): check (reports a change, changes
nothing), apply (changes), check (no change), apply (no change). AWS is read
independently, per account, between the runs.
"""

from __future__ import annotations

import pytest

PLAYBOOK = "tests/integration/playbooks/account_modules.yml"
ABSENT = "tests/integration/playbooks/account_modules_absent.yml"
MUTATING = ("Password policy", "Password policy, one option only", "Alias")


def _policy(lab, account_id):
    iam = lab.client(account_id, "iam")
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


def _alias(lab, account_id):
    aliases = lab.client(account_id, "iam").list_account_aliases()["AccountAliases"]
    return aliases[0] if aliases else None


def _host(account_id):
    return "lab-%s" % account_id


def _assert_untouched(lab):
    for account_id in lab.account_ids:
        assert _policy(lab, account_id) is None, account_id
        assert _alias(lab, account_id) is None, account_id


def _assert_changed(run, lab, expected):
    assert run.rc == 0, run.output
    for account_id in lab.account_ids:
        for task in MUTATING:
            assert run.result(task, _host(account_id))["changed"] is expected, (task, account_id)


@pytest.mark.parametrize("execution", ["inprocess", "module"])
def test_four_runs_converge_every_account(ansible, fresh_lab, inventory, execution):
    lab = fresh_lab
    env = {"HARDENING_AWS_EXECUTION": execution}
    _assert_untouched(lab)

    first = ansible.run(PLAYBOOK, inventory, check=True, diff=True, env=env)
    _assert_changed(first, lab, True)
    _assert_untouched(lab)
    diff = first.result("Alias", _host(lab.account_ids[0]))["diff"]
    assert diff == {"before": {"alias": None}, "after": {"alias": "itest-%s" % lab.account_ids[0]}}

    second = ansible.run(PLAYBOOK, inventory, env=env)
    _assert_changed(second, lab, True)
    for account_id in lab.account_ids:
        policy = _policy(lab, account_id)
        assert policy["MinimumPasswordLength"] == 14
        assert policy["PasswordReusePrevention"] == 24
        assert policy["MaxPasswordAge"] == 90
        assert policy["RequireSymbols"] and policy["RequireNumbers"]
        assert policy["RequireUppercaseCharacters"] and policy["RequireLowercaseCharacters"]
        assert policy["AllowUsersToChangePassword"]
        assert _alias(lab, account_id) == "itest-%s" % account_id

    third = ansible.run(PLAYBOOK, inventory, check=True, env=env)
    _assert_changed(third, lab, False)
    fourth = ansible.run(PLAYBOOK, inventory, env=env)
    _assert_changed(fourth, lab, False)
    assert fourth.changed_hosts() == []


def test_removal_four_runs(ansible, fresh_lab, inventory):
    lab = fresh_lab
    assert ansible.run(PLAYBOOK, inventory).rc == 0

    check = ansible.run(ABSENT, inventory, check=True)
    assert check.rc == 0, check.output
    assert all(r["changed"] for r in check.results("Password policy absent").values())
    assert all(_policy(lab, a) is not None and _alias(lab, a) for a in lab.account_ids)

    apply = ansible.run(ABSENT, inventory)
    assert sorted(apply.changed_hosts()) == sorted(_host(a) for a in lab.account_ids)
    _assert_untouched(lab)

    assert ansible.run(ABSENT, inventory, check=True).changed_hosts() == []
    assert ansible.run(ABSENT, inventory).changed_hosts() == []


def _comparable(result):
    # The role is created anew by each lab reset, so its unique id differs between runs.
    return {k: v for k, v in result.items() if not k.startswith("_") and k != "caller_user_id"}


def test_both_execution_paths_return_the_same_results(ansible, fresh_lab, inventory):
    lab = fresh_lab
    results = {}
    for execution in ("module", "inprocess"):
        lab.reset(seed=True)
        run = ansible.run(PLAYBOOK, inventory, diff=True, env={"HARDENING_AWS_EXECUTION": execution})
        assert run.rc == 0, run.output
        results[execution] = {
            task: _comparable(run.result(task, _host(lab.account_ids[0]))) for task in MUTATING + ("Account info",)
        }
    assert results["module"] == results["inprocess"]


def test_bad_input_fails_before_any_aws_call(ansible, fresh_lab, inventory, tmp_path):
    playbook = tmp_path / "bad.yml"
    playbook.write_text(
        """
- hosts: aws_accounts
  gather_facts: false
  tasks:
    - name: Too short
      hardening.aws.iam_password_policy:
        min_password_length: 5
        endpoint_url: "{{ aws_endpoint_url }}"
        assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      ignore_errors: true
    - name: Bad alias
      hardening.aws.iam_account_alias:
        alias: Acme_Prod
        endpoint_url: "{{ aws_endpoint_url }}"
        assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      ignore_errors: true
"""
    )
    fresh_lab.reset_calls()
    run = ansible.run(str(playbook), inventory)
    host = _host(fresh_lab.account_ids[0])
    short = run.result("Too short", host)
    assert short["failed"] and "min_password_length=5" in short["msg"] and "6 to 128" in short["msg"]
    alias = run.result("Bad alias", host)
    assert alias["failed"] and "'Acme_Prod'" in alias["msg"]
    calls = fresh_lab.calls()
    assert not any(calls.get(a) for a in fresh_lab.account_ids), calls
