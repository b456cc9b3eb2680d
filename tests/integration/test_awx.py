"""What AWX needs: the execution environment's build context, and the playbooks run by
ansible-runner (the engine AWX runs jobs with) against the lab, read back from the job events
and artifacts as AWX reads them."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import ansible_runner
import yaml

from .playbook import REPO

BIN = os.path.dirname(sys.executable)


def test_the_execution_environment_context_builds_offline(collections_path, tmp_path):
    # The same steps as `make ee-context`, in a scratch copy so the work tree is left alone.
    shutil.copy(os.path.join(REPO, "execution-environment.yml"), tmp_path)
    shutil.copy(os.path.join(REPO, "requirements.txt"), tmp_path)
    tarball = glob.glob(os.path.join(os.path.dirname(collections_path), "hardening-aws-*.tar.gz"))[0]
    (tmp_path / "build" / "ee").mkdir(parents=True)
    shutil.copy(tarball, tmp_path / "build" / "ee" / "hardening-aws.tar.gz")
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context",
         "--output-filename", "Containerfile"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    definition = yaml.safe_load((tmp_path / "execution-environment.yml").read_text(encoding="utf-8"))
    assert definition["version"] == 3
    # ansible-core, ansible-runner and the collection's Python dependencies go in; the collection
    # is installed from this checkout's tarball (Galaxy is not needed) and checked at build time.
    assert "ansible-core==" in containerfile
    assert "ansible-runner==" in containerfile
    assert "ansible-galaxy collection install /tmp/hardening-aws.tar.gz" in containerfile
    assert "ansible-doc -t inventory hardening.aws.accounts" in containerfile
    requirements = (context / "_build" / "requirements.txt").read_text(encoding="utf-8")
    assert "boto3" in requirements and "botocore" in requirements
    # The tarball in the context is the collection, with the plugins AWX uses.
    installed = tmp_path / "installed"
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(installed),
         str(context / "_build" / "collections" / "hardening-aws.tar.gz")],
        check=True, capture_output=True,
    )  # fmt: skip
    collection = installed / "ansible_collections" / "hardening" / "aws"
    for path in ("plugins/inventory/accounts.py", "playbooks/harden.yml", "roles/baseline/tasks/main.yml"):
        assert (collection / path).is_file(), path


def _runner(ansible, lab, tmp_path, playbook, inventory, extravars=None):
    """Run ``playbook`` with ansible-runner from a private data dir, as an AWX job does."""
    private = tmp_path / "runner"
    (private / "env").mkdir(parents=True)
    envvars = dict(lab.controller_env())
    envvars.update(
        PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_COLLECTIONS_PATH=ansible.collections_path,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
        ANSIBLE_FORKS="4",
    )
    return ansible_runner.run(
        private_data_dir=str(private),
        project_dir=REPO,
        playbook=playbook,
        inventory=str(inventory),
        envvars=envvars,
        extravars=extravars or {},
        process_isolation=False,
        quiet=True,
        timeout=900,
    )


def test_harden_runs_under_ansible_runner_from_the_organization_inventory(ansible, fresh_lab, tmp_path):
    source = tmp_path / "org.accounts.yml"
    source.write_text(
        yaml.safe_dump({"plugin": "hardening.aws.accounts", "endpoint_url": fresh_lab.endpoint_url}), encoding="utf-8"
    )
    runner = _runner(ansible, fresh_lab, tmp_path, "playbooks/harden.yml", source)
    assert runner.status == "successful", runner.stdout.read()
    assert runner.rc == 0
    hosts = {"security-tooling", "prod-002", "dev-003"}
    # Per-host results as AWX shows them: the recap and one event per task and host.
    assert set(runner.stats["ok"]) == hosts
    assert not runner.stats["failures"] and not runner.stats["dark"]
    assert set(runner.stats["changed"]) == hosts  # a seeded account needs hardening
    events = list(runner.events)
    ok_hosts = {e["event_data"]["host"] for e in events if e["event"] == "runner_on_ok"}
    assert hosts <= ok_hosts
    summaries = [
        e["event_data"]
        for e in events
        if e["event"] == "runner_on_ok" and e["event_data"].get("task", "").startswith("Summary | ")
    ]
    assert summaries, "the report play printed nothing"
    # The artifacts AWX keeps: the job's stdout, its events, its status and rc.
    artifacts = glob.glob(str(tmp_path / "runner" / "artifacts" / "*"))[0]
    for name in ("stdout", "rc", "status", "job_events"):
        assert os.path.exists(os.path.join(artifacts, name)), name
    with open(os.path.join(artifacts, "status"), encoding="utf-8") as handle:
        assert handle.read().strip() == "successful"
    # No secret of the account sessions reached the job's output.
    stdout = open(os.path.join(artifacts, "stdout"), encoding="utf-8").read()
    for account_id in ("210000000001", "210000000002", "210000000003"):
        assert account_id in stdout
    assert "SecretAccessKey" not in stdout and "secret_access_key" not in stdout
    first = json.loads(open(sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")))[0]).read())
    assert "uuid" in first and "event" in first


def test_audit_runs_under_ansible_runner_and_keeps_its_totals_as_job_artifacts(ansible, fresh_lab, tmp_path):
    source = tmp_path / "org.accounts.yml"
    source.write_text(
        yaml.safe_dump({"plugin": "hardening.aws.accounts", "endpoint_url": fresh_lab.endpoint_url}), encoding="utf-8"
    )
    reports = tmp_path / "reports"
    runner = _runner(ansible, fresh_lab, tmp_path, "playbooks/audit.yml", source, {"audit_report_dir": str(reports)})
    assert runner.status == "successful", runner.stdout.read()
    assert not runner.stats["changed"] and not runner.stats["failures"]
    # set_stats data reaches the playbook_on_stats event as artifact_data: what AWX shows as the
    # job's artifacts and hands to the next node of a workflow.
    [stats] = [e for e in runner.events if e["event"] == "playbook_on_stats"]
    artifacts = stats["event_data"]["artifact_data"]
    totals = artifacts["audit_totals"]
    assert set(totals) == {"210000000001", "210000000002", "210000000003"}
    for account_id, counts in totals.items():
        report = json.loads((reports / ("%s.json" % account_id)).read_text(encoding="utf-8"))
        assert counts == report["totals"]
        assert sum(counts.values()) == len(report["findings"])
    assert artifacts["audit_fleet_totals"]["accounts"] == 3
    assert (reports / "summary.html").is_file() and (reports / "junit.xml").is_file()
