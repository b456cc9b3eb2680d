"""iam_virtual_mfa_device against the lab, every member account.

Four runs to create (check, apply, check, apply), then four to remove. AWS is read
independently between the runs. moto accepts any codes in EnableMFADevice, so the test
checks the codes the module sent against an independent TOTP (cryptography's) computed
from the seed it finds in Secrets Manager, the way an authenticator app would.
"""

from __future__ import annotations

import datetime
import json

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from ansible_collections.hardening.aws.plugins.module_utils._totp import decode_base32

PLAYBOOK = "tests/integration/playbooks/iam_virtual_mfa_device.yml"
USER = "carol"
SECRET = "hardening/mfa-seeds/carol"


def _host(account_id):
    return "lab-%s" % account_id


def _devices(lab, account_id, user=USER):
    iam = lab.client(account_id, "iam")
    return [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=user)["MFADevices"]]


def _secret(lab, account_id):
    client = lab.client(account_id, "secretsmanager")
    try:
        return json.loads(client.get_secret_value(SecretId=SECRET)["SecretString"])
    except client.exceptions.ResourceNotFoundException:
        return None


def _serial(account_id):
    return "arn:aws:iam::%s:mfa/%s" % (account_id, USER)


def _assert_changed(run, lab, expected, task="MFA device"):
    assert run.rc == 0, run.output
    for account_id in lab.account_ids:
        assert run.result(task, _host(account_id))["changed"] is expected, (task, account_id)


def _assert_codes_match_the_delivered_seed(lab, account_id, seed):
    """The codes moto was sent are what an authenticator shows for the delivered seed."""
    serial = _serial(account_id)
    backend = lab.iam_backend(account_id)
    assert backend.virtual_mfa_devices[serial].base32_string_seed == seed  # the seed AWS holds
    sent = backend.users[USER].mfa_devices[serial]
    enabled = sent.enable_date.replace(tzinfo=datetime.timezone.utc).timestamp()
    app = TOTP(decode_base32(seed), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238 is SHA1
    expected = [(app.generate(t - 30).decode(), app.generate(t).decode()) for t in (enabled, enabled - 30)]
    assert (sent.authentication_code_1, sent.authentication_code_2) in expected, account_id


def _comparable(result, account_id):
    """A result without what differs by nature between accounts and runs."""
    text = json.dumps({k: v for k, v in result.items() if not k.startswith("_") and k != "invocation"})
    data = json.loads(text.replace(account_id, "ACCOUNT"))
    for device in data["mfa_devices"]:
        device.pop("enable_date")
    data["delivery"].pop("arn")  # ends in a random suffix
    data["delivery"].pop("version_id")
    return data


def _no_seed_in(run, seeds):
    text = run.output + json.dumps(run.data)
    for seed in seeds:
        assert seed not in text


def test_four_runs_create_then_four_runs_remove(ansible, fresh_lab, inventory):
    lab = fresh_lab
    for account_id in lab.account_ids:
        assert _devices(lab, account_id) == [] and _secret(lab, account_id) is None
        assert len(_devices(lab, account_id, "leaver-dave")) == 1

    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    _assert_changed(check, lab, True)
    _assert_changed(check, lab, False, "MFA device, user that has one")
    for account_id in lab.account_ids:
        assert _devices(lab, account_id) == [] and _secret(lab, account_id) is None
        result = check.result("MFA device", _host(account_id))
        assert result["diff"] == {
            "before": {"user_name": USER, "mfa_devices": []},
            "after": {"user_name": USER, "mfa_devices": ["mfa/carol"]},
        }
        assert result["plan"][-1] == "deliver the seed to Secrets Manager secret %s" % SECRET

    # Apply: the last account through the AnsiballZ module path, the others in process; the
    # two paths must give the same result, field by field, but for what is the account's own.
    *in_process, last = lab.account_ids
    apply = ansible.run(PLAYBOOK, inventory, diff=True, args=("--limit", ",".join(_host(a) for a in in_process)))
    module = ansible.run(
        PLAYBOOK, inventory, diff=True, env={"HARDENING_AWS_EXECUTION": "module"}, args=("--limit", _host(last))
    )
    results = {a: apply.result("MFA device", _host(a)) for a in in_process}
    results[last] = module.result("MFA device", _host(last))
    assert apply.rc == 0 and module.rc == 0, apply.output + module.output
    seeds = []
    for account_id in lab.account_ids:
        result = results[account_id]
        assert result["changed"] is True, account_id
        assert _devices(lab, account_id) == [_serial(account_id)]
        secret = _secret(lab, account_id)
        assert secret["serial_number"] == _serial(account_id) and secret["user_name"] == USER
        seeds.append(secret["seed"])
        _assert_codes_match_the_delivered_seed(lab, account_id, secret["seed"])
        assert result["delivery"]["name"] == SECRET and "seed" not in result
        assert [d["serial_number"] for d in result["mfa_devices"]] == [_serial(account_id)]
        assert _comparable(result, account_id) == _comparable(results[lab.account_ids[0]], lab.account_ids[0])
    for run in (apply, module):
        for host, dave in run.results("MFA device, user that has one").items():
            assert dave["changed"] is False, host
    assert len(set(seeds)) == len(seeds)  # one device, one seed per account
    _no_seed_in(check, seeds)
    _no_seed_in(apply, seeds)
    _no_seed_in(module, seeds)

    third = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    _assert_changed(third, lab, False)
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, inventory)
    _assert_changed(fourth, lab, False)
    assert fourth.changed_hosts() == []
    calls = lab.calls()
    for account_id in lab.account_ids:
        # Two tasks (carol, leaver-dave), one ListMFADevices each; nothing else.
        assert calls[account_id] == {"iam:ListMFADevices": 2}, calls[account_id]
        assert _secret(lab, account_id)["seed"] in seeds  # not sent again
    assert calls[lab.management_account_id] == {"sts:AssumeRole": 2 * len(lab.account_ids)}
    _no_seed_in(third, seeds)
    _no_seed_in(fourth, seeds)

    absent = {"mfa_state": "absent"}
    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True, extra_vars=absent)
    _assert_changed(check, lab, True)
    assert all(_devices(lab, a) == [_serial(a)] for a in lab.account_ids)

    apply = ansible.run(PLAYBOOK, inventory, extra_vars=absent)
    _assert_changed(apply, lab, True)
    for account_id in lab.account_ids:
        assert _devices(lab, account_id) == []
        assert _serial(account_id) not in lab.iam_backend(account_id).virtual_mfa_devices  # deleted, not left behind
        assert len(_devices(lab, account_id, "leaver-dave")) == 1

    assert ansible.run(PLAYBOOK, inventory, check=True, extra_vars=absent).changed_hosts() == []
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, inventory, extra_vars=absent)
    assert fourth.rc == 0 and fourth.changed_hosts() == []
    calls = lab.calls()
    for account_id in lab.account_ids:
        assert calls[account_id] == {"iam:ListMFADevices": 1}, calls[account_id]
