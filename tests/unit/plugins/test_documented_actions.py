"""Each module's "Required IAM actions:" line is exactly what the module calls.

For every module in plugins/modules the DOCUMENTATION is parsed the way ansible-doc
parses it, the module's ``run`` is driven through its scenarios (create, update,
delete, no-op, check mode) against a fresh in-process moto, and every API call is
recorded by a botocore hook. A call the docs do not list, or a listed action no
scenario exercises, fails the test: the permissions a user grants stay the ones the
module needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.plugin_docs import read_docstring

from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsContext
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

MODULES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "modules")
REQUIRED = "Required IAM actions:"
ACTION = re.compile(r"C\(([a-z0-9-]+):([A-Za-z0-9]+)\)")
# IAM action prefixes that are not the name of their boto3 client.
CLIENT_NAMES = {"access-analyzer": "accessanalyzer"}

# Each module's scenarios live in scenarios/<module>.py as SCENARIOS, a sequence of
# (label, options, check_mode) run one after the other in one fresh account, so later
# steps see what earlier ones made. A module without a scenarios file fails the test.
SCENARIOS_DIR = os.path.join(os.path.dirname(__file__), "scenarios")


def _load_scenarios():
    scenarios = {}
    for filename in sorted(os.listdir(SCENARIOS_DIR)):
        if filename.endswith(".py") and not filename.startswith("_"):
            path = os.path.join(SCENARIOS_DIR, filename)
            spec = importlib.util.spec_from_file_location("scenarios_" + filename[:-3], path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            scenarios[filename[:-3]] = module.SCENARIOS
    return scenarios


SCENARIOS = _load_scenarios()


def module_names():
    return sorted(f[:-3] for f in os.listdir(MODULES_DIR) if f.endswith(".py") and not f.startswith("_"))


def documented_actions(name):
    doc = read_docstring(os.path.join(MODULES_DIR, name + ".py"))["doc"]
    assert doc, "%s has no DOCUMENTATION" % name
    lines = [line for line in doc.get("description", []) if REQUIRED in line]
    assert len(lines) == 1, "%s: the description needs exactly one %r line, found %d" % (name, REQUIRED, len(lines))
    actions = {"%s:%s" % match for match in ACTION.findall(lines[0].split(REQUIRED, 1)[1])}
    if not talks_to_aws(name):
        # A module without AWS (audit_report_file) says so, and its scenarios must make no call.
        assert not actions and lines[0].split(REQUIRED, 1)[1].strip().startswith("none"), (
            "%s calls no AWS API: its line must read %r" % (name, REQUIRED + " none (...)")
        )
        return actions
    assert actions, "%s: no C(service:Action) after %r" % (name, REQUIRED)
    return actions


def talks_to_aws(name):
    return importlib.import_module("ansible_collections.hardening.aws.plugins.modules.%s" % name).MODULE_SPEC.aws


def test_every_module_has_scenarios():
    assert sorted(SCENARIOS) == module_names()


@pytest.mark.parametrize("name", module_names())
def test_documented_actions_are_real_api_operations(name):
    session = boto3.session.Session(region_name="us-east-1")
    for action in sorted(documented_actions(name)):
        service, operation = action.split(":")
        assert operation in session.client(CLIENT_NAMES.get(service, service)).meta.service_model.operation_names, (
            "%s documents %s, which %s does not have" % (name, action, service)
        )


def run_scenarios(name, diff=False):
    """Run the module's scenarios in order in the current (fresh) account; return the results."""
    spec = importlib.import_module("ansible_collections.hardening.aws.plugins.modules.%s" % name).MODULE_SPEC
    validator = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs())
    results = []
    for label, options, check_mode in SCENARIOS.get(name, ()):
        validation = validator.validate(options)
        assert not validation.error_messages, (label, validation.error_messages)
        result = execute(
            spec,
            validation.validated_parameters,
            check_mode,
            diff,
            context_factory=AwsContext,
            no_log=spec.requires_no_log,  # as on a task with no_log: true
        )
        assert not result.get("failed"), "%s scenario %r failed: %s" % (name, label, result.get("msg"))
        results.append(result)
    return results


def reads_only(name):
    """True for modules documented with the read-only attributes (the *_info modules, sts_session)."""
    doc = read_docstring(os.path.join(MODULES_DIR, name + ".py"))["doc"]
    return "hardening.aws.common.info_attributes" in doc.get("extends_documentation_fragment", [])


@pytest.mark.parametrize("name", module_names())
def test_required_iam_actions_are_exactly_the_calls_made(name, aws, api_calls):
    documented = documented_actions(name)
    changed = [result["changed"] for result in run_scenarios(name)]
    made = set(api_calls.actions)

    undocumented = sorted(made - documented)
    unexercised = sorted(documented - made)
    assert not undocumented, "%s calls %s but its docs do not list them" % (name, ", ".join(undocumented))
    assert not unexercised, "%s documents %s but no scenario made that call" % (name, ", ".join(unexercised))
    if not reads_only(name):
        # The scenarios must really change things and really find nothing to do
        # (a read-only module's scenarios never change anything).
        assert True in changed and False in changed


@pytest.mark.parametrize("name", module_names())
def test_returned_keys_are_documented(name, aws):
    """The same scenarios keep RETURN honest: nothing undocumented, every 'always' key there."""
    returns = read_docstring(os.path.join(MODULES_DIR, name + ".py"))["returndocs"] or {}
    always = {key for key, doc in returns.items() if doc.get("returned") == "always"}
    for result in run_scenarios(name, diff=True):
        keys = set(result) - {"changed"}
        assert keys <= set(returns), "%s returns %s without documenting it" % (name, sorted(keys - set(returns)))
        assert always <= keys, "%s documents %s as always returned" % (name, sorted(always - keys))
