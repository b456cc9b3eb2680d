"""The action plugins (plugins/action/*.py) against the modules (plugins/modules/*.py).

A playbook must not be able to tell the in-process path from the AnsiballZ module:
the same task sequence, run once through each against its own fresh simulated
account, has to give the same results, check mode and diff included.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
from types import SimpleNamespace

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from moto import mock_aws

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
CREDENTIALS = {"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"}


def names(folder):
    return sorted(
        f[:-3] for f in os.listdir(os.path.join(PLUGINS, folder)) if f.endswith(".py") and not f.startswith("_")
    )


def test_every_module_has_an_action_plugin_and_back():
    assert names("modules") == names("action")


def run_module(name, args, check_mode, diff):
    module = importlib.import_module("ansible_collections.hardening.aws.plugins.modules.%s" % name)
    module_args = dict(
        args, _ansible_module_name="hardening.aws.%s" % name, _ansible_check_mode=check_mode, _ansible_diff=diff
    )
    out = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(out.getvalue())


def run_action(name, args, check_mode, diff):
    cls = importlib.import_module("ansible_collections.hardening.aws.plugins.action.%s" % name).ActionModule
    task = SimpleNamespace(
        args=dict(args), action="hardening.aws.%s" % name, async_val=0, check_mode=check_mode, diff=diff
    )
    connection = SimpleNamespace(transport="local", _shell=SimpleNamespace(tmpdir=None))
    action = cls(task, connection, play_context=SimpleNamespace(), loader=None, templar=None, shared_loader_obj=None)
    # What the task executor keeps of a result is JSON data; compare in that form.
    return json.loads(json.dumps(action.run(task_vars={})))


FOUR_RUNS = [(True, True), (False, True), (True, True), (False, False)]

SEQUENCES = {
    "iam_password_policy": [
        (dict(min_password_length=14, require_symbols=True, password_reuse_prevention=24), mode) for mode in FOUR_RUNS
    ]
    + [(dict(max_password_age=90), mode) for mode in FOUR_RUNS]
    + [(dict(state="absent"), mode) for mode in FOUR_RUNS]
    + [(dict(min_password_length=200), (False, False))],
    "iam_account_alias": [(dict(alias="acme-prod"), mode) for mode in FOUR_RUNS]
    + [(dict(alias="acme-prod-2"), mode) for mode in FOUR_RUNS]
    + [(dict(state="absent"), mode) for mode in FOUR_RUNS]
    + [(dict(alias="Not_Valid"), (False, False))],
    "iam_account_info": [
        (dict(), (False, False)),
        (dict(gather=["identity", "alias"]), (True, True)),
        (dict(gather=["nothing"]), (False, False)),
    ],
}


@pytest.fixture
def quiet_ansible_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "_log_invocation", lambda self: None)


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_module_and_action_give_the_same_results(clean_aws_env, quiet_ansible_module, name):
    def play(runner):
        with mock_aws():
            return [runner(name, dict(CREDENTIALS, **args), check, diff) for args, (check, diff) in SEQUENCES[name]]

    through_module = play(run_module)
    in_process = play(run_action)

    assert in_process == through_module
    # And the sequences really exercised something: changes, no-ops, a failure for bad input.
    changed = [r.get("changed") for r in in_process]
    if name != "iam_account_info":
        assert changed[:4] == [True, True, False, False]
        assert in_process[-1]["failed"] is True
    for result in in_process:
        assert result["invocation"]["module_args"]["secret_key"] == MASK
        assert CREDENTIALS["secret_key"] not in json.dumps(result)


def test_sequences_name_real_modules():
    # Modules whose results hold generated values (key ids, passwords, dates of creation)
    # are compared path against path in the integration tests instead, field by field.
    assert set(SEQUENCES) <= set(names("modules"))
