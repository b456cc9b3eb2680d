# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a hardening.aws module is, independent of how it is executed.

A :class:`ModuleSpec` holds a module's argument spec, its extra input checks and
its ``run`` function. :func:`execute` runs it the same way whether the caller is
the AnsiballZ module (:func:`run_module`) or the in-process action plugin of the
same name (``plugin_utils/_inprocess.py``): same validation, check mode, diff and
result shape.
"""

from __future__ import annotations

import copy

from ansible_collections.hardening.aws.plugins.module_utils._aws import (
    AWS_COMMON_ARGUMENT_SPEC,
    AWS_COMMON_MUTUALLY_EXCLUSIVE,
    AWS_COMMON_REQUIRED_BY,
    AWS_COMMON_REQUIRED_TOGETHER,
    AwsContext,
    HardeningError,
)
from ansible_collections.hardening.aws.plugins.module_utils._iam_names import check_role_arn


class ModuleSpec:
    """One module's contract.

    ``run(aws, params, check_mode, diff)`` reads current state, plans, applies and
    returns the result dict (``changed``, the resource, ``diff``). ``validate(params)``
    raises :class:`HardeningError` for input the argument spec cannot express; it
    runs before any AWS client exists.
    """

    def __init__(
        self,
        name,
        argument_spec,
        run,
        validate=None,
        mutually_exclusive=(),
        required_if=(),
        required_together=(),
        required_one_of=(),
        required_by=None,
        requires_no_log=False,
        aws=True,
        summarised=(),
    ):
        self.name = name
        self.run = run
        self.validate = validate
        # True for modules whose result holds secrets: they refuse to run without no_log.
        # A function of the task's parameters when only some uses return a secret.
        self.requires_no_log = requires_no_log
        # False for a module that never talks to AWS (audit_report_file): no connection options,
        # and ``run`` gets None instead of an AwsContext.
        self.aws = aws
        # Options too large to echo back in the result's ``invocation`` (a whole audit report):
        # they are shown there as a one-line summary instead.
        self.summarised = tuple(summarised)
        common = ({}, (), (), {})
        if aws:
            common = (
                AWS_COMMON_ARGUMENT_SPEC,
                AWS_COMMON_MUTUALLY_EXCLUSIVE,
                AWS_COMMON_REQUIRED_TOGETHER,
                AWS_COMMON_REQUIRED_BY,
            )
        spec = copy.deepcopy(common[0])
        spec.update(argument_spec)
        self.argument_spec = spec
        self.mutually_exclusive = list(common[1]) + list(mutually_exclusive)
        self.required_if = list(required_if)
        self.required_together = list(common[2]) + list(required_together)
        self.required_one_of = list(required_one_of)
        self.required_by = dict(common[3], **(required_by or {}))

    def module_kwargs(self):
        """Keyword arguments for AnsibleModule."""
        return dict(argument_spec=self.argument_spec, supports_check_mode=True, **self.validator_kwargs())

    def validator_kwargs(self):
        """Keyword arguments shared by AnsibleModule and ArgumentSpecValidator."""
        return dict(
            mutually_exclusive=self.mutually_exclusive,
            required_together=self.required_together,
            required_one_of=self.required_one_of,
            required_if=self.required_if,
            required_by=self.required_by,
        )


def no_log_refusal(spec):
    """The failure of a module whose result holds secrets, run without ``no_log``."""
    return dict(
        failed=True,
        changed=False,
        msg="%s returns credentials: set no_log: true on the task, so they never reach output or logs" % spec.name,
    )


def validate_common(params):
    """The connection options every module shares: a malformed role ARN would otherwise
    reach STS (or, worse, the caller's own account be used when no role is assumed)."""
    if params.get("assume_role_arn"):
        check_role_arn(params["assume_role_arn"], "assume_role_arn")


def execute(spec, params, check_mode, diff, context_factory=AwsContext, no_log=False):
    """Run a module's logic and return its result dict (``failed`` set on error)."""
    required = spec.requires_no_log(params) if callable(spec.requires_no_log) else spec.requires_no_log
    if required and not no_log:
        return no_log_refusal(spec)
    try:
        if spec.aws:
            validate_common(params)
        if spec.validate is not None:
            spec.validate(params)
        aws = context_factory(params) if spec.aws else None
        result = spec.run(aws, params, check_mode=check_mode, diff=diff)
    except HardeningError as exc:
        failed = dict(exc.details)
        failed.update(failed=True, changed=False, msg=exc.msg)
        return failed
    result.setdefault("changed", False)
    if not diff:
        result.pop("diff", None)
    return result


def invocation_args(spec, params):
    """The ``module_args`` a result echoes: ``params``, with the options of ``spec.summarised``
    replaced by a summary of their size."""
    if not spec.summarised:
        return params
    shown = dict(params)
    for name in spec.summarised:
        value = shown.get(name)
        if isinstance(value, (dict, list)):
            shown[name] = "(%s of %d items, not echoed)" % (type(value).__name__, len(value))
    return shown


def run_module(module, spec):
    """Finish the AnsiballZ module path: ``module`` is the AnsibleModule built from
    ``spec.module_kwargs()`` in the module's ``main()``."""
    result = execute(spec, module.params, module.check_mode, module._diff, no_log=getattr(module, "no_log", False))
    if spec.summarised:
        result["invocation"] = {"module_args": invocation_args(spec, module.params)}
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
