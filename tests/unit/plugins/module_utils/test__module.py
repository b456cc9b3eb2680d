"""ModuleSpec, execute and run_module (plugins/module_utils/_module.py)."""

from __future__ import annotations

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _aws
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec, execute, run_module


def context_factory_must_not_be_called(params):
    raise AssertionError("no AWS context may be built for input that fails validation")


class Recorder:
    """A ``run`` that records how it was called and returns a canned result."""

    def __init__(self, result=None, error=None):
        self.calls = []
        self.result = result if result is not None else {"changed": True, "thing": 1, "diff": {"before": 1, "after": 2}}
        self.error = error

    def __call__(self, aws, params, check_mode, diff):
        self.calls.append((aws, params, check_mode, diff))
        if self.error:
            raise self.error
        return dict(self.result)


def spec_with(run, validate=None, **kwargs):
    return ModuleSpec("thing", dict(name=dict(type="str")), run, validate=validate, **kwargs)


def test_hardening_error_becomes_a_failed_result_with_details():
    run = Recorder(error=HardeningError("name 'x' is bad: because", option="name", hint="rename it"))
    result = execute(spec_with(run), {"name": "x"}, False, False, context_factory=lambda params: "aws")
    assert result == {
        "failed": True,
        "changed": False,
        "msg": "name 'x' is bad: because",
        "option": "name",
        "hint": "rename it",
    }


def test_aws_error_keeps_its_error_details():
    error = AwsError(
        "IAM GetUser failed for user x: AccessDenied: no",
        code="AccessDenied",
        operation="GetUser",
        resource="user x",
        status=403,
    )
    result = execute(spec_with(Recorder(error=error)), {}, False, False, context_factory=lambda params: "aws")
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "IAM GetUser failed for user x: AccessDenied: no"
    assert result["error"] == {"code": "AccessDenied", "operation": "GetUser", "resource": "user x", "http_status": 403}


def test_validation_runs_before_the_context_is_built():
    def validate(params):
        raise HardeningError("name %r is not valid" % params["name"], option="name")

    run = Recorder()
    result = execute(
        spec_with(run, validate), {"name": "bad"}, False, False, context_factory=context_factory_must_not_be_called
    )
    assert result == {"failed": True, "changed": False, "msg": "name 'bad' is not valid", "option": "name"}
    assert run.calls == []


def test_context_errors_become_failed_results():
    def factory(params):
        raise HardeningError("profile 'x' is not configured: nope")

    result = execute(spec_with(Recorder()), {}, False, False, context_factory=factory)
    assert result == {"failed": True, "changed": False, "msg": "profile 'x' is not configured: nope"}


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_run_gets_the_context_params_and_flags(check_mode, diff):
    run = Recorder()
    built = []

    def factory(params):
        built.append(params)
        return "the-context"

    params = {"name": "x"}
    result = execute(spec_with(run, validate=lambda p: None), params, check_mode, diff, context_factory=factory)
    assert built == [params]
    assert run.calls == [("the-context", params, check_mode, diff)]
    assert result["changed"] is True and result["thing"] == 1
    assert ("diff" in result) is diff


def test_changed_defaults_to_false():
    result = execute(spec_with(Recorder(result={"thing": 1})), {}, False, False, context_factory=lambda p: None)
    assert result == {"changed": False, "thing": 1}


def test_other_exceptions_are_not_swallowed():
    with pytest.raises(KeyError):
        execute(spec_with(Recorder(error=KeyError("bug"))), {}, False, False, context_factory=lambda p: None)


def test_default_context_is_a_real_aws_context(aws):
    seen = []

    def run(aws_context, params, check_mode, diff):
        seen.append(aws_context)
        return {"account": aws_context.client("sts").call("get_caller_identity")["Account"]}

    result = execute(spec_with(run), {"region": "eu-west-1"}, False, False)
    assert result == {"changed": False, "account": "123456789012"}
    assert isinstance(seen[0], _aws.AwsContext) and seen[0].region == "eu-west-1"


def test_spec_merges_the_common_options_without_sharing_them():
    spec = spec_with(
        Recorder(),
        mutually_exclusive=[("a", "b")],
        required_if=[("state", "present", ("name",))],
        required_together=[("c", "d")],
        required_one_of=[("e", "f")],
        required_by={"g": ("h",)},
    )
    assert set(_aws.AWS_COMMON_ARGUMENT_SPEC) < set(spec.argument_spec)
    assert spec.argument_spec["name"] == {"type": "str"}
    assert spec.argument_spec["secret_key"]["no_log"] is True
    spec.argument_spec["region"]["default"] = "changed"
    assert "default" not in _aws.AWS_COMMON_ARGUMENT_SPEC["region"]
    kwargs = spec.module_kwargs()
    assert kwargs["supports_check_mode"] is True
    assert kwargs["argument_spec"] is spec.argument_spec
    assert kwargs["mutually_exclusive"] == list(_aws.AWS_COMMON_MUTUALLY_EXCLUSIVE) + [("a", "b")]
    assert kwargs["required_together"] == list(_aws.AWS_COMMON_REQUIRED_TOGETHER) + [("c", "d")]
    assert kwargs["required_if"] == [("state", "present", ("name",))]
    assert kwargs["required_one_of"] == [("e", "f")]
    assert kwargs["required_by"] == dict(_aws.AWS_COMMON_REQUIRED_BY, g=("h",))
    assert "g" not in _aws.AWS_COMMON_REQUIRED_BY
    assert spec.validator_kwargs() == {
        k: v for k, v in kwargs.items() if k not in ("argument_spec", "supports_check_mode")
    }


class Exited(Exception):
    pass


class FakeModule:
    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.exit = None

    def exit_json(self, **kwargs):
        self.exit = ("exit_json", kwargs)
        raise Exited()

    def fail_json(self, **kwargs):
        self.exit = ("fail_json", kwargs)
        raise Exited()


def test_run_module_exits_with_the_result(monkeypatch):
    run = Recorder()
    monkeypatch.setattr(_aws.AwsContext, "__init__", lambda self, params, sleep=None: None)
    module = FakeModule({"name": "x"}, check_mode=True, diff=True)
    with pytest.raises(Exited):
        run_module(module, spec_with(run))
    assert module.exit == ("exit_json", {"changed": True, "thing": 1, "diff": {"before": 1, "after": 2}})
    assert [(c[2], c[3]) for c in run.calls] == [(True, True)]


def test_run_module_fails_without_a_failed_key():
    module = FakeModule({"name": "x"})

    def validate(params):
        raise HardeningError("nope", option="name")

    with pytest.raises(Exited):
        run_module(module, spec_with(Recorder(), validate))
    assert module.exit == ("fail_json", {"changed": False, "msg": "nope", "option": "name"})
