"""examples/awx/configure.yml stays consistent with the playbooks and the roles' argument specs:
every job template names a playbook that exists, and every extra or survey variable is a
variable a role declares, with values it accepts."""

from __future__ import annotations

import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "examples", "awx", "configure.yml")


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _task(name_start):
    for task in _load(EXAMPLE)[0]["tasks"]:
        if task["name"].startswith(name_start):
            return task
    raise AssertionError("no task %r in %s" % (name_start, EXAMPLE))


def _role_options():
    """Every variable any role declares, with its spec."""
    options = {}
    roles = os.path.join(REPO, "roles")
    for role in sorted(os.listdir(roles)):
        specs = os.path.join(roles, role, "meta", "argument_specs.yml")
        if os.path.exists(specs):
            for entry in _load(specs)["argument_specs"].values():
                options.update(entry.get("options") or {})
    return options


TEMPLATES = _task("Job templates")["loop"]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["name"] for t in TEMPLATES])
def test_job_templates_name_playbooks_that_exist(template):
    assert os.path.isfile(os.path.join(REPO, template["playbook"])), template["playbook"]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["name"] for t in TEMPLATES])
def test_extra_and_survey_variables_are_role_variables(template):
    options = _role_options()
    for name in template.get("extra_vars") or {}:
        assert name in options, "%s: extra variable %s is not declared by any role" % (template["name"], name)
    for question in (template.get("survey") or {}).get("spec", []):
        name = question["variable"]
        assert name in options, "%s: survey variable %s is not declared by any role" % (template["name"], name)
        choices = options[name].get("choices")
        if question.get("choices"):
            assert choices and set(question["choices"]) <= set(choices), name
        if "default" in question and choices:
            assert question["default"] in choices, name


def test_every_schedule_names_a_job_template():
    names = {t["name"] for t in TEMPLATES}
    for schedule in _task("Schedules")["loop"]:
        assert schedule["template"] in names
        assert schedule["rrule"].startswith("DTSTART:") and "RRULE:FREQ=" in schedule["rrule"]


def test_the_inventory_source_file_exists_and_uses_the_plugin():
    source = _task("Inventory source")["awx.awx.inventory_source"]["source_path"]
    assert _load(os.path.join(REPO, source))["plugin"] == "hardening.aws.accounts"
    assert source.endswith("accounts.yml")
