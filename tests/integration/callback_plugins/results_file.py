"""Test support: writes every task result of a run, per host, to a JSON file.

ansible-core no longer ships a JSON stdout callback, so the integration tests load
this one (ANSIBLE_CALLBACK_PLUGINS) and read HARDENING_TEST_RESULTS when the run ends.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: results_file
type: aggregate
short_description: Write task results per host to the JSON file named by HARDENING_TEST_RESULTS
description: Test support for hardening.aws integration tests.
requirements:
  - enable in configuration
"""


class CallbackModule(CallbackBase):
    """Collects results per play, task and host."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "results_file"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super().__init__()
        self._plays = []

    def v2_playbook_on_play_start(self, play):
        self._plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def _record(self, result, **extra):
        tasks = self._plays[-1]["tasks"]
        name = result._task.get_name()
        if not tasks or tasks[-1]["task"]["name"] != name:
            tasks.append({"task": {"name": name}, "hosts": {}})
        data = dict(result._result)
        data.update(extra)
        tasks[-1]["hosts"][result._host.get_name()] = data

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("HARDENING_TEST_RESULTS")
        if not path:
            return
        hosts = sorted(stats.processed.keys())
        summary = {h: stats.summarize(h) for h in hosts}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"plays": self._plays, "stats": summary}, handle, default=str)
