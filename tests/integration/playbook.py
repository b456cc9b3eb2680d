"""Run a playbook the way a user does and read its results per host and task.

Results come from ansible-core's ``json`` stdout callback, so a test asserts on
``changed``/``failed``/``msg`` of a named task on a named host, not on text.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class PlaybookRun:
    """One ansible-playbook run: exit code, parsed results, raw output."""

    rc: int
    data: dict
    output: str
    command: list = field(default_factory=list)

    def results(self, task_name):
        """{host: result} of the task whose name ends with ``task_name`` (last match wins)."""
        found = None
        for play in self.data.get("plays", []):
            for task in play.get("tasks", []):
                if task["task"]["name"].endswith(task_name):
                    found = task["hosts"]
        if found is None:
            raise KeyError("no task named %r in this run; tasks: %s" % (task_name, self.task_names()))
        return found

    def result(self, task_name, host):
        """The result of one task on one host (the last task of that name that ran on it)."""
        self.results(task_name)  # fails with the task names when there is no such task
        found = None
        for play in self.data.get("plays", []):
            for task in play.get("tasks", []):
                if task["task"]["name"].endswith(task_name) and host in task["hosts"]:
                    found = task["hosts"][host]
        if found is None:
            raise KeyError("task %r did not run on %s" % (task_name, host))
        return found

    def task_names(self):
        """Every task name of the run, in order."""
        return [t["task"]["name"] for p in self.data.get("plays", []) for t in p.get("tasks", [])]

    def stats(self, host):
        """The recap line of ``host`` (ok, changed, failures, ...)."""
        return self.data["stats"][host]

    def changed_hosts(self):
        """Hosts whose recap counts any change."""
        return sorted(h for h, s in self.data["stats"].items() if s.get("changed"))


class Ansible:
    """Runs playbooks against the lab with the collection installed from its tarball."""

    def __init__(self, collections_path, env):
        self.collections_path = collections_path
        self.env = env

    def run(self, playbook, inventory, check=False, diff=False, extra_vars=None, env=None, args=()):
        """Run ``playbook`` (a path, absolute or relative to the repository) and parse it."""
        path = playbook if os.path.isabs(playbook) else os.path.join(REPO, playbook)
        command = [os.path.join(os.path.dirname(_python()), "ansible-playbook"), "-i", str(inventory), path]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        for key, value in (extra_vars or {}).items():
            command += ["-e", json.dumps({key: value})]
        command += list(args)
        fd, results = tempfile.mkstemp(prefix="results-", suffix=".json")
        os.close(fd)
        run_env = dict(self.env)
        run_env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections_path,
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="results_file",
            HARDENING_TEST_RESULTS=results,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORKS="4",
            ANSIBLE_RETRY_FILES_ENABLED="false",
        )
        run_env.update(env or {})
        proc = subprocess.run(command, env=run_env, capture_output=True, text=True, cwd=REPO, check=False, timeout=600)
        try:
            with open(results, encoding="utf-8") as handle:
                data = json.load(handle)
        except ValueError:
            raise AssertionError(
                "ansible-playbook wrote no results (rc=%d)\nstdout:\n%s\nstderr:\n%s"
                % (proc.returncode, proc.stdout, proc.stderr)
            ) from None
        finally:
            os.unlink(results)
        return PlaybookRun(proc.returncode, data, proc.stdout + proc.stderr, command)


def _python():
    import sys

    return sys.executable
