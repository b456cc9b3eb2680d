"""Bad role variables fail before any change, naming the variable and the value (issue 9).

One table (CASES) per role: wrong types, malformed names, ARNs and account ids, policy JSON
that does not parse, unknown managed policies and conflicting settings. For each role one
ansible-playbook run over one lab account goes through every case: the play assumes the role
into the account the way the playbooks do (account_session, same module_defaults), then per
case includes the role with the case's variables in a block whose rescue records the failed
task and its message. A role that accepts a case reaches the block's second task, which fails
with a message that names nothing, so the case fails the test. The account (fingerprint, with
its secrets and parameters) and the lab's count of write calls must be the same after the run.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from .playbook import REPO
from .test_harden import fingerprint

BROKEN_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'

# role -> [(variables, variable named, value named), ...]
CASES = {
    "account_session": [
        ({"aws_account_id": "12345"}, "aws_account_id", "12345"),
        ({"aws_assume_role_arn": "arn:aws:iam::123:role/Ops"}, "aws_assume_role_arn", "arn:aws:iam::123:role/Ops"),
        ({"aws_assume_role_name": "ops role"}, "aws_assume_role_name", "ops role"),
        ({"account_session_duration_seconds": 60}, "account_session_duration_seconds", "60"),
        ({"account_session_renew_before": "soon"}, "account_session_renew_before", "soon"),
        ({"account_session_renew_before": 3600}, "account_session_renew_before", "3600"),
    ],
    "baseline": [
        ({"baseline_password_policy_enabled": "maybe"}, "baseline_password_policy_enabled", "maybe"),
        ({"baseline_password_policy": {"min_password_length": "long"}}, "min_password_length", "long"),
        ({"baseline_password_policy": {"min_password_length": 5}}, "min_password_length", "5"),
        ({"baseline_account_alias": "Acme_Prod"}, "baseline_account_alias", "Acme_Prod"),
        ({"baseline_groups": [{"name": "ops team"}]}, "baseline_groups", "ops team"),
        (
            {"baseline_groups": [{"name": "ops", "managed_policies": ["arn:aws:iam::aws:policy/Ops Admin"]}]},
            "baseline_groups[ops].managed_policies",
            "arn:aws:iam::aws:policy/Ops Admin",
        ),
        (
            {"baseline_groups": [{"name": "ops", "inline_policies": {"ops": BROKEN_JSON}}]},
            "baseline_groups",
            "near '[{\"Effect\": \"Allow\",}]}'",
        ),
        ({"baseline_users": [{"name": "bob smith"}]}, "baseline_users", "bob smith"),
        ({"baseline_users": [{"name": "ops", "groups": ["no-such-group"]}]}, "baseline_users", "no-such-group"),
        ({"baseline_users_password_store": "vault"}, "baseline_users_password_store", "vault"),
        (
            {
                "baseline_support_role_enabled": True,
                "baseline_support_role_trusted_principals": ["arn:aws:iam::123:root"],
            },
            "baseline_support_role_trusted_principals",
            "arn:aws:iam::123:root",
        ),
        (
            {"baseline_instance_roles": [{"name": "web", "managed_policies": ["arn:aws:iam::12:policy/Web"]}]},
            "baseline_instance_roles",
            "arn:aws:iam::12:policy/Web",
        ),
        ({"baseline_break_glass_users": ["break glass"]}, "baseline_break_glass_users", "break glass"),
        ({"baseline_unused_console_keys_min_age_days": "old"}, "baseline_unused_console_keys_min_age_days", "old"),
    ],
    "offboard": [
        ({"offboard_users": ["bob smith"]}, "offboard_users", "bob smith"),
        ({"offboard_inactive_days": "ninety"}, "offboard_inactive_days", "ninety"),
        ({"offboard_inactive_days": -1}, "offboard_inactive_days", "-1"),
        ({"offboard_mode": "purge"}, "offboard_mode", "purge"),
        ({"offboard_protected_users": ["bad user!"]}, "offboard_protected_users", "bad user!"),
        ({"offboard_mode": "delete", "offboard_delete_after_days": -5}, "offboard_delete_after_days", "-5"),
    ],
    "key_rotation": [
        ({"key_rotation_max_age_days": "ninety"}, "key_rotation_max_age_days", "ninety"),
        (
            {"key_rotation_deactivate_after_days": 30, "key_rotation_delete_after_days": 20},
            "key_rotation_delete_after_days",
            "20",
        ),
        ({"key_rotation_store": "vault"}, "key_rotation_store", "vault"),
        ({"key_rotation_users": ["bob smith"]}, "key_rotation_users", "bob smith"),
        ({"key_rotation_kms_key_id": "my key"}, "key_rotation_kms_key_id", "my key"),
        ({"key_rotation_secret_name": "keys with spaces"}, "key_rotation_secret_name", "keys with spaces"),
        ({"key_rotation_tags": "team"}, "key_rotation_tags", "str"),
        ({"key_rotation_path_prefix": "service"}, "key_rotation_path_prefix", "service"),
    ],
    "audit": [
        ({"audit_fail_on": ["severe"]}, "audit_fail_on", "severe"),
        ({"audit_regions": ["mars-1"]}, "audit_regions", "mars-1"),
        ({"audit_unused_days": "many"}, "audit_unused_days", "many"),
        ({"audit_break_glass_users": ["bad user!"]}, "audit_break_glass_users", "bad user!"),
        ({"audit_key_max_age_days": 0}, "audit_key_max_age_days", "0"),
        ({"audit_password_min_length": 200}, "audit_password_min_length", "200"),
        ({"audit_break_glass_roles": ["break glass"]}, "audit_break_glass_roles", "break glass"),
    ],
    "bootstrap": [
        (
            {"bootstrap_trusted_principal_arns": ["arn:aws:iam::123:root"]},
            "bootstrap_trusted_principal_arns",
            "arn:aws:iam::123:root",
        ),
        ({"bootstrap_role_name": "automation role"}, "bootstrap_role_name", "automation role"),
        ({"bootstrap_policy_name": "automation policy"}, "bootstrap_policy_name", "automation policy"),
        ({"bootstrap_max_session_duration": 60}, "bootstrap_max_session_duration", "60"),
        ({"bootstrap_state": "gone"}, "bootstrap_state", "gone"),
        ({"bootstrap_trusted_principal_arns": []}, "bootstrap_trusted_principal_arns", "[]"),
    ],
}

# Reads: what a role may do before it knows the input is wrong (posture, credential report).
READ = re.compile(r"^[a-z-]+:(Get|List|Describe|Generate)[A-Za-z]*$|^sts:")

MODULE_DEFAULTS = {
    "group/hardening.aws.all": {
        "assume_role_arn": "{{ account_session_role_arn }}",
        "assumed_role_session": "{{ account_session_credentials | default(omit) }}",
        "region": "{{ aws_region | default('us-east-1') }}",
        "endpoint_url": "{{ aws_endpoint_url | default(omit) }}",
    }
}


def test_every_role_has_cases():
    roles = sorted(os.listdir(os.path.join(REPO, "roles")))
    assert sorted(CASES) == roles
    assert all(len(cases) >= 3 for cases in CASES.values())


def _base_vars(role, lab, tmp_path):
    return {
        "offboard": {"offboard_archive_dir": str(tmp_path / "archive")},
        "audit": {"audit_report_dir": str(tmp_path / "reports")},
        "bootstrap": {"bootstrap_trusted_principal_arns": ["arn:aws:iam::%s:root" % lab.management_account_id]},
    }.get(role, {})


def _playbook(role, cases, base, path):
    tasks = []
    if role != "account_session":
        tasks.append({"name": "Session", "ansible.builtin.import_role": {"name": "hardening.aws.account_session"}})
    for index, (variables, _name, _value) in enumerate(cases):
        tasks.append(
            {
                "name": "Case %d" % index,
                "block": [
                    {
                        "name": "Case %d | the role" % index,
                        "ansible.builtin.include_role": {"name": "hardening.aws." + role},
                        "vars": dict(base, **variables),
                    },
                    {"name": "Case %d | accepted" % index, "ansible.builtin.fail": {"msg": "ACCEPTED"}},
                ],
                "rescue": [
                    {
                        "name": "Case %d | rejected" % index,
                        "ansible.builtin.debug": {
                            "msg": "{{ ansible_failed_task.name | default('') }}: "
                            "{{ ansible_failed_result.msg | default('') }}"
                        },
                    }
                ],
            }
        )
    play = {"name": "Bad input", "hosts": "aws_accounts", "gather_facts": False, "tasks": tasks}
    play["module_defaults"] = MODULE_DEFAULTS
    path.write_text(yaml.safe_dump([play], sort_keys=False), encoding="utf-8")
    return path


def _state(lab, account_id):
    """The fingerprint of test_harden, and the secrets and parameters the roles may write."""
    state = fingerprint(lab, account_id)
    session = lab.session(account_id)
    state["secrets"] = sorted(s["Name"] for s in session.client("secretsmanager").list_secrets()["SecretList"])
    state["parameters"] = sorted(p["Name"] for p in session.client("ssm").describe_parameters()["Parameters"])
    return state


def _writes(lab, account_id):
    return {call: n for call, n in lab.calls(account_id).items() if not READ.match(call)}


@pytest.mark.parametrize("role", sorted(CASES))
def test_bad_role_variables_fail_before_any_change(role, ansible, fresh_lab, tmp_path):
    lab = fresh_lab
    account_id = lab.account_ids[0]
    host = "lab-%s" % account_id
    inventory = lab.write_inventory(tmp_path / "inventory.yml", accounts=[account_id])
    cases = CASES[role]
    playbook = _playbook(role, cases, _base_vars(role, lab, tmp_path), tmp_path / "bad-input.yml")
    before = _state(lab, account_id)
    writes = _writes(lab, account_id)

    run = ansible.run(str(playbook), inventory)

    problems = []
    for index, (variables, name, value) in enumerate(cases):
        try:
            message = run.result("Case %d | rejected" % index, host)["msg"]
        except KeyError:
            problems.append("case %d %r: not rejected" % (index, variables))
            continue
        if "ACCEPTED" in message or name not in message or value not in message:
            problems.append("case %d %r: %s" % (index, variables, message))
    assert not problems, "\n".join(problems) + "\n" + run.output[-3000:]
    assert _state(lab, account_id) == before
    assert _writes(lab, account_id) == writes


def test_an_unknown_managed_policy_name_fails_the_baseline_naming_it(ansible, fresh_lab, tmp_path):
    """Only a lookup tells an unknown policy name: the group's task fails naming it, after reads only."""
    lab = fresh_lab
    account_id = lab.account_ids[0]
    inventory = lab.write_inventory(tmp_path / "inventory.yml", accounts=[account_id])
    before = _state(lab, account_id)
    writes = _writes(lab, account_id)
    groups = [{"name": "ops", "managed_policies": ["NoSuchPolicy"]}]
    run = ansible.run(
        "playbooks/harden.yml", inventory, extra_vars={"baseline_groups": groups}, args=["--tags", "groups"]
    )
    assert run.rc != 0
    assert "managed_policies: managed policy 'NoSuchPolicy' exists neither" in run.output
    assert _state(lab, account_id) == before
    assert _writes(lab, account_id) == writes
