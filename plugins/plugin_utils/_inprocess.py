# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a hardening.aws module inside the controller process when that is possible.

Every task of this collection talks to AWS, so with ``ansible_connection: local``
there is nothing to ship to a host: packing the module with AnsiballZ, starting a
new interpreter and importing boto3 for every task and account costs about 0.3 s,
several times the AWS calls themselves (docs/design/execution-path.md). The
action plugin of each module runs the same ``ModuleSpec`` from module_utils in
process instead, with the same argument validation, check mode, diff, ``no_log``
masking and result. On any other connection, or when the environment variable
``HARDENING_AWS_EXECUTION=module`` is set, it runs the module the ordinary way.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.hardening.aws.plugins.module_utils._aws import warm_up
from ansible_collections.hardening.aws.plugins.module_utils._module import execute, invocation_args

display = Display()

# Jinja filters and tests the collection's roles use. A worker looks each one up (scanning the
# plugin paths, importing the file) when it compiles a template, and a worker lives for one task
# on one host: found once here, they are inherited instead (docs/design/fleet-speed.md).
WARM_FILTERS = (
    "ansible.builtin.default",
    "ansible.builtin.combine",
    "ansible.builtin.to_json",
    "ansible.builtin.bool",
    "hardening.aws.baseline_plan",
    "hardening.aws.offboard_plan",
    "hardening.aws.key_rotation_plan",
    "hardening.aws.audit_account_report",
    "hardening.aws.audit_check_settings",
)
WARM_TESTS = ("ansible.builtin.match", "ansible.builtin.defined")


def warm_up_plugins():
    """Look up the filters and tests of WARM_FILTERS / WARM_TESTS in this process."""
    # pylint: disable-next=import-outside-toplevel
    from ansible.plugins.loader import filter_loader, test_loader

    for loader, names in ((filter_loader, WARM_FILTERS), (test_loader, WARM_TESTS)):
        for name in names:
            try:
                loader.get(name)
            except Exception as exc:  # pylint: disable=broad-exception-caught  # only an optimisation
                display.vvvv("hardening.aws: could not preload %s: %s" % (name, exc))


# The controller's main process imports this file (the strategy loads the action class)
# before it forks a worker per task and host: importing boto3 and parsing the service
# models here means each worker inherits them instead of paying ~0.3 s per task.
warm_up()
warm_up_plugins()

EXECUTION_ENV = "HARDENING_AWS_EXECUTION"
_MODES = ("auto", "inprocess", "module")


def execution_mode():
    """How modules run: ``auto`` (in process on a local connection), ``inprocess`` or ``module``."""
    mode = os.environ.get(EXECUTION_ENV, "auto").strip().lower() or "auto"
    if mode not in _MODES:
        raise ValueError("%s=%r is not one of %s" % (EXECUTION_ENV, mode, ", ".join(_MODES)))
    return mode


class InProcessModuleAction(ActionBase):
    """Base class of the collection's action plugins; subclasses set ``MODULE_SPEC``."""

    MODULE_SPEC = None
    _supports_check_mode = True
    _supports_async = False

    def _in_process(self):
        mode = execution_mode()
        if mode == "module":
            return False
        if mode == "inprocess":
            return True
        return getattr(self._connection, "transport", None) == "local"

    def run(self, tmp=None, task_vars=None):
        try:
            in_process = self._in_process()
        except ValueError as exc:
            return {"failed": True, "msg": str(exc)}
        result = super().run(tmp, task_vars)
        if result.get("skipped") or result.get("failed"):
            return result
        if not in_process:
            result.update(self._execute_module(module_args=self._task.args, task_vars=task_vars))
            return result

        spec = self.MODULE_SPEC
        validator = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs())
        validation = validator.validate(self._task.args)
        for warning in validation._warnings:
            display.warning("Both option %s and its alias %s are set." % (warning["option"], warning["alias"]))
        params = validation.validated_parameters
        no_log_values = validation._no_log_values
        if validation.error_messages:
            error = validation.errors[0]
            msg = validation.errors.msg
            if type(error).__name__ == "UnsupportedError":
                msg = "Unsupported parameters for (%s) module: %s" % (self._task.action, msg)
            result.update(failed=True, msg=msg)
        else:
            check_mode = bool(self._task.check_mode)
            diff = bool(self._task.diff)
            no_log = bool(getattr(self._task, "no_log", False) or getattr(self._play_context, "no_log", False))
            result.update(execute(spec, params, check_mode, diff, no_log=no_log))
        result["invocation"] = {"module_args": invocation_args(spec, params)}
        return remove_values(result, no_log_values)
