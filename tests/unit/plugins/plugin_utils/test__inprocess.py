"""The in-process action plugin base (plugins/plugin_utils/_inprocess.py).

The action plugin and the AnsiballZ module must be indistinguishable to a playbook:
same validation messages, same no_log masking, same check mode and diff. Where it
matters the tests run the real module path (AnsibleModule) next to the action plugin
and compare what a user would see.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hardening.aws.plugins.plugin_utils import _inprocess
from ansible_collections.hardening.aws.plugins.plugin_utils._inprocess import InProcessModuleAction, execution_mode

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
EXTERNAL_ID = "fleet-external-id-4711"
MODULES = ("iam_password_policy", "iam_account_alias", "iam_account_info")


def action_class(name):
    return importlib.import_module("ansible_collections.hardening.aws.plugins.action.%s" % name).ActionModule


def module_of(name):
    return importlib.import_module("ansible_collections.hardening.aws.plugins.modules.%s" % name)


def make_action(name, args, transport="local", check_mode=False, diff=False, no_log=None):
    """The action plugin as the task executor builds it, with the least it needs."""
    task = SimpleNamespace(
        args=dict(args),
        action="hardening.aws.%s" % name,
        async_val=0,
        check_mode=check_mode,
        diff=diff,
    )
    if no_log is not None:
        task.no_log = no_log
    connection = SimpleNamespace(transport=transport, _shell=SimpleNamespace(tmpdir=None), has_native_async=False)
    return action_class(name)(
        task, connection, play_context=SimpleNamespace(), loader=None, templar=None, shared_loader_obj=None
    )


class ExecuteRecorder:
    """Stands in for _module.execute in the plugin and records its arguments."""

    def __init__(self, result=None):
        self.calls = []
        self.result = result if result is not None else {"changed": True, "thing": "done"}

    def __call__(self, spec, params, check_mode, diff, no_log=False):
        self.calls.append(SimpleNamespace(spec=spec, params=params, check_mode=check_mode, diff=diff, no_log=no_log))
        return dict(self.result)


@pytest.fixture
def recorded_execute(monkeypatch):
    recorder = ExecuteRecorder()
    monkeypatch.setattr(_inprocess, "execute", recorder)
    return recorder


@pytest.fixture
def module_path(monkeypatch):
    """Replace ActionBase._execute_module (the AnsiballZ path) with a recorder."""
    calls = []

    def fake_execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        calls.append(
            SimpleNamespace(module_name=module_name, module_args=module_args, task_vars=task_vars, kwargs=kwargs)
        )
        return {"changed": False, "from": "module path"}

    monkeypatch.setattr(InProcessModuleAction, "_execute_module", fake_execute_module)
    return calls


# --- which path ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, mode",
    [
        (None, "auto"),
        ("", "auto"),
        ("  ", "auto"),
        ("auto", "auto"),
        ("inprocess", "inprocess"),
        ("module", "module"),
        (" Module\n", "module"),
        ("INPROCESS", "inprocess"),
    ],
)
def test_execution_mode(monkeypatch, value, mode):
    if value is not None:
        monkeypatch.setenv("HARDENING_AWS_EXECUTION", value)
    assert execution_mode() == mode


def test_local_connection_runs_in_process(recorded_execute, module_path):
    result = make_action("iam_password_policy", {"min_password_length": 14}).run(task_vars={})
    assert len(recorded_execute.calls) == 1 and module_path == []
    assert result["changed"] is True and result["thing"] == "done"
    assert recorded_execute.calls[0].spec is action_class("iam_password_policy").MODULE_SPEC


@pytest.mark.parametrize("no_log", [None, False, True])
def test_the_task_no_log_reaches_execute(recorded_execute, module_path, no_log):
    make_action("iam_password_policy", {}, no_log=no_log).run(task_vars={})
    assert recorded_execute.calls[0].no_log is bool(no_log)


def test_sts_session_refuses_a_task_without_no_log(module_path):
    role = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    result = make_action("sts_session", {"assume_role_arn": role}, no_log=False).run(task_vars={})
    assert result["failed"] is True and "set no_log: true on the task" in result["msg"]


@pytest.mark.parametrize("transport", ["ssh", "paramiko_ssh", "winrm", "community.docker.docker", None])
def test_other_connections_run_the_module(recorded_execute, module_path, transport):
    args = {"min_password_length": 14}
    task_vars = {"inventory_hostname": "acct-1"}
    result = make_action("iam_password_policy", args, transport=transport).run(task_vars=task_vars)
    assert recorded_execute.calls == []
    assert len(module_path) == 1
    assert module_path[0].module_args == args and module_path[0].task_vars is task_vars
    assert result == {"changed": False, "from": "module path"}


@pytest.mark.parametrize(
    "env, transport, in_process",
    [
        ("module", "local", False),
        (" MODULE ", "local", False),
        ("inprocess", "ssh", True),
        ("inprocess", "local", True),
        ("auto", "local", True),
        ("auto", "ssh", False),
        ("", "local", True),
    ],
)
def test_environment_chooses_the_path(monkeypatch, recorded_execute, module_path, env, transport, in_process):
    monkeypatch.setenv("HARDENING_AWS_EXECUTION", env)
    make_action("iam_account_info", {}, transport=transport).run(task_vars={})
    assert (len(recorded_execute.calls), len(module_path)) == ((1, 0) if in_process else (0, 1))


@pytest.mark.parametrize("value", ["fast", "in-process", "local", "0"])
def test_invalid_environment_value_fails_clearly(monkeypatch, recorded_execute, module_path, value):
    monkeypatch.setenv("HARDENING_AWS_EXECUTION", value)
    result = make_action("iam_account_info", {}).run(task_vars={})
    assert result == {
        "failed": True,
        "msg": "HARDENING_AWS_EXECUTION=%r is not one of auto, inprocess, module" % value.strip().lower(),
    }
    assert recorded_execute.calls == [] and module_path == []


# --- check mode and diff -----------------------------------------------------------------


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_check_mode_and_diff_reach_execute(recorded_execute, check_mode, diff):
    make_action("iam_account_alias", {"alias": "acme-prod"}, check_mode=check_mode, diff=diff).run(task_vars={})
    call = recorded_execute.calls[0]
    assert (call.check_mode, call.diff) == (check_mode, diff)
    assert call.params["alias"] == "acme-prod" and call.params["state"] == "present"


def test_params_are_validated_with_defaults_and_aliases(recorded_execute):
    make_action("iam_password_policy", {"min_pw_length": "14", "pw_expire": "yes", "aws_region": "eu-west-1"}).run(
        task_vars={}
    )
    params = recorded_execute.calls[0].params
    assert params["min_password_length"] == 14
    assert params["hard_expiry"] is True
    assert params["region"] == "eu-west-1"
    assert params["state"] == "present" and params["role_session_name"] == "hardening-aws"


# --- the same validation as AnsibleModule --------------------------------------------------


class ModuleExited(Exception):
    pass


def run_ansible_module(name, args, check_mode=False, diff=False):
    """Run the real module's main() through AnsibleModule and return what it printed."""
    module_args = dict(
        args, _ansible_module_name="hardening.aws.%s" % name, _ansible_check_mode=check_mode, _ansible_diff=diff
    )
    out = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module_of(name).main()
    return json.loads(out.getvalue())


@pytest.fixture
def quiet_ansible_module(monkeypatch):
    # AnsibleModule logs every invocation to syslog/journal; keep the test machine's logs clean.
    monkeypatch.setattr(basic.AnsibleModule, "_log_invocation", lambda self: None)


INVALID = [
    pytest.param("iam_password_policy", {"min_password_length": 14, "bogus": 1}, id="unknown-option"),
    pytest.param("iam_password_policy", {"bogus": 1, "other": 2}, id="two-unknown-options"),
    pytest.param("iam_password_policy", {"state": "maybe"}, id="wrong-choice"),
    pytest.param("iam_password_policy", {"min_password_length": "long"}, id="wrong-type-int"),
    pytest.param("iam_password_policy", {"require_symbols": "perhaps"}, id="wrong-type-bool"),
    pytest.param("iam_account_alias", {"alias": "acme", "state": "gone"}, id="alias-wrong-choice"),
    pytest.param("iam_account_info", {"gather": ["identity", "users"]}, id="list-wrong-choice"),
    pytest.param(
        "iam_account_info",
        {"profile": "fleet", "access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": SECRET},
        id="mutually-exclusive",
    ),
    pytest.param("iam_account_info", {"access_key": "AKIAIOSFODNN7EXAMPLE"}, id="required-together"),
    pytest.param("iam_account_info", {"external_id": EXTERNAL_ID}, id="required-by"),
    pytest.param("iam_account_info", {"secret_key": SECRET, "nope": True}, id="unknown-with-secret"),
]


@pytest.mark.parametrize("name, args", INVALID)
def test_validation_errors_match_ansible_module(quiet_ansible_module, recorded_execute, name, args):
    expected = run_ansible_module(name, args)
    assert expected["failed"] is True

    result = make_action(name, args).run(task_vars={})

    assert recorded_execute.calls == []
    assert result["failed"] is True
    assert result["msg"] == expected["msg"]
    assert result["invocation"] == expected["invocation"]


def test_unknown_option_message(recorded_execute):
    result = make_action("iam_account_alias", {"alias": "acme", "colour": "red"}).run(task_vars={})
    assert result["msg"].startswith(
        "Unsupported parameters for (hardening.aws.iam_account_alias) module: colour. Supported parameters include: "
    )


def test_alias_and_option_both_set_warns(monkeypatch, recorded_execute):
    warnings = []
    monkeypatch.setattr(_inprocess.display, "warning", lambda msg, *a, **k: warnings.append(msg))
    make_action("iam_password_policy", {"min_password_length": 14, "min_pw_length": 14}).run(task_vars={})
    assert warnings == ["Both option min_password_length and its alias min_pw_length are set."]


# --- no_log ---------------------------------------------------------------------------------

SECRET_ARGS = {
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": SECRET,
    "session_token": TOKEN,
    "assume_role_arn": "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
    "external_id": EXTERNAL_ID,
}
SECRETS = (SECRET, TOKEN, EXTERNAL_ID)


def assert_no_secret(result):
    text = json.dumps(result)
    for secret in SECRETS:
        assert secret not in text


def test_no_log_values_are_masked_in_invocation(recorded_execute):
    result = make_action("iam_account_info", SECRET_ARGS).run(task_vars={})
    module_args = result["invocation"]["module_args"]
    assert module_args["secret_key"] == MASK
    assert module_args["session_token"] == MASK
    assert module_args["external_id"] == MASK
    assert module_args["access_key"] == "AKIAIOSFODNN7EXAMPLE"
    assert_no_secret(result)
    # execute itself got the real values: masking is for the result only.
    assert recorded_execute.calls[0].params["secret_key"] == SECRET


def test_no_log_values_given_through_aliases_are_masked(recorded_execute):
    args = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": SECRET, "security_token": TOKEN}
    result = make_action("iam_account_info", args).run(task_vars={})
    assert result["invocation"]["module_args"]["aws_secret_access_key"] == MASK
    assert_no_secret(result)


def test_no_log_values_are_masked_anywhere_in_the_result(monkeypatch):
    leaky = ExecuteRecorder(
        {
            "changed": False,
            "failed": True,
            "msg": "STS AssumeRole failed with external id %s" % EXTERNAL_ID,
            "error": {"detail": ["token was %s" % TOKEN, {"key": SECRET}]},
        }
    )
    monkeypatch.setattr(_inprocess, "execute", leaky)
    result = make_action("iam_account_info", SECRET_ARGS).run(task_vars={})
    assert_no_secret(result)
    assert result["msg"] == "STS AssumeRole failed with external id ********"
    assert result["error"]["detail"][1]["key"] == MASK


def test_no_log_values_are_masked_when_validation_fails(recorded_execute):
    result = make_action("iam_account_info", dict(SECRET_ARGS, colour="red")).run(task_vars={})
    assert result["failed"] is True
    assert result["invocation"]["module_args"]["secret_key"] == MASK
    assert_no_secret(result)


# --- the whole plugin: checks before it runs -----------------------------------------------


def test_async_is_refused(recorded_execute):
    action = make_action("iam_account_info", {})
    action._task.async_val = 30
    from ansible.errors import AnsibleActionFail

    with pytest.raises(AnsibleActionFail, match="does not support async"):
        action.run(task_vars={})
    assert recorded_execute.calls == []


def test_every_module_has_an_in_process_action_bound_to_its_spec():
    for name in MODULES:
        cls = action_class(name)
        assert issubclass(cls, InProcessModuleAction)
        assert cls.MODULE_SPEC.name == name
        assert cls.MODULE_SPEC is module_of(name).MODULE_SPEC


# --- loading the plugin ----------------------------------------------------------------------


def import_action_plugin(tmp_path, config_text, profile=None):
    """Import an action plugin in a fresh interpreter, the way the controller first loads it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "credentials")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    config = tmp_path / "config"
    config.write_text(config_text)
    env["AWS_CONFIG_FILE"] = str(config)
    if profile:
        env["AWS_PROFILE"] = profile
    code = "import ansible_collections.hardening.aws.plugins.action.iam_account_info"
    command = [sys.executable, "-c", code]
    return subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)


def test_loading_the_action_plugin_in_a_fresh_process(tmp_path):
    done = import_action_plugin(tmp_path, "[default]\nregion = eu-west-1\n")
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize(
    "config_text, profile",
    [("[default]\nregion = eu-west-1\n", "only-on-the-managed-host"), ("[default\nregion = eu-west-1\n", None)],
    ids=["missing-profile", "broken-config"],
)
def test_loading_the_action_plugin_does_not_depend_on_the_aws_environment(tmp_path, config_text, profile):
    done = import_action_plugin(tmp_path, config_text, profile)
    assert done.returncode == 0, done.stderr[-2000:]
