"""No secret made during a run appears anywhere but where it was asked to go.

Every playbook runs at -vvv; afterwards every secret the run created (console passwords and
access keys, read back from Secrets Manager where they were delivered, and the session
credentials of the runs) is searched for in the whole output, the results, the offboarding
archive and the audit reports. Files the collection writes are 0600 in 0700 directories.
"""

from __future__ import annotations

import json
import os
import re
import stat

import yaml

from .keys import due_keys
from .test_harden import EXAMPLE

CREDENTIAL_FIELD = re.compile(
    r'"(?:SecretAccessKey|secret_access_key|session_token|SessionToken|password|Password)": "([^"]+)"'
)


def _delivered(lab):
    """Every secret value delivered to Secrets Manager in the member accounts."""
    values = []
    for account_id in lab.account_ids:
        sm = lab.client(account_id, "secretsmanager")
        for secret in sm.list_secrets()["SecretList"]:
            value = json.loads(sm.get_secret_value(SecretId=secret["ARN"])["SecretString"])
            values += [v for k, v in value.items() if k in ("Password", "SecretAccessKey", "password") and v]
    return values


def _files(root):
    for folder, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(folder, name)


def test_no_secret_in_verbose_output_or_written_files(ansible, fresh_lab, inventory, tmp_path):
    with open(EXAMPLE, encoding="utf-8") as handle:
        baseline = yaml.safe_load(handle)
    due_keys(fresh_lab, user="svc-rotate")  # a key due for rotation in every account
    archive, reports = tmp_path / "archive", tmp_path / "reports"
    runs = [
        ansible.run("playbooks/harden.yml", inventory, extra_vars=baseline, args=["-vvv"]),
        ansible.run(
            "playbooks/rotate_keys.yml", inventory, extra_vars={"key_rotation_users": ["svc-rotate"]}, args=["-vvv"]
        ),
        ansible.run(
            "playbooks/offboard.yml",
            inventory,
            extra_vars={
                "offboard_users": ["leaver-dave"],
                "offboard_mode": "delete",
                "offboard_archive_dir": str(archive),
            },
            args=["-vvv"],
        ),
        ansible.run("playbooks/audit.yml", inventory, extra_vars={"audit_report_dir": str(reports)}, args=["-vvv"]),
    ]
    for run in runs:
        assert run.rc == 0, run.output[-3000:]

    secrets = _delivered(fresh_lab)
    # A console password per account for the example's console user, and a new key per account.
    assert len(secrets) >= 2 * len(fresh_lab.account_ids), "the runs delivered fewer secrets than expected"
    texts = {"output of %s" % run.command[-2]: run.output + json.dumps(run.data) for run in runs}
    for path in list(_files(archive)) + list(_files(reports)):
        with open(path, encoding="utf-8", errors="replace") as handle:
            texts[path] = handle.read()
    leaks = [(where, secret[:4] + "...") for secret in secrets for where, text in texts.items() if secret in text]
    assert leaks == []
    # Nor any credential field with a value (the account sessions, the keys made): Ansible's
    # mask at most.
    shown = set()
    for run in runs:
        shown.update(CREDENTIAL_FIELD.findall(run.output))
    assert shown <= {"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "********"}, sorted(v[:4] + "..." for v in shown)

    for path in list(_files(archive)) + [p for p in _files(reports) if not os.path.islink(p)]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    for folder in [archive] + [archive / a for a in fresh_lab.account_ids] + [reports]:
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
