"""The lab's patches come off cleanly: after ``uninstall()`` moto is moto again."""

from __future__ import annotations

import pytest
from moto.iam.models import AccountSummary, IAMBackend, ManagedPolicy, User
from moto.iam.responses import IamResponse
from moto.secretsmanager.models import SecretsManagerBackend
from moto.ssm.models import SimpleSystemManagerBackend

from awslab import iam_extras, patches

_WATCHED = (
    (IamResponse, (*iam_extras.HANDLERS, *iam_extras.WRAPPERS, "RESPONSE_KEY_PATH_TO_TRANSFORMER")),
    (User, ("permissions_boundary",)),
    (ManagedPolicy, ("permissions_boundary_usage_count", "policy_name", "policy_id")),
    (IAMBackend, ("delete_user", "delete_policy", "update_login_profile", "get_credential_report")),
    (AccountSummary, ("summary_map",)),
    (SecretsManagerBackend, ("create_secret",)),
    (SimpleSystemManagerBackend, ("put_parameter",)),
)


def _snapshot():
    return {(owner, name): owner.__dict__.get(name) for owner, names in _WATCHED for name in names}


def test_install_is_idempotent_and_uninstall_restores_moto():
    if patches.installed():
        pytest.skip("a Lab is running in this process")
    before = _snapshot()
    patches.install()
    try:
        patches.install()
        assert patches.installed()
        assert IamResponse.get_mfa_device.__awslab_patch__ == "get_mfa_device"
        assert IamResponse.create_user.__awslab_patch__ == "create_user"
        assert "ListUsersResponse.Users.User.PermissionsBoundary" in IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
        assert AccountSummary.__dict__["summary_map"] is not before[(AccountSummary, "summary_map")]
        assert IAMBackend.get_credential_report.__awslab_patch__ == "get_credential_report"
        assert SecretsManagerBackend.create_secret.__awslab_patch__ == "create_secret"
        assert SimpleSystemManagerBackend.put_parameter.__awslab_patch__ == "put_parameter"
    finally:
        patches.uninstall()
    assert not patches.installed()
    after = _snapshot()
    assert all(after[key] is before[key] for key in before)
    assert "get_mfa_device" not in IamResponse.__dict__  # moto 5.2.5 has no GetMFADevice of its own
